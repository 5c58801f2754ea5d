from django.apps import AppConfig


class CurationConfig(AppConfig):
    name = "florilege.curation"
    label = "curation"
