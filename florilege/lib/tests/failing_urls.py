"""A URL configuration for tests only (``@pytest.mark.urls``): a view with a genuine fault."""

from django.http import HttpRequest, HttpResponse
from django.urls import path


def broken(request: HttpRequest) -> HttpResponse:
    known: dict[str, str] = {}
    return HttpResponse(known["missing"])  # a KeyError, as a real bug would raise


urlpatterns = [path("broken/", broken)]
