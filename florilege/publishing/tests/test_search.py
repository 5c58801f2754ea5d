"""Search that finds: accents and case folded, French and English endings, topics and
curators, any word when not every word matches, and one result per story.

Run on both databases (SQLite here, PostgreSQL with DATABASE_URL): the same assertions hold
on both because stemming is done once, in Python, and both indexes hold the folded words.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from florilege.curation.models import Scoop
from florilege.lib.markdown import render_markdown
from florilege.publishing import search
from florilege.publishing.cache import clear_all
from florilege.sources.models import Entry, Source
from florilege.suggestions.models import Story, StoryMember
from florilege.topics.models import Topic

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def empty_page_cache():
    clear_all()


def add(topic, curator, title, *, insight="A note.", language="en", tags=(), url=None, **kw):
    n = Scoop.objects.count()
    url = url or f"https://news.example/{n}"
    return Scoop.objects.create(
        topic=topic,
        curator=curator,
        url=url,
        canonical_url=url,
        title=title,
        language=language,
        insight=insight,
        insight_html=render_markdown(insight),
        tags=list(tags),
        published_at=kw.pop("published_at", NOW - timedelta(hours=n + 1)),
        **kw,
    )


@pytest.fixture
def corpus(topic, curator):
    """The issue's cases: a French scoop says "fédivers", an English one "fediverse"; the
    topic's description says "réseaux"; no scoop says both "réseaux" and "modération"."""
    topic.title = "Réseaux sociaux"
    topic.description = "Les réseaux sociaux ouverts et leur modération."
    topic.save()
    return {
        "fr": add(topic, curator, "Le fédivers grandit", language="fr", tags=["fédivers"]),
        "en": add(topic, curator, "Servers running the Fediverse", tags=["fediverse"]),
        "reseaux": add(topic, curator, "Les réseaux de demain", language="fr"),
        "moderation": add(topic, curator, "La modération à plusieurs", language="fr"),
        "policies": add(topic, curator, "Moderation policies", insight="Networks and moderators."),
    }


def titles(scoops) -> list[str]:
    return [s.title for s in scoops]


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("réseaux", "reseau"),
        ("Fediverse", "fedivers"),
        ("fédivers", "fediv"),
        ("modérations", "moderat"),
        ("modérateurs", "moderat"),
        ("moderators", "moderat"),
        ("running", "run"),
        ("stories", "stor"),
        ("financement", "financ"),
        ("the", "the"),
        ("RÉSEAU", "reseau"),
    ],
)
def test_stem_cuts_french_and_english_endings(word, stem) -> None:
    assert search.stem(word) == stem


def test_fediverse_and_federivers_find_each_other(corpus) -> None:
    both = {"Le fédivers grandit", "Servers running the Fediverse"}
    assert both <= set(titles(search.search("fediverse")))
    assert both <= set(titles(search.search("fédivers")))
    assert both <= set(titles(search.search("FEDIVERS")))


def test_plurals_and_accents_either_way(corpus) -> None:
    assert "Les réseaux de demain" in titles(search.search("reseau"))
    assert "La modération à plusieurs" in titles(search.search("moderations"))
    assert "Moderation policies" in titles(search.search("modération"))
    assert "La modération à plusieurs" in titles(search.search("moderators"))


def test_any_word_when_not_every_word_matches_best_first(corpus, topic, curator) -> None:
    found = titles(search.search("réseaux modération"))
    assert {"Les réseaux de demain", "La modération à plusieurs"} <= set(found)
    # A scoop with every word goes before those with some.
    add(topic, curator, "Réseaux et modération", language="fr")
    assert titles(search.search("réseaux modération"))[0] == "Réseaux et modération"
    assert titles(search.search("modération réseaux"))[0] == "Réseaux et modération"


