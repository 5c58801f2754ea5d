"""Scoop and discard: the curator's decisions on suggestions, and scooping any URL."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from florilege.curation.models import Scoop
from florilege.curation.services import publication, reader
from florilege.curation.services.publication import PublishPlan
from florilege.lib import images, media
from florilege.lib.html import html_to_text
from florilege.lib.markdown import render_markdown
from florilege.lib.urls import canonical_url, domain_of, is_http_url
from florilege.media import services as pictures
from florilege.suggestions.models import Suggestion
from florilege.suggestions.stories import close_story, story_entries
from florilege.topics.models import Topic
from florilege.topics.permissions import Action, require

EXCERPT_LENGTH = 500
_RAW_HTML = re.compile(r"<\s*/?\s*(script|style|iframe|object|embed)\b", re.IGNORECASE)


@dataclass
class ScoopDraft:
    """What the curator submits; also what the scoop form is prefilled with."""

    url: str
    title: str
    insight: str
    excerpt: str = ""
    image_url: str = ""
    # Pixels, when known (see Scoop.image_width); both or neither.
    image_width: int | None = None
    image_height: int | None = None
    source_name: str = ""
    language: str = ""
    tags: list[str] = field(default_factory=list)


def clean_insight(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write an insight: say in a few words why this piece matters."))
    if _RAW_HTML.search(text):
        raise ValidationError(
            _("Insights are Markdown; HTML such as <script>, <style> or <iframe> is not allowed.")
        )
    return text


def clean_tags(raw: str | list[str]) -> list[str]:
    items = raw if isinstance(raw, list) else re.split(r"[,\n]", raw or "")
    tags: list[str] = []
    for item in items:
        tag = " ".join(item.strip().lstrip("#").split())[:50]
        if tag and tag.casefold() not in {t.casefold() for t in tags}:
            tags.append(tag)
    return tags[:10]


def _validate(draft: ScoopDraft, insight_required: bool = True) -> None:
    if not is_http_url(draft.url):
        raise ValidationError(_("The scoop needs a web address starting with http:// or https://."))
    if not draft.title.strip():
        raise ValidationError(_("The scoop needs a title."))
    if insight_required or draft.insight.strip():
        draft.insight = clean_insight(draft.insight)
    draft.tags = clean_tags(draft.tags)


def _image_size(draft: ScoopDraft) -> tuple[int, int] | None:
    width, height = draft.image_width, draft.image_height
    if width and height and width > 0 and height > 0:
        return width, height
    # A picture we store ourselves says its size in its name.
    return media.size_of(draft.image_url)


def _rejected(exc: images.ImageRejected) -> ValidationError:
    messages = {
        "empty": _("The picture file is empty."),
        "too_big": _("The picture is too large: up to %(size)s.")
        % {"size": filesizeformat(settings.CONFIG.IMAGE_MAX_BYTES)},
        "svg": _("Vector images (SVG) are not accepted; use JPEG, PNG, WebP or GIF."),
        "unreadable": _("This file is not a picture we can read."),
        "format": _("Only JPEG, PNG, WebP and GIF pictures are accepted."),
        "pixels": _("The picture has too many pixels (at most %(millions)s million).")
        % {"millions": f"{settings.CONFIG.IMAGE_MAX_PIXELS / 1e6:g}"},
    }
    return ValidationError(messages.get(exc.code, _("This file is not a picture we can read.")))


def store_upload(upload, now: datetime) -> str:
    """Keep an uploaded picture for the ``pictures`` stage and return the address a scoop
    refers to it by. Only what costs nothing is checked here (the size, and the header:
    raster, an accepted format, the pixel count), so a wrong file is refused at once; the
    pixels are decoded, re-encoded and made into thumbnails by the stage, never in the
    request. Raises ValidationError."""
    cap, pixels = settings.CONFIG.IMAGE_MAX_BYTES, settings.CONFIG.IMAGE_MAX_PIXELS
    if upload.size is not None and upload.size > cap:
        raise _rejected(images.ImageRejected("too_big", "too large"))
    data = upload.read(cap + 1)
    try:
        header = images.check_image(data, cap, pixels)
    except images.ImageRejected as exc:
        raise _rejected(exc) from exc
    return pictures.upload(data, str(header.format), now)


@dataclass(frozen=True)
class ImageChoice:
    """A picture the scoop form offers: its address (the value chosen), what to show of it
    (``src``, empty while an upload is being prepared) and a word on its state."""

    url: str
    src: str
    note: str = ""


def image_choices(urls: list[str]) -> list[ImageChoice]:
    """The form's pictures: another site's as they are (the curator's own page may show
    them), an upload by its thumbnail once the stage made it, else by its state."""
    rows = pictures.pictures_for([u for u in urls if pictures.is_upload_url(u)])
    choices = []
    for url in urls:
        if not pictures.is_upload_url(url):
            choices.append(ImageChoice(url, url))
            continue
        picture = rows.get(url)
        small = picture.rendition("small") if picture else None
        if small:
            choices.append(ImageChoice(url, media.page_url(small["jpeg"])))
        elif picture is not None and picture.status == picture.Status.FAILED:
            note = _("Your picture could not be used: %(reason)s") % {"reason": picture.reason}
            choices.append(ImageChoice(url, "", note))
        else:
            choices.append(ImageChoice(url, "", _("Your picture is being prepared.")))
    return choices


def offered_images(entry) -> list[str]:
    """The pictures a scoop of ``entry`` may show: the feed's image, then those of the
    article's text (its full text once fetched)."""
    html = entry.content or entry.summary or ""
    return [c.url for c in images.page_images(html, entry.url, first=entry.image_url)]


