from django.urls import path

from florilege.publishing import views, views_engage

app_name = "publishing"
urlpatterns = [
    path("", views.home, name="home"),
    path("t/<slug:slug>/", views.topic, name="topic"),
    path("t/<slug:slug>/feed.<str:kind>", views.feed, name="feed"),
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
]