def test_elisions_and_contractions_are_not_searched_for(topic, curator) -> None:
    add(topic, curator, "L'école numérique", language="fr")
    add(topic, curator, "L'autre réseau", language="fr")
    add(topic, curator, "Données ouvertes, donc réutilisables", language="fr")
    add(topic, curator, "Alice's notes", insight="Worth a read.")
    add(topic, curator, "A server to run", insight="Bob's pick.")
    assert search.parse_query("l'école").terms == ("école",)
    assert search.parse_query("Alice's notes").terms == ("Alice", "notes")
    # "l" alone would find every French scoop, "s" every English possessive, and "don"
    # (from "don't") every "donc" and "données".
    assert titles(search.search("l'école")) == ["L'école numérique"]
    assert titles(search.search("it's servers")) == ["A server to run"]
    assert titles(search.search("don't run")) == ["A server to run"]
    assert titles(search.search("qu\u2019il réseau")) == ["L'autre réseau"]  # typographic
    # A query of nothing else is still a query.
    assert search.parse_query("l'").terms == ("l",)


def test_topics_and_curators_are_found(corpus, topic, curator) -> None:
    curator.first_name, curator.last_name = "Élise", "Martin"
    curator.save()
    found = search.search_all("réseaux")
    assert found.topics == [topic]
    assert found.curators == []
    assert search.search_all("elise").curators == [curator]
    # A curator with nothing visible is not listed, nor a private topic.
    topic.is_public = False
    topic.save()
    hidden = search.search_all("reseaux")
    assert hidden.topics == [] and hidden.hits == []
    assert search.search_all("elise").curators == []


def test_kept_names_never_show_a_topic_changed_since(corpus, topic, monkeypatch) -> None:
    """Another process's change reaches this one's kept names only after
    SIDE_MEMO_SECONDS; until then, what is shown is read fresh and must still match."""
    assert search.search_all("réseaux").topics == [topic]
    # Changed as another process would (no signal here): the kept names still match.
    Topic.objects.filter(pk=topic.pk).update(is_public=False)
    assert search.search_all("réseaux").topics == []
    Topic.objects.filter(pk=topic.pk).update(
        is_public=True, title="Jardins", description="Potagers partagés."
    )
    assert search.search_all("réseaux").topics == []
    assert search.search_all("jardins").topics == []  # not yet matched here
    monkeypatch.setattr(search, "SIDE_MEMO_SECONDS", 0.0)  # as if they were kept that long
    assert search.search_all("jardins").topics == [topic]


def test_kept_names_follow_this_process_saves_and_never_show_inactive_accounts(
    corpus, topic, curator
) -> None:
    curator.first_name = "Élise"
    curator.save()
    assert search.search_all("elise").curators == [curator]
    assert search.search_all("réseaux").topics == [topic]
    # Saved here: matched at once, no wait for the kept names to age.
    topic.title, topic.description = "Jardins", "Potagers partagés."
    topic.save()
    assert search.search_all("jardins").topics == [topic]
    curator.first_name = "Margot"
    curator.save(update_fields=["first_name"])
    assert search.search_all("margot").curators == [curator]
    # Deactivated elsewhere (no signal here): kept by name, never shown.
    type(curator).objects.filter(pk=curator.pk).update(is_active=False)
    assert search.search_all("margot").curators == []


def test_search_page_shows_topic_and_curator_above_scoops(client, corpus, topic) -> None:
    body = client.get("/search/", {"q": "réseaux"}).content.decode()
    assert body.index('id="found-topics"') < body.index("Les réseaux de demain")
    assert f'href="{topic.get_absolute_url()}"' in body
    # Inside a topic, only its scoops.
    in_topic = client.get(reverse("publishing:topic_search", args=[topic.slug]), {"q": "réseaux"})
    assert 'id="found-topics"' not in in_topic.content.decode()


def test_one_article_in_two_topics_is_one_result(corpus, topic, curator) -> None:
    other = Topic.objects.create(title="Open web", slug="open-web", owner=curator)
    url = "https://news.example/shared"
    add(topic, curator, "Governance of the fediverse", url=url)
    add(other, curator, "Governance of the fediverse", url=url)
    assert titles(search.search("governance")) == ["Governance of the fediverse"]
    [hit] = search.search_hits("governance")
    assert [t.slug for t in hit.also_in] == ["open-web"]


