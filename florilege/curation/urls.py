"""Curation's addresses: the curator's pages under /curate/ (``urlpatterns``, namespace
``curation``), and two public ones outside it (``public_urlpatterns``, namespace ``flow``,
included at the root by ``florilege/urls.py``): the bookmarklet's share target
(``/scoop?url=...``) and the readers' "suggest a page" form of a topic."""

from django.urls import path

from florilege.curation.views import (
    audience,
    audit,
    desk,
    items,
    queue,
    ranking,
    reader,
    rescoop,
    rules,
    schedule,
    scooping,
    scoopit,
    scoops,
    sources,
    topics,
)

app_name = "curation"
urlpatterns = [
    path("", topics.dashboard, name="dashboard"),
    path("topics/new/", topics.topic_create, name="topic_create"),
    path("t/<slug:slug>/", queue.queue, name="queue"),
    path("t/<slug:slug>/edit/", topics.topic_edit, name="topic_edit"),
    path("t/<slug:slug>/export/", topics.topic_export, name="topic_export"),
    path("t/<slug:slug>/delete/", topics.topic_delete, name="topic_delete"),
    path("t/<slug:slug>/sources/", sources.sources, name="sources"),
    path(
        "t/<slug:slug>/sources/<int:source_id>/remove/",
        sources.source_remove,
        name="source_remove",
    ),
    path("t/<slug:slug>/sources/import/", sources.opml_import, name="opml_import"),
    path("t/<slug:slug>/import/scoopit/", scoopit.scoopit_import, name="scoopit_import"),
    path("t/<slug:slug>/sources/export/", sources.opml_export, name="opml_export"),
    path(
        "t/<slug:slug>/sources/<int:source_id>/options/",
        sources.source_options,
        name="source_options",
    ),
    path("t/<slug:slug>/scoop/<int:suggestion_id>/", scooping.scoop_suggestion, name="scoop"),
    path("t/<slug:slug>/discard/<int:suggestion_id>/", queue.discard, name="discard"),
    path("t/<slug:slug>/scoop-now/<int:suggestion_id>/", scooping.scoop_now, name="scoop_now"),
    path("t/<slug:slug>/scoop-url/", scooping.scoop_url, name="scoop_url"),
    # Working the queue fast, reader suggestions, rules, rescoop.
    path(
        "t/<slug:slug>/quick-scoop/<int:suggestion_id>/",
        queue.quick_scoop,
        name="quick_scoop",
    ),
    path("t/<slug:slug>/discard-many/", queue.bulk_discard, name="bulk_discard"),
    # All items of the topic's sources, read or unread per curator.
    path("t/<slug:slug>/items/", items.items, name="items"),
    path("t/<slug:slug>/items/read/", items.items_read_all, name="items_read_all"),
    path("t/<slug:slug>/items/<int:entry_id>/read/", items.item_read, name="item_read"),
    path("t/<slug:slug>/items/<int:entry_id>/scoop/", items.item_scoop, name="item_scoop"),
    path(
        "t/<slug:slug>/reader/<int:suggestion_id>/discard/",
        reader.reader_discard,
        name="reader_discard",
    ),
    path("t/<slug:slug>/rules/", rules.rule_list, name="rules"),
    path("t/<slug:slug>/rules/<int:rule_id>/", rules.rule_list, name="rule_edit"),
    path("t/<slug:slug>/rules/<int:rule_id>/delete/", rules.rule_delete, name="rule_delete"),
    path("rescoop/<int:scoop_id>/", rescoop.rescoop_view, name="rescoop"),
    # Review, scoops by state, edit and history, schedule, audit.
    path("t/<slug:slug>/review/", scoops.review, name="review"),
    path("t/<slug:slug>/scoops/", scoops.scoops, name="scoops"),
    path("t/<slug:slug>/scoops/<int:pk>/", scoops.scoop_edit, name="scoop_edit"),
    path(
        "t/<slug:slug>/scoops/<int:pk>/<slug:action>/",
        scoops.scoop_action,
        name="scoop_action",
    ),
    path("t/<slug:slug>/schedule/", schedule.schedule, name="schedule"),
    path("t/<slug:slug>/audit/", audit.audit_log, name="audit"),
    path("t/<slug:slug>/audience/", audience.topic_audience, name="audience"),
    path("t/<slug:slug>/audience.json", audience.topic_audience_json, name="audience_json"),
    path(
        "t/<slug:slug>/audience/<slug:table>.csv",
        audience.topic_audience_csv,
        name="audience_csv",
    ),
    path("t/<slug:slug>/ranking/reset/", ranking.reset_ranking, name="ranking_reset"),
    # The engagement desk: a topic's feedback, and all of a member's topics together.
    path("desk/", desk.desk_all, name="desk_all"),
    path("desk/notifications/", desk.desk_preferences, name="desk_preferences"),
    path("t/<slug:slug>/desk/", desk.desk_topic, name="desk"),
    path("t/<slug:slug>/desk/<int:item_id>/", desk.desk_item, name="desk_item"),
    path(
        "t/<slug:slug>/desk/<int:item_id>/<slug:action>/",
        desk.desk_action,
        name="desk_action",
    ),
]

public_urlpatterns = [
    path("scoop", scooping.share, name="share"),
    path("t/<slug:slug>/suggest/", reader.reader_suggest, name="reader_suggest"),
]
