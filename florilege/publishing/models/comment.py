from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Comment(models.Model):
    """A reader's comment on a scoop, written on the site or replied from the fediverse.

    Both origins go through the same moderation: a comment is shown only once approved.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting moderation"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SPAM = "spam", "Spam"

    class Origin(models.TextChoices):
        SITE = "site", "On the site"
        FEDIVERSE = "fediverse", "From the fediverse"

    scoop = models.ForeignKey("curation.Scoop", on_delete=models.CASCADE, related_name="comments")
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.SITE)
    # A signed-in reader, when there is one; otherwise the name and address they gave.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(max_length=100)
    # The author's profile: a fediverse actor's page, or nothing for a site reader.
    author_url = models.URLField(max_length=2000, blank=True)
    # The remote object's id (ActivityPub) so Update and Delete find the comment again.
    remote_id = models.URLField(max_length=2000, null=True, blank=True, unique=True)
    body = models.TextField(help_text="As written (plain text), or the remote HTML as received")
    body_html = models.TextField(help_text="Sanitised HTML shown on the page")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Site comments: the address the reader gave (never shown), and a keyed hash of name and
    # address that recognises an author whose earlier comment a curator approved.
    email = models.EmailField(max_length=254, blank=True)
    author_key = models.CharField(max_length=64, blank=True, db_index=True)
    # Readers' reports since the last review; enough of them hide the comment until reviewed.
    report_count = models.PositiveIntegerField(default=0)
    # A curator's answer from the engagement desk names the comment it answers.
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["scoop", "status", "created_at"], name="comment_thread")]

    def __str__(self) -> str:
        return f"{self.author_name} on {self.scoop_id}"
