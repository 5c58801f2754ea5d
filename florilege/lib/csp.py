"""Content-Security-Policy and Strict-Transport-Security on every response.

The policy allows no inline script at all: every script is a static file. Inline ``<style>``
blocks that a page needs (a topic's accent colour, the demo sites' look) are written with
``{% inline_style %}`` (``csp_tags``), which records the block's SHA-256 on the request; the
middleware lists those hashes in ``style-src``. Hashes, not nonces: the page cache stores a
page with its headers and serves both to later readers, and a hash stays true for the same
bytes where a nonce would be replayed. The policy is documented in docs/security.md.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterable
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"
HSTS_HEADER = "Strict-Transport-Security"

# Pictures are our own copies (florilege/media): served from this origin, or from the
# bucket's public address when one is configured (added by ``img_sources``). Only the
# curator's picture chooser shows other sites' pictures (``images_from_anywhere``).
BASE_POLICY: tuple[tuple[str, str], ...] = (
    ("default-src", "'self'"),
    ("script-src", "'self'"),
    ("style-src", "'self'"),
    ("img-src", "'self' data:"),
    ("object-src", "'none'"),
    ("base-uri", "'none'"),
    # "Follow on Mastodon" posts here and is redirected to the reader's own instance, and
    # browsers apply form-action to the redirect too.
    ("form-action", "'self' https:"),
    ("frame-ancestors", "'none'"),
)


def style_hash(css: str) -> str:
    digest = hashlib.sha256(css.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def note_inline_style(request: HttpRequest, css: str) -> None:
    """Allow this exact ``<style>`` content on the page being answered."""
    hashes: set[str] = request.__dict__.setdefault("csp_style_hashes", set())
    hashes.add(style_hash(css))


ANYWHERE = "* data:"


def img_sources(public_media_url: str) -> str:
    """``img-src``: this origin, and the media bucket's public origin when there is one."""
    if not public_media_url:
        return dict(BASE_POLICY)["img-src"]
    parts = urlsplit(public_media_url)
    return f"'self' {parts.scheme}://{parts.netloc} data:"


def policy(
    *,
    style_hashes: Iterable[str] = (),
    frame_ancestors: str | None = None,
    https: bool = False,
    img_src: str | None = None,
) -> str:
    directives = dict(BASE_POLICY)
    if img_src is not None:
        directives["img-src"] = img_src
    if style_hashes:
        directives["style-src"] += " " + " ".join(sorted(style_hashes))
    if frame_ancestors is not None:
        directives["frame-ancestors"] = frame_ancestors
    parts = [f"{name} {value}" for name, value in directives.items()]
    if https:
        parts.append("upgrade-insecure-requests")
    return "; ".join(parts)


def hsts(base_url: str, seconds: int) -> str | None:
    """The HSTS value for an instance whose public address is ``base_url``, if any.

    Decided from the configured address rather than from the request: behind a proxy that
    ends TLS, Django sees plain HTTP, and a browser ignores the header on HTTP anyway."""
    if seconds <= 0 or not base_url.startswith("https://"):
        return None
    return f"max-age={seconds}"


def images_from_anywhere(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For the curator's picture chooser only: it shows the pictures a page offers, from
    their own sites, so the curator can choose one (readers never see those)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.csp_img_src = ANYWHERE  # type: ignore[attr-defined]  # read below
        return response

    return wrapped


def frameable_anywhere(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For the embed pages only: any site may show this response in a frame."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.xframe_options_exempt = True  # Django's own mark (XFrameOptionsMiddleware)
        response.csp_frame_ancestors = "*"  # type: ignore[attr-defined]  # read below
        return response

    return wrapped


class SecurityHeadersMiddleware:
    """Inside the page cache, so a cached page keeps the headers of its own content.

    A response that already carries a policy of its own keeps it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.https = settings.BASE_URL.startswith("https://")
        self.hsts = hsts(settings.BASE_URL, settings.CONFIG.HSTS_SECONDS)
        self.img_src = img_sources(settings.CONFIG.S3_PUBLIC_URL)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if HEADER not in response:
            response[HEADER] = policy(
                style_hashes=request.__dict__.get("csp_style_hashes", ()),
                frame_ancestors=getattr(response, "csp_frame_ancestors", None),
                https=self.https,
                img_src=getattr(response, "csp_img_src", self.img_src),
            )
        if self.hsts and HSTS_HEADER not in response:
            response[HSTS_HEADER] = self.hsts
        return response
