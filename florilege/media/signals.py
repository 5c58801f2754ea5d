"""What the media app tells the apps above it (they connect; it imports none of them)."""

from django.dispatch import Signal

# Sent after a picture's thumbnails were made (sender=Picture, picture=..., now=...): the
# pages that show it go stale, and the fediverse hears of the scoops it illustrates.
picture_ready = Signal()
