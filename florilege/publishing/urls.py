from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from florilege.publishing import (
    views,
    views_app,
    views_engage,
    views_feeds,
    views_go,
    views_moderation,
    views_pages,
)

app_name = "publishing"
urlpatterns = [
    # Readers' engagement, in the curator's pages: comments to review, newsletter, embed.
    path("curate/t/<slug:slug>/readers/", views_moderation.readers, name="readers"),
    path(
        "curate/t/<slug:slug>/comments/<int:comment_id>/moderate/",
        views_moderation.moderate,
        name="comment_moderate",
    ),
    path("curate/t/<slug:slug>/digest/", views_moderation.digest_schedule, name="digest_schedule"),
    path("", views.home, name="home"),
    path("go/<str:token>", views_go.go, name="go"),
    path("t/<slug:slug>/", views.topic, name="topic"),
    path("t/<slug:slug>/feed.<str:kind>", views_feeds.topic_feed, name="feed"),
    path("t/<slug:slug>/s/<int:pk>/", views.scoop, name="scoop_short"),
    path("t/<slug:slug>/s/<int:pk>/<slug:scoop_slug>/", views.scoop, name="scoop"),
    # Readers' engagement: follow by email, comments, reactions, embeds.
    path("t/<slug:slug>/follow/", views_engage.follow_topic, name="follow"),
    path("follow/confirm/<str:token>/", views_engage.follow_confirm, name="follow_confirm"),
    path("follow/unsubscribe/<str:token>/", views_engage.unsubscribe, name="unsubscribe"),
    path("t/<slug:slug>/comment/<int:pk>/", views_engage.comment, name="comment"),
    path("t/<slug:slug>/useful/<int:pk>/", views_engage.useful, name="useful"),
    path(
        "t/<slug:slug>/report/<int:comment_id>/", views_engage.report_comment, name="comment_report"
    ),
    path("embed/<slug:slug>/", views_engage.embed_page, name="embed"),
    path("embed/<slug:slug>.js", views_engage.embed_script, name="embed_js"),
    path("api/embed/<slug:slug>.json", views_engage.embed_json, name="embed_json"),
    # Readers' pages, search, sharing and feeds per tag and curator.
    path("t/<slug:slug>/tag/<str:tag>/", views_pages.tag, name="tag"),
    path("t/<slug:slug>/tag/<str:tag>/feed.<str:kind>", views_feeds.tag_feed, name="tag_feed"),
    path("t/<slug:slug>/search/", views_pages.topic_search, name="topic_search"),
    path("search/", views_pages.site_search, name="search"),
    path("u/<str:username>/", views_pages.curator, name="curator"),
    path("u/<str:username>/feed.<str:kind>", views_feeds.curator_feed, name="curator_feed"),
    path("share/mastodon/", views_pages.share_mastodon, name="share_mastodon"),
    path("sitemap.xml", views_pages.sitemap, name="sitemap"),
    path("robots.txt", views_pages.robots, name="robots"),
    # The installable app: manifests, the service worker (at the root, for its scope), offline.
    path("manifest.webmanifest", views_app.manifest, name="manifest"),
    path("t/<slug:slug>/manifest.webmanifest", views_app.topic_manifest, name="topic_manifest"),
    path("sw.js", views_app.service_worker, name="service_worker"),
    path("offline/", views_app.offline, name="offline"),
    # The language switcher posts here from cached pages, which carry no CSRF token:
    # changing the display language is harmless, so the check is waived for this view only.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
]
