from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "florilege.publishing"
    label = "publishing"

    def ready(self) -> None:
        from florilege.publishing import signals  # noqa: F401 - connects the receivers
