"""The hostile-input sweep: every URL pattern of the project, read from the resolver (so a
new page is swept without being listed here), anonymously and as each role of a topic's
team, with a table of bad values in the path, in the query string and in a posted form.
No answer may be a server error; the number of requests is printed.

Which query and form names to try comes from the views' own code (``request.GET.get("x")``
and the like, read from each view's module) plus a fixed list of common names, so the
values reach the code that parses them rather than being ignored.
"""

from __future__ import annotations

import inspect
import re
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.signals import got_request_exception
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils import timezone
from django.utils.regex_helper import normalize

from florilege.curation.models import AutomationRule, DeskItem
from florilege.curation.tests.flow_helpers import follow, make_scoop, make_suggestion
from florilege.jobs.models import OutgoingMail
from florilege.publishing.models import Comment
from florilege.sources.websub import callback_token
from florilege.topics.tests.team_fixtures import team  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

BAD_VALUES = {
    "nul": "a\x00b",
    "lone surrogate": "\ud800x",
    "rtl override": "\u202eevil\u202c",
    "10,000 characters": "a" * 10_000,
    "huge integer": "9" * 40,
    "negative": "-1",
    "sql": "1' OR '1'='1'; DROP TABLE topics_topic; --",
    "template": "{{ request }}{% debug %}${7*7}<script>",
    "path traversal": "../../../../etc/passwd",
    "header injection": "/curate/\r\nSet-Cookie: x=1",
    "other host": "//evil.example/@x",
}
# Bytes that are not UTF-8 at all, in the path (a real server passes them on as they came).
BAD_PATH_BYTES = "%ff%fe%C0%AF"

COMMON_NAMES = (
    "source", "page", "q", "tag", "instance", "next", "token", "layout", "sort", "state",
    "day", "status", "lang", "n", "url", "text", "topic", "id", "ids", "language",
)  # fmt: skip
_READS = re.compile(r"""request\.(?:GET|POST|data)(?:\.get|\.getlist)?[(\[]\s*["'](\w+)["']""")


# Route parameters filled with values that exist, tried in order until the pattern matches.
def _valid_values(world: World) -> dict[str, list[str]]:
    return {
        "slug": [world.topic_slug],
        "scoop_slug": [world.scoop_slug],
        "pk": [str(world.scoop_pk)],
        "scoop_id": [str(world.scoop_pk)],
        "comment_id": [str(world.comment_pk)],
        "suggestion_id": [str(world.suggestion_pk)],
        "entry_id": [str(world.entry_pk)],
        "source_id": [str(world.source_pk)],
        "rule_id": [str(world.rule_pk)],
        "webhook_id": ["1"],
        "item_id": [str(world.item_pk)],
        "username": ["curator"],
        "name": [world.topic_slug],
        "kind": ["atom", "topics"],
        "tag": ["mastodon"],
        "action": ["publish"],
        "version": ["2.0"],
        "collection": ["featured"],
        "word": ["fediverse"],
        "note": ["0123456789abcdef01234567"],  # a desk reply's Note id (the form only)
        "table": ["daily"],
        "media_path": ["images/00/00000000000000000000000000000000-1x1.png"],
        "app_label": ["auth", "topics"],
        "object_id": [str(world.admin_pk)],
        "user_id": [str(world.admin_pk)],  # not a member: nothing to change on the team
        # Reader-app APIs (florilege/readers): topic ids and Google Reader stream ids.
        "feed_id": ["1"],
        "category_id": ["1"],
        "topic_id": ["1"],
        "stream": ["user/-/state/com.google/reading-list"],
    }


@dataclass
class World:
    topic_slug: str = ""
    scoop_slug: str = ""
    scoop_pk: int = 0
    comment_pk: int = 0
    suggestion_pk: int = 0
    entry_pk: int = 0
    source_pk: int = 0
    rule_pk: int = 0
    item_pk: int = 0
    admin_pk: int = 0
    users: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    parts: tuple  # the patterns from the root to the leaf
    leaf: URLPattern

    @property
    def name(self) -> str:
        return "".join(str(p.pattern) for p in self.parts)

    @property
    def is_admin(self) -> bool:
        return self.name.startswith("admin/")


def routes(resolver: URLResolver | None = None, parts: tuple = ()) -> Iterator[Route]:
    seen: set[str] = set()
    for route in _all_routes(resolver, parts):
        # The API names each operation, so one address (GET and PATCH of a scoop) has a
        # pattern per method; the first answers them all, the others are never resolved.
        address = "".join(str(part.pattern) for part in route.parts)
        if address not in seen:
            seen.add(address)
            yield route


