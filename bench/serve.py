"""Serving benchmark: the topic page from Florilège (granian, 2 workers, as ``make run``
serves it) beside the same page saved as a file and served by Debian's nginx, both under
the same load from wrk in the same run.

    python -m bench.serve [--scoops 1000] [--duration 10] [--connections 50]
                          [--pictures photos|noise]

Builds a topic with N scoops in a temporary SQLite database, fetches its first page once
(what a first visitor gets: it also fills the page cache), saves those bytes under nginx's
root, then runs ``wrk -c50`` against each (both sides send the same uncompressed bytes: wrk asks
for no compression). Prints rps, p50 and p99 for both, the same page from a do-nothing WSGI
app under the same server (what the server alone reaches), the 99th percentile one more
reader saw meanwhile (a probe, timed apart from wrk), the weight of the first page and
whether any render-blocking resource comes from another host; last,
``summary rps_ratio_vs_static=<x> p99_ms=<y> first_page_kb=<z> floor_ratio_vs_static=<f>
probe_p99_ms=<p>``.

The first page's weight is what a browser downloads to show the first screen, each part
as served to it (``Accept-Encoding`` as a browser sends it, bytes counted as they come over
the wire): the HTML, its stylesheets, and the thumbnails of the scoops on the first screen
(the first FIRST_SCREEN_SCOOPS cards; of each picture the WebP a browser takes: the first
``<source>`` whose ``media`` holds, and of it the ``srcset`` candidate it picks, for a
phone 360 px wide at 2 device pixels per CSS pixel).
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from bench.nginx import Nginx, free_port

REPO = Path(__file__).resolve().parent.parent
# Requests look like a reader's browser (a French one): the page is negotiated and the
# view is counted (once; later requests of the same visitor skip the write), not served
# as to a robot, which is never counted.
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
# What a current browser offers (we serve gzip or nothing).
BROWSER_ENCODINGS = "gzip, deflate, br, zstd"
# Cards on the first screen: two on a phone 360 x 640, three on a 1280 x 800 window.
FIRST_SCREEN_SCOOPS = 3
# The phone the thumbnails are chosen for: its width (CSS px), device pixels per CSS pixel.
PHONE_WIDTH, PHONE_DPR = 360, 2
ROOT_FONT_PX = 16


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    error_detail: str = ""
    # The server's CPU time (all its processes) per request served, in microseconds: the
    # figure the machine's other load moves least.
    cpu_us: float = 0.0
    avg_ms: float = 0.0  # wrk's average latency
    # What one more reader saw meanwhile (see Probe): the 99th percentile and requests.
    probe_p99_ms: float = 0.0
    probe_requests: int = 0

    def wrk_latency_possible(self, connections: int) -> bool:
        """Whether wrk's average latency can be true: with ``connections`` requests at most
        in flight, the average is at most connections / rate (Little's law). Some runs
        break it by several times, a fault of wrk's latency figures, not of the server."""
        bound_ms = connections / self.rps * 1000 if self.rps else 0.0
        return self.avg_ms <= bound_ms * 1.2


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.serve", description=__doc__)
    parser.add_argument("--scoops", type=int, default=1000, help="scoops in the topic (1000)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per side")
    parser.add_argument("--connections", type=int, default=50, help="concurrent connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--workers", type=int, default=2, help="granian workers (2)")
    parser.add_argument(
        "--blocking-threads",
        type=int,
        default=4,
        help="granian threads per worker (4, as manage.py serve)",
    )
    parser.add_argument(
        "--pictures",
        choices=("photos", "noise"),
        default="photos",
        help="the scoops' pictures: cut from photographs (photos) or synthetic (noise)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    return parser.parse_args(argv)


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("bench-serve needs wrk: sudo apt-get install wrk")
    return found


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unreadable wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def _first(pattern: str, text: str) -> str:
    found = re.search(pattern, text, re.M)
    if found is None:
        raise ValueError(f"wrk's report has no {pattern!r}")
    return found.group(1)


def parse_wrk(output: str) -> Load:
    """Read wrk's --latency report: Requests/sec, the 50% and 99% lines, errors."""
    rps = float(_first(r"Requests/sec:\s+([\d.]+)", output))
    avg = _ms(_first(r"^\s+Latency\s+([\d.]+(?:us|ms|s|m))\s", output))
    p50 = _ms(_first(r"^\s+50%\s+(\S+)", output))
    p99 = _ms(_first(r"^\s+99%\s+(\S+)", output))
    requests = int(_first(r"(\d+) requests in", output))
    errors = 0
    if found := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        errors += sum(int(n) for n in found.groups())
    if found := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(found.group(1))
    detail = "; ".join(
        line.strip() for line in output.splitlines() if "errors" in line or "Non-2xx" in line
    )
    return Load(rps, p50, p99, requests, errors, detail, avg_ms=avg)


def tree_cpu_seconds(root: int) -> float:
    """User and system CPU seconds used so far by a process and its descendants (read from
    /proc; a process that has already exited is not counted)."""
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        ticks[pid] = int(fields[11]) + int(fields[12])  # utime, stime
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(ticks.get(pid, 0) for pid in tree) / os.sysconf("SC_CLK_TCK")


class Probe:
    """One more reader during the load: a request every PROBE_PAUSE seconds on its own
    kept-alive connection, each timed with the monotonic clock. A second measure of the
    latency beside wrk's, whose figures are sometimes impossible (Load.wrk_latency_possible);
    sent the same way to every side, so each bears its small cost."""

    PAUSE = 0.005

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.path = parts.path + (f"?{parts.query}" if parts.query else "")
        self.latencies_ms: list[float] = []
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Probe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        headers = {"User-Agent": BROWSER, "Accept-Language": "fr-FR,fr;q=0.9,en;q=0.8"}
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        while not self._stop.wait(self.PAUSE):
            started = time.perf_counter()
            try:
                connection.request("GET", self.path, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()  # reopened by the next request
            if ok:
                self.latencies_ms.append((time.perf_counter() - started) * 1000)
            else:
                self.failures += 1
        connection.close()

    def p99_ms(self) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0


def run_wrk(url: str, args: argparse.Namespace, server: int | None = None) -> Load:
    """wrk against ``url``; with ``server`` (a process id), that process tree's CPU time
    per request too."""
    cmd = [
        wrk_binary(), f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s",
        "--latency", "--timeout", "5s", "-H", f"User-Agent: {BROWSER}",
        "-H", "Accept-Language: fr-FR,fr;q=0.9,en;q=0.8", url,
    ]  # fmt: skip
    print(f"  wrk -c{args.connections} {args.duration}s: {url}", file=sys.stderr, flush=True)
    before = tree_cpu_seconds(server) if server else 0.0
    with Probe(url) as probe:
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    load = parse_wrk(out)
    load.probe_p99_ms, load.probe_requests = probe.p99_ms(), len(probe.latencies_ms)
    load.errors += probe.failures
    if server and load.requests:
        served = load.requests + load.probe_requests
        load.cpu_us = (tree_cpu_seconds(server) - before) * 1e6 / served
    return load


def app_env(data_dir: Path, port: int) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FLORILEGE_DATABASE_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="florilege.settings",
        FLORILEGE_DATA_DIR=str(data_dir),
        FLORILEGE_SECRET_KEY=secrets.token_urlsafe(48),
        FLORILEGE_DEBUG="0",
        FLORILEGE_BASE_URL=f"http://127.0.0.1:{port}",
        FLORILEGE_ALLOWED_HOSTS="127.0.0.1,localhost",
        FLORILEGE_LOG_LEVEL="WARNING",
        PYTHONPATH=str(REPO),
    )
    return env


def wait_listening(port: int, proc: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("granian exited before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("granian did not listen in time")


def fetch(url: str, encodings: str = "") -> tuple[bytes, dict[str, str]]:
    """The body as it came over the wire (compressed if the server chose to) and headers."""
    headers = {"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.8", "User-Agent": BROWSER}
    if encodings:
        headers["Accept-Encoding"] = encodings
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read(), {k.lower(): v for k, v in response.headers.items()}


def decoded(body: bytes, headers: dict[str, str]) -> bytes:
    coding = headers.get("content-encoding", "identity").strip().lower()
    if coding == "gzip":
        return gzip.decompress(body)
    if coding != "identity":
        raise SystemExit(f"unexpected Content-Encoding {coding!r}")
    return body


def _css_px(length: str) -> float:
    """A ``sizes`` length in CSS pixels (px, rem, vw)."""
    match = re.fullmatch(r"([\d.]+)(px|rem|em|vw)", length.strip())
    if not match:
        raise ValueError(f"unreadable length {length!r}")
    value, unit = float(match.group(1)), match.group(2)
    return value * {"px": 1, "rem": ROOT_FONT_PX, "em": ROOT_FONT_PX, "vw": PHONE_WIDTH / 100}[unit]


def _applies(kind: str, bound: str) -> bool:
    """Whether ``(min-width: bound)`` or ``(max-width: bound)`` holds on the phone."""
    return _css_px(bound) <= PHONE_WIDTH if kind == "min" else _css_px(bound) >= PHONE_WIDTH


def slot_px(sizes: str) -> float:
    """The slot width a ``sizes`` attribute gives on the phone (``min-width``/``max-width``
    conditions only, as our templates write them); the viewport's width without one."""
    for entry in (e.strip() for e in sizes.split(",") if e.strip()):
        found = re.fullmatch(r"\((min|max)-width:\s*([^)]+)\)\s+(\S+)", entry)
        if found is None:
            return _css_px(entry)
        if _applies(found.group(1), found.group(2)):
            return _css_px(found.group(3))
    return PHONE_WIDTH


def media_applies(media: str | None) -> bool:
    """Whether a ``<source>``'s ``media`` (one width condition, or none) holds on the phone."""
    if not media:
        return True
    found = re.fullmatch(r"\((min|max)-width:\s*([^)]+)\)", media.strip())
    if found is None:
        raise ValueError(f"unreadable media condition {media!r}")
    return _applies(found.group(1), found.group(2))


def pick(srcset: str, sizes: str) -> str:
    """The ``srcset`` candidate a browser takes on the phone: the narrowest at least as wide
    as the slot in device pixels (the widest if none is), or the only one."""
    candidates = []
    for part in (p.strip() for p in srcset.split(",") if p.strip()):
        url, _, descriptor = part.partition(" ")
        width = int(descriptor.strip()[:-1]) if descriptor.strip().endswith("w") else 0
        candidates.append((width, url))
    if len(candidates) == 1 or not all(w for w, _ in candidates):
        return candidates[0][1]
    need = slot_px(sizes) * PHONE_DPR
    wide_enough = sorted(c for c in candidates if c[0] >= need)
    return (wide_enough[0] if wide_enough else max(candidates))[1]


class Resources(HTMLParser):
    """Render-blocking resources of a page: stylesheets and scripts without async/defer."""

    def __init__(self) -> None:
        super().__init__()
        self.blocking: list[str] = []
        self.stylesheets: list[str] = []
        self.cards = 0
        # The thumbnail a browser loads for each of the first cards with a picture.
        self.first_screen: list[str] = []
        self._webp_taken = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link" and "stylesheet" in (a.get("rel") or "").split():
            self.stylesheets.append(a.get("href") or "")
            self.blocking.append(a.get("href") or "")
        if tag == "script" and a.get("src") and "async" not in a and "defer" not in a:
            self.blocking.append(a["src"] or "")
        if tag == "article" and "scoop" in (a.get("class") or "").split():
            self.cards += 1
            self._webp_taken = False
        if self.cards > FIRST_SCREEN_SCOOPS or not self.cards:
            return
        if tag == "picture":
            self._webp_taken = False
        elif (
            tag == "source"
            and a.get("type") == "image/webp"
            and a.get("srcset")
            and media_applies(a.get("media"))
            and not self._webp_taken
        ):
            # The first source whose type and media fit is the one the browser takes.
            self.first_screen.append(pick(a["srcset"] or "", a.get("sizes") or ""))
            self._webp_taken = True
        elif tag == "img" and not self._webp_taken and (a.get("srcset") or a.get("src")):
            self.first_screen.append(
                pick(a.get("srcset") or a.get("src") or "", a.get("sizes") or "")
            )


@contextmanager
def granian(app: str, port: int, env: dict[str, str], args: argparse.Namespace) -> Iterator[int]:
    """Serve the WSGI ``app`` with granian as ``make run`` does; yields the server's pid.

    In a process group of its own (so its web workers are stopped with it) but in this
    session, as nginx is: Linux's autogroup scheduling gives each session one share of the
    CPU, so a server in a session of its own got at most half the machine against wrk's,
    while nginx's workers competed thread by thread (the do-nothing app measured 22,000
    requests/s that way, 35,000 this way, on the same machine)."""
    server = subprocess.Popen(
        [
            sys.executable, "-m", "granian", "--interface", "wsgi",
            "--host", "127.0.0.1", "--port", str(port), "--workers", str(args.workers),
            "--blocking-threads", str(args.blocking_threads), "--no-ws",
            "--log-level", "warning", app,
        ],
        cwd=REPO, env=env, process_group=0,
    )  # fmt: skip
    try:
        wait_listening(port, server)
        yield server.pid
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="florilege-bench-serve-"))
    port = free_port()
    env = app_env(tmp / "data", port)
    try:
        print(f"  building a topic with {args.scoops:,} scoops …", file=sys.stderr, flush=True)
        built = subprocess.run(
            [sys.executable, "-m", "bench.serve_build", json.dumps(vars(args))],
            cwd=REPO, env=env, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        topic_path = json.loads(built.strip().splitlines()[-1])["topic"]
        with granian("florilege.wsgi:application", port, env, args) as server:
            report(args, tmp, f"http://127.0.0.1:{port}", topic_path, server)
    finally:
        if args.keep:
            print(f"  kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def floor_load(
    args: argparse.Namespace, tmp: Path, html: bytes, headers: dict[str, str], path: str
) -> Load:
    """The same bytes and headers from a do-nothing WSGI app (bench/serve_floor.py) under
    the same granian settings: what no work per request would reach."""
    body, kept = tmp / "floor-body", tmp / "floor-headers.json"
    body.write_bytes(html)
    # The server adds its own date and framing; the rest is what ours sent.
    own = {"date", "server", "connection", "transfer-encoding", "keep-alive"}
    kept.write_text(json.dumps([[k, v] for k, v in headers.items() if k not in own]))
    port = free_port()
    env = app_env(tmp / "floor-data", port)
    env.update(BENCH_FLOOR_BODY=str(body), BENCH_FLOOR_HEADERS=str(kept))
    with granian("bench.serve_floor:application", port, env, args) as server:
        url = f"http://127.0.0.1:{port}{path}"
        fetch(url)
        return run_wrk(url, args, server)


def report(args: argparse.Namespace, tmp: Path, base: str, topic_path: str, server: int) -> None:
    page_url = base + topic_path
    html, headers = fetch(page_url)
    # Once more as a browser asks for it: the copy the cache stored on the first visit.
    sent, sent_headers = fetch(page_url, BROWSER_ENCODINGS)
    parser = Resources()
    parser.feed(decoded(sent, sent_headers).decode("utf-8"))
    css = b"".join(
        fetch(urljoin(page_url, href), BROWSER_ENCODINGS)[0] for href in parser.stylesheets
    )
    thumbs = [fetch(urljoin(page_url, u), BROWSER_ENCODINGS)[0] for u in parser.first_screen]
    thumb_bytes = sum(len(t) for t in thumbs)
    own_host = urlsplit(base).netloc
    third_party = [u for u in parser.blocking if urlsplit(urljoin(page_url, u)).netloc != own_host]
    root = tmp / "static-root"
    root.mkdir()
    (root / "topic.html").write_bytes(html)
    # Warm both (the app's cache fills on the first request, as for any first visitor).
    for _ in range(3):
        fetch(page_url)
    ours = run_wrk(page_url, args, server)
    nginx = Nginx(root, tmp / "nginx")
    with nginx as static_base:
        fetch(static_base + "/topic.html")
        static = run_wrk(static_base + "/topic.html", args, nginx.proc.pid if nginx.proc else None)
    floor = floor_load(args, tmp, html, headers, topic_path)
    first_kb = (len(sent) + len(css) + thumb_bytes) / 1024
    ratio = ours.rps / static.rps if static.rps else 0.0
    server_name = f"granian {args.workers}x{args.blocking_threads}"
    sides = [
        (f"florilege ({server_name})", ours),
        ("nginx, same page as a file", static),
        (f"do-nothing WSGI app, same bytes ({server_name})", floor),
    ]
    header = ["side", "requests/s", "p50 ms", "p99 ms", "probe p99 ms", "server CPU us/req"]
    rows: list[list[str] | None] = [[*header, "requests", "errors"], None]
    rows += [
        [name, f"{load.rps:,.0f}", f"{load.p50_ms:.2f}", f"{load.p99_ms:.2f}",
         f"{load.probe_p99_ms:.2f}",
         f"{load.cpu_us:.1f}", f"{load.requests:,}", str(load.errors)]
        for name, load in sides
    ]  # fmt: skip
    print()
    print(f"topic page with {args.scoops:,} scoops, wrk -c{args.connections} {args.duration}s each")
    header = rows[0] or []
    widths = [max(len(r[i]) for r in rows if r) for i in range(len(header))]
    for row in rows:
        if row is None:
            print("  ".join("-" * w for w in widths))
            continue
        print(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    print()
    print(
        f"first page as served: HTML {len(sent) / 1024:.1f} KB "
        f"({sent_headers.get('content-encoding', 'identity')}; {len(html) / 1024:.1f} KB "
        f"uncompressed) + CSS {len(css) / 1024:.1f} KB + {len(thumbs)} first-screen "
        f"thumbnails {thumb_bytes / 1024:.1f} KB = {first_kb:.1f} KB"
    )
    print(f"first visit: page cache {headers.get('x-page-cache', '-')}")
    print(
        f"render-blocking resources: {len(parser.blocking)}, from another host: {len(third_party)}"
    )
    targets = ratio >= 0.50 and ours.p99_ms < 20 and first_kb <= 30 and not third_party
    print(
        "targets (>=50% of static rps, p99 < 20 ms, first page <= 30 KB, no third party): "
        + ["miss", "met"][targets]
    )
    floor_ratio = floor.rps / static.rps if static.rps else 0.0
    print(
        f"the server alone (a do-nothing app) reaches {floor_ratio:.2f} of nginx's rate; "
        f"ours is {ours.rps / floor.rps if floor.rps else 0:.2f} of the server alone"
    )
    for name, load in sides:
        if not load.wrk_latency_possible(args.connections):
            print(
                f"wrk's latencies for {name} cannot be true: an average of {load.avg_ms:.2f} ms "
                f"at {load.rps:,.0f} requests/s needs more than {args.connections} connections; "
                f"the probe's p99 ({load.probe_p99_ms:.2f} ms) is that run's measure"
            )
    print(
        f"summary rps_ratio_vs_static={ratio:.2f} p99_ms={ours.p99_ms:.1f} "
        f"first_page_kb={first_kb:.1f} floor_ratio_vs_static={floor_ratio:.2f} "
        f"probe_p99_ms={ours.probe_p99_ms:.1f}"
    )


if __name__ == "__main__":
    main()
