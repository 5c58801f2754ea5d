"""The demo as ``make run`` loads it: stories from the pipeline's own stages."""

from __future__ import annotations

from io import BytesIO, StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import escape
from PIL import Image

from florilege.curation.models import Scoop
from florilege.demo.content import SYNDICATED_STORIES, WIRE_EN, WIRE_FR
from florilege.demo.feeds import article_url
from florilege.federation.models import OutboxActivity
from florilege.lib import media
from florilege.sources.models import Entry
from florilege.suggestions.models import Suggestion
from florilege.suggestions.stories import story_queue
from florilege.suggestions.story_models import Story
from florilege.topics.models import Topic

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_the_demo_shows_one_queue_card_per_story(settings, client) -> None:
    call_command("load_demo", stdout=StringIO())
    topic = Topic.objects.get()
    entries = Entry.objects.count()
    assert entries > 100
    # Every entry went through enrichment, suggestion and rules, whatever the order.
    assert not Entry.objects.filter(enriched_at=None).exists()
    assert not Entry.objects.filter(suggested_at=None).exists()
    assert not Suggestion.objects.filter(rules_checked_at=None).exists()
    # Most items are their own story; the demo's duplicates join one.
    assert Story.objects.count() > entries // 2
    assert Scoop.objects.filter(topic=topic).exists()

    queue = list(story_queue(topic))
    cards = {s.entry.url for s in queue}
    for (feed_a, item_a), (feed_b, item_b) in SYNDICATED_STORIES:
        a, b = (
            article_url(settings.BASE_URL, feed_a, item_a),
            article_url(settings.BASE_URL, feed_b, item_b),
        )
        story_a = Entry.objects.get(url=a).story_member.story_id
        assert Entry.objects.get(url=b).story_member.story_id == story_a, (a, b)
        scooped = Scoop.objects.filter(topic=topic, url__in=[a, b]).exists()
        # One card for the two (none if the curator already scooped the story).
        assert len(cards & {a, b}) == (0 if scooped else 1), (a, b)

    client.force_login(topic.owner)
    page = client.get(reverse("curation:queue", args=[topic.slug])).content.decode()
    # The curator sees the syndicated release once on the queue page (if it made the page).
    title = escape(WIRE_EN.title)
    assert page.count(title) <= 1
    assert page.count(escape(WIRE_FR.title)) <= 1
    # Loading again adds nothing.
    call_command("load_demo", stdout=StringIO())
    assert Entry.objects.count() == entries


def test_demo_scoops_go_to_the_fediverse_with_their_picture(
    settings, client, django_capture_on_commit_callbacks
) -> None:
    # The Create leaves once the scoop's transaction commits: run those hooks.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", stdout=StringIO())
    creates = OutboxActivity.objects.filter(kind="Create", scoop__isnull=False)
    assert creates.exists()
    for create in creates.select_related("scoop"):
        scoop = create.scoop
        assert scoop is not None
        note = create.payload["object"]
        # The demo's drawn PNG, made into our thumbnails when the demo was loaded: the
        # Note carries our JPEG from the start.
        [image] = note["attachment"]
        assert image["type"] == "Image" and image["mediaType"] == "image/jpeg"
        assert scoop.picture is not None and scoop.picture.is_ready
        assert image["url"] == media.url_of(scoop.picture.renditions["large"]["jpeg"])
        assert image["name"] == scoop.title
        # The picture the instance serves at that address is that JPEG, of that size.
        response = client.get(urlsplit(image["url"]).path)
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
        picture = Image.open(BytesIO(b"".join(response.streaming_content)))
        assert picture.format == "JPEG"
        assert (image["width"], image["height"]) == picture.size == (1200, 630)
