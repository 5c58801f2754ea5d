from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "florilege.publishing"
    label = "publishing"
