"""Every reader-app route, logged in with an app password, with each hostile value in
every parameter the views read, as a query and as a form: never a server error."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, get_resolver
from django.urls.resolvers import RoutePattern

from florilege.readers.tests.fixtures import app_password, queue_of
from florilege.readers.urls import greader_urlpatterns, miniflux_urlpatterns
from florilege.tests.test_hostile_input import BAD_VALUES, _q

pytestmark = pytest.mark.django_db
NAMES = (
    "s", "xt", "it", "n", "c", "ot", "nt", "r", "i", "a", "T", "ts", "output", "Email",
    "Passwd", "status", "limit", "offset", "order", "direction", "starred", "category_id",
    "feed_id", "counts",
)  # fmt: skip


def _paths(topic_id: int) -> list[str]:
    paths = []
    for pattern in [*greader_urlpatterns, *miniflux_urlpatterns]:
        assert isinstance(pattern, URLPattern)
        route = str(pattern.pattern)
        if isinstance(pattern.pattern, RoutePattern):
            for name in pattern.pattern.converters:
                route = route.replace(f"<int:{name}>", str(topic_id))
        else:  # the two stream routes
            route = route.split("(?P")[0].lstrip("^").replace("\\.", ".") + f"feed/{topic_id}"
        paths.append("/" + route)
    return paths


def test_no_server_error(client, curator, topic, settings):
    settings.CONFIG = settings.CONFIG.__class__(
        **{**settings.CONFIG.__dict__, "READER_API_REQUESTS_PER_MINUTE": 100_000}
    )
    queue_of(topic, 3)
    secret = app_password(curator)
    headers = {"HTTP_AUTHORIZATION": f"GoogleLogin auth=curator/{secret}"}
    failures = []
    paths = _paths(topic.pk)
    assert get_resolver().resolve(paths[0])  # the paths are ours
    for path in paths:
        for label, value in BAD_VALUES.items():
            # Encoded by hand: the test client refuses lone surrogates, a raw request does not.
            query = "&".join(f"{name}={_q(value)}" for name in NAMES)
            form = "application/x-www-form-urlencoded"
            for method in ("get", "post", "put"):
                if method == "get":
                    response = client.get(f"{path}?{query}", **headers)
                else:
                    call = getattr(client, method)
                    response = call(path, query, content_type=form, **headers)
                if response.status_code >= 500:
                    failures.append(f"{method.upper()} {path} [{label}]: {response.status_code}")
    assert not failures, "\n".join(failures)
