"""PostgreSQL keeps each scoop's search document in a column instead of recomputing it.

The GIN index of migration 0006 was on an expression: it found the matching rows, but
ranking them (``ts_rank``) and telling those with every word apart recomputed the document
of each match, ``unaccent`` and ``to_tsvector`` over four fields, twice. A query with a word
most scoops hold ("il", "l'", "their") matched thousands and took most of a second at
10,000 scoops. The document is now stored in ``curation_scoop.search_document``, filled by
a trigger on every insert and on every update of the four fields (as the SQLite FTS5
table is kept in step by triggers), with a GIN index on the column; the old expression
index goes.

Built without blocking readers or writers for long: the column is added empty (no
rewrite), the trigger then fills new and edited rows, existing rows are filled in ranges
of ``BATCH`` ids (each its own transaction), and the index is built and the old one dropped
``CONCURRENTLY``: hence ``atomic = False``. A run that stopped halfway can be run again.

SQLite: nothing (its FTS5 table already stores the document). The column is not a model
field: Django never reads or writes it, the trigger does.
"""

from django.db import migrations

BATCH = 5_000
DOCUMENT = """(
    setweight(to_tsvector('simple'::regconfig, florilege_fold(coalesce({row}title, ''))), 'A')
    || setweight(to_tsvector('simple'::regconfig,
        florilege_fold(coalesce({row}tags::text, ''))), 'B')
    || setweight(to_tsvector('simple'::regconfig, florilege_fold(coalesce({row}excerpt, ''))), 'C')
    || setweight(to_tsvector('simple'::regconfig, florilege_fold(coalesce({row}insight, ''))), 'D'))"""
# The trigger names no column (no ``UPDATE OF title, ...``): PostgreSQL refuses to change
# the type of a column a trigger's definition names, so a later ``AlterField`` of a scoop's
# title (a longer ``max_length``) would fail. The function compares the four fields itself.
FUNCTION = f"""CREATE OR REPLACE FUNCTION florilege_scoop_document() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' OR NEW.search_document IS NULL
            OR NEW.title IS DISTINCT FROM OLD.title OR NEW.tags IS DISTINCT FROM OLD.tags
            OR NEW.excerpt IS DISTINCT FROM OLD.excerpt
            OR NEW.insight IS DISTINCT FROM OLD.insight THEN
            NEW.search_document := {DOCUMENT.format(row="NEW.")};
        END IF;
        RETURN NEW;
    END $$"""
TRIGGER = """CREATE TRIGGER scoop_search_document
    BEFORE INSERT OR UPDATE ON curation_scoop
    FOR EACH ROW EXECUTE FUNCTION florilege_scoop_document()"""
# By ranges of ids, each range read once through the primary key: looking for the next
# rows still empty from the start of the table would read every earlier batch's dead row
# versions again, work that grows with the square of the table.
FILL = f"""UPDATE curation_scoop SET search_document = {DOCUMENT.format(row="")}
    WHERE id >= %s AND id < %s AND search_document IS NULL"""
# Without GIN's pending list (fastupdate): scoops are written at a curator's pace, and a
# pending list is read in full by every search until a vacuum merges it (the planner,
# pricing that, chose to scan the table over a freshly filled index).
INDEX = """CREATE INDEX CONCURRENTLY scoop_document ON curation_scoop
    USING gin (search_document) WITH (fastupdate = off)"""
OLD_INDEX = f"""CREATE INDEX CONCURRENTLY IF NOT EXISTS scoop_fulltext ON curation_scoop
    USING gin ({DOCUMENT.format(row="")})"""


def forward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE curation_scoop ADD COLUMN IF NOT EXISTS search_document tsvector"
        )
        cursor.execute(FUNCTION)
        cursor.execute("DROP TRIGGER IF EXISTS scoop_search_document ON curation_scoop")
        cursor.execute(TRIGGER)
        cursor.execute(
            "SELECT min(id), max(id) FROM curation_scoop WHERE search_document IS NULL"
        )
        first, last = cursor.fetchone()
        if first is not None:
            for start in range(first, last + 1, BATCH):
                cursor.execute(FILL, [start, start + BATCH])
        # A valid index from an earlier run is kept; an invalid one (a build that failed
        # halfway) is dropped and built again.
        cursor.execute(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('scoop_document')"
        )
        found = cursor.fetchone()
        if found is None or not found[0]:
            cursor.execute("DROP INDEX CONCURRENTLY IF EXISTS scoop_document")
            cursor.execute(INDEX)
        cursor.execute("DROP INDEX CONCURRENTLY IF EXISTS scoop_fulltext")
        cursor.execute("ANALYZE curation_scoop")


def backward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        # Never keep an invalid index left by a failed build (IF NOT EXISTS would).
        cursor.execute(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('scoop_fulltext')"
        )
        found = cursor.fetchone()
        if found is not None and not found[0]:
            cursor.execute("DROP INDEX CONCURRENTLY scoop_fulltext")
        cursor.execute(OLD_INDEX)
        cursor.execute("DROP INDEX CONCURRENTLY IF EXISTS scoop_document")
        cursor.execute("DROP TRIGGER IF EXISTS scoop_search_document ON curation_scoop")
        cursor.execute("DROP FUNCTION IF EXISTS florilege_scoop_document()")
        cursor.execute("ALTER TABLE curation_scoop DROP COLUMN IF EXISTS search_document")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("publishing", "0008_comment_pictures_become_links")]

    operations = [migrations.RunPython(forward, backward)]
