from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "florilege.api"
    label = "api"
