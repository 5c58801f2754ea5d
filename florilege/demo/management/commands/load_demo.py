"""``manage.py load_demo``: the demo curator, the demo topic, its six feeds, first scoops
and a little feedback on its engagement desk.

The demo feeds are served by this very instance under ``/demo/feeds/``. At load time the
server is not running yet, so the first batch of entries is parsed from the same renderer
in-process and stored; the pipeline's own stages (stories, suggestions, rules) then run on
what was stored, as they do after any fetch; the worker then fetches the feeds
over loopback like any other source (and, storage being an upsert, duplicates nothing).
Running it twice changes nothing.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from florilege.curation.models import Scoop
from florilege.curation.services.scooping import ScoopDraft, draft_from_suggestion, scoop_suggestion
from florilege.demo import desk
from florilege.demo.content import DEMO_SCOOPS, DEMO_TOPIC
from florilege.demo.feeds import (
    IMAGE_SIZE,
    article_url,
    feed_urls,
    get_feed,
    image_url,
    item_image,
    render_feed,
)
from florilege.jobs.worker import run_until_idle
from florilege.media import services as pictures
from florilege.sources.models import Source
from florilege.sources.parsing import parse_feed
from florilege.sources.services.ingest import store_feed
from florilege.suggestions.models import Suggestion
from florilege.topics.models import Topic, TopicSource

DEMO_USER = "demo"
PIPELINE = ("enrich", "suggest", "rules")


class Command(BaseCommand):
    help = "Load the demo topic, feeds and scoops (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            user = self._curator()
            topic = self._topic(user)
            self._sources(topic)
            # Stories, suggestions and rules, through the same stages the worker runs.
            run_until_idle(stages=PIPELINE)
            made = self._scoops(topic, user)
            # A little feedback of every kind, so the engagement desk has something to show.
            desk.load(topic, user, timezone.now())
        self.stdout.write(
            f"Demo topic: {settings.BASE_URL}{topic.get_absolute_url()} ({made} new scoops)"
        )

    def _curator(self):
        users = get_user_model()
        user = users.objects.filter(username=DEMO_USER).first()
        if user is not None:
            self.stdout.write(
                f"Demo curator '{DEMO_USER}' exists (password shown when it was created; "
                f"change it with: manage.py changepassword {DEMO_USER})."
            )
            return user
        password = secrets.token_urlsafe(12)
        user = users.objects.create_user(DEMO_USER, password=password, first_name="Demo")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo curator created. Log in at {settings.BASE_URL}/login/ with "
                f"user name: {DEMO_USER}  password: {password}  (shown only this once)"
            )
        )
        return user

    def _topic(self, user) -> Topic:
        topic, _ = Topic.objects.get_or_create(
            slug=DEMO_TOPIC.slug,
            defaults={
                "title": DEMO_TOPIC.title,
                "description": DEMO_TOPIC.description,
                "languages": list(DEMO_TOPIC.languages),
                "keywords": list(DEMO_TOPIC.keywords),
                "owner": user,
            },
        )
        return topic

    def _sources(self, topic: Topic) -> None:
        now = timezone.now()
        for slug, url in feed_urls(settings.BASE_URL):
            source, _ = Source.objects.get_or_create(url=url)
            TopicSource.objects.get_or_create(topic=topic, source=source)
            if source.entries.exists():
                continue
            body, content_type = render_feed(slug, settings.BASE_URL, now)
            new = store_feed(source, parse_feed(body, url=url, content_type=content_type), now)
            source.entry_count = len(new)
            # Due now: the worker's first cycle fetches it for real, over loopback.
            source.next_fetch_at = now
            source.save()

    def _picture(self, url: str, feed_slug: str, item_slug: str) -> None:
        """The demo draws its pictures: their thumbnails are made here, by the same pipeline
        as the worker's, so the demo topic shows them before the worker first runs (which
        would fetch them from this instance's own /demo/ pages)."""
        picture = pictures.request(url, timezone.now())
        if picture is None or picture.is_ready:
            return
        feed = get_feed(feed_slug)
        item = feed.item(item_slug)
        if item is not None:
            pictures.process_now(picture, item_image(feed, item), timezone.now())

    def _scoops(self, topic: Topic, user) -> int:
        now = timezone.now()
        made = 0
        for offset, demo in enumerate(DEMO_SCOOPS):
            url = article_url(settings.BASE_URL, demo.feed_slug, demo.item_slug)
            suggestion = (
                Suggestion.objects.filter(topic=topic, entry__url=url)
                .select_related("entry", "entry__source")
                .first()
            )
            if (
                suggestion is None
                or Scoop.objects.filter(topic=topic, entry=suggestion.entry).exists()
            ):
                continue
            base = draft_from_suggestion(suggestion)
            draft = ScoopDraft(
                **{**base.__dict__, "insight": demo.insight, "tags": list(demo.tags)}
            )
            # The demo draws its pictures, so their size is known: the fediverse gets it.
            if draft.image_url == image_url(settings.BASE_URL, demo.feed_slug, demo.item_slug):
                draft.image_width, draft.image_height = IMAGE_SIZE
                self._picture(draft.image_url, demo.feed_slug, demo.item_slug)
            # Spread the demo scoops over the last days so the page reads like a real topic.
            scoop_suggestion(suggestion, user, draft, now - timedelta(hours=7 * offset + 1))
            made += 1
        return made
