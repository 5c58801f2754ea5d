"""Test URLconf: the main one plus the WebSub callback, until florilege/urls.py includes it."""

from django.urls import URLResolver, include, path

from florilege.urls import urlpatterns as main_patterns

urlpatterns = list(main_patterns)
if not any(isinstance(p, URLResolver) and p.namespace == "websub" for p in main_patterns):
    urlpatterns.insert(0, path("websub/", include("florilege.sources.urls")))
