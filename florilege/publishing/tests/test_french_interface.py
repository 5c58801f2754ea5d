"""The interface in French: the main pages for readers and curators, and the catalogue itself.

Each page is fetched twice, in English then in French: the English phrases must be there in
English (so the check is not vacuous) and gone in French, replaced by their translations.
"""

from __future__ import annotations

import ast
import gettext
import html
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from florilege.curation.tests.flow_helpers import entry, follow, suggestion
from florilege.publishing.cache import clear_all
from florilege.publishing.tests.helpers import make_scoop

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
CATALOGUE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES"


@pytest.fixture(autouse=True)
def empty_page_cache():
    clear_all()


def body_in(client, url: str, language: str) -> str:
    """The page as text, asked for in ``language`` by header and by the switcher's cookie."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language, follow=True)
    assert response.status_code == 200, url
    return html.unescape(response.content.decode())


def assert_translated(client, url: str, pairs: list[tuple[str, str]]) -> None:
    english = body_in(client, url, "en")
    french = body_in(client, url, "fr")
    assert '<html lang="fr">' in french
    for en, fr in pairs:
        assert en in english, f"{url}: {en!r} missing in English"
        assert fr not in english, f"{url}: {fr!r} shown in English"
        assert fr in french, f"{url}: {fr!r} missing in French"
        assert en not in french, f"{url}: {en!r} left untranslated"


# Shown on every page: the header and the footer.
CHROME = [("Skip to content", "Aller au contenu"), ("Published with Florilège.", "Publié avec")]


@pytest.fixture
def published(topic, curator):
    return make_scoop(topic, curator, 1, NOW - timedelta(hours=2), title="Servers of the fediverse")


def test_reader_pages_in_french(client, topic, published) -> None:
    assert_translated(
        client,
        "/",
        [*CHROME, ("Topics", "Sujets"), ("1 scoop", "1 sélection"), ("curated by", "animé par")],
    )
    assert_translated(
        client,
        topic.get_absolute_url(),
        [
            *CHROME,
            ("Search this topic", "Rechercher dans ce sujet"),
            ("Curated by", "Animé par"),
            ("Scooped by", "Sélectionné par"),
        ],
    )
    assert_translated(
        client,
        reverse("publishing:follow", args=[topic.slug]),
        [*CHROME, ("Follow by email", "Suivre par courriel"), ("Follow on Mastodon", "Suivre sur")],
    )
    assert_translated(
        client,
        published.get_absolute_url(),
        [
            *CHROME,
            ("Scooped by", "Sélectionné par"),
            ("Share on Mastodon", "Partager sur Mastodon"),
            ("Link to copy", "Lien à copier"),
        ],
    )


def test_login_page_in_french(client) -> None:
    assert_translated(
        client,
        reverse("login"),
        [
            ("User name", "Nom d'utilisateur"),
            ("Password", "Mot de passe"),
            ("Forgot your password?", "Mot de passe oublié ?"),
        ],
    )


def test_curator_pages_in_french(client_in, topic) -> None:
    source = follow(topic, "https://news.example/feed.xml", "News")
    suggestion(topic, entry(source, "a", "Moderation at scale", fetched_at=NOW))
    assert_translated(
        client_in,
        reverse("curation:dashboard"),
        [
            *CHROME,
            ("My topics", "Mes sujets"),
            ("New topic", "Nouveau sujet"),
            ("To review", "À examiner"),
            ("Public page", "Page publique"),
            ("Scoop from any page", "Sélectionner depuis n'importe quelle page"),
        ],
    )
    assert_translated(
        client_in,
        reverse("curation:queue", args=[topic.slug]),
        [
            ("to review, best first", "à examiner, les meilleures d'abord"),
            ("Scoop with an insight here", "Sélectionner ici avec un point de vue"),
            ("Discard the ticked suggestions", "Rejeter les suggestions cochées"),
            ("Filter the queue", "Filtrer la file"),
            (" ago", "il y a "),
            ("Scoop a URL", "Sélectionner une URL"),
        ],
    )
    assert_translated(
        client_in,
        reverse("curation:topic_edit", args=[topic.slug]),
        [
            ("Settings of Social networks", "Réglages de Social networks"),
            (">Accent colour<", ">Couleur d'accent<"),
            ("English</label>", "Anglais</label>"),
            ("Preview the keywords", "Prévisualiser les mots-clés"),
            (">Keywords<", ">Mots-clés<"),
        ],
    )


def test_follow_form_answer_in_french(client, topic, smtp_sink) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    response = client.post(
        reverse("publishing:follow", args=[topic.slug]),
        {"email": "lecteur@example.org", "frequency": "daily", "website": ""},
        HTTP_ACCEPT_LANGUAGE="fr",
        REMOTE_ADDR="203.0.113.9",
        follow=True,
    )
    page = html.unescape(response.content.decode())
    assert "Presque fini : ouvrez le lien du courriel" in page
    assert "Almost done" not in page and "Follow by email" not in page


def test_a_bad_form_answers_in_french(client_in, topic) -> None:
    client_in.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    response = client_in.post(
        reverse("curation:sources", args=[topic.slug]), {"url": "not an address"}
    )
    page = html.unescape(response.content.decode())
    assert "Saisissez une adresse web complète" in page and "Enter a full web" not in page


# --- the catalogue ------------------------------------------------------------------------


def read_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (list), flags, obsolete."""
    entries: list[dict] = []
    current: dict = {}
    key = ""

    def close() -> None:
        if "msgid" in current:
            entries.append(current.copy())
        current.clear()

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#~"):
            current["obsolete"] = True
            continue
        if line.startswith("#,"):
            if "msgid" in current:
                close()
            current.setdefault("flags", set()).update(f.strip() for f in line[2:].split(","))
            continue
        if not line or line.startswith("#"):
            continue
        if line.startswith('"'):
            value = ast.literal_eval(line)
            if key == "msgstr":
                current["msgstr"][-1] += value
            else:
                current[key] += value
            continue
        word, _, rest = line.partition(" ")
        if word in ("msgctxt", "msgid") and "msgstr" in current:
            close()
        value = ast.literal_eval(rest)
        if word.startswith("msgstr"):
            current.setdefault("msgstr", []).append(value)
            key = "msgstr"
        else:
            current[word] = value
            key = word
    close()
    return entries


