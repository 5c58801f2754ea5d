from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "florilege.analytics"
    label = "analytics"
