"""Ingest benchmark: Florilège's worker against lemon24/reader on the same feeds and server.

    python -m bench.ingest [--feeds N --entries M | --quick] [--repeat R] [--profile]

Generates N feeds x M entries (RSS 2.0, Atom 1.0, JSON Feed 1.1; French and English),
serves them with Debian's nginx on 127.0.0.1, then measures, each side in its own process
so CPU seconds and peak memory are its own: a cold ingest into an empty database, an
unchanged refresh (every answer a 304), and parsing alone (our parser against feedparser).
Prints one table and, last, a machine-readable ``summary`` line (ratios >1: we are faster).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from bench.feedgen import Corpus, generate
from bench.nginx import Nginx

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Measure:
    """One side of one phase: medians over the repeats."""

    wall: float
    cpu: float
    peak_mb: float
    stored: int
    runs: list[dict[str, Any]]

    def rate(self, entries: int) -> float:
        return entries / self.wall if self.wall else 0.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__)
    parser.add_argument("--feeds", type=int, default=1000, help="number of feeds (1000)")
    parser.add_argument("--entries", type=int, default=50, help="entries per feed (50)")
    parser.add_argument("--quick", action="store_true", help="100 feeds x 20 entries")
    parser.add_argument("--repeat", type=int, default=1, help="runs per side; medians (1)")
    parser.add_argument("--batch", type=int, default=100, help="sources per worker cycle (100)")
    parser.add_argument("--reader-workers", type=int, default=16, help="reader threads (16)")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="our worker processes sharing the leases (one per core)",
    )
    parser.add_argument("--parse-repeat", type=int, default=3, help="parse passes, best kept")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--profile", action="store_true", help="cProfile our side (stats on stderr, kept)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--suggest-sample",
        type=int,
        default=2000,
        help="entries the later suggestion stage is timed on (2000)",
    )
    parser.add_argument(
        "--topics", type=int, default=100, help="topics the suggestion stage ranks for (100)"
    )
    parser.add_argument(
        "--topic-share",
        type=float,
        default=0.1,
        help="share of the feeds each of those topics follows (0.1)",
    )
    parser.add_argument(
        "--no-worker-memory",
        action="store_true",
        help="skip the real worker processes whose peak memory is measured",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.feeds, args.entries = 100, 20
    return args


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


def run_child(module: str, params: dict[str, Any], env: dict[str, str] | None = None) -> dict:
    """Run ``python -m module`` on params; its JSON result plus its own peak RSS."""
    result = Path(params["result"])
    proc = subprocess.Popen(
        [sys.executable, "-m", module, json.dumps(params)], cwd=REPO, env=env or dict(os.environ)
    )
    # wait4 gives this child's own rusage (RUSAGE_CHILDREN would sum every child so far).
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{module} {params.get('phase', params.get('side'))} failed")
    data = json.loads(result.read_text())
    data["peak_mb"] = usage.ru_maxrss / 1024  # KiB on Linux
    data["process_cpu"] = usage.ru_utime + usage.ru_stime
    return data


def ours_env(data_dir: Path, per_host: int) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FLORILEGE_DATABASE_URL")
    }
    alphabet = string.ascii_letters + string.digits + "!@#%^*-_=+"
    env.update(
        DJANGO_SETTINGS_MODULE="florilege.settings",
        FLORILEGE_DATA_DIR=str(data_dir),
        FLORILEGE_SECRET_KEY="".join(secrets.choice(alphabet) for _ in range(50)),
        FLORILEGE_ALLOW_NETWORKS="127.0.0.0/8",
        FLORILEGE_LOG_LEVEL="WARNING",
        # Every generated feed lives on one host here, unlike in the wild: allow as many
        # requests in flight to it as the peer has threads.
        FLORILEGE_FETCH_PER_HOST=str(per_host),
    )
    return env


def check_server(base_url: str, path: str) -> None:
    """nginx must send both validators, or the refresh would not be all 304s."""
    with urllib.request.urlopen(f"{base_url}/{path}", timeout=5) as response:
        if not (response.headers.get("ETag") and response.headers.get("Last-Modified")):
            raise SystemExit("nginx sent no ETag/Last-Modified: the refresh would be meaningless")


def median_measure(runs: list[dict[str, Any]]) -> Measure:
    return Measure(
        wall=statistics.median(r["wall"] for r in runs),
        cpu=statistics.median(r["cpu"] for r in runs),
        peak_mb=statistics.median(r["peak_mb"] for r in runs),
        stored=int(statistics.median(r["stored"] for r in runs)),
        runs=runs,
    )


def run_ingest(
    args: argparse.Namespace, tmp: Path, base_url: str, corpus: Corpus
) -> dict[str, Measure]:
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in ("ours_cold", "ours_refresh")}
    runs.update(reader_cold=[], reader_refresh=[])
    common = {"base_url": base_url, "paths": corpus.paths}
    for n in range(args.repeat):
        env = ours_env(tmp / f"ours-{n}", args.reader_workers)

        def ours(phase: str, n: int = n, env: dict[str, str] = env) -> dict[str, Any]:
            params = {**common, "phase": phase, "batch": args.batch, "workers": args.workers}
            params["suggest_sample"] = args.suggest_sample
            params.update(topics=args.topics, topic_share=args.topic_share, seed=args.seed)
            params["result"] = str(tmp / f"ours-{phase}-{n}.json")
            if args.profile:
                params["profile"] = str(tmp / f"ours-{phase}-{n}.prof")
                params["profile_suggest"] = str(tmp / f"ours-suggest-{n}.prof")
            return run_child("bench.ours", params, env)

        def peer(phase: str, n: int = n) -> dict[str, Any]:
            params = {**common, "phase": phase, "workers": args.reader_workers}
            params.update(db=str(tmp / f"reader-{n}.sqlite"))
            params["result"] = str(tmp / f"reader-{phase}-{n}.json")
            return run_child("bench.peer_reader", params)

        # Alternate who goes first so neither side always gets the warmer page cache.
        for phase in ("cold", "refresh"):
            first, second = (ours, peer) if n % 2 == 0 else (peer, ours)
            for side in (first, second):
                key = ("ours" if side is ours else "reader") + f"_{phase}"
                print(f"  run {n + 1}/{args.repeat}: {key} …", file=sys.stderr, flush=True)
                runs[key].append(side(phase))
    return {key: median_measure(value) for key, value in runs.items()}


@dataclass
class WorkerRun:
    """One real ``manage.py worker --once`` process: what its cycle did, its peak RSS, and
    the peak of its anonymous memory (sampled)."""

    stages: str
    output: str
    peak_mb: float
    wall: float
    peak_anon_mb: float = 0.0


def anonymous_mb(pid: int) -> float | None:
    """A process's anonymous resident memory (heap, stacks, arrays: what only it can hold),
    leaving out the pages of mapped files (libraries, the language model's and the
    encoder's tables), which the page cache shares between every process on the machine;
    None once the process is gone."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("Anonymous:"):
            return int(line.split()[1]) / 1024
    return None


def sample_anonymous(pid: int, peak: list[float], every: float = 0.02) -> None:
    """Keep ``peak[0]`` at the largest anonymous memory seen until the process is gone."""
    while (now := anonymous_mb(pid)) is not None:
        peak[0] = max(peak[0], now)
        time.sleep(every)


def run_worker_process(stages: str | None, env: dict[str, str], out: Path) -> WorkerRun:
    command = [sys.executable, "manage.py", "worker", "--once"]
    if stages:
        command += ["--stages", stages]
    began = time.perf_counter()
    with out.open("w") as stdout:
        proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=stdout)
        peak_anon = [0.0]
        sampler = threading.Thread(target=sample_anonymous, args=(proc.pid, peak_anon))
        sampler.start()
        # wait4: this process's own peak RSS (VmHWM), from the kernel's accounting.
        _, status, usage = os.wait4(proc.pid, 0)
        sampler.join()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"worker --stages {stages or 'all'} failed: {out.read_text()[-500:]}")
    return WorkerRun(
        stages or "all",
        out.read_text().strip(),
        usage.ru_maxrss / 1024,
        time.perf_counter() - began,
        peak_anon[0],
    )


