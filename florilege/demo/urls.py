"""Demo routes, mounted at ``/demo/`` (see ``florilege.demo.feeds.URL_PREFIX``)."""

from django.urls import path

from florilege.demo import views

app_name = "demo"

urlpatterns = [
    path("", views.index, name="index"),
    path("feeds/<str:filename>", views.feed, name="feed"),
    path("sites/<slug:feed_slug>/", views.site, name="site"),
    path("articles/<slug:feed_slug>/<slug:item_slug>/", views.article, name="article"),
    path("images/<slug:feed_slug>/<slug:item_slug>.png", views.image, name="image"),
]
