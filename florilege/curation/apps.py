from django.apps import AppConfig


class CurationConfig(AppConfig):
    name = "florilege.curation"
    label = "curation"

    def ready(self) -> None:
        from florilege.curation.services import desk, reader

        desk.register_backfill(reader.backfill_desk)
