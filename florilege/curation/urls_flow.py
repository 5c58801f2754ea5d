"""Public addresses of the curation flow, outside /curate/: the share target of the
bookmarklet (``/scoop?url=...``) and the readers' "suggest a page" form of a topic."""

from django.urls import path

from florilege.curation import views_flow

app_name = "flow"
urlpatterns = [
    path("scoop", views_flow.share, name="share"),
    path("t/<slug:slug>/suggest/", views_flow.reader_suggest, name="reader_suggest"),
]
