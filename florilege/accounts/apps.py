from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "florilege.accounts"
    label = "accounts"
