from django.urls import path

from florilege.webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("t/<slug:slug>/webhooks/", views.manage, name="manage"),
    path("t/<slug:slug>/webhooks/<int:webhook_id>/", views.act, name="act"),
]
