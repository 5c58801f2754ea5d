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
from django.db.migrations import AddIndex


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
