"""The engagement desk: every piece of feedback on a topic as one item a team works through.

The feedback itself lives where it arrives (a site comment in ``publishing``, a fediverse
reply or like in ``federation``, a reader's suggestion here); a :class:`DeskItem` is the
team's workflow around it: status, assignee, internal notes, the "needs attention" flag.
It copies what the desk shows (author, text, link) so the inbox is one query over one
table, and names the original by ``key`` so that recording the same feedback twice
changes the item instead of adding one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DeskItem(models.Model):
    class Kind(models.TextChoices):
        COMMENT = "comment", _("Site comment")
        REPLY = "reply", _("Fediverse reply")
        MENTION = "mention", _("Mention")
        REACTIONS = "reactions", _("Likes and boosts")
        SUGGESTION = "suggestion", _("Reader suggestion")
        REPORT = "report", pgettext_lazy("desk item", "Report")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")

    topic = models.ForeignKey("topics.Topic", on_delete=models.CASCADE, related_name="+")
    scoop = models.ForeignKey(
        "curation.Scoop", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # What the item stands for, e.g. "comment:12", "reactions:5", "mention:<object id>".
    key = models.CharField(max_length=300)
    author_name = models.CharField(max_length=100, blank=True)
    author_url = models.URLField(max_length=2000, blank=True)
    text = models.TextField(blank=True, help_text="Plain text, as the desk shows it")
    link = models.CharField(max_length=2000, blank=True, help_text="Where the original is")
    # How a reply reaches the author: "site" (a comment under theirs), "fediverse" (a Note
    # in reply to ``remote_id``, addressed to ``remote_actor``), both, or none.
    channels = models.CharField(max_length=30, blank=True)
    remote_id = models.CharField(max_length=2000, blank=True)
    remote_actor = models.CharField(max_length=2000, blank=True)
    likes = models.PositiveIntegerField(default=0)
    boosts = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    needs_attention = models.BooleanField(default=False)
    # Why: "words: …" from the lexicon, "reported", or "set by <name>".
    attention_reason = models.CharField(max_length=300, blank=True)
    # Once a member sets or clears the flag, new evidence no longer overrides them.
    attention_by_hand = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["topic", "key"], name="deskitem_once_per_topic"),
        ]
        indexes = [
            models.Index(fields=["topic", "status", "-updated_at"], name="deskitem_inbox"),
            models.Index(fields=["topic", "created_at"], name="deskitem_new"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} on {self.topic_id}"

    def can_reply(self, channel: str) -> bool:
        return channel in self.channels.split()

    @property
    def attention_text(self) -> str:
        """Why the flag is up, in the reader's language: the reason is stored in fixed
        words ("reported", "words: …", "set by <name>") and said here, when shown."""
        return attention_text(self.attention_reason)


def attention_text(reason: str) -> str:
    if reason == "reported":
        return str(_("reported"))
    for prefix, template in (
        ("words: ", _("words: %(words)s")),
        ("set by ", _("set by %(name)s")),
        ("cleared by ", _("cleared by %(name)s")),
    ):
        if reason.startswith(prefix):
            rest = reason[len(prefix) :]
            return str(template) % {"words": rest, "name": rest}
    return reason


class DeskNote(models.Model):
    """A team member's note on a desk item; never shown outside the team."""

    item = models.ForeignKey(DeskItem, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"note on {self.item_id}"


class DeskReply(models.Model):
    """A reply sent from the desk, on the site or the fediverse: the item's history."""

    item = models.ForeignKey(DeskItem, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=12)
    text = models.TextField()
    # The reply's own address: a comment's page anchor, or the Note's id.
    reference = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.channel} reply on {self.item_id}"


class DeskPreference(models.Model):
    """How a member hears of new desk items: in the app (default) and/or a daily email."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="desk_preference"
    )
    in_app = models.BooleanField(default=True)
    email_digest = models.BooleanField(default=False)
    # The end of the window the last digest covered; the next covers from there.
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["email_digest", "last_digest_at"], name="deskpref_due")]

    def __str__(self) -> str:
        return f"desk preference of {self.user_id}"
