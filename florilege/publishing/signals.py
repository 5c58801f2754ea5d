"""What publishing must know when topics and scoops change: cached pages go stale, and a
newly published scoop owes the WebSub hub a ping. Both are database writes only."""

from __future__ import annotations

from django.conf import settings
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from florilege.curation.models import Scoop, Topic
from florilege.publishing import cache
from florilege.publishing.models import HubPing


@receiver(pre_save, sender=Topic)
def topic_changing(sender, instance: Topic, **kwargs) -> None:
    cache.stamp_topic(instance)


@receiver(post_save, sender=Topic)
@receiver(post_delete, sender=Topic)
def topic_changed(sender, instance: Topic, **kwargs) -> None:
    cache.forget_local()
    # A topic saved or deleted (rare) also resets the per-process "visitor already counted"
    # memo, so a recreated topic with a reused id is counted afresh.
    from florilege.publishing.views import forget_counted

    forget_counted()


@receiver(post_save, sender=Scoop)
def scoop_saved(sender, instance: Scoop, created: bool, **kwargs) -> None:
    cache.touch_topic(instance.topic_id)
    if created and settings.WEBSUB_HUB:
        HubPing.objects.create(scoop=instance, due_at=instance.published_at)


@receiver(post_delete, sender=Scoop)
def scoop_deleted(sender, instance: Scoop, **kwargs) -> None:
    cache.touch_topic(instance.topic_id)