def _all_routes(resolver: URLResolver | None = None, parts: tuple = ()) -> Iterator[Route]:
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _all_routes(pattern, (*parts, pattern))
        else:
            yield Route((*parts, pattern), pattern)


_CONVERTER = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


def _template(route: Route) -> tuple[str, list[str]]:
    """The route as a %-format string and its parameter names."""
    text, names = "", []
    for part in route.parts:
        pattern = part.pattern
        if isinstance(pattern, RoutePattern):
            route_text = str(pattern).replace("%", "%%")
            names += [m["name"] for m in _CONVERTER.finditer(route_text)]
            text += _CONVERTER.sub(lambda m: f"%({m['name']})s", route_text)
        else:
            assert isinstance(pattern, RegexPattern)
            fmt, params = normalize(str(pattern))[0]
            text += fmt
            names += params
    return text, names


def _same(path: str, route: Route) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return match.func is route.leaf.callback


def valid_path(route: Route, world: World) -> tuple[str, dict[str, str]]:
    """A path of the route with values that exist (when the candidates allow it)."""
    fmt, names = _template(route)
    choices = _valid_values(world)
    values: dict[str, str] = {}
    for name in names:
        values[name] = choices.get(name, ["x"])[0]
    if "source_id" in names and "token" in names:  # the WebSub callback's HMAC
        values["token"] = callback_token(settings.SECRET_KEY, world.source_pk)
    path = "/" + fmt % values
    if _same(path, route):
        return path, values
    # Try the other candidates, one parameter at a time.
    for name in names:
        for candidate in choices.get(name, [])[1:]:
            trial = values | {name: candidate}
            if _same("/" + fmt % trial, route):
                values = trial
                return "/" + fmt % values, values
    return "/" + fmt % values, values


def _q(value: str) -> str:
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def names_read(route: Route) -> list[str]:
    """The query and form names the view's module reads, then the common ones."""
    callback = route.leaf.callback
    module = sys.modules.get(getattr(callback, "__module__", ""), None)
    found: list[str] = []
    if module is not None and module.__name__.startswith("florilege"):
        try:
            found = _READS.findall(inspect.getsource(module))
        except OSError:
            found = []
    return list(dict.fromkeys([*found, *COMMON_NAMES]))


@pytest.fixture
def world(topic, team, curator, django_user_model, settings) -> World:  # noqa: F811 - the team fixture
    scoop = make_scoop(topic, curator, "published")
    # Sign-up open, so its pages are reached; a message in the outbox under the same id as
    # the scoop, the value every <pk> is given.
    settings.CONFIG = replace(settings.CONFIG, SIGNUP="open")
    now = timezone.now()
    OutgoingMail.objects.create(pk=scoop.pk, kind="invitation", recipient="a@example.org",
                                subject="s", body="b", created_at=now, updated_at=now)  # fmt: skip
    source = follow(topic, "https://feed.example/rss")
    comment = Comment.objects.create(
        scoop=scoop,
        author_name="Reader",
        body="Nice.",
        body_html="<p>Nice.</p>",
        status=Comment.Status.APPROVED,
    )
    rule = AutomationRule.objects.create(topic=topic, name="r", keywords=["x"], action="tag")
    suggested = make_suggestion(topic)
    return World(
        topic_slug=topic.slug,
        scoop_slug=scoop.slug or "s",
        scoop_pk=scoop.pk,
        comment_pk=comment.pk,
        suggestion_pk=suggested.pk,
        entry_pk=suggested.entry_id,
        source_pk=source.pk,
        rule_pk=rule.pk,
        item_pk=DeskItem.objects.create(topic=topic, kind="comment", key="comment:1").pk,
        # The admin deletes on any POST to its delete page: point it at a user of its own.
        admin_pk=django_user_model.objects.create_user("spare").pk,
        users=team,
    )


class Sweep:
    """Sends the requests, counts them, and keeps each server error with its traceback."""

    def __init__(self) -> None:
        self.count = 0
        self.failures: list[str] = []
        self._last_error = ""
        got_request_exception.connect(self._record)

    def close(self) -> None:
        got_request_exception.disconnect(self._record)

    def _record(self, sender, request=None, **kwargs) -> None:
        self._last_error = traceback.format_exc(limit=-3)

    def request(self, client: Client, method: str, path: str, label: str, **kwargs) -> int:
        self.count += 1
        self._last_error = ""
        savepoint = transaction.savepoint()
        response = getattr(client, method)(path, **kwargs)
        if response.status_code >= 500:
            # On PostgreSQL a failed query spoils the transaction: undo to carry on.
            transaction.savepoint_rollback(savepoint)
            self.failures.append(
                f"{method.upper()} {path[:150]!r} [{label}] -> {response.status_code}\n"
                f"{self._last_error}"
            )
        else:
            transaction.savepoint_commit(savepoint)
        if response.status_code == 405 or _to_login(response):
            return GONE
        return response.status_code


