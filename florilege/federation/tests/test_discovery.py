"""Discovery: WebFinger, host-meta, NodeInfo, actor documents, the topic page's links and
follow box; authorized fetch."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.utils import timezone

from florilege.federation import ids
from florilege.federation.models import Block, LocalActor
from florilege.federation.signatures import load_private_key, sign_request

pytestmark = pytest.mark.django_db
DOMAIN = "127.0.0.1:8000"  # FLORILEGE_BASE_URL's host in the test settings


def test_webfinger_finds_a_topic_and_a_curator(client, topic, curator):
    response = client.get(f"/.well-known/webfinger?resource=acct:{topic.slug}@{DOMAIN}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/jrd+json"
    doc = response.json()
    assert doc["subject"] == f"acct:{topic.slug}@{DOMAIN}"
    [self_link] = [link for link in doc["links"] if link["rel"] == "self"]
    assert self_link == {"rel": "self", "type": "application/activity+json",
                         "href": ids.topic_actor(topic.slug)}  # fmt: skip

    doc = client.get(f"/.well-known/webfinger?resource=acct:curator@{DOMAIN}").json()
    assert doc["links"][0]["href"] == ids.curator_actor("curator")
    # By actor URL too (Mastodon looks up an account from a pasted URL this way).
    by_url = client.get("/.well-known/webfinger", {"resource": ids.topic_actor(topic.slug)})
    assert by_url.json()["subject"] == f"acct:{topic.slug}@{DOMAIN}"


@pytest.mark.parametrize(
    "resource",
    ["acct:nobody@127.0.0.1:8000", "acct:social-networks@other.example", "https://x.example/a"],
)
def test_webfinger_unknown_is_404(client, topic, resource):
    assert client.get("/.well-known/webfinger", {"resource": resource}).status_code == 404


def test_webfinger_without_resource_is_400(client):
    assert client.get("/.well-known/webfinger").status_code == 400


def test_private_topic_is_not_discoverable(client, topic):
    topic.is_public = False
    topic.save()
    assert (
        client.get(f"/.well-known/webfinger?resource=acct:{topic.slug}@{DOMAIN}").status_code == 404
    )
    assert client.get(f"/ap/topics/{topic.slug}").status_code == 404


def test_host_meta_and_nodeinfo(client, topic):
    xrd = client.get("/.well-known/host-meta")
    assert b'template="http://127.0.0.1:8000/.well-known/webfinger?resource={uri}"' in xrd.content
    index = client.get("/.well-known/nodeinfo").json()
    href = next(x["href"] for x in index["links"] if x["rel"].endswith("/2.1"))
    info = client.get(href.removeprefix("http://127.0.0.1:8000")).json()
    assert info["version"] == "2.1"
    assert info["software"]["name"] == "florilege"
    assert info["protocols"] == ["activitypub"]
    assert client.get("/nodeinfo/2.0").json()["version"] == "2.0"
    assert client.get("/nodeinfo/9.9").status_code == 404


def test_topic_actor_document(client, topic):
    response = client.get(f"/ap/topics/{topic.slug}")
    assert response["Content-Type"] == "application/activity+json"
    doc = response.json()
    uri = ids.topic_actor(topic.slug)
    assert doc["id"] == uri and doc["type"] == "Person"
    assert doc["preferredUsername"] == topic.slug and doc["name"] == topic.title
    assert doc["url"] == "http://127.0.0.1:8000" + topic.get_absolute_url()
    assert doc["inbox"] == f"{uri}/inbox" and doc["outbox"] == f"{uri}/outbox"
    assert doc["followers"] == f"{uri}/followers"
    assert doc["endpoints"]["sharedInbox"] == "http://127.0.0.1:8000/ap/inbox"
    assert doc["publicKey"]["id"] == f"{uri}#main-key"
    assert doc["publicKey"]["owner"] == uri
    assert doc["publicKey"]["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert doc["icon"]["type"] == "Image"
    assert doc["icon"]["url"].endswith("/static/federation/topic-icon.png")
    assert finders.find("federation/topic-icon.png")
    assert doc["manuallyApprovesFollowers"] is False
    # Keys are made once, on first need, and kept.
    again = client.get(f"/ap/topics/{topic.slug}").json()
    assert again["publicKey"]["publicKeyPem"] == doc["publicKey"]["publicKeyPem"]
    assert LocalActor.objects.count() == 1


def test_curator_and_instance_actors(client, curator):
    doc = client.get("/ap/users/curator").json()
    assert doc["id"] == ids.curator_actor("curator") and doc["preferredUsername"] == "curator"
    instance = client.get("/ap/instance").json()
    assert instance["type"] == "Application" and "publicKey" in instance


def test_topic_page_links_to_the_actor_and_offers_to_follow(client, topic):
    html = client.get(topic.get_absolute_url()).content.decode()
    assert (f'<link rel="alternate" type="application/activity+json" '
            f'href="{ids.topic_actor(topic.slug)}">') in html  # fmt: skip
    # The fediverse follow box is on the topic's follow page, linked from the topic page.
    assert f'href="/t/{topic.slug}/follow/"' in html
    page = client.get(f"/t/{topic.slug}/follow/").content.decode()
    assert "Follow on Mastodon" in page
    assert f"@{topic.slug}@{DOMAIN}" in page


def test_follow_box_sends_the_visitor_to_their_servers_follow_page(client, topic):
    # The page found for that server earlier (the lookups are tested in test_interaction).
    cache.set(
        "federation:follow-page:mastodon.social",
        "https://mastodon.social/authorize_interaction?uri={uri}",
    )
    url = f"/t/{topic.slug}/follow-fediverse/"
    response = client.post(url, {"instance": "https://Mastodon.Social/about"})
    assert response.status_code == 302
    assert response["Location"] == (
        f"https://mastodon.social/authorize_interaction?uri=acct%3A{topic.slug}%40127.0.0.1%3A8000"
    )
    bad = client.post(url, {"instance": "javascript:alert(1)"}, follow=True)
    assert "Give your server" in bad.content.decode()


def test_follow_box_shows_the_account_when_the_server_has_no_follow_page(client, topic):
    # GoToSocial has no follow page: sending its users to /authorize_interaction was a 404.
    cache.delete("federation:follow-page:social.invalid")
    response = client.post(f"/t/{topic.slug}/follow-fediverse/", {"instance": "social.invalid"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f"@{topic.slug}@{DOMAIN}" in html and "search box" in html


def signed_get(client, path, actor, now=None):
    headers = sign_request(
        "GET", f"http://testserver{path}", key_id=actor.key_id,
        private_key=load_private_key(actor.private_pem), now=now or timezone.now(),
    )  # fmt: skip
    return client.get(path, headers=headers)


def test_authorized_fetch(client, settings, topic, peer, alice):
    settings.CONFIG = replace(settings.CONFIG, FEDERATION_AUTHORIZED_FETCH=True)
    uri = ids.topic_actor(topic.slug)
    # Unsigned: only what verifying our own signatures needs.
    minimal = client.get(f"/ap/topics/{topic.slug}").json()
    assert set(minimal) == {"@context", "id", "type", "preferredUsername", "inbox", "publicKey"}
    assert client.get(f"/ap/topics/{topic.slug}/outbox").status_code == 401
    assert client.get(f"/ap/topics/{topic.slug}/followers").status_code == 401
    # Signed by a known, non-blocked instance: everything.
    full = signed_get(client, f"/ap/topics/{topic.slug}", alice).json()
    assert full["id"] == uri and "outbox" in full
    assert signed_get(client, f"/ap/topics/{topic.slug}/outbox", alice).status_code == 200
    # A blocked instance is treated as unsigned.
    Block.objects.create(domain="127.0.0.1")
    assert signed_get(client, f"/ap/topics/{topic.slug}/outbox", alice).status_code == 401
