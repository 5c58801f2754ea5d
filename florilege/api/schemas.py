"""What the API takes and gives (pydantic models through django-ninja)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from ninja import Field, Schema

Mode = Literal["now", "at", "queue", "propose", "draft"]


class Problem(Schema):
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None


class TopicOut(Schema):
    slug: str
    title: str
    description: str
    languages: list[str]
    is_public: bool
    role: str | None = Field(description="Your role on the topic; null for a site administrator")


class TopicList(Schema):
    items: list[TopicOut]
    next_cursor: str | None


class SourceRef(Schema):
    id: int
    title: str
    url: str


class EntryOut(Schema):
    id: int
    url: str
    title: str
    summary: str
    author: str
    language: str
    image_url: str
    published_at: datetime | None
    source: SourceRef


class OtherSource(Schema):
    entry_id: int
    url: str
    source: SourceRef


class SuggestionOut(Schema):
    id: int
    score: float
    reasons: dict[str, Any] = Field(description="Why it is suggested: the parts of its score")
    created_at: datetime
    entry: EntryOut
    also_in: list[OtherSource] = Field(description="The same story in other sources")


class SuggestionList(Schema):
    items: list[SuggestionOut]
    next_cursor: str | None


class ScoopIn(Schema):
    insight: str = Field("", max_length=20000, description="Markdown")
    tags: list[str] = Field(default_factory=list, max_length=50)
    title: str | None = Field(None, max_length=300)
    mode: Mode | None = Field(
        None, description="Default: editors publish now, contributors propose"
    )
    at: datetime | None = Field(None, description="With mode 'at': when it goes out")


class ScoopOut(Schema):
    id: int
    url: str
    title: str
    excerpt: str
    insight: str
    insight_html: str
    tags: list[Any]
    status: str
    source_name: str
    language: str
    image_url: str
    curator: str | None
    pinned: bool
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ScoopList(Schema):
    items: list[ScoopOut]
    next_cursor: str | None


class ScoopPatch(Schema):
    title: str | None = Field(None, max_length=300)
    excerpt: str | None = Field(None, max_length=5000)
    insight: str | None = Field(None, max_length=20000)
    tags: list[str] | None = Field(None, max_length=50)


class PinIn(Schema):
    pinned: bool = True


class SourceOut(Schema):
    id: int
    url: str
    site_url: str
    title: str
    health: Literal["new", "ok", "failing", "disabled"]
    enabled: bool
    disabled_reason: str
    last_fetched_at: datetime | None
    last_success_at: datetime | None
    last_status: int | None
    last_error: str
    error_count: int
    entry_count: int
    added_at: datetime


class SourceList(Schema):
    items: list[SourceOut]
    next_cursor: str | None


class SourceIn(Schema):
    url: str = Field(max_length=2000, description="A feed, or a page that links to one")


class OpmlIn(Schema):
    opml: str = Field(max_length=2_000_000, description="The OPML document, as text")


class OpmlReport(Schema):
    added: int
    already_followed: int
    invalid: int
    duplicates: int


class MemberOut(Schema):
    user_id: int
    username: str
    role: str


class RoleIn(Schema):
    role: Literal["owner", "editor", "contributor", "viewer"]


class CommentOut(Schema):
    id: int
    scoop_id: int
    author_name: str
    body: str
    status: str
    report_count: int
    created_at: datetime


class CommentList(Schema):
    items: list[CommentOut]
    next_cursor: str | None


class ModerateIn(Schema):
    action: Literal["approve", "reject", "spam"]


class DayViews(Schema):
    day: date
    views: int


class ViewsOut(Schema):
    total: int
    days: list[DayViews]


class Headline(Schema):
    value: float
    previous: float = Field(description="The same figure over the period before")
    change_percent: float | None = Field(description="Null when the period before had none")


class Table(Schema):
    headers: list[str]
    rows: list[list[str | int | float | None]]


class AudienceOut(Schema):
    """The Audience page's figures over a period: its headlines (views, visitors, clicks,
    click-through rate, followers) and its tables (daily figures, top scoops, top sources,
    referrers, devices, followers by channel, digests, best time, curators), each as the
    page's CSV export gives it."""

    scope: str = Field(description="The topic's slug, or 'site'")
    start: date
    until: date
    days: int
    headlines: dict[str, Headline]
    waiting_approval: int = Field(description="Proposed scoops awaiting an editor's approval")
    tables: dict[str, Table]