def _create(
    topic: Topic,
    curator,
    draft: ScoopDraft,
    now: datetime,
    plan: PublishPlan | None,
    entry=None,
    insight_required: bool = True,
) -> Scoop:
    _validate(draft, insight_required)
    # Who may publish, and when, is decided before anything is written.
    status, published_at = publication.placement(
        topic, curator, plan or publication.default_plan(curator, topic), now
    )
    canonical = canonical_url(draft.url)
    image_url = draft.image_url[:2000] if is_http_url(draft.image_url) else ""
    size = _image_size(draft) if image_url else None
    if Scoop.objects.filter(topic=topic, canonical_url=canonical).exists():
        raise ValidationError(_("This page is already scooped in this topic."))
    scoop = Scoop(
        topic=topic,
        curator=curator,
        entry=entry,
        url=draft.url[:2000],
        canonical_url=canonical[:2000],
        title=html_to_text(draft.title)[:300],
        excerpt=html_to_text(draft.excerpt, max_length=EXCERPT_LENGTH),
        image_url=image_url,
        image_width=size[0] if size else None,
        image_height=size[1] if size else None,
        source_name=(draft.source_name or domain_of(draft.url))[:300],
        language=draft.language[:10],
        insight=draft.insight,
        insight_html=render_markdown(draft.insight) if draft.insight else "",
        tags=draft.tags,
        status=status,
        published_at=published_at,
        created_at=now,
        updated_at=now,
    )
    if pictures.is_upload_url(image_url):
        # Held from the start, draft or not: an upload no scoop holds is pruned.
        scoop.picture = pictures.request(image_url, now)
    try:
        with transaction.atomic():
            scoop.save()
    except IntegrityError as exc:  # a concurrent scoop of the same page won the race
        raise ValidationError(_("This page is already scooped in this topic.")) from exc
    # Readers who suggested this page to the topic are answered by any scoop of it.
    reader.settle_scooped(scoop, curator, now)
    publication.after_create(scoop, curator, now)
    return scoop


def draft_from_suggestion(suggestion: Suggestion, entry=None) -> ScoopDraft:
    """The scoop form's prefill: the suggestion's entry, or another source of its story."""
    entry = entry or suggestion.entry
    return ScoopDraft(
        url=entry.url,
        title=entry.title,
        insight="",
        excerpt=html_to_text(entry.summary or entry.content, max_length=EXCERPT_LENGTH),
        image_url=entry.image_url,
        source_name=entry.source.display_name,
        language=entry.language,
        # Tags an automation rule added come first: the curator asked for them.
        tags=clean_tags(list(suggestion.reasons.get("tags", [])) + list(entry.categories[:3])),
    )


def scoop_suggestion(
    suggestion: Suggestion,
    curator,
    draft: ScoopDraft,
    now: datetime,
    plan: PublishPlan | None = None,
    entry=None,
) -> Scoop:
    """Scoop a suggestion with the curator's insight; the suggestion, and the other
    suggestions of its story, leave the queue.

    ``plan`` says when it goes out (``publication.PublishPlan``); by default editors
    publish now and contributors propose it for approval. ``entry``: another source of the
    same story the curator chose to scoop instead."""
    require(curator, suggestion.topic, Action.SCOOP_PROPOSE)
    if suggestion.status != Suggestion.Status.PENDING:
        raise ValidationError(_("This suggestion has already been decided."))
    entry = entry or suggestion.entry
    if entry.pk != suggestion.entry_id and entry.pk not in {
        e.pk for e in story_entries(suggestion.entry)
    }:
        raise ValidationError(_("This source does not carry the same story."))
    with transaction.atomic():
        scoop = _create(suggestion.topic, curator, draft, now, plan, entry=entry)
        _decide(suggestion, Suggestion.Status.SCOOPED, curator, now)
        close_story(suggestion, Suggestion.Status.SCOOPED, curator, now)
    return scoop


