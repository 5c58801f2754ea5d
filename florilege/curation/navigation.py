"""The curator's navigation of a topic: six groups (Queue, Scoops, Sources, Audience, Team,
Settings), each with its pages, and which of them is the current one.

The current page is found from the resolver's URL name (``request.resolver_match``), so a
view says nothing about the navigation: a new page is placed by adding its URL name here,
either as an entry or in the ``also`` of the entry it belongs under (a scoop's edit page is
under "Scoops"). The table is data; ``build_nav`` is a pure function of the table, what
the visitor may do and the URL name, which is what the tests exercise.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavPage:
    url_name: str  # namespaced, reversed with the topic's slug
    label: str | Promise
    needs: str = ""  # a topic action (topics.permissions.Action); "" for every team member
    also: tuple[str, ...] = ()  # URL names of the pages that sit under this one


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: str | Promise
    pages: tuple[NavPage, ...]


GROUPS: tuple[NavGroup, ...] = (
    NavGroup(
        "queue",
        _("Queue"),
        (
            NavPage("curation:queue", _("Suggestions"), also=("curation:scoop",)),
            NavPage("curation:items", _("All items")),
            NavPage("curation:scoop_url", _("Scoop a URL"), "scoop_propose"),
            NavPage("curation:rules", _("Rules"), "curate", also=("curation:rule_edit",)),
        ),
    ),
    NavGroup(
        "scoops",
        _("Scoops"),
        (
            NavPage("curation:scoops", _("All scoops"), also=("curation:scoop_edit",)),
            NavPage("curation:review", _("Review")),
            NavPage("curation:schedule", _("Schedule")),
        ),
    ),
    NavGroup(
        "sources",
        _("Sources"),
        (
            NavPage(
                "curation:sources",
                _("All sources"),
                "manage_sources",
                also=("curation:source_options",),
            ),
            NavPage("curation:opml_import", _("Import (OPML)"), "manage_sources"),
        ),
    ),
    NavGroup(
        "audience",
        _("Audience"),
        (
            NavPage("curation:audience", _("Figures")),
            NavPage("curation:desk", _("Desk"), also=("curation:desk_item",)),
            NavPage("publishing:readers", _("Readers"), "moderate"),
            NavPage("federation:manage", _("Fediverse"), "curate"),
        ),
    ),
    NavGroup(
        "team",
        _("Team"),
        (
            NavPage("accounts:members", _("Members")),
            NavPage("curation:audit", _("Audit log"), "view_audit"),
        ),
    ),
    NavGroup(
        "settings",
        _("Settings"),
        (
            NavPage(
                "curation:topic_edit",
                _("Topic settings"),
                "manage_topic",
                also=("curation:topic_delete",),
            ),
            NavPage("webhooks:manage", _("Webhooks"), "manage_topic"),
            NavPage("curation:scoopit_import", _("Import from Scoop.it"), "manage_topic"),
        ),
    ),
)


@dataclass(frozen=True)
class NavLink:
    url_name: str
    label: str | Promise
    current: bool


@dataclass(frozen=True)
class NavGroupView:
    key: str
    label: str | Promise
    url_name: str  # the group's first page the visitor may open
    current: bool
    pages: tuple[NavLink, ...]

    @property
    def current_page(self) -> NavLink | None:
        return next((p for p in self.pages if p.current), None)

    @property
    def is_the_page(self) -> bool:
        """The group's own link is the page shown (not only its group)."""
        page = self.current_page
        return page is not None and page.url_name == self.url_name


def _is_current(page: NavPage, url_name: str) -> bool:
    return url_name == page.url_name or url_name in page.also


def build_nav(
    allowed: Collection[str], url_name: str, groups: Sequence[NavGroup] = GROUPS
) -> list[NavGroupView]:
    """The groups and pages the visitor may open, the current ones marked. A group with no
    page the visitor may open is left out."""
    shown = []
    for group in groups:
        pages = tuple(
            NavLink(p.url_name, p.label, _is_current(p, url_name))
            for p in group.pages
            if not p.needs or p.needs in allowed
        )
        if pages:
            current = any(p.current for p in pages)
            shown.append(NavGroupView(group.key, group.label, pages[0].url_name, current, pages))
    return shown


def nav_url_names(groups: Sequence[NavGroup] = GROUPS) -> set[str]:
    """Every URL name the navigation marks as current (its pages and those under them)."""
    return {name for g in groups for p in g.pages for name in (p.url_name, *p.also)}
