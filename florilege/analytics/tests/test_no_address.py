"""No reader's address is ever stored: visit pages, follow links, fetch feeds, roll up,
then read every text column of every table."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse
from django.utils import timezone

from florilege.analytics import clicks, counting, services
from florilege.analytics.rollup import rollup_cycle
from florilege.publishing.tests.helpers import make_scoop

ADDRESSES = ["203.0.113.77", "2001:db8::7:7", "198.51.100.99"]
UA = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"


@pytest.mark.django_db
def test_no_table_holds_an_address_after_visits(client, topic, curator) -> None:
    services._salts.clear()
    counting.forget_counted()
    scoop = make_scoop(topic, curator, 1, timezone.now() - timedelta(hours=2), tags=["x"])
    pages = [
        reverse("publishing:topic", args=[topic.slug]),
        scoop.get_absolute_url(),
        reverse("publishing:tag", args=[topic.slug, "x"]),
        reverse("publishing:feed", args=[topic.slug, "rss"]),
        clicks.go_path(scoop.pk),
    ]
    for address in ADDRESSES:
        for path in pages:
            client.get(path, REMOTE_ADDR=address, HTTP_USER_AGENT=UA,
                       HTTP_REFERER=f"http://{address}/")  # fmt: skip
    rollup_cycle(timezone.now() + timedelta(days=2), "test")
    found = []
    checked = 0
    for model in apps.get_models():
        text_fields = (models.CharField, models.TextField, models.JSONField)
        fields = [f.attname for f in model._meta.concrete_fields if isinstance(f, text_fields)]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            checked += 1
            text = " ".join(str(v) for v in row)
            found += [(model.__name__, a) for a in ADDRESSES if a in text]
    assert checked > 10
    assert found == []
