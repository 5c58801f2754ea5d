from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "florilege.analytics"
    label = "analytics"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # Apps above this one say what they add to the daily figures in their ``audience``
        # module (see ``contributors``): imported here, so analytics never imports them.
        autodiscover_modules("audience")
