"""A database made before Topic, TopicSource and Membership moved to ``topics`` and
Invitation and TwoFactor to ``accounts`` migrates in place: same tables, same rows, same
ids, same relations, same content types (so admin permissions follow).

The database is taken back to the migrations of commit dc4aa40 (the last one before the
move), filled through the historical models of that state, then migrated forward. Runs on
whichever backend the suite uses (SQLite, or PostgreSQL with DATABASE_URL).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from django.apps import apps as installed
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)

# The leaf migration of each of our apps at commit dc4aa40. Our apps born later (topics,
# accounts, jobs, ...) are taken back to nothing; Django's own apps stay where they are.
AT_DC4AA40 = {
    "sources": "0004_entry_full_text_lease",
    "suggestions": "0004_topic_ranking_model",
    "curation": "0005_topic_source_opml_folder",
    "publishing": "0003_hub_pings_and_full_text_search",
    "analytics": "0001_cookieless_daily_views",
    "federation": "0001_actors_inbox_outbox_deliveries",
}
# Dropped on purpose, their rows carried over (analytics 0004: the daily counts became
# DailyCount rows; the per-visitor rows, kept for a day only, are replaced by ViewEvent).
REPLACED_TABLES = {"analytics_topicvisitor", "analytics_topicdailyviews"}
MOVED_TABLES = {
    "curation_topic",
    "curation_topicsource",
    "curation_membership",
    "curation_invitation",
    "curation_twofactor",
}


def _before_targets(executor: MigrationExecutor) -> list[tuple[str, str | None]]:
    targets: list[tuple[str, str | None]] = []
    for app_label, leaf in sorted(executor.loader.graph.leaf_nodes()):
        if app_label in AT_DC4AA40:
            targets.append((app_label, AT_DC4AA40[app_label]))
        elif installed.get_app_config(app_label).name.startswith("florilege."):
            targets.append((app_label, None))
        else:
            targets.append((app_label, leaf))
    return targets


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def _latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def old_state() -> Iterator:
    """The historical models at dc4aa40; the schema is always brought back to the latest."""
    executor = MigrationExecutor(connection)
    targets = _before_targets(executor)
    try:
        _migrate(targets)
        named = [(app, name) for app, name in targets if name is not None]
        yield MigrationExecutor(connection).loader.project_state(named).apps
    finally:
        _migrate(_latest())


def _fill(old) -> dict[str, int]:
    """One row of each moved model, and rows of other apps that point at the topic."""
    user = old.get_model("auth", "User").objects.create(username="ann", password="!")
    reader = old.get_model("auth", "User").objects.create(username="bob", password="!")
    source = old.get_model("sources", "Source").objects.create(
        url="https://news.example/feed", title="News"
    )
    entry = old.get_model("sources", "Entry").objects.create(
        source=source, key="k1", url="https://news.example/1", canonical_url="https://news.example/1",
        title="Mastodon news", fetched_at=NOW,
    )  # fmt: skip
    topic = old.get_model("curation", "Topic").objects.create(
        title="Social networks", slug="social-networks", owner=user, keywords=["mastodon"],
        slot_times=["09:00"],
    )  # fmt: skip
    topic_source = old.get_model("curation", "TopicSource").objects.create(
        topic=topic, source=source, added_by=user, folder=["Tech", "Social"]
    )
    membership = old.get_model("curation", "Membership").objects.create(
        topic=topic, user=reader, role="editor"
    )
    invitation = old.get_model("curation", "Invitation").objects.create(
        topic=topic, role="viewer", email="carol@example.org", invited_by=user, expires_at=NOW
    )
    two_factor = old.get_model("curation", "TwoFactor").objects.create(
        user=user, secret="JBSWY3DPEHPK3PXP", confirmed_at=NOW, last_counter=42
    )
    scoop = old.get_model("curation", "Scoop").objects.create(
        topic=topic, curator=user, entry=entry, url=entry.url, canonical_url=entry.url,
        title="Mastodon news", insight="Why.", insight_html="<p>Why.</p>", published_at=NOW,
    )  # fmt: skip
    suggestion = old.get_model("suggestions", "Suggestion").objects.create(
        topic=topic, entry=entry, score=0.5
    )
    # What a running instance has: content types (and so permissions) under "curation".
    content_types = old.get_model("contenttypes", "ContentType").objects
    ids = {
        "user": user.pk, "reader": reader.pk, "source": source.pk, "entry": entry.pk,
        "topic": topic.pk, "topic_source": topic_source.pk, "membership": membership.pk,
        "invitation": invitation.pk, "two_factor": two_factor.pk, "scoop": scoop.pk,
        "suggestion": suggestion.pk,
    }  # fmt: skip
    for model in ("topic", "topicsource", "membership", "invitation", "twofactor"):
        ids[f"ct_{model}"] = content_types.get(app_label="curation", model=model).pk
    return ids


def test_moved_models_keep_their_rows(old_state) -> None:
    tables_before = set(connection.introspection.table_names())
    assert tables_before >= MOVED_TABLES
    ids = _fill(old_state)

    _migrate(_latest())

    from florilege.accounts.models import Invitation, TwoFactor
    from florilege.curation.models import Scoop
    from florilege.suggestions.models import Suggestion
    from florilege.topics.models import Membership, Topic, TopicSource

    # No table was created for the moved models, none dropped: the rows never moved.
    tables_after = set(connection.introspection.table_names())
    assert tables_after >= MOVED_TABLES
    # Models born after the move have tables of their own.
    new_models = {"accounts_loginthrottle", "accounts_signup"}
    assert not {t for t in tables_after if t.startswith(("topics_", "accounts_"))} - new_models
    assert tables_before - REPLACED_TABLES <= tables_after

    topic = Topic.objects.get(pk=ids["topic"])
    assert (topic.slug, topic.owner_id) == ("social-networks", ids["user"])
    assert topic.keywords == ["mastodon"]
    assert (topic.slot_weekdays, topic.slot_times) == ([0, 1, 2, 3, 4], ["09:00"])
    assert list(topic.sources.values_list("pk", flat=True)) == [ids["source"]]
    topic_source = TopicSource.objects.get(pk=ids["topic_source"])
    assert (topic_source.topic_id, topic_source.source_id) == (ids["topic"], ids["source"])
    assert (topic_source.added_by_id, topic_source.folder) == (ids["user"], ["Tech", "Social"])
    membership = Membership.objects.get(pk=ids["membership"])
    assert (membership.topic, membership.user_id) == (topic, ids["reader"])
    assert membership.role == "editor"
    invitation = Invitation.objects.get(pk=ids["invitation"])
    assert (invitation.topic, invitation.invited_by_id) == (topic, ids["user"])
    assert (invitation.email, invitation.expires_at) == ("carol@example.org", NOW)
    two_factor = TwoFactor.objects.get(pk=ids["two_factor"])
    assert (two_factor.user_id, two_factor.secret, two_factor.last_counter) == (
        ids["user"], "JBSWY3DPEHPK3PXP", 42,
    )  # fmt: skip
    assert list(topic.scoops.values_list("pk", flat=True)) == [ids["scoop"]]
    assert Scoop.objects.get(pk=ids["scoop"]).entry_id == ids["entry"]
    assert list(topic.suggestions.values_list("pk", flat=True)) == [ids["suggestion"]]
    assert Suggestion.objects.get(pk=ids["suggestion"]).entry_id == ids["entry"]
    assert list(topic.memberships.all()) == [membership]
    assert list(topic.invitations.all()) == [invitation]

    # The content types were relabelled, not replaced: permissions keep their rows.
    ContentType.objects.clear_cache()
    for model, app_label in [("topic", "topics"), ("topicsource", "topics"),
                             ("membership", "topics"), ("invitation", "accounts"),
                             ("twofactor", "accounts")]:  # fmt: skip
        assert ContentType.objects.get(app_label=app_label, model=model).pk == ids[f"ct_{model}"]
    assert not ContentType.objects.filter(
        app_label="curation", model__in=["topic", "topicsource", "membership"]
    ).exists()
    change_topic = Permission.objects.get(codename="change_topic")
    assert change_topic.content_type_id == ids["ct_topic"]

    # New rows get fresh ids (on PostgreSQL the table's own sequence carries on).
    other = Topic.objects.create(title="Other", slug="other", owner_id=ids["user"])
    assert other.pk > ids["topic"]
