"""``manage.py desk_backfill``: put the feedback received before the engagement desk
existed on the desk (comments, fediverse replies, likes and boosts, reader suggestions,
reports). Safe to run again: items are keyed on what they stand for."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from florilege.curation.services import desk


class Command(BaseCommand):
    help = "Record existing feedback as engagement-desk items (idempotent)."

    def handle(self, *args, **options) -> None:
        count = desk.backfill(timezone.now())
        self.stdout.write(f"desk_backfill: {count} pieces of feedback recorded")
