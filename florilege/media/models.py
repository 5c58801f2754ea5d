"""A picture found at an address, and what the worker made of it."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Why a picture failed, for the curator, by the code the stage records (its ``error``
# keeps the details, in English, for the operator).
REASONS = {
    "empty": _("The picture's address answered with an empty file."),
    "too_big": _("The picture is larger than this site accepts."),
    "svg": _("It is a vector image (SVG); only JPEG, PNG, WebP and GIF pictures are used."),
    "format": _("Only JPEG, PNG, WebP and GIF pictures are used."),
    "pixels": _("The picture has too many pixels."),
    "unreadable": _("The file is not a picture that can be read (damaged, cut short, or not one)."),
    "http": _("The picture's server answered with an error."),
    "blocked": _(
        "The picture's address leads to a private network, which this site does not fetch."
    ),
    "redirects": _("The picture's address redirects too many times."),
    "timeout": _("The picture's server did not answer in time."),
    "missing": _("The uploaded file is missing."),
}


class Picture(models.Model):
    """One picture address (shared by every scoop that shows it) and its state: waiting for
    the ``pictures`` stage, ready with its thumbnails, or failed with the reason."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be processed")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Could not be used")

    source_url = models.CharField(max_length=2000)
    # SHA-256 of the address: unique, and short enough for any database's index.
    source_key = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    error_code = models.CharField(max_length=20, blank=True)
    error = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    due_at = models.DateTimeField(default=timezone.now)
    leased_until = models.DateTimeField(null=True, blank=True)
    lease_owner = models.CharField(max_length=200, blank=True)
    # The upright picture's size, and its average colour (#rrggbb) shown while it loads.
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    color = models.CharField(max_length=7, blank=True)
    # {"card": {"width": 640, "height": 336, "webp": name, "jpeg": name}, ...}: names in the
    # media storage (lib/media.py), by rendition (lib/images.RENDITION_WIDTHS).
    renditions = models.JSONField(default=dict, blank=True)
    # Queued to be made again (manage.py remake_pictures): "missing" makes the thumbnails
    # it lacks from its own largest JPEG, "all" fetches its address again; "" otherwise.
    remake = models.CharField(max_length=10, blank=True)
    # Its files a remake replaced, by name, with when (ISO 8601): sent emails, feed readers
    # and the fediverse still link them, so the sweep keeps them for the grace period.
    replaced = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "due_at"], name="picture_due")]

    def __str__(self) -> str:
        return self.source_url

    @property
    def is_ready(self) -> bool:
        """Whether it has thumbnails to show: made, or queued to be made again (a pending
        picture that has thumbnails shows them until its new ones replace them)."""
        return bool(self.renditions) and self.status != self.Status.FAILED

    @property
    def reason(self) -> str:
        """Why it failed, in the reader's language when the code is known."""
        return str(REASONS.get(self.error_code, self.error))

    def rendition(self, name: str) -> dict[str, Any] | None:
        """The named thumbnail's sizes and file names, when the picture is ready."""
        if not self.is_ready:
            return None
        found = self.renditions.get(name)
        return found if isinstance(found, dict) else None

    def file_names(self) -> set[str]:
        return file_names_of(self.renditions)


def file_names_of(renditions: dict[str, Any]) -> set[str]:
    """The storage names of the files ``renditions`` (a Picture's) name."""
    return {
        str(r[kind])
        for r in renditions.values()
        if isinstance(r, dict)
        for kind in ("webp", "jpeg")
        if r.get(kind)
    }
