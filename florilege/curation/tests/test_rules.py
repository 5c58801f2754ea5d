"""Automation rules: saving (with bad input refused), preview, and the suggestion stage."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from florilege.curation.automation import DISCARD, SCOOP, TAG, RuleSpec
from florilege.curation.models import AutomationRule, Scoop
from florilege.curation.services.rules import preview, rules_pending, save_rule
from florilege.curation.tests.flow_helpers import entry, follow
from florilege.sources.models import Entry
from florilege.suggestions.models import Suggestion
from florilege.suggestions.services import suggest_entries as suggest_only


def suggest_entries(entries: list[Entry], now: datetime) -> None:
    """The suggestion stage, then the rules stage on what it made (as a worker runs them)."""
    suggest_only(entries, now)
    rules_pending(now)


pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def spec(**fields) -> RuleSpec:
    return RuleSpec(**({"id": None, "name": "rule", "action": TAG, "tag": "t"} | fields))


@pytest.fixture
def feeds(topic):
    return (
        follow(topic, "https://intranet.example/feed", "Our intranet"),
        follow(topic, "https://press.example/feed", "Press"),
    )


def rule_form(**overrides) -> dict:
    return {
        "name": "Internal news",
        "action": "scoop",
        "keywords": "",
        "regex": "",
        "languages": "",
        "min_score": "",
        "tag": "",
        "insight_template": "From our own newsroom.",
        "enabled": "on",
    } | overrides


@pytest.mark.parametrize(
    ("regex", "message"),
    [
        ("(unclosed", "missing )"),
        (r"(\w+) \1", "invalid escape"),
        ("(a{100}){100}", "invalid repetition size"),
    ],
)
def test_bad_regex_is_refused_with_a_message_and_nothing_saved(
    client_in, topic, feeds, regex, message
) -> None:
    url = reverse("curation:rules", args=[topic.slug])
    for submit in ("save", "preview"):
        response = client_in.post(url, rule_form(regex=regex, **{submit: "1"}))
        body = response.content.decode()
        assert response.status_code == 200
        assert "This regular expression is refused" in body and message in body
    assert not AutomationRule.objects.exists()


def test_rule_needs_a_condition_and_an_insight_to_auto_scoop(client_in, topic, feeds) -> None:
    url = reverse("curation:rules", args=[topic.slug])
    body = client_in.post(url, rule_form(save="1")).content.decode()
    assert "at least one condition" in body
    body = client_in.post(
        url, rule_form(save="1", sources=[str(feeds[0].pk)], insight_template=" ")
    ).content.decode()
    assert "needs the insight" in body
    assert not AutomationRule.objects.exists()


def test_rule_cannot_name_a_source_the_topic_does_not_follow(topic, curator, feeds) -> None:
    from florilege.sources.models import Source

    other = Source.objects.create(url="https://elsewhere.example/feed")
    with pytest.raises(ValidationError, match="only name sources this topic follows"):
        save_rule(topic, curator, spec(source_ids=frozenset({other.pk})), "", NOW)
    assert not AutomationRule.objects.exists()


def test_only_curators_save_rules(topic, feeds, django_user_model) -> None:
    stranger = django_user_model.objects.create_user("stranger", password="x-long-password")
    with pytest.raises(PermissionDenied):
        save_rule(topic, stranger, spec(keywords=("x",)), "", NOW)
    assert not AutomationRule.objects.exists()


def test_save_and_edit_through_the_page(client_in, topic, feeds) -> None:
    url = reverse("curation:rules", args=[topic.slug])
    response = client_in.post(url, rule_form(save="1", sources=[str(feeds[0].pk)]))
    assert response.status_code == 302
    rule = AutomationRule.objects.get()
    assert rule.source_ids == [feeds[0].pk] and rule.action == SCOOP and rule.enabled
    edit = reverse("curation:rule_edit", args=[topic.slug, rule.pk])
    assert "Internal news" in client_in.get(edit).content.decode()
    client_in.post(edit, rule_form(save="1", action="discard", keywords="crypto, nft", enabled=""))
    rule.refresh_from_db()
    assert (rule.action, rule.keywords, rule.enabled) == (DISCARD, ["crypto", "nft"], False)
    client_in.post(reverse("curation:rule_delete", args=[topic.slug, rule.pk]))
    assert not AutomationRule.objects.exists()


def test_preview_counts_the_last_seven_days_and_saves_nothing(
    client_in, topic, curator, feeds
) -> None:
    now = datetime.now(UTC)
    intranet, press = feeds
    entry(intranet, "a", "Crypto scheme again", fetched_at=now - timedelta(days=1))
    entry(press, "b", "NFT crypto winter", fetched_at=now - timedelta(days=6))
    entry(press, "c", "Crypto, a month ago", fetched_at=now - timedelta(days=8))
    entry(press, "d", "Mastodon news", fetched_at=now - timedelta(days=2))
    result = preview(topic, curator, spec(action=DISCARD, keywords=("crypto",)), "", now)
    assert (result.examined, result.discarded, result.scooped) == (3, 2, 0)
    assert {m.entry.key for m in result.shown} == {"a", "b"}

    body = client_in.post(
        reverse("curation:rules", args=[topic.slug]),
        rule_form(preview="1", action="discard", keywords="crypto"),
    ).content.decode()
    assert "Preview (nothing was saved)" in body
    assert "Of 3 entries fetched in the last 7 days, 2 match." in body
    assert "2 would be discarded." in body
    assert "Crypto scheme again" in body and "a month ago" not in body
    assert not AutomationRule.objects.exists()


def test_suggestion_stage_applies_rules(topic, curator, feeds) -> None:
    intranet, press = feeds
    save_rule(
        topic,
        curator,
        spec(name="Publish intranet", action=SCOOP, source_ids=frozenset({intranet.pk})),
        "From our **own** newsroom.",
        NOW,
    )
    save_rule(topic, curator, spec(name="No crypto", action=DISCARD, regex=r"crypto|nft"), "", NOW)
    save_rule(topic, curator, spec(name="Tag fedi", keywords=("mastodon",), tag="fedi"), "", NOW)
    internal = entry(intranet, "i1", "Mastodon: our team's new server", fetched_at=NOW)
    junk = entry(press, "p1", "Buy this NFT now", fetched_at=NOW)
    tagged = entry(press, "p2", "Mastodon grows", fetched_at=NOW)
    plain = entry(press, "p3", "Something else", fetched_at=NOW)

    suggest_entries([internal, junk, tagged, plain], NOW)

    scoop = Scoop.objects.get()
    assert scoop.entry == internal and scoop.auto_rule is not None
    assert scoop.auto_rule.name == "Publish intranet"
    assert scoop.curator == curator
    assert scoop.insight_html == "<p>From our <strong>own</strong> newsroom.</p>\n"
    assert scoop.tags[0] == "fedi"
    by_entry = {s.entry_id: s for s in Suggestion.objects.all()}
    assert by_entry[internal.pk].status == "scooped"
    assert by_entry[internal.pk].reasons["rule"]["action"] == "scoop"
    assert by_entry[junk.pk].status == "discarded"
    assert by_entry[junk.pk].reasons["rule"]["name"] == "No crypto"
    assert by_entry[junk.pk].decided_by is None  # a rule decided, not a curator
    assert by_entry[tagged.pk].status == "pending"
    assert by_entry[tagged.pk].reasons["tags"] == ["fedi"]
    assert by_entry[plain.pk].status == "pending" and "tags" not in by_entry[plain.pk].reasons

    # Idempotent: running the stage again publishes nothing twice.
    Entry.objects.update(suggested_at=None)
    suggest_entries(list(Entry.objects.all()), NOW)
    assert Scoop.objects.count() == 1 and Suggestion.objects.count() == 4


def test_auto_scoop_of_an_author_who_lost_the_topic_stays_in_the_queue(
    topic, curator, feeds, django_user_model
) -> None:
    intranet, _ = feeds
    rule = save_rule(
        topic, curator, spec(action=SCOOP, source_ids=frozenset({intranet.pk})), "Ours.", NOW
    )
    other = django_user_model.objects.create_user("former", password="x-long-password")
    AutomationRule.objects.filter(pk=rule.pk).update(created_by=other)
    item = entry(intranet, "i1", "Internal", fetched_at=NOW)
    suggest_entries([item], NOW)
    assert not Scoop.objects.exists()
    assert Suggestion.objects.get().status == "pending"


def test_disabled_rules_do_nothing(topic, curator, feeds) -> None:
    save_rule(topic, curator, spec(action=DISCARD, keywords=("x",)), "", NOW, enabled=False)
    suggest_entries([entry(feeds[1], "p", "x marks", fetched_at=NOW)], NOW)
    assert Suggestion.objects.get().status == "pending"


def test_tagged_suggestion_prefills_the_scoop_form(client_in, topic, curator, feeds) -> None:
    save_rule(topic, curator, spec(keywords=("mastodon",), tag="fedi"), "", NOW)
    suggest_entries([entry(feeds[1], "p", "Mastodon grows", fetched_at=NOW)], NOW)
    s = Suggestion.objects.get()
    body = client_in.get(reverse("curation:scoop", args=[topic.slug, s.pk])).content.decode()
    assert 'value="fedi"' in body
