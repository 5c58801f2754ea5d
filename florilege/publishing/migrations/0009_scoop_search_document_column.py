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
rewrite), the trigger then fills new and edited rows, existing rows are filled in batches
of ``BATCH`` (each its own transaction), and the index is built and the old one dropped
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
FILL = f"""UPDATE curation_scoop SET search_document = {DOCUMENT.format(row="")}
    WHERE id IN (SELECT id FROM curation_scoop WHERE search_document IS NULL LIMIT {BATCH})"""
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
        while True:
            cursor.execute(FILL)
            if cursor.rowcount < BATCH:
                break
        # An invalid index left by a build that failed is rebuilt, not kept.
        cursor.execute("DROP INDEX CONCURRENTLY IF EXISTS scoop_document")
        cursor.execute(INDEX)
        cursor.execute("DROP INDEX CONCURRENTLY IF EXISTS scoop_fulltext")
        cursor.execute("ANALYZE curation_scoop")


def backward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(OLD_INDEX)
        cursor.execute("DROP INDEX CONCURRENTLY IF EXISTS scoop_document")
        cursor.execute("DROP TRIGGER IF EXISTS scoop_search_document ON curation_scoop")
        cursor.execute("DROP FUNCTION IF EXISTS florilege_scoop_document()")
        cursor.execute("ALTER TABLE curation_scoop DROP COLUMN IF EXISTS search_document")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("publishing", "0008_comment_pictures_become_links")]

    operations = [migrations.RunPython(forward, backward)]