def scoop_now(suggestion: Suggestion, curator, now: datetime) -> Scoop:
    """One click from the queue card: the entry published as it is, without an insight,
    where the topic allows it (``Topic.allow_scoop_without_insight``); editors only."""
    topic = suggestion.topic
    require(curator, topic, Action.PUBLISH)
    if not topic.allow_scoop_without_insight:
        raise ValidationError(_("This topic asks for an insight with every scoop."))
    if suggestion.status != Suggestion.Status.PENDING:
        raise ValidationError(_("This suggestion has already been decided."))
    draft = draft_from_suggestion(suggestion)
    with transaction.atomic():
        scoop = _create(topic, curator, draft, now, PublishPlan(publication.NOW),
                        entry=suggestion.entry, insight_required=False)  # fmt: skip
        _decide(suggestion, Suggestion.Status.SCOOPED, curator, now)
        close_story(suggestion, Suggestion.Status.SCOOPED, curator, now)
    return scoop


def draft_suggestion(suggestion: Suggestion, curator, now: datetime) -> Scoop:
    """Keep a suggestion as a draft scoop without an insight yet (a star from a reader
    app): it leaves the queue and waits among the drafts for the curator to finish it."""
    require(curator, suggestion.topic, Action.SCOOP_PROPOSE)
    if suggestion.status != Suggestion.Status.PENDING:
        raise ValidationError(_("This suggestion has already been decided."))
    draft = draft_from_suggestion(suggestion)
    with transaction.atomic():
        scoop = _create(suggestion.topic, curator, draft, now, PublishPlan(publication.DRAFT),
                        entry=suggestion.entry, insight_required=False)  # fmt: skip
        _decide(suggestion, Suggestion.Status.SCOOPED, curator, now)
        close_story(suggestion, Suggestion.Status.SCOOPED, curator, now)
    return scoop


def discard_suggestion(suggestion: Suggestion, curator, now: datetime) -> None:
    require(curator, suggestion.topic, Action.DISCARD)
    if suggestion.status != Suggestion.Status.PENDING:
        raise ValidationError(_("This suggestion has already been decided."))
    with transaction.atomic():
        _decide(suggestion, Suggestion.Status.DISCARDED, curator, now)
        close_story(suggestion, Suggestion.Status.DISCARDED, curator, now)


def scoop_url(
    topic: Topic, curator, draft: ScoopDraft, now: datetime, plan: PublishPlan | None = None
) -> Scoop:
    """Scoop any page (not from the queue); a pending suggestion of it is marked scooped."""
    require(curator, topic, Action.SCOOP_PROPOSE)
    with transaction.atomic():
        scoop = _create(topic, curator, draft, now, plan)
        pending = Suggestion.objects.filter(
            topic=topic, status=Suggestion.Status.PENDING, entry__canonical_url=scoop.canonical_url
        )
        pending.update(status=Suggestion.Status.SCOOPED, decided_at=now, decided_by=curator)
    return scoop


def _decide(suggestion: Suggestion, status: str, curator, now: datetime) -> None:
    # Conditional update: two curators deciding at once cannot both win.
    changed = Suggestion.objects.filter(pk=suggestion.pk, status=Suggestion.Status.PENDING).update(
        status=status, decided_at=now, decided_by=curator
    )
    if not changed:
        raise ValidationError(_("This suggestion has already been decided."))
    suggestion.status = status


def import_scoop(
    topic: Topic,
    curator,
    draft: ScoopDraft,
    published_at: datetime | None,
    now: datetime,
    plan: PublishPlan | None = None,
) -> Scoop:
    """A scoop brought from elsewhere (a topic export, Scoop.it), published as an editor
    publishes, through the same creation path (so everything that follows a publication
    runs), but keeping its original date; the insight may be empty, as it may have been
    there. ``plan``: another way out (a draft, a time to come). Raises ValidationError when
    the page is already scooped in the topic."""
    require(curator, topic, Action.PUBLISH)
    with transaction.atomic():
        scoop = _create(topic, curator, draft, now, plan or PublishPlan(publication.NOW),
                        insight_required=False)  # fmt: skip
        if published_at is not None and published_at < now:
            # Set before the transaction commits, so the publication hook sees the date.
            Scoop.objects.filter(pk=scoop.pk).update(published_at=published_at,
                                                     created_at=published_at)  # fmt: skip
            scoop.published_at = scoop.created_at = published_at
    return scoop
