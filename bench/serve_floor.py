"""A WSGI application that does nothing but answer with the bytes and headers it was given
(files named by BENCH_FLOOR_BODY and BENCH_FLOOR_HEADERS): the same page as Florilège
serves it, from the same server with the same settings, with no work per request. What it
reaches is the most any WSGI application can reach there; bench-serve prints it beside ours
and nginx's, so the server's own share of the gap is seen apart from ours."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

BODY = Path(os.environ["BENCH_FLOOR_BODY"]).read_bytes()
HEADERS = [
    (str(k), str(v)) for k, v in json.loads(Path(os.environ["BENCH_FLOOR_HEADERS"]).read_text())
]


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", HEADERS)
    return [BODY]
