"""The one way we build lxml parsers for untrusted XML. Leaf module.

No entity expansion, no DTD loading, no network, bounded tree size; comments and processing
instructions dropped. Parsers are kept per thread (lxml parsers must not be shared).
"""

from __future__ import annotations

import threading

from lxml import etree

_local = threading.local()


def safe_parser(recover: bool = False) -> etree.XMLParser:
    attr = "recover" if recover else "strict"
    parser = getattr(_local, attr, None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            recover=recover,
            remove_comments=True,
            remove_pis=True,
        )
        setattr(_local, attr, parser)
    return parser
