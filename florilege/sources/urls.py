"""URLs of the sources app: the WebSub callback (included under ``websub/``)."""

from django.urls import path

from florilege.sources import views

app_name = "websub"

urlpatterns = [
    path("<int:source_id>/<str:token>/", views.websub_callback, name="callback"),
]
