"""A Lighthouse-style check of the topic page and a permalink on a phone: largest
contentful paint and cumulative layout shift, in Debian's headless Chromium, on a
throttled connection and CPU.

    python -m bench.lcp [--runs 5] [--cpu 4]

Builds the demo (``load_demo``: its pictures are raster files served by the instance) in a
temporary SQLite database, serves it with granian as ``make run`` does, and loads each
page ``--runs`` times in a fresh browser context (empty cache, no service worker) at
360x800, under Lighthouse's mobile profile: "slow 4G" (150 ms round trip, 1.6 Mbit/s down,
750 kbit/s up) through CDP ``Network.emulateNetworkConditions``, and the CPU slowed 4x
(``Emulation.setCPUThrottlingRate``). LCP is the last ``largest-contentful-paint`` entry
seen by a PerformanceObserver before the page settles; CLS is the sum of
``layout-shift`` entries (without recent input), and the part of it whose sources are
images is printed apart: it must be 0, every picture having its box reserved by
width/height. Prints the median per page, then
``summary lcp_ms=<worst page's median> cls=<worst page's median>``.
The target is LCP under 1,500 ms; nothing fails, it is a benchmark.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from bench.nginx import free_port
from bench.serve import REPO, app_env, wait_listening

CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 360, "height": 800}
# Lighthouse's mobile throttling ("slow 4G"); throughput in bytes per second for CDP.
NETWORK = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1.6 * 1024 * 1024 / 8,
    "uploadThroughput": 750 * 1024 / 8,
}
OBSERVE = """
window.__lcp = 0; window.__cls = 0; window.__clsImages = 0;
new PerformanceObserver(list => {
  for (const e of list.getEntries()) window.__lcp = e.startTime;
}).observe({type: "largest-contentful-paint", buffered: true});
new PerformanceObserver(list => {
  for (const e of list.getEntries()) {
    if (e.hadRecentInput) continue;
    window.__cls += e.value;
    const images = (e.sources || []).some(s => s.node && s.node.nodeName === "IMG");
    if (images) window.__clsImages += e.value;
  }
}).observe({type: "layout-shift", buffered: true});
"""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.lcp", description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="loads per page (5)")
    parser.add_argument("--cpu", type=float, default=4, help="CPU slow-down factor (4)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    return parser.parse_args(argv)


def build(env: dict[str, str]) -> None:
    for command in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"], ["load_demo"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=REPO, env=env,
                       check=True, capture_output=True)  # fmt: skip


def permalink(base: str, topic_path: str) -> str:
    with urllib.request.urlopen(base + topic_path, timeout=30) as response:
        html = response.read().decode()
    found = re.search(r'href="(/t/[^"/]+/s/\d+/[^"]+)"', html)
    if not found:
        raise SystemExit("no permalink on the topic page")
    return found.group(1)


def measure(browser, url: str, cpu: float) -> tuple[float, float, float]:
    context = browser.new_context(viewport=PHONE, service_workers="block", is_mobile=True)
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", NETWORK)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu})
        page.add_init_script(OBSERVE)
        page.goto(url, wait_until="load")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)
        lcp, cls, images = page.evaluate("[window.__lcp, window.__cls, window.__clsImages]")
        return float(lcp), float(cls), float(images)
    finally:
        context.close()


def main(argv: list[str] | None = None) -> None:
    from playwright.sync_api import sync_playwright

    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="florilege-bench-lcp-"))
    port = free_port()
    env = app_env(tmp / "data", port)
    base = f"http://127.0.0.1:{port}"
    try:
        print("  building the demo …", file=sys.stderr, flush=True)
        build(env)
        server = subprocess.Popen(
            [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1",
             "--port", str(port), "--workers", "1", "--blocking-threads", "4", "--no-ws",
             "--log-level", "warning",
             "florilege.wsgi:application"],
            cwd=REPO, env=env, start_new_session=True,
        )  # fmt: skip
        try:
            wait_listening(port, server)
            topic = "/t/social-networks/"
            pages = {"topic": topic, "permalink": permalink(base, topic)}
            worst_lcp, worst_cls = 0.0, 0.0
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=["--no-sandbox"]
                )
                for name, path in pages.items():
                    runs = [measure(browser, base + path, args.cpu) for _ in range(args.runs)]
                    lcp = statistics.median(r[0] for r in runs)
                    cls = statistics.median(r[1] for r in runs)
                    images = max(r[2] for r in runs)
                    print(f"{name:<10} lcp_ms={lcp:.0f} (runs {[round(r[0]) for r in runs]}) "
                          f"cls={cls:.3f} cls_from_images_max={images:.3f}")  # fmt: skip
                    worst_lcp, worst_cls = max(worst_lcp, lcp), max(worst_cls, cls)
                browser.close()
            print(f"summary lcp_ms={worst_lcp:.0f} cls={worst_cls:.3f}")
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=10)
    finally:
        if args.keep:
            print(f"  kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