def run_worker_memory(
    args: argparse.Namespace, tmp: Path, base_url: str, corpus: Corpus
) -> list[WorkerRun]:
    """Peak memory of real worker processes, as deployed: a fetch-only worker's cycle
    (a cold batch of feeds), then an all-stage worker's cycle on what it stored (fetch,
    enrich, suggest for the benchmark's topics, train, publish, ...)."""
    env = ours_env(tmp / "workers", args.reader_workers)
    params = {"base_url": base_url, "paths": corpus.paths, "phase": "setup"}
    params.update(topics=args.topics, topic_share=args.topic_share, seed=args.seed)
    params["result"] = str(tmp / "workers-setup.json")
    run_child("bench.ours", params, env)
    runs = []
    for stages in ("fetch", None):
        print(f"  worker memory: --stages {stages or 'all'} …", file=sys.stderr, flush=True)
        runs.append(run_worker_process(stages, env, tmp / f"worker-{stages or 'all'}.txt"))
    return runs


def xml_paths(corpus: Corpus) -> list[str]:
    """feedparser 6 cannot read JSON Feed: parsing is compared on the XML feeds only."""
    return [p for p in corpus.paths if not p.endswith(".json")]


def run_parse(
    args: argparse.Namespace, tmp: Path, base_url: str, corpus: Corpus
) -> dict[str, Measure]:
    out = {}
    for side in ("ours", "feedparser"):
        print(f"  parse only: {side} …", file=sys.stderr, flush=True)
        params = {
            "side": side,
            "root": str(tmp / "www"),
            "base_url": base_url,
            "paths": xml_paths(corpus),
            "repeat": args.parse_repeat,
            # feedparser takes minutes over the full corpus; one such pass is stable enough.
            "single_pass_over": 30.0,
            "result": str(tmp / f"parse-{side}.json"),
        }
        if args.profile and side == "ours":
            params["profile"] = str(tmp / "parse-ours.prof")
        out[side] = median_measure([run_child("bench.parse_only", params)])
    return out


