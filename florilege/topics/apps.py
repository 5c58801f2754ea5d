from django.apps import AppConfig


class TopicsConfig(AppConfig):
    name = "florilege.topics"
    label = "topics"
