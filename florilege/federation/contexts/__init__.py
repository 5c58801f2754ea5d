"""Bundled JSON-LD contexts: the documents our ``@context`` names, shipped with the code.

Nothing here ever fetches a context over the network (a remote ``@context`` URL is a
tracking beacon and a point of failure): :func:`document` serves the bundled copy of the
few contexts we use and refuses any other. The term lists also back the tests that check
every outgoing property is one the vocabulary defines. A leaf module: no Django.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

AS2 = "https://www.w3.org/ns/activitystreams"
SECURITY = "https://w3id.org/security/v1"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"

_FILES = {AS2: "activitystreams.jsonld", SECURITY: "security-v1.jsonld"}

# Terms outside AS2 that our documents use, declared inline so a JSON-LD processor reads
# them without any further document: Mastodon's extensions and schema.org's PropertyValue.
EXTENSIONS: dict[str, Any] = {
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "sensitive": "as:sensitive",
    "Hashtag": "as:Hashtag",
    "toot": "http://joinmastodon.org/ns#",
    "discoverable": "toot:discoverable",
    "indexable": "toot:indexable",
    "featured": {"@id": "toot:featured", "@type": "@id"},
    "featuredTags": {"@id": "toot:featuredTags", "@type": "@id"},
}

# The @context every document we serve or send carries.
CONTEXT: list[Any] = [AS2, SECURITY, EXTENSIONS]


class UnknownContext(Exception):
    """A context that is not bundled: we never fetch one."""


@cache
def document(url: str) -> dict[str, Any]:
    """The bundled context document for ``url`` (a JSON-LD document loader's answer)."""
    name = _FILES.get(url.rstrip("/").removesuffix(".jsonld"))
    if name is None:
        raise UnknownContext(f"The JSON-LD context {url!r} is not bundled; it is never fetched.")
    return json.loads((Path(__file__).parent / name).read_text(encoding="utf-8"))


def terms(url: str) -> frozenset[str]:
    """Every term a bundled context defines."""
    ctx = document(url)["@context"]
    return frozenset(k for k in ctx if not k.startswith("@"))


def known_terms() -> frozenset[str]:
    """Terms our outgoing documents may use: AS2, security, and our inline extensions."""
    return terms(AS2) | terms(SECURITY) | frozenset(EXTENSIONS)
