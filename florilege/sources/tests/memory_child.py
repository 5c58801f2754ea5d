"""Run in a child process: read and store one large feed, print the peak memory as JSON.

``python -m florilege.sources.tests.memory_child KIND ITEMS [BYTES]`` builds a feed of
ITEMS items (KIND: ``json-empty``, ``rss-empty``, ``json-minimal``, ``rss-minimal``), padded
with spaces to BYTES when given, then parses and stores it the way a worker does (a fresh
SQLite database in a temporary folder) and prints the process's peak resident memory
(the kernel's high-water mark) before and after. The memory test and docs/operations.md use it.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time


def _peak_mb() -> float:
    """This process's peak resident memory. Linux carries the parent's peak over into a
    child's ``ru_maxrss`` across fork and exec (a test run's 800 MB would show here), so
    the kernel's high-water mark of this process's own memory is read when there is one."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(kind: str, items: int, size: int = 0) -> bytes:
    """A feed of ``items`` items, as small as the format allows (or minimal real items)."""
    fmt, _, style = kind.partition("-")
    if fmt == "json":
        one = b'{"id":"%d","title":"Item %d","url":"https://example.org/%d"}'
        body = (
            b"{}," * items
            if style == "empty"
            else b",".join(one % (i, i, i) for i in range(items)) + b","
        )
        head = b'{"version":"https://jsonfeed.org/version/1.1","title":"t","items":['
        doc = head + body[:-1] + b"]}"
    else:
        one = b"<item><guid>%d</guid><title>Item %d</title></item>"
        body = (
            b"<item/>" * items
            if style == "empty"
            else b"".join(one % (i, i) for i in range(items))
        )
        doc = b'<rss version="2.0"><channel><title>t</title>' + body + b"</channel></rss>"
    return doc + b" " * max(0, size - len(doc))


def main(kind: str, items: int, size: int = 0) -> dict[str, float | int]:
    folder = tempfile.mkdtemp(prefix="florilege-memory-")
    os.environ.pop("DATABASE_URL", None)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="florilege.settings",
        FLORILEGE_DEBUG="1",
        FLORILEGE_DATA_DIR=folder,
        FLORILEGE_DATABASE_URL="",
    )
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from florilege.lib.http import FetchResponse
    from florilege.sources.models import Entry, Source
    from florilege.sources.services.fetch import FetchOutcome, prepare, record_outcome

    with connection.schema_editor() as editor:
        editor.create_model(Source)
        editor.create_model(Entry)
    source = Source.objects.create(url="https://example.org/feed")
    data = build(kind, items, size)
    response = FetchResponse(source.url, 200, {"content-type": "application/xml"}, data)
    outcome = FetchOutcome(source.pk, response=response)
    before = _peak_mb()
    started = time.perf_counter()
    now = timezone.now()
    prepared = prepare(source, outcome, now)
    with transaction.atomic():
        record_outcome(source, outcome, now, prepared)
    return {
        "bytes": len(data),
        "stored": Entry.objects.count(),
        "dropped": source.dropped_items,
        "seconds": round(time.perf_counter() - started, 1),
        "before_mb": round(before),
        "peak_mb": round(_peak_mb()),
    }


if __name__ == "__main__":
    args = sys.argv[1:]
    print(json.dumps(main(args[0], int(args[1]), int(args[2]) if len(args) > 2 else 0)))
