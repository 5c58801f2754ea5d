"""The API under /api/v1/, its catch-all (a problem document for any other /api/ address),
and the tokens page of the account settings."""

from django.http import HttpRequest, HttpResponse
from django.urls import path, re_path

from florilege.api import problems, views
from florilege.api.api import api


def _unknown(request: HttpRequest, rest: str = "") -> HttpResponse:
    return problems.response(404, "No such API address.")


urlpatterns = [
    path("api/v1/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", _unknown),
    path("account/tokens/", views.token_settings, name="api_tokens"),
]
