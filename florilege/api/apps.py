from importlib.util import find_spec

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "florilege.api"
    label = "api"


class NinjaAssetsConfig(AppConfig):
    """django-ninja's templates and static files (the docs page and its script), without
    importing ninja: as an installed app, "ninja" was imported by every process at set-up,
    and with it pydantic, ``django.test`` and Jinja (about 15 MB), in workers that serve no
    API. The web process imports ninja through its URLs."""

    name = "florilege.api.ninja_assets"
    label = "ninja"
    verbose_name = "django-ninja assets"
    # find_spec locates the package without running its __init__.
    path = (find_spec("ninja").submodule_search_locations or [""])[0]  # type: ignore[union-attr]
