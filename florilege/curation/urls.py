from django.urls import path

from florilege.curation import views, views_opml, views_ranking

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
    path("t/<slug:slug>/ranking/reset/", views_ranking.reset_ranking, name="ranking_reset"),
]
