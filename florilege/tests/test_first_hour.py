"""The first hour of a new curator on a fresh install, as one walk through the real pages.

On a fresh database: the demo is loaded, the curator logs in with the password the loader
printed, reads the queue (one card per story, reasons in plain words with no stopword and no
number outside the details), scoops a suggestion after previewing the insight and choosing
one of the pictures the page offers, a reader follows the topic by email on a site with no
mail server, the site admin finds that message in the outbox, and the curator unpublishes
the scoop from its public page. Every form is posted as a browser would post it: the fields
are read from the page itself, so a renamed field or a missing button fails here.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from florilege.curation.models import Scoop
from florilege.curation.models.scoop import ScoopStatus
from florilege.jobs.models import OutgoingMail
from florilege.jobs.worker import run_cycle
from florilege.lib.text.stopwords import is_stopword
from florilege.publishing.models import Subscriber
from florilege.suggestions.models import Suggestion
from florilege.suggestions.story_models import StoryMember
from florilege.testing import must_search
from florilege.topics.models import Topic

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


class _Forms(HTMLParser):
    """The forms of a page with the values a browser would submit for each (text inputs,
    hidden inputs, checked radios and boxes, textareas, selected options), keyed by the
    form's position; the submit buttons are kept apart, by name and value."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "fields": {}, "buttons": [],
                               "radios": {}})  # fmt: skip
            return
        if not self.forms:
            return
        form = self.forms[-1]
        name = a.get("name")
        if tag == "button" and name is not None:
            form["buttons"].append((name, a.get("value", "")))
        elif tag == "input" and name:
            kind = a.get("type", "text")
            if kind == "radio":
                form["radios"].setdefault(name, []).append(a.get("value", ""))
                if "checked" in a:
                    form["fields"][name] = a.get("value", "")
            elif kind == "checkbox":
                if "checked" in a:
                    form["fields"][name] = a.get("value", "on")
            elif kind not in ("submit", "file", "button", "image", "reset"):
                form["fields"][name] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            form["fields"][name] = ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            form["fields"][self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            self.forms[-1]["fields"][self._textarea] += data


def forms_of(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def form_with_button(html: str, name: str, value: str | None = None) -> dict:
    for form in forms_of(html):
        if any(n == name and (value is None or v == value) for n, v in form["buttons"]):
            return form
    raise AssertionError(f"no form with a {name}={value} button on the page")


def _demo_password(output: str) -> str:
    return must_search(r"password: (\S+)", output).group(1)


def test_first_hour_on_a_fresh_install(client: Client, no_mail_server) -> None:
    out = StringIO()
    call_command("load_demo", stdout=out)
    topic = Topic.objects.get()
    user = topic.owner

    # Log in with what the loader printed, through the login page.
    login = client.get(reverse("login")).content.decode()
    assert login
    password = _demo_password(out.getvalue())
    response = client.post(
        reverse("login"), {"username": user.get_username(), "password": password}
    )
    assert response.status_code == 302, response.content[:500]

    # The queue: one card per story, reasons in plain words.
    queue_url = reverse("curation:queue", args=[topic.slug])
    queue = client.get(queue_url).content.decode()
    card_ids = [int(x) for x in re.findall(r'<article class="suggestion[^"]*" id="s-(\d+)"', queue)]
    assert len(card_ids) >= 5, "the demo queue shows its cards"
    stories = dict(
        StoryMember.objects.filter(
            entry__suggestions__pk__in=card_ids
        ).values_list("entry__suggestions__pk", "story_id")
    )
    assert len(set(stories.values())) == len(card_ids), "one card per story"
    _check_reasons(queue)

    # Scoop the first card: preview the insight, choose a picture the page offers.
    first = Suggestion.objects.get(pk=card_ids[0])
    scoop_link = must_search(
        rf'href="([^"]*/scoop/{first.pk}/[^"]*)"', queue
    ).group(1).replace("&amp;", "&")
    form_page = client.get(scoop_link).content.decode()
    form = form_with_button(form_page, "preview")
    data = {**form["fields"], "insight": "Worth **reading** for the numbers.", "preview": "1"}
    pictures = [v for v in form["radios"].get("image_url", []) if v]
    assert pictures, "the form offers the pictures of the page"
    data["image_url"] = pictures[-1]
    previewed = client.post(scoop_link, data).content.decode()
    assert "<strong>reading</strong>" in previewed, "the server renders the preview"
    form = form_with_button(previewed, "mode", "now")
    assert form["fields"]["insight"].strip() == "Worth **reading** for the numbers."
    data = {**form["fields"], "mode": "now"}
    assert form["fields"].get("image_url") == pictures[-1], "the choice survives the preview"
    response = client.post(scoop_link, data)
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == queue_url, "back to the queue"
    scoop = Scoop.objects.get(entry=first.entry, topic=topic)
    assert scoop.status == ScoopStatus.PUBLISHED
    assert scoop.insight == "Worth **reading** for the numbers."
    assert scoop.image_url == pictures[-1]

    # A reader follows the topic by email; the site has no mail server.
    reader = Client()
    public = reader.get(topic.get_absolute_url())
    assert public.status_code == 200
    follow_url = reverse("publishing:follow", args=[topic.slug])
    response = reader.post(follow_url, {"email": "reader@example.org", "frequency": "weekly"},
                           follow=True)  # fmt: skip
    assert response.status_code == 200
    assert "cannot send email yet" in response.content.decode()
    assert Subscriber.objects.filter(email="reader@example.org").exists()
    run_cycle(stages=["tasks"])  # the worker writes the email

    # The site admin reads it in the outbox.
    message = OutgoingMail.objects.get(
        recipient__contains="reader@example.org", kind="follow_confirmation"
    )
    assert message.state == OutgoingMail.State.UNCONFIGURED
    admin = Client()
    admin.force_login(
        type(user).objects.create_superuser("admin", "admin@example.org", "a-long-admin-password")
    )
    outbox = admin.get(reverse("outbox")).content.decode()
    assert "reader@example.org" in outbox
    detail = admin.get(reverse("outbox_message", args=[message.pk])).content.decode()
    assert "/follow/confirm/" in detail, "the confirmation link is readable in the outbox"
    assert "Resend" in detail

    # The curator unpublishes the scoop from its public page.
    permalink = client.get(scoop.get_absolute_url()).content.decode()
    form = _unpublish_form(permalink)
    response = client.post(form["action"], form["fields"])
    assert response.status_code == 302
    scoop.refresh_from_db()
    assert scoop.status != ScoopStatus.PUBLISHED
    assert Client().get(scoop.get_absolute_url()).status_code == 404


def _unpublish_form(html: str) -> dict:
    for form in forms_of(html):
        if form["action"].endswith("/unpublish/"):
            return form
    raise AssertionError("no Unpublish button on the scoop's public page")


def _check_reasons(queue: str) -> None:
    """Each card's reasons are sentences; numbers only inside the details disclosure, and
    no word of the "distinctive words" line is a stopword of a supported language."""
    lists = re.findall(r'<ul class="reasons".*?</ul>', queue, flags=re.S)
    assert lists, "the cards explain themselves"
    for block in lists:
        visible = re.sub(r"<details.*?</details>", "", block, flags=re.S)
        text = re.sub(r"<[^>]+>", " ", visible)
        assert not re.search(r"\d\.\d{2,}", text), f"raw numbers outside the details: {text}"
        for item in re.findall(r"<li>(.*?)</li>", visible, flags=re.S):
            for word in re.findall(r"<em>(.*?)</em>", item):
                assert not is_stopword(word), f"stopword among the reasons: {word!r}"
    plain = r"It matches your keywords|Words that count in its favour|Like your scoop|From a source"
    assert re.search(plain, queue), "reasons in plain words"
