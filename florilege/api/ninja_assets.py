"""Stands for django-ninja's templates and static files in INSTALLED_APPS (see
``apps.NinjaAssetsConfig``); nothing to import here."""
