from django.apps import AppConfig


class ReadersConfig(AppConfig):
    name = "florilege.readers"
    label = "readers"
