from django.urls import path

from florilege.publishing import views

app_name = "publishing"
urlpatterns = [
    path("", views.home, name="home"),
    path("t/<slug:slug>/", views.topic, name="topic"),
    path("t/<slug:slug>/feed.<str:kind>", views.feed, name="feed"),
    path("t/<slug:slug>/s/<int:pk>/", views.scoop, name="scoop_short"),
    path("t/<slug:slug>/s/<int:pk>/<slug:scoop_slug>/", views.scoop, name="scoop"),
]
