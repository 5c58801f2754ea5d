"""Automation rules: what a topic does on its own with a new suggestion."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AutomationRule(models.Model):
    """Per topic: when a new suggestion meets every condition set, act on it.

    Conditions left empty do not constrain; at least one must be set (the service checks).
    Keywords match as whole words with case and accents folded, like the topic's keywords;
    the regular expression runs on RE2 (linear time), never on a backtracking engine.
    """

    class Action(models.TextChoices):
        SCOOP = "scoop", _("Publish it (auto-scoop)")
        DISCARD = "discard", _("Discard it")
        TAG = "tag", _("Add a tag")

    topic = models.ForeignKey(
        "topics.Topic", on_delete=models.CASCADE, related_name="automation_rules"
    )
    name = models.CharField(max_length=100)
    # Rules run in this order; the first auto-scoop or discard that matches wins, tags add up.
    position = models.PositiveSmallIntegerField(default=0)
    enabled = models.BooleanField(default=True)
    # Conditions. Source ids (of the topic's sources), phrases (any), language codes (any).
    source_ids = models.JSONField(default=list, blank=True)
    keywords = models.JSONField(default=list, blank=True)
    regex = models.CharField(max_length=300, blank=True)
    languages = models.JSONField(default=list, blank=True)
    # On the suggestion's relevance (keyword strength, 0.1 when nothing matched).
    min_score = models.FloatField(null=True, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    tag = models.CharField(max_length=50, blank=True)
    # Markdown; the insight of scoops this rule publishes.
    insight_template = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["topic", "position", "id"]

    def __str__(self) -> str:
        return self.name
