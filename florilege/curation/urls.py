from django.urls import path

from florilege.curation import views, views_flow, views_opml, views_ranking, views_team

app_name = "curation"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("topics/new/", views.topic_create, name="topic_create"),
    path("t/<slug:slug>/", views.queue, name="queue"),
    path("t/<slug:slug>/edit/", views.topic_edit, name="topic_edit"),
    path("t/<slug:slug>/sources/", views.sources, name="sources"),
    path(
        "t/<slug:slug>/sources/<int:source_id>/remove/", views.source_remove, name="source_remove"
    ),
    path("t/<slug:slug>/sources/import/", views_opml.opml_import, name="opml_import"),
    path("t/<slug:slug>/sources/export/", views_opml.opml_export, name="opml_export"),
    path(
        "t/<slug:slug>/sources/<int:source_id>/options/",
        views.source_options,
        name="source_options",
    ),
    path("t/<slug:slug>/scoop/<int:suggestion_id>/", views.scoop_suggestion, name="scoop"),
    path("t/<slug:slug>/discard/<int:suggestion_id>/", views.discard, name="discard"),
    path("t/<slug:slug>/scoop-url/", views.scoop_url, name="scoop_url"),
    # --- teams-flow: quick queue actions, reader suggestions, rules, rescoop ---
    path(
        "t/<slug:slug>/quick-scoop/<int:suggestion_id>/",
        views_flow.quick_scoop,
        name="quick_scoop",
    ),
    path("t/<slug:slug>/discard-many/", views_flow.bulk_discard, name="bulk_discard"),
    path(
        "t/<slug:slug>/reader/<int:suggestion_id>/discard/",
        views_flow.reader_discard,
        name="reader_discard",
    ),
    path("t/<slug:slug>/rules/", views_flow.rule_list, name="rules"),
    path("t/<slug:slug>/rules/<int:rule_id>/", views_flow.rule_list, name="rule_edit"),
    path("t/<slug:slug>/rules/<int:rule_id>/delete/", views_flow.rule_delete, name="rule_delete"),
    path("rescoop/<int:scoop_id>/", views_flow.rescoop_view, name="rescoop"),
    # --- teams: review, scoops by state, edit/history, schedule, audit ---
    path("t/<slug:slug>/review/", views_team.review, name="review"),
    path("t/<slug:slug>/scoops/", views_team.scoops, name="scoops"),
    path("t/<slug:slug>/scoops/<int:pk>/", views_team.scoop_edit, name="scoop_edit"),
    path(
        "t/<slug:slug>/scoops/<int:pk>/<slug:action>/",
        views_team.scoop_action,
        name="scoop_action",
    ),
    path("t/<slug:slug>/schedule/", views_team.schedule, name="schedule"),
    path("t/<slug:slug>/audit/", views_team.audit_log, name="audit"),
    path("t/<slug:slug>/ranking/reset/", views_ranking.reset_ranking, name="ranking_reset"),
]
