"""A URLconf for the demo tests alone, so they do not depend on florilege/urls.py."""

from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.urls import include, path

urlpatterns = [path("demo/", include("florilege.demo.urls"))]


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    # The site's 404 page links to the site's other pages, which this URLconf leaves out.
    return HttpResponseNotFound("not found", content_type="text/plain")


handler404 = not_found