GONE = 0  # what request() answers when no other value could reach the view


def _to_login(response) -> bool:
    """A redirect to a login page: the view refused before reading anything."""
    location = response.get("Location", "") if response.status_code == 302 else ""
    return location.startswith(("/login/", "/admin/login/"))


ROLES = ("anonymous", "owner", "editor", "contributor", "viewer", "outsider", "admin")


def _client(world: World, role: str) -> Client:
    client = Client(raise_request_exception=False, HTTP_USER_AGENT="Mozilla/5.0 sweep")
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


# Every value for these; each other role gets a third of the values, in turn (and the
# team roles only on the curators' pages: the public ones treat every signed-in reader
# alike), which keeps the sweep under a minute while every value still meets each kind of
# permission check: none, the topic's, the site admin's.
FULL_ROLES = ("anonymous", "owner")


def _values_for(role: str) -> list[tuple[str, str]]:
    values = list(BAD_VALUES.items())
    if role in FULL_ROLES:
        return values
    return values[ROLES.index(role) % 3 :: 3]


def _sweeps(route: Route, role: str) -> bool:
    if route.is_admin:  # the admin sends every non-staff user to its login page
        return role in ("anonymous", "admin")
    return role in (*FULL_ROLES, "admin") or route.name.startswith("curate/")


def _path_role(route: Route) -> str:
    """Who asks for the bad paths: whoever gets past the view's first check."""
    if route.is_admin:
        return "admin"
    return "owner" if route.name.startswith("curate/") else "anonymous"


def _sweep_route(sweep: Sweep, route: Route, world: World, role: str) -> None:
    path, values = valid_path(route, world)
    client = _client(world, role)
    names = names_read(route)
    methods = {"get", "post"}
    for label, value in _values_for(role):
        query = "&".join(f"{name}={_q(value)}" for name in names)
        if "get" in methods:
            status = sweep.request(client, "get", f"{path}?{query}", f"{role}, {label} in query")
            if status == GONE:
                methods.discard("get")
        if "post" in methods:
            status = sweep.request(
                client,
                "post",
                path,
                f"{role}, {label} in the form",
                data=query.encode("ascii"),
                content_type="application/x-www-form-urlencoded",
            )
            if status == GONE:
                methods.discard("post")
    if role != _path_role(route):
        return
    fmt, params = _template(route)
    in_path = [(label, _q(value)) for label, value in BAD_VALUES.items()]
    for param in params:
        for label, raw in [*in_path, ("bad UTF-8", BAD_PATH_BYTES)]:
            bad = "/" + fmt % (values | {param: raw})
            sweep.request(client, "get", bad, f"{role}, {label} in <{param}>")


def test_no_server_error_for_hostile_input(world, settings, capsys) -> None:
    settings.DEBUG = False
    started = time.monotonic()
    sweep = Sweep()
    try:
        swept = list(routes())
        matched = sum(_same(valid_path(route, world)[0], route) for route in swept)
        for route in swept:
            for role in ROLES:
                if _sweeps(route, role):
                    _sweep_route(sweep, route, world, role)
        for label, value in BAD_VALUES.items():
            sweep.request(_client(world, "anonymous"), "get", "/" + _q(value), label)
    finally:
        sweep.close()
    elapsed = time.monotonic() - started
    with capsys.disabled():  # shown in every run, not only when the test fails
        print(f"\nhostile-input sweep: {len(swept)} URL patterns ({matched} reached with "
              f"values that exist), {sweep.count} requests in {elapsed:.1f} s, "
              f"{len(sweep.failures)} server errors")  # fmt: skip
    # A new parameter name needs a value in _valid_values, or its view is only ever asked
    # for with values that do not exist (and answers 404 before reading anything).
    assert matched == len(swept), "patterns not reached: add their parameters' values"
    assert not sweep.failures, "\n".join(_distinct(sweep.failures))


def _distinct(failures: list[str]) -> list[str]:
    """One failure per route and error, so a bug shows once, not once per role and value."""
    seen: dict[tuple[str, str], str] = {}
    for failure in failures:
        head, _, trace = failure.partition("\n")
        error = trace.strip().rsplit("\n", 1)[-1]
        seen.setdefault((head.split("[")[0][:60], error), failure)
    return list(seen.values())