def test_two_articles_of_one_story_are_one_result(corpus, topic, curator) -> None:
    source = Source.objects.create(title="Wire", url="https://wire.example/feed")
    story = Story.objects.create(first_seen=NOW, last_seen=NOW, size=2)
    for slug in ("a", "b"):
        entry = Entry.objects.create(
            source=source,
            key=slug,
            url=f"https://wire.example/{slug}",
            canonical_url=f"https://wire.example/{slug}",
            title="Outage",
        )
        StoryMember.objects.create(entry=entry, story=story, reason="near", seen_at=NOW)
        add(topic, curator, f"Outage report {slug}", entry=entry)
    assert len(search.search("outage")) == 1


def test_search_page_lists_each_hit_once(client, corpus, topic, curator) -> None:
    other = Topic.objects.create(title="Open web", slug="open-web", owner=curator)
    url = "https://news.example/shared"
    add(topic, curator, "Governance of the fediverse", url=url)
    add(other, curator, "Governance of the fediverse", url=url)
    body = client.get("/search/", {"q": "governance"}).content.decode()
    assert body.count("<article") == 1
    assert "1 result" in body and "Also in:" in body


def test_search_page_query_count_is_pinned(client, corpus, django_assert_num_queries) -> None:
    client.get("/search/", {"q": "warm"})  # sessions, site settings: whatever is cached once
    # Hits ranked (ids), hits loaded (light), the page's cards, and the one matching topic
    # read fresh: the names of topics and accounts were kept by the first request, and no
    # account matches (none is asked for its scoops).
    with django_assert_num_queries(4):
        response = client.get("/search/", {"q": "réseaux modération fediverse"})
    assert response.status_code == 200
    assert response.content.decode().count("<article") == 5


