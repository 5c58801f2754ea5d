from django.apps import AppConfig


class SuggestionsConfig(AppConfig):
    name = "florilege.suggestions"
    label = "suggestions"
