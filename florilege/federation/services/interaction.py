"""The "Follow on the fediverse" box: find where the visitor's own server lets them follow
an account, and send them there.

Remote interaction has no single address: Mastodon's is ``/authorize_interaction``,
Misskey's ``/authorize-follow``, Pleroma's ``/ostatus_subscribe``, and GoToSocial has none
(it answered 404). The standard way is the OStatus subscribe template a server publishes
in WebFinger; when there is none, the server's software (from NodeInfo) names a known
address; when neither works, the visitor is shown the account to paste in their server's
search box.

The lookups run inside the visitor's request, so they go through the guarded client
(private addresses refused) with a short deadline for all of them together, and their
result is cached per server. The visitor is only ever sent to the host they typed.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import replace
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from florilege.lib.fetching import policy_from_settings
from florilege.lib.http import FetchError, GuardedClient

SUBSCRIBE_REL = "http://ostatus.org/schema/1.0/subscribe"
NODEINFO_RELS = (
    "http://nodeinfo.diaspora.software/ns/schema/2.1",
    "http://nodeinfo.diaspora.software/ns/schema/2.0",
)
# All the lookups of one visitor's request together; a slow server costs the visitor this
# much at most, then the copy-the-account page.
LOOKUP_SECONDS = 3.0
LOOKUP_MAX_BYTES = 64 * 1024
CACHE_SECONDS = 3600
# Lookups one visitor's address may cause per minute: the form is anonymous, and each
# lookup makes up to three requests to a server the visitor names. Past it, servers
# already looked up still work (cached); others get the account to copy.
LOOKUPS_PER_MINUTE = 10
# The follow page of servers whose WebFinger has no subscribe template, by NodeInfo
# software name; ``{uri}`` is replaced by ``acct:name@host``, ``{account}`` by
# ``name@host`` (both quoted). GoToSocial and Takahē have no such page.
FOLLOW_PAGES = {
    **dict.fromkeys(
        ("mastodon", "hometown", "glitchsoc", "glitch-soc"), "/authorize_interaction?uri={uri}"
    ),
    **dict.fromkeys(("pleroma", "akkoma"), "/ostatus_subscribe?acct={account}"),
    **dict.fromkeys(
        ("misskey", "sharkey", "firefish", "calckey", "foundkey", "iceshrimp", "cherrypick"),
        "/authorize-follow?acct=@{account}",
    ),
    "friendica": "/follow?url={account}",
}
_HOST = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z0-9-]{2,}(:\d{1,5})?$")
_USER = re.compile(r"^[\w.-]+$")


def visitor_server(raw: str) -> tuple[str, str]:
    """(host, user) from what the visitor typed: ``mastodon.social``,
    ``https://piaille.fr/``, ``@me@fosstodon.org`` or ``me@fosstodon.org`` (``user`` ""
    when they gave only their server). Raises ValidationError unless a bare host name."""
    value = raw.strip().lower()[:300]
    value = re.sub(r"^https?://", "", value).split("/", 1)[0].lstrip("@")
    user = ""
    if "@" in value:
        user, value = value.rsplit("@", 1)
    try:
        value = value.encode("idna").decode("ascii")
    except UnicodeError:
        value = ""
    if not _HOST.match(value) or (user and not _USER.match(user)):
        raise ValidationError(_("Give your server's address, for example mastodon.social."))
    return value, user


def _fill(pattern: str, account: str) -> str:
    return pattern.replace("{uri}", quote(f"acct:{account}", safe="")).replace(
        "{account}", quote(account, safe="@")
    )


def _on_host(url: str, host: str) -> bool:
    """An https address on exactly the host the visitor typed: never a redirect elsewhere,
    whatever a (possibly hostile) server's documents say."""
    parts = urlsplit(url)
    return parts.scheme == "https" and parts.netloc.lower() == host


