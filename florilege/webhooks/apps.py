from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "florilege.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        # Curation and publishing announce what happened (signals); webhooks listen, so
        # neither knows that webhooks exist.
        from florilege.webhooks import events

        events.connect()
