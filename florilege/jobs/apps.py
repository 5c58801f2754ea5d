from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "florilege.jobs"
    verbose_name = "Background work"

    def ready(self) -> None:
        # Each app declares its stages in its own ``stages`` module; importing them here
        # registers them once, at start-up, whatever command or request runs.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("stages")