def test_postgres_search_uses_the_index(corpus) -> None:
    """If search.PG_DOCUMENT drifts from the migration's indexed column, search scans every
    row."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            f"EXPLAIN SELECT 1 FROM curation_scoop WHERE {search.PG_DOCUMENT} @@ "
            "to_tsquery('simple', %s)",
            [search.pg_tsquery(("reseau",), "|")],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "scoop_document" in plan, plan


def test_index_follows_edits(corpus, topic, curator) -> None:
    """Both indexes are kept by triggers (FTS5 table, PostgreSQL's stored document): a new
    scoop is found, an edited one by its new words only, a bulk update (no save()) too."""
    scoop = add(topic, curator, "Quokkas colonise the archipelago")
    assert titles(search.search("quokka")) == ["Quokkas colonise the archipelago"]
    scoop.title = "Wombats colonise the archipelago"
    scoop.save()
    assert titles(search.search("quokka")) == []
    assert titles(search.search("wombat")) == ["Wombats colonise the archipelago"]
    Scoop.objects.filter(pk=scoop.pk).update(insight="Numbats too.")
    assert titles(search.search("numbat")) == ["Wombats colonise the archipelago"]


def test_postgres_scoop_fields_can_still_change_type(corpus, topic, curator) -> None:
    """The document's trigger names no column, so a later migration can alter the four
    fields (PostgreSQL refuses to change the type of a column a trigger's ``UPDATE OF``
    names); an update of another field leaves the document as it was."""
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    scoop = add(topic, curator, "Quokkas colonise the archipelago")

    def document() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT search_document FROM curation_scoop WHERE id = %s", [scoop.pk])
            return str(cursor.fetchone()[0])

    with connection.cursor() as cursor:  # a document the trigger would never write
        cursor.execute(
            "UPDATE curation_scoop SET search_document = 'marker' WHERE id = %s", [scoop.pk]
        )
    Scoop.objects.filter(pk=scoop.pk).update(source_name="Elsewhere")
    assert document() == "'marker'"  # another field changed: not recomputed
    with connection.cursor() as cursor:
        cursor.execute("UPDATE curation_scoop SET search_document = NULL WHERE id = %s", [scoop.pk])
    assert "quokka" in document()  # emptied: made again
    assert titles(search.search("quokka")) == ["Quokkas colonise the archipelago"]
    with transaction.atomic(), connection.cursor() as cursor:
        # The test's own rows leave deferred foreign-key checks, which ALTER TABLE refuses.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for column in ("title", "excerpt", "insight"):
            cursor.execute(f"ALTER TABLE curation_scoop ALTER COLUMN {column} TYPE varchar(5000)")
        transaction.set_rollback(True)


def test_tags_fold_accents_and_case_and_keep_the_first_spelling(client, topic, curator) -> None:
    # Written "modération" first; later scoops spell it otherwise.
    add(topic, curator, "Third", tags=["MODÉRATION", "other"], published_at=NOW)
    add(topic, curator, "First", tags=["modération"], published_at=NOW - timedelta(days=3))
    add(topic, curator, "Second", tags=["Moderation"], published_at=NOW - timedelta(days=2))
    add(topic, curator, "Untagged", tags=["moderator"], published_at=NOW - timedelta(days=9))
    for path in ("moderation", "Mod%C3%A9ration", "MODERATION"):
        page = client.get(f"/t/{topic.slug}/tag/{path}/").content.decode()
        assert page.count("<article") == 3 and "Untagged" not in page
        # The heading is the spelling the oldest scoop used.
        assert "<h1>#modération</h1>" in page
    # Every card links to the one address.
    body = client.get(topic.get_absolute_url()).content.decode()
    assert body.count(f'href="/t/{topic.slug}/tag/moderation/"') == 3
    feed = client.get(f"/t/{topic.slug}/tag/MODERATION/feed.atom").content.decode()
    assert feed.count("<entry") == 3 and "#modération" in feed


def test_scoop_permalink_slug_ends_at_a_word(topic, curator) -> None:
    scoop = add(
        topic,
        curator,
        "Fédivers : une centaine d'instances signent le « pacte de Nantes » sur la modération",
    )
    assert scoop.slug == "fedivers-une-centaine-dinstances-signent-le-pacte-de-nantes"
    assert len(scoop.slug) <= 60 and scoop.get_absolute_url().endswith(f"/{scoop.slug}/")


def test_search_page_reading_the_names_again_query_count_is_pinned(
    client, corpus, django_assert_num_queries
) -> None:
    client.get("/search/", {"q": "warm"})
    search.forget_side_lists()
    # Hits ranked, hits read, cards, every public topic's name, the matching topic, every
    # active account's name (none matches).
    with django_assert_num_queries(6):
        response = client.get("/search/", {"q": "réseaux modération fediverse"})
    assert response.content.decode().count("<article") == 5


def test_topic_search_page_query_count_is_pinned(
    client, corpus, topic, django_assert_num_queries
) -> None:
    url = reverse("publishing:topic_search", args=[topic.slug])
    client.get(url, {"q": "warm"})
    # The topic, its hits ranked then loaded, the page's cards (no topic or curator lookups).
    with django_assert_num_queries(4):
        response = client.get(url, {"q": "réseaux modération fediverse"})
    assert response.content.decode().count("<article") == 5


def test_postgres_fold_function_folds_accents_and_case(db) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT florilege_fold(%s)", ["Modération ÉLÈVE"])
        assert cursor.fetchone()[0] == "moderation eleve"


def test_postgres_fallback_without_unaccent_still_folds(corpus) -> None:
    """The fold the migration installs when the unaccent extension cannot be created."""
    import importlib

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    migration = importlib.import_module(
        "florilege.publishing.migrations.0006_search_folds_accents_and_stems_in_python"
    )
    with connection.cursor() as cursor:  # rolled back with the test's transaction
        cursor.execute(migration.FOLD_FUNCTION.format(body=migration.FOLD_TRANSLATE))
        cursor.execute("SELECT florilege_fold(%s)", ["Modération ÉLÈVE"])
        assert cursor.fetchone()[0] == "moderation eleve"
    assert {"Le fédivers grandit", "Servers running the Fediverse"} <= set(
        titles(search.search("fediverse"))
    )


# Paging: MAX_RESULTS + 1 scoops match "quokka", so the query stops at its limit; one article
# is also scooped in a second topic (one hit, "also in"). Pages of PAGE_SIZE hits.
TITLE = re.compile(r"Quokka note \d+")


@pytest.fixture
def many(topic, curator):
    other = Topic.objects.create(title="Open web", slug="open-web", owner=curator)
    for n in range(search.MAX_RESULTS + 1):
        add(topic, curator, f"Quokka note {n:03d}", insight="Island life." if n % 7 else "Quokka.")
    shared = "https://news.example/quokka-shared"
    add(topic, curator, "Quokka note 500", url=shared, published_at=NOW)
    add(other, curator, "Quokka note 500", url=shared, published_at=NOW)
    return other


def shown(client, path: str = "/search/", **params) -> tuple[list[str], str]:
    body = client.get(path, {"q": "quokka", **params}).content.decode()
    cards = body.split("<article")[1:]
    return [TITLE.findall(card)[0] for card in cards], body


def test_search_pages_hold_every_hit_once_in_order(client, many) -> None:
    ranked = titles(search.search("quokka"))  # grouped, best first, up to the query's limit
    assert len(ranked) == len(set(ranked)) == search.MAX_RESULTS - 1  # two scoops grouped
    pages = []
    for number in range(1, 6):
        page, body = shown(client, page=number)
        pages.append(page)
        # The total is every hit found (grouped), not the page's count; the limit is said.
        assert f"{len(ranked)} results for" in body and "Only the best matches" in body
        assert f"Page {number} of 5" in body
    assert [len(p) for p in pages] == [20, 20, 20, 20, 19]
    assert [t for page in pages for t in page] == ranked  # none twice, none lost, in order
    assert "Also in:" in shown(client, page=1)[1]


def test_search_pager_links_work_without_javascript(client, many) -> None:
    _, first = shown(client)
    assert 'rel="prev"' not in first
    assert '<a rel="next" href="?q=quokka&amp;page=2">Next →</a>' in first
    assert 'aria-label="Pages"' in first
    # The link, followed as a browser without scripts would: the same search, page 2.
    second = client.get("/search/?q=quokka&page=2").content.decode()
    assert '<a rel="prev" href="?q=quokka&amp;page=1">← Previous</a>' in second
    assert 'href="?q=quokka&amp;page=3"' in second
    # The search is kept as typed, encoded, in the links.
    typed = client.get("/search/", {"q": "quokka & co"}).content.decode()
    assert 'href="?q=quokka+%26+co&amp;page=2"' in typed


@pytest.mark.parametrize(
    ("value", "number"),
    [("abc", 1), ("", 1), ("1.5", 1), ("0", 5), ("-1", 5), ("999", 5), ("9" * 40, 5)],
)
def test_bad_page_values_give_the_first_or_last_page(client, many, value, number) -> None:
    response = client.get("/search/", {"q": "quokka", "page": value})
    assert response.status_code == 200
    assert f"Page {number} of 5" in response.content.decode()


def test_topics_and_curators_stand_on_the_first_page_only(client, many, curator) -> None:
    curator.first_name = "Quokka"
    curator.save()
    assert 'id="found-curators"' in shown(client)[1]
    assert 'id="found-curators"' not in shown(client, page=2)[1]


def test_search_later_page_query_count_is_pinned(client, many, django_assert_num_queries) -> None:
    client.get("/search/", {"q": "warm"})
    with django_assert_num_queries(3):  # hits ranked, loaded, the page's cards: no side lists
        page, _ = shown(client, page=3)
    assert len(page) == search.PAGE_SIZE


def test_one_page_of_results_has_no_pager(client, corpus) -> None:
    body = client.get("/search/", {"q": "fediverse"}).content.decode()
    assert 'class="pager"' not in body and "Only the best matches" not in body


def test_exactly_the_limit_of_matches_is_not_said_to_be_cut(client, topic, curator) -> None:
    for n in range(search.MAX_RESULTS):
        add(topic, curator, f"Quokka note {n:03d}")
    _, body = shown(client)
    assert f"{search.MAX_RESULTS} results for" in body
    assert "Only the best matches" not in body