async def _json(client: GuardedClient, url: str) -> Any:
    response = await client.get(url, {"Accept": "application/jrd+json, application/json"})
    if response.status != 200:
        return None
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def _links(doc: Any) -> list[dict[str, Any]]:
    links = doc.get("links") if isinstance(doc, dict) else None
    return [link for link in links if isinstance(link, dict)] if isinstance(links, list) else []


async def _from_webfinger(client: GuardedClient, host: str, user: str) -> str:
    # Without the visitor's own name, ask about the server's instance actor, which
    # Mastodon and GoToSocial answer as acct:host@host.
    resource = f"acct:{user or host.split(':')[0]}@{host}"
    query = urlencode({"resource": resource})
    doc = await _json(client, f"https://{host}/.well-known/webfinger?{query}")
    for link in _links(doc):
        template = link.get("template")
        if (
            link.get("rel") == SUBSCRIBE_REL
            and isinstance(template, str)
            and "{uri}" in template
            and _on_host(template, host)
        ):
            return template
    return ""


async def _from_nodeinfo(client: GuardedClient, host: str) -> str:
    index = await _json(client, f"https://{host}/.well-known/nodeinfo")
    for link in _links(index):
        href = link.get("href")
        if link.get("rel") in NODEINFO_RELS and isinstance(href, str) and _on_host(href, host):
            info = await _json(client, href)
            software = info.get("software") if isinstance(info, dict) else None
            name = software.get("name") if isinstance(software, dict) else None
            path = FOLLOW_PAGES.get(str(name).lower()) if name else None
            return f"https://{host}{path}" if path else ""
    return ""


async def _lookup(client: GuardedClient, host: str, user: str) -> str:
    steps = (lambda: _from_webfinger(client, host, user), lambda: _from_nodeinfo(client, host))
    for step in steps:
        try:
            found = await step()
        except FetchError:
            continue
        if found:
            return found
    return ""


def lookup_allowed(address: str) -> bool:
    """Count one lookup for ``address``; false past ``LOOKUPS_PER_MINUTE`` this minute."""
    key = f"federation:follow-lookups:{address}"
    cache.add(key, 0, 60)
    try:
        return cache.incr(key) <= LOOKUPS_PER_MINUTE
    except ValueError:  # expired between add and incr
        return True


def follow_page_pattern(
    host: str, user: str = "", client: GuardedClient | None = None, *, lookup: bool = True
) -> str:
    """The follow page of ``host`` with ``{uri}``/``{account}`` left to fill, or "" when
    none was found within ``LOOKUP_SECONDS`` (or, without ``lookup``, none is cached).
    ``client``: a client to use (tests)."""
    key = f"federation:follow-page:{host}"
    cached = cache.get(key)
    if cached is not None:
        return str(cached)
    if not lookup:
        return ""
    policy = replace(
        policy_from_settings(),
        timeout=LOOKUP_SECONDS,
        connect_timeout=LOOKUP_SECONDS,
        max_bytes=LOOKUP_MAX_BYTES,
        max_redirects=2,
    )

    async def go() -> str:
        async with client or GuardedClient(policy) as guarded:
            try:
                async with asyncio.timeout(LOOKUP_SECONDS):
                    return await _lookup(guarded, host, user)
            except TimeoutError:
                return ""

    pattern = asyncio.run(go())
    # A server without a follow page is asked again sooner: it may be a passing failure.
    cache.set(key, pattern, CACHE_SECONDS if pattern else CACHE_SECONDS // 6)
    return pattern


def remote_follow_url(
    instance: str, account: str, client: GuardedClient | None = None, *, visitor: str = ""
) -> str:
    """Where to send a visitor who typed ``instance`` to follow ``account``
    (``name@our-host``): their server's follow page, or "" when it has none we know.
    ``visitor``: their address, for the per-visitor limit of lookups."""
    host, user = visitor_server(instance)
    lookup = not visitor or lookup_allowed(visitor)
    pattern = follow_page_pattern(host, user, client, lookup=lookup)
    return _fill(pattern, account) if pattern else ""
