"""What publishing must know when topics and scoops change: cached pages go stale, and a
newly published scoop owes the WebSub hub a ping. Both are database writes only."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from florilege.analytics.counting import forget_counted
from florilege.curation.models import Scoop
from florilege.curation.services import publication
from florilege.media.models import Picture
from florilege.media.signals import picture_ready
from florilege.publishing import cache, search
from florilege.publishing.models import Comment, HubPing, Reaction
from florilege.topics.models import Topic


@receiver(pre_save, sender=Topic)
def topic_changing(sender, instance: Topic, **kwargs) -> None:
    cache.stamp_topic(instance)


@receiver(post_save, sender=Topic)
@receiver(post_delete, sender=Topic)
def topic_changed(sender, instance: Topic, **kwargs) -> None:
    cache.forget_local()
    # A topic saved or deleted (rare) also resets the per-process "visitor already counted"
    # memo, so a recreated topic with a reused id is counted afresh.
    forget_counted()


@receiver(post_save, sender=Scoop)
@receiver(post_delete, sender=Scoop)
def scoop_changed(sender, instance: Scoop, **kwargs) -> None:
    cache.touch_topic(instance.topic_id)
    original = (
        instance.rescooped_from_id
        and Scoop.objects.filter(pk=instance.rescooped_from_id)
        .values_list("topic_id", flat=True)
        .first()
    )
    if original:
        # The original's page counts its rescoops.
        cache.touch_topic(original)


@receiver(publication.scoop_published)
def scoop_published(sender, scoop: Scoop, now, **kwargs) -> None:
    # The workflow moves a scoop between states with conditional UPDATEs (no post_save):
    # the page cache learns of it here.
    cache.touch_topic(scoop.topic_id)
    # Only a scoop that readers can now see changes the feeds the hub relays (not a draft,
    # a proposal or a scoop scheduled for later).
    if settings.WEBSUB_HUB:
        # A scoop published with a future date (rather than scheduled) pings when it shows.
        due = max(now, scoop.published_at) if scoop.published_at else now
        HubPing.objects.create(scoop=scoop, due_at=due)


@receiver(picture_ready)
def picture_made(sender, picture: Picture, **kwargs) -> None:
    # Pages show a picture only once made: those that show this one change now.
    topics = set(Scoop.objects.filter(picture=picture).values_list("topic_id", flat=True))
    topics |= set(Topic.objects.filter(header_picture=picture).values_list("pk", flat=True))
    for topic_id in sorted(topics):
        cache.touch_topic(topic_id)


@receiver(publication.scoop_unpublished)
def scoop_unpublished(sender, scoop: Scoop, now, **kwargs) -> None:
    cache.touch_topic(scoop.topic_id)


# Readers' counts are on the cached cards and permalinks: a comment approved, a reaction
# makes the topic's pages stale (federation does the same for the fediverse's reactions).
@receiver(post_save, sender=Comment)
@receiver(post_delete, sender=Comment)
@receiver(post_save, sender=Reaction)
@receiver(post_delete, sender=Reaction)
def readers_counts_changed(sender, instance, **kwargs) -> None:
    cache.touch_scoop_topic(instance.scoop_id)


# The fields search's side lists match on, and filter by.
NAMED_BY = {
    "topics": {"title", "description", "is_public"},
    "accounts": {"username", "first_name", "last_name", "is_active"},
}


def _forget_names(kind: str, update_fields=None) -> None:
    if update_fields is not None and not NAMED_BY[kind] & set(update_fields):
        return  # a login's last_login, a topic's picture: no name changed
    # Now, for this process's next search, and again at commit: a search between the two
    # would read (and keep) the names from before the save.
    search.forget_side_lists(kind)
    transaction.on_commit(lambda: search.forget_side_lists(kind))


@receiver(post_save, sender=Topic)
@receiver(post_delete, sender=Topic)
def topic_names_changed(sender, update_fields=None, **kwargs) -> None:
    _forget_names("topics", update_fields)


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
@receiver(post_delete, sender=settings.AUTH_USER_MODEL)
def account_names_changed(sender, update_fields=None, **kwargs) -> None:
    _forget_names("accounts", update_fields)
