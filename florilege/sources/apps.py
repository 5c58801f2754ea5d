from django.apps import AppConfig


class SourcesConfig(AppConfig):
    name = "florilege.sources"
    label = "sources"
