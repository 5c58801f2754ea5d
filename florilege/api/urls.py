"""The API under /api/v1/ and the tokens page of the account settings; ``unknown`` is the
last pattern of the site (``florilege/urls.py``): any other /api/ address, a problem document."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from florilege.api import problems, views
from florilege.api.api import api


def unknown(request: HttpRequest, rest: str = "") -> HttpResponse:
    return problems.response(404, "No such API address.")


urlpatterns = [
    path("api/v1/", api.urls),
    path("account/tokens/", views.token_settings, name="api_tokens"),
]
