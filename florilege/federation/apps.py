from django.apps import AppConfig


class FederationConfig(AppConfig):
    name = "florilege.federation"
    label = "federation"
    verbose_name = "Federation"
