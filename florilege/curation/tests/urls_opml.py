"""Test urlconf: the main one, with the OPML views added to the curation namespace.

Until ``florilege/curation/urls.py`` lists the two patterns below, the view tests use
this module (``@pytest.mark.urls``); once it does, the duplicates here are harmless.
"""

from django.urls import URLResolver, include, path

from florilege import urls as main_urls
from florilege.curation import urls as curation_urls
from florilege.curation.views import sources as views_sources

OPML_PATTERNS = [
    path("t/<slug:slug>/sources/import/", views_sources.opml_import, name="opml_import"),
    path("t/<slug:slug>/sources/export/", views_sources.opml_export, name="opml_export"),
]


def _is_curation(pattern: object) -> bool:
    return isinstance(pattern, URLResolver) and pattern.app_name == "curation"


urlpatterns = [
    path("curate/", include(([*OPML_PATTERNS, *curation_urls.urlpatterns], "curation"))),
    *[p for p in main_urls.urlpatterns if not _is_curation(p)],
]
