from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _sqlite_functions(sender, connection, **kwargs) -> None:
    """SQLite gets ``florilege_fold()``, the function migration publishing 0006 creates in
    PostgreSQL, so tag lookups fold accents and case in SQL on both databases."""
    if connection.vendor != "sqlite":
        return
    from florilege.lib.text.folding import fold

    def fold_or_null(value: str | None) -> str | None:
        return None if value is None else fold(str(value))

    connection.connection.create_function("florilege_fold", 1, fold_or_null, deterministic=True)


class PublishingConfig(AppConfig):
    name = "florilege.publishing"
    label = "publishing"

    def ready(self) -> None:
        from florilege.curation.services import desk
        from florilege.publishing import signals  # noqa: F401 - connects the receivers
        from florilege.publishing.services.comments import answer_on_site, backfill_desk

        desk.register_channel("site", answer_on_site)
        desk.register_backfill(backfill_desk)

        connection_created.connect(_sqlite_functions, dispatch_uid="florilege_fold")
