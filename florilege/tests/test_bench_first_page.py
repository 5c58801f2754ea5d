"""bench-serve weighs the thumbnails a browser would load: the srcset candidate a 360 px
phone at 2x picks, of the first cards only, WebP when offered."""

from dataclasses import replace

from bench.serve import FIRST_SCREEN_SCOOPS, Resources, media_applies, pick, slot_px
from florilege.media.templatetags.pictures import SLOTS

SRCSET = "/m/s.webp 160w, /m/m.webp 320w, /m/c.webp 640w"


def test_the_slot_follows_the_sizes_conditions_on_a_phone() -> None:
    assert slot_px(SLOTS["list"]) == 9 * 16  # below 40rem: 9rem
    assert slot_px(SLOTS["grid"]) == 9 * 16
    assert slot_px(SLOTS["card"]) == 360  # 100vw
    assert slot_px("(max-width: 30rem) 50vw, 100px") == 180


def test_the_narrowest_candidate_filling_the_slot_is_taken() -> None:
    assert pick(SRCSET, SLOTS["list"]) == "/m/m.webp"  # 288 device px: 320w
    assert pick(SRCSET, "(min-width: 40rem) 10rem, 4rem") == "/m/s.webp"  # 128: 160w
    assert pick(SRCSET, "100vw") == "/m/c.webp"  # 720: none is as wide, the widest
    assert pick("/m/only.webp", "") == "/m/only.webp"


def test_only_the_first_cards_pictures_count_and_webp_wins() -> None:
    card = (
        '<article class="scoop"><picture><source type="image/webp" srcset="{0}.webp 160w, '
        '{0}-m.webp 320w" sizes="9rem"><img src="{0}.jpg" srcset="{0}.jpg 160w"></picture>'
        "</article>"
    )
    plain = '<article class="scoop"><img src="/m/plain.jpg"></article>'
    cards = [card.format(f"/m/{i}") for i in range(FIRST_SCREEN_SCOOPS + 2)]
    cards.insert(1, plain)
    parser = Resources()
    parser.feed('<link rel="stylesheet" href="/s.css">' + "".join(cards))
    assert parser.stylesheets == ["/s.css"]
    assert (
        parser.first_screen == ["/m/0-m.webp", "/m/plain.jpg", "/m/1-m.webp"][:FIRST_SCREEN_SCOOPS]
    )


def test_a_source_for_another_screen_is_passed_over() -> None:
    assert media_applies(None) and media_applies("(max-width: 39.99rem)")
    assert not media_applies("(min-width: 40rem)")
    card = (
        '<article class="scoop"><picture>'
        '<source type="image/webp" media="(min-width: 40rem)" srcset="/m/wide.webp 640w">'
        '<source type="image/webp" media="(max-width: 39.99rem)" srcset="/m/sq.webp 160w, '
        '/m/sq-l.webp 240w" sizes="4.75rem">'
        '<source type="image/webp" srcset="/m/m.webp 320w" sizes="9rem">'
        '<img src="/m/c.jpg"></picture></article>'
    )
    parser = Resources()
    parser.feed(card)
    assert parser.first_screen == ["/m/sq.webp"]  # 152 device px: the 160 px square


def test_wrk_report_is_read() -> None:
    from bench.serve import parse_wrk

    report = """Running 10s test @ http://127.0.0.1:1/t/bench/
  2 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.46ms    1.61ms  47.05ms   89.97%
    Req/Sec    10.20k     1.10k   12.00k    70.00%
  Latency Distribution
     50%    2.12ms
     75%    3.00ms
     99%   19.00ms
  203713 requests in 10.03s, 6.06GB read
  Socket errors: connect 0, read 2, write 0, timeout 1
Requests/sec:  20312.40
"""
    load = parse_wrk(report)
    assert (load.rps, load.p50_ms, load.p99_ms, load.requests, load.errors) == (
        20312.40, 2.12, 19.0, 203713, 3,
    )  # fmt: skip
    assert load.avg_ms == 2.46
    # 50 connections at 20,312 requests/s: 2.46 ms on average at most (Little's law).
    assert load.wrk_latency_possible(50)
    assert not replace(load, avg_ms=8.11).wrk_latency_possible(50)  # as some runs print


def test_the_probe_times_one_more_reader() -> None:
    import http.server
    import threading
    import time

    from bench.serve import Probe

    class Page(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # kept alive, as the probe's requests are
        disable_nagle_algorithm = True  # headers and body go as two writes

        def do_GET(self) -> None:
            time.sleep(0.002)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with Probe(f"http://127.0.0.1:{server.server_address[1]}/t/x/") as probe:
            time.sleep(0.3)
    finally:
        server.shutdown()
    assert probe.failures == 0 and len(probe.latencies_ms) >= 10
    assert 2.0 <= probe.p99_ms() < 300


def test_the_server_s_cpu_time_includes_its_worker_processes() -> None:
    """bench-serve charges a server for all its processes (granian's and nginx's workers
    are children of the process it starts): here a grandchild that spins 0.3 s of CPU."""
    import subprocess
    import sys

    from bench.serve import tree_cpu_seconds

    spin = (
        "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass\n"
        "print('spun', flush=True)\ntime.sleep(30)"
    )
    # A shell in between, as a server's master stands between us and its workers.
    shell = subprocess.Popen(
        ["sh", "-c", f'"{sys.executable}" -c "$SPIN"; true'],
        env={"SPIN": spin},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert shell.stdout is not None
        assert shell.stdout.readline().strip() == "spun"
        assert tree_cpu_seconds(shell.pid) >= 0.29
    finally:
        subprocess.run(["pkill", "-P", str(shell.pid)], check=False)
        shell.kill()
        shell.wait()
