"""A URLconf for the demo tests alone, so they do not depend on florilege/urls.py."""

from django.urls import include, path

urlpatterns = [path("demo/", include("florilege.demo.urls"))]
