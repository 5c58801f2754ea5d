"""A source's address beside its name, so two sources with the same name can be told
apart wherever sources are listed or filtered (the template filters of
``templatetags/source_address.py`` and the forms' choices use these).

The address shown is the feed's host and path ("example.org/blog/feed"): the host alone
does not tell apart two feeds of one site (a blog's posts and its comments, both called
"Blog"). Long paths keep their end, which is what differs between feeds of a site; the full
address goes in the ``title`` where there is room for one.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from florilege.lib.urls import domain_of

# Characters of path kept after the host before the middle is elided.
MAX_PATH = 32


def source_host(source) -> str:
    """The feed address without scheme, "www." or query, shortened ("" if odd)."""
    url = getattr(source, "url", "") or ""
    host = domain_of(url)
    if not host:
        return ""
    text = url.strip()
    try:
        path = urlsplit(text if "//" in text else "//" + text).path.rstrip("/")
    except ValueError:
        path = ""
    return host + _shortened(path)


def _shortened(path: str) -> str:
    """``path``, or its last segments after "/…" when it is long ("/…/comments/feed")."""
    if len(path) <= MAX_PATH:
        return path
    kept = ""
    for segment in reversed(path.split("/")):
        if kept and len(segment) + len(kept) + 1 > MAX_PATH:
            break
        kept = f"/{segment}{kept}"
    if len(kept) > MAX_PATH:
        kept = "/" + kept[-(MAX_PATH - 1) :]
    return "/…" + kept


def source_choice(source) -> str:
    """ "Name — address", or the bare feed address when the source has no name (its name
    is then the address already)."""
    name = source.display_name
    host = source_host(source)
    if not host or not source.title:
        return name
    return f"{name} — {host}"
