"""Redraw the installed app's icons into the publishing app's static files."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from florilege.publishing.app_icons import write_icons


class Command(BaseCommand):
    help = "Draw the web app's PNG icons (192 and 512 px, ordinary and maskable)."

    def handle(self, *args, **options) -> None:
        for path in write_icons():
            self.stdout.write(str(path))