def fmt_rate(value: float) -> str:
    return f"{value:,.0f}"


def print_table(rows: list[list[str]]) -> None:
    header = ["phase", "side", "wall s", "entries/s", "CPU s", "peak MB", "entries", "ours/peer"]
    table = [header, *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for i, row in enumerate(table):
        cells = [
            cell.ljust(widths[j]) if j < 2 else cell.rjust(widths[j]) for j, cell in enumerate(row)
        ]
        print("  ".join(cells).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))


def side_row(phase: str, side: str, m: Measure, entries: int, ratio: str = "") -> list[str]:
    return [
        phase,
        side,
        f"{m.wall:.2f}",
        fmt_rate(m.rate(entries)),
        f"{m.cpu:.2f}",
        f"{m.peak_mb:.0f}",
        f"{m.stored:,}",
        ratio,
    ]


def ratio(ours: Measure, peer: Measure) -> float:
    # Same workload on both sides, so the speed ratio is the inverse ratio of wall times.
    return peer.wall / ours.wall if ours.wall else 0.0


def stage_lines(label: str, m: Measure) -> list[str]:
    run = m.runs[len(m.runs) // 2]
    if not run["stages"]:
        # The stage clocks live in each worker process; only one process reports them.
        return [f"  {label} stages: measured with --workers 1 only"]
    parts = [
        f"{name} {sec:.2f}s ({100 * sec / run['wall']:.0f}%)"
        for name, sec in sorted(run["stages"].items(), key=lambda kv: -kv[1])
    ]
    lines = [f"  {label} stages (of {run['wall']:.2f}s wall, may overlap): " + "; ".join(parts)]
    if run["stages_missing"]:
        lines.append(f"  {label} not measured (renamed?): {', '.join(run['stages_missing'])}")
    return lines


def report(
    args: argparse.Namespace,
    corpus: Corpus,
    ingest: dict[str, Measure],
    parse: dict[str, Measure],
    workers: list[WorkerRun],
) -> None:
    n = corpus.entries
    n_xml = n * len(xml_paths(corpus)) // max(len(corpus.paths), 1)
    cold = ratio(ingest["ours_cold"], ingest["reader_cold"])
    refresh = ratio(ingest["ours_refresh"], ingest["reader_refresh"])
    parsing = ratio(parse["ours"], parse["feedparser"])
    reader_name = f"reader {package_version('reader')}"
    fp_name = f"feedparser {package_version('feedparser')}"
    oc = ingest["ours_cold"].runs[len(ingest["ours_cold"].runs) // 2]
    sug = oc["suggest"]
    suggest_rate = sug["scored"] / sug["wall"] if sug["wall"] else 0.0
    # Per CPU-second too: on a shared machine, wall time includes waiting for a core.
    suggest_cpu_rate = sug["scored"] / sug["cpu"] if sug["cpu"] else 0.0
    enrich_row = ["suggest (later)", "vectors, stories, ranking", f"{sug['wall']:.2f}"]
    enrich_row += [
        fmt_rate(suggest_rate) if sug["wall"] else "n/a",
        f"{sug['cpu']:.2f}",
        "",
        f"{sug['scored']:,}",
    ]
    rows = [
        side_row("cold ingest", "florilege", ingest["ours_cold"], n, f"{cold:.2f}x"),
        side_row("cold ingest", reader_name, ingest["reader_cold"], n),
        side_row("refresh (304)", "florilege", ingest["ours_refresh"], n, f"{refresh:.2f}x"),
        side_row("refresh (304)", reader_name, ingest["reader_refresh"], n),
        side_row(
            "parse only (XML)", "florilege parse_feed", parse["ours"], n_xml, f"{parsing:.2f}x"
        ),
        side_row("parse only (XML)", fp_name, parse["feedparser"], n_xml),
        [*enrich_row, ""],
    ]
    print()
    print_table(rows)
    print()
    print(
        "  ingest = fetched through the guarded client, parsed, sanitised, stored with canonical "
        "URL,\n  language-tagged and near-duplicate fingerprinted; reader stores parsed entries. "
        "entries/s = workload / wall.\n  suggest = the worker's later stages end to end "
        "(enrich: sentence vectors and stories; suggest: ranking for every topic following "
        f"the entry's feed), one process,\n  on the first {args.suggest_sample:,} stored "
        f"entries, with {args.topics + 1} topics ({args.topics} following {args.topic_share:.0%} "
        f"of the feeds each, one following all): {sug.get('links', 0):,} topic-feed links, "
        f"{sug.get('suggestions', 0):,} suggestions.\n  florilege worker processes: "
        f"{args.workers}; reader threads: {args.reader_workers}."
    )
    parts = sug.get("parts", {})
    if parts:
        print("  suggest parts: " + "; ".join(
            f"{name} {sec:.2f}s" for name, sec in sorted(parts.items(), key=lambda kv: -kv[1])
        ))  # fmt: skip
    for run in workers:
        print(
            f"  real worker process `manage.py worker --once --stages {run.stages}`: peak RSS "
            f"{run.peak_mb:.0f} MB (anonymous, without mapped files: {run.peak_anon_mb:.0f} MB), "
            f"{run.wall:.1f} s, did: {run.output or 'nothing'}"
        )
    print(
        f"  parse only: RSS and Atom files ({n_xml:,} entries), in memory, best of "
        f"{args.parse_repeat} (feedparser: one pass when it takes over 30 s); feedparser 6 "
        "cannot read JSON Feed."
    )
    print(
        f"  florilege cold: {oc['stored']:,} stored of {n:,}; without language (with text): "
        f"{oc['untagged_with_text']}; fingerprinted: {oc['fingerprinted']:,}; "
        f"distinct canonical URLs: {oc['distinct_canonical']:,}; suggestions: "
        f"{oc['suggestions']:,}; languages: {oc['languages']}; cycles: {oc['cycles']}"
    )
    orr = ingest["ours_refresh"].runs[len(ingest["ours_refresh"].runs) // 2]
    print(f"  florilege refresh: statuses {orr['statuses']}, new entries {orr['new']}")
    rr = ingest["reader_refresh"].runs[len(ingest["reader_refresh"].runs) // 2]
    print(f"  {reader_name} refresh: {rr['outcomes']}")
    for line in stage_lines("florilege cold", ingest["ours_cold"]):
        print(line)
    for line in stage_lines("florilege refresh", ingest["ours_refresh"]):
        print(line)
    for key, m in ingest.items():
        run = m.runs[len(m.runs) // 2]
        if run["error_count"]:
            print(f"  {key}: {run['error_count']} errors, e.g. {run['errors'][:2]}")
    if oc["stored"] < n or ingest["reader_cold"].stored < n:
        print(f"  WARNING: a side stored fewer than the {n:,} generated entries")
    targets = (cold >= 3, refresh >= 2, parsing >= 20)
    if args.profile:
        print("  NOTE: --profile was on: our side's times include cProfile's overhead")
    print(f"  targets (cold ≥3x, refresh ≥2x, parse ≥20x): {['miss', 'met'][all(targets)]}")
    peaks = {run.stages: run.peak_mb for run in workers}
    anonymous = {run.stages: run.peak_anon_mb for run in workers}
    memory = (
        f" worker_peak_mb={peaks['all']:.0f} fetch_worker_peak_mb={peaks['fetch']:.0f}"
        f" worker_peak_anon_mb={anonymous['all']:.0f}"
        f" fetch_worker_peak_anon_mb={anonymous['fetch']:.0f}"
        if peaks
        else ""
    )
    print(
        f"summary cold_ratio_vs_reader={cold:.2f} refresh_ratio_vs_reader={refresh:.2f} "
        f"parse_ratio_vs_feedparser={parsing:.2f} suggest_entries_per_s={suggest_rate:.0f} "
        f"suggest_entries_per_cpu_s={suggest_cpu_rate:.0f}" + memory
    )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"machine: nproc={cpus} {platform.machine()} {platform.system()} "
        f"python {platform.python_version()}; reader {package_version('reader')}, "
        f"feedparser {package_version('feedparser')}"
    )
    tmp = Path(tempfile.mkdtemp(prefix="florilege-bench-"))
    try:
        corpus = generate(tmp / "www", args.feeds, args.entries, seed=args.seed)
        print(
            f"sizes: {args.feeds} feeds x {args.entries} entries = {corpus.entries:,} entries, "
            f"{corpus.total_bytes / 1e6:.1f} MB; repeat={args.repeat}, batch={args.batch}, "
            f"reader workers={args.reader_workers}",
            flush=True,
        )
        with Nginx(tmp / "www", tmp / "nginx") as base_url:
            check_server(base_url, corpus.paths[0])
            ingest = run_ingest(args, tmp, base_url, corpus)
            parse = run_parse(args, tmp, base_url, corpus)
            workers = [] if args.no_worker_memory else run_worker_memory(
                args, tmp, base_url, corpus
            )  # fmt: skip
        report(args, corpus, ingest, parse, workers)
    finally:
        if args.keep or args.profile:
            print(f"  kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
