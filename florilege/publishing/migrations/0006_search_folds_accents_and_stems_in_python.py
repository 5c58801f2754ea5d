"""Search indexes fold accents and case, unstemmed; stemming moves to publishing/search.py.

SQLite: the FTS5 table is rebuilt with ``unicode61 remove_diacritics 2`` alone (porter
stemmed English only, and its stems did not line up with the French ones: "fediverse"
missed "fédivers"). PostgreSQL: ``florilege_fold(text)``, an immutable function the index
can use, is ``lower(unaccent(...))`` when the ``unaccent`` extension can be created, and
``lower(translate(...))`` over the Latin-1 accents when it cannot (a managed database
without the extension, a role without the right); the GIN index is rebuilt on
``to_tsvector('simple', ...)`` of the folded text, weighted by field.
"""

from django.db import migrations

FTS_COLUMNS = "title, excerpt, insight, tags"


def _sqlite(tokenize: str) -> list[str]:
    new = "new.id, new.title, new.excerpt, new.insight, new.tags"
    old = "'delete', old.id, old.title, old.excerpt, old.insight, old.tags"
    target = f"publishing_scoop_fts(publishing_scoop_fts, rowid, {FTS_COLUMNS})"
    return [
        *SQLITE_DROP,
        f"""CREATE VIRTUAL TABLE publishing_scoop_fts USING fts5({FTS_COLUMNS},
            content='curation_scoop', content_rowid='id', tokenize='{tokenize}')""",
        f"""CREATE TRIGGER publishing_scoop_fts_ai AFTER INSERT ON curation_scoop BEGIN
            INSERT INTO publishing_scoop_fts(rowid, {FTS_COLUMNS}) VALUES ({new}); END""",
        f"""CREATE TRIGGER publishing_scoop_fts_ad AFTER DELETE ON curation_scoop BEGIN
            INSERT INTO {target} VALUES ({old}); END""",
        f"""CREATE TRIGGER publishing_scoop_fts_au AFTER UPDATE ON curation_scoop BEGIN
            INSERT INTO {target} VALUES ({old});
            INSERT INTO publishing_scoop_fts(rowid, {FTS_COLUMNS}) VALUES ({new}); END""",
        "INSERT INTO publishing_scoop_fts(publishing_scoop_fts) VALUES ('rebuild')",
    ]


SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS publishing_scoop_fts_ai",
    "DROP TRIGGER IF EXISTS publishing_scoop_fts_ad",
    "DROP TRIGGER IF EXISTS publishing_scoop_fts_au",
    "DROP TABLE IF EXISTS publishing_scoop_fts",
]
ACCENTED = "àâäáãåçéèêëíìîïñóòôöõúùûüýÿÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜÝ"
PLAIN = "aaaaaaceeeeiiiinooooouuuuyyAAAAAACEEEEIIIINOOOOOUUUUY"
FOLD_TRANSLATE = f"lower(translate($1, '{ACCENTED}', '{PLAIN}'))"
FOLD_FUNCTION = """CREATE OR REPLACE FUNCTION florilege_fold(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT {body} $$"""


def _fields(fold: str) -> str:
    parts = [("title", "A"), ("tags::text", "B"), ("excerpt", "C"), ("insight", "D")]
    return " || ".join(
        f"setweight(to_tsvector('simple'::regconfig, {fold}(coalesce({col}, ''))), '{w}')"
        for col, w in parts
    )


PG_INDEX = (
    f"CREATE INDEX scoop_fulltext ON curation_scoop USING gin (({_fields('florilege_fold')}))"
)
PG_OLD_INDEX = """CREATE INDEX scoop_fulltext ON curation_scoop USING gin (to_tsvector(
    CASE WHEN left("language", 2) = 'fr' THEN 'french'::regconfig ELSE 'english'::regconfig END,
    translate(coalesce("title", '') || ' ' || coalesce("excerpt", '') || ' '
    || coalesce("insight", '') || ' ' || coalesce("tags"::text, ''),
    '{ACCENTED}', '{PLAIN}')))""".replace("{ACCENTED}", ACCENTED).replace("{PLAIN}", PLAIN)


def _unaccent_schema(schema_editor) -> str | None:
    """The schema of the unaccent extension, created if need be; None when it cannot be
    (the savepoint keeps a refusal from aborting the migration's transaction)."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SAVEPOINT florilege_unaccent")
        try:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        except Exception:  # noqa: BLE001 - any refusal means: use the fallback
            cursor.execute("ROLLBACK TO SAVEPOINT florilege_unaccent")
            return None
        cursor.execute("RELEASE SAVEPOINT florilege_unaccent")
        cursor.execute(
            "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'unaccent'"
        )
        return cursor.fetchone()[0]


def forward(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for sql in _sqlite("unicode61 remove_diacritics 2"):
            schema_editor.execute(sql)
    elif vendor == "postgresql":
        schema = _unaccent_schema(schema_editor)
        # Schema-qualified, dictionary named: what makes unaccent safe to call from an
        # immutable function (the one-argument form depends on search_path).
        body = (
            f"lower({schema}.unaccent('{schema}.unaccent'::regdictionary, $1))"
            if schema
            else FOLD_TRANSLATE
        )
        schema_editor.execute("DROP INDEX IF EXISTS scoop_fulltext")
        schema_editor.execute(FOLD_FUNCTION.format(body=body))
        schema_editor.execute(PG_INDEX)


def backward(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for sql in _sqlite("porter unicode61 remove_diacritics 2"):
            schema_editor.execute(sql)
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS scoop_fulltext")
        schema_editor.execute("DROP FUNCTION IF EXISTS florilege_fold(text)")
        schema_editor.execute(PG_OLD_INDEX)


class Migration(migrations.Migration):
    dependencies = [("publishing", "0005_rate_limits_move_to_analytics")]

    operations = [migrations.RunPython(forward, backward)]