def test_catalogue_is_complete_without_fuzzy_entries() -> None:
    entries = [e for e in read_po(CATALOGUE / "django.po") if e["msgid"]]
    assert len(entries) > 500
    assert not [e for e in entries if e.get("obsolete")]
    assert not [e["msgid"] for e in entries if "fuzzy" in e.get("flags", set())]
    assert not [e["msgid"] for e in entries if not all(s.strip() for s in e["msgstr"])]
    plural = [e for e in entries if "msgid_plural" in e]
    assert plural and all(len(e["msgstr"]) == 2 for e in plural)


def test_compiled_catalogue_matches_the_source() -> None:
    """The committed .mo says what the .po says (compilemessages was run after the edits)."""
    with (CATALOGUE / "django.mo").open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    for e in read_po(CATALOGUE / "django.po"):
        if not e["msgid"]:
            continue
        if "msgid_plural" in e:
            ctx = e.get("msgctxt")
            forms = [
                compiled.npgettext(ctx, e["msgid"], e["msgid_plural"], n)
                if ctx
                else compiled.ngettext(e["msgid"], e["msgid_plural"], n)
                for n in (1, 2)
            ]
            assert forms == e["msgstr"], e["msgid"]
        elif e.get("msgctxt"):
            assert compiled.pgettext(e["msgctxt"], e["msgid"]) == e["msgstr"][0]
        else:
            assert compiled.gettext(e["msgid"]) == e["msgstr"][0], e["msgid"]
