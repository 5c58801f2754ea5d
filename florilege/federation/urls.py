from django.urls import path, re_path

from florilege.federation import views

app_name = "federation"
_NAME = r"(?P<name>[-\w.@+]+)"
urlpatterns = [
    path(".well-known/webfinger", views.webfinger, name="webfinger"),
    path(".well-known/host-meta", views.host_meta, name="host_meta"),
    path(".well-known/nodeinfo", views.nodeinfo_index, name="nodeinfo_index"),
    path("nodeinfo/<str:version>", views.nodeinfo, name="nodeinfo"),
    path("ap/inbox", views.shared_inbox, name="shared_inbox"),
    path("ap/instance", views.instance_actor_view, name="instance_actor"),
    path("ap/instance/inbox", views.instance_inbox, name="instance_inbox"),
    path("ap/topics/<slug:slug>", views.topic_actor_view, name="topic_actor"),
    path("ap/users/<str:username>", views.curator_actor_view, name="curator_actor"),
    re_path(rf"^ap/(?P<kind>topics|users)/{_NAME}/inbox$", views.actor_inbox, name="inbox"),
    re_path(rf"^ap/(?P<kind>topics|users)/{_NAME}/outbox$", views.outbox_view, name="outbox"),
    re_path(
        rf"^ap/(?P<kind>topics|users)/{_NAME}/followers$", views.followers_view, name="followers"
    ),
    re_path(
        rf"^ap/(?P<kind>topics|users)/{_NAME}/following$", views.following_view, name="following"
    ),
    re_path(
        rf"^ap/(?P<kind>topics|users)/{_NAME}/(?P<collection>featured|featuredTags)$",
        views.featured_view,
        name="featured",
    ),
    # Hashtag links: ours, and those servers rewrite to the author's host.
    re_path(r"^tags/(?P<word>[^/]+)/?$", views.hashtag, name="hashtag"),
    path("ap/scoops/<int:pk>", views.scoop_object, name="scoop_object"),
    path("ap/notes/<slug:note>", views.desk_note, name="desk_note"),
    path("t/<slug:slug>/follow-fediverse/", views.remote_follow, name="remote_follow"),
    path("curate/<slug:slug>/fediverse/", views.manage, name="manage"),
]
