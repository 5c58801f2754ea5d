"""Migration operations for tables that are large in production.

``AddIndexConcurrently`` builds an index without blocking writes on PostgreSQL
(``CREATE INDEX CONCURRENTLY``: the fetch workers keep inserting entries meanwhile), and a
plain ``CREATE INDEX`` on SQLite, which has no such mode (one writer at a time anyway).
Django's own ``django.contrib.postgres.operations.AddIndexConcurrently`` refuses SQLite and
imports the PostgreSQL driver, which a SQLite-only install lacks. A migration using it sets
``atomic = False``: PostgreSQL refuses a concurrent build inside a transaction.
"""

from __future__ import annotations

from django.db import NotSupportedError
from django.db.migrations import AddIndex, RunPython


class AddIndexConcurrently(AddIndex):
    atomic = False

    def describe(self) -> str:
        return f"Create index {self.index.name} on {self.model_name} (concurrently on PostgreSQL)"

    def _concurrently(self, schema_editor) -> bool:
        if schema_editor.connection.vendor != "postgresql":
            return False
        if schema_editor.connection.in_atomic_block:
            raise NotSupportedError(
                "AddIndexConcurrently cannot run in a transaction: set atomic = False on the "
                "migration"
            )
        return True

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if self._concurrently(schema_editor):
            schema_editor.add_index(model, self.index, concurrently=True)
        else:
            schema_editor.add_index(model, self.index)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        model = from_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if self._concurrently(schema_editor):
            schema_editor.remove_index(model, self.index, concurrently=True)
        else:
            schema_editor.remove_index(model, self.index)


def drop_field_indexes(table: str, column: str, keep_as: str | None = None) -> RunPython:
    """The database half of turning a field's ``db_index=True`` off: its index is dropped
    (PostgreSQL's ``varchar_pattern_ops`` twin, "…_like", too), or kept under ``keep_as``
    when the model now declares it in ``Meta.indexes`` (renamed on PostgreSQL: nothing is
    rebuilt). The state half is the migration's ``AlterField`` (and ``AddIndex``), in a
    ``SeparateDatabaseAndState``: Django's own ``AlterField`` would rebuild the whole table
    on SQLite. Concurrently on PostgreSQL, so the migration sets ``atomic = False``."""

    def names(schema_editor) -> tuple[str, str]:
        plain = schema_editor._create_index_name(table, [column], suffix="")
        return plain, schema_editor._create_index_name(table, [column], suffix="_like")

    def forwards(apps, schema_editor) -> None:
        plain, like = names(schema_editor)
        quote = schema_editor.quote_name
        postgres = schema_editor.connection.vendor == "postgresql"
        drop = "DROP INDEX CONCURRENTLY IF EXISTS" if postgres else "DROP INDEX IF EXISTS"
        schema_editor.execute(f"{drop} {quote(like)}")
        if keep_as is None:
            schema_editor.execute(f"{drop} {quote(plain)}")
        elif postgres:
            schema_editor.execute(
                f"ALTER INDEX IF EXISTS {quote(plain)} RENAME TO {quote(keep_as)}"
            )
        else:
            schema_editor.execute(f"{drop} {quote(plain)}")
        if keep_as is not None:
            create = (
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS"
                if postgres
                else "CREATE INDEX IF NOT EXISTS"
            )
            schema_editor.execute(f"{create} {quote(keep_as)} ON {quote(table)} ({quote(column)})")

    def backwards(apps, schema_editor) -> None:
        plain, like = names(schema_editor)
        quote = schema_editor.quote_name
        postgres = schema_editor.connection.vendor == "postgresql"
        create = (
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS" if postgres else "CREATE INDEX IF NOT EXISTS"
        )
        if keep_as is not None and postgres:
            schema_editor.execute(
                f"ALTER INDEX IF EXISTS {quote(keep_as)} RENAME TO {quote(plain)}"
            )
        elif keep_as is not None:
            schema_editor.execute(f"DROP INDEX IF EXISTS {quote(keep_as)}")
        schema_editor.execute(f"{create} {quote(plain)} ON {quote(table)} ({quote(column)})")
        if postgres and like_applies(apps, table, column):
            schema_editor.execute(
                f"{create} {quote(like)} ON {quote(table)} ({quote(column)} varchar_pattern_ops)"
            )

    return RunPython(forwards, backwards)


def like_applies(apps, table: str, column: str) -> bool:
    """Whether PostgreSQL gave the column a "…_like" twin: Django does for text columns
    (varchar and text), not for keys."""
    for model in apps.get_models():
        if model._meta.db_table == table:
            field = next(f for f in model._meta.concrete_fields if f.column == column)
            return field.get_internal_type() in {"CharField", "TextField", "SlugField"}
    return False
