"""``manage.py remake_pictures [--all] [--limit N] [--dry-run]``: queue the pictures made
before the current set of thumbnails (lib/images.RENDITION_NAMES) for the ``pictures``
stage again, or with ``--all`` every ready picture but the uploads that lack none. The
worker makes them; until then each shows the thumbnails it has."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from florilege.media import services


class Command(BaseCommand):
    help = (
        "Queue pictures for the pictures stage again: those that lack a thumbnail made now "
        "(or all with --all). The worker makes them; pages keep the old ones meanwhile."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--all", action="store_true", dest="everything",
            help="Every ready picture, not only those that lack a thumbnail.",
        )  # fmt: skip
        parser.add_argument(
            "--limit", type=int, default=None, metavar="N",
            help="At most N pictures, those made the longest ago first.",
        )  # fmt: skip
        parser.add_argument(
            "--dry-run", action="store_true", help="Count the pictures; queue none."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        limit: int | None = options["limit"]
        if limit is not None and limit < 1:
            raise CommandError("--limit must be at least 1.")
        everything: bool = options["everything"]
        # An upload's original went once made: --all has nothing to make the uploads that
        # lack no thumbnail from, and says so rather than count them.
        left_out = services.uploads_left_out().count() if everything else 0
        skipped = f"; {left_out} uploads left out (nothing to make again)" if left_out else ""
        if options["dry_run"]:
            found = services.to_remake(everything).count()
            count = found if limit is None else min(found, limit)
            self.stdout.write(f"remake_pictures: {count} pictures would be queued{skipped}")
            return
        queued = services.remake(timezone.now(), everything, limit)
        self.stdout.write(
            f"remake_pictures: {queued} pictures queued{skipped}; "
            "the worker's pictures stage makes them"
        )
