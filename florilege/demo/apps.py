from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "florilege.demo"
    label = "demo"
