"""Federation benchmark: one scoop fanned out to 10,000 followers on 1,000 instances.

    python -m bench.federation [--followers N --instances M | --quick] [--down 0.05]

A loopback receiver (its own process, so its CPU is not counted as ours) plays every
instance: each has a host name resolved to 127.0.0.1, a shared inbox, and the receiver
verifies the HTTP signature and Digest of every POST against the topic's public key.
Run 1: every instance up. Run 2: a fraction of instances accept the connection and never
answer (timeouts); the healthy instances' time to last delivery is compared with run 1's.
Prints a table and, last, ``summary followers=<n> seconds_to_last=<s> deliveries_per_s=<d>``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DOMAIN = "fed.test"


def host(i: int) -> str:
    return f"i{i:04d}.{DOMAIN}"


# --- the receiver: one process playing every remote instance ---------------------------------


async def _serve(port: int, public_pem: str, down: set[str], ready: Path) -> None:
    from florilege.federation import signatures as sig

    stats: dict[str, Any] = {"ok": 0, "bad": 0, "hung": 0, "cpu": 0.0, "errors": []}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                method, path, _ = line.decode().split(" ", 2)
                headers: dict[str, str] = {}
                while (raw := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = raw.decode().partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
                if path == "/stats":
                    stats["cpu"] = time.process_time()
                    _reply(writer, 200, json.dumps(stats).encode())
                    await writer.drain()
                    continue
                if headers.get("host", "").split(":")[0] in down:
                    stats["hung"] += 1
                    await asyncio.sleep(3600)  # a dead instance: connection open, no answer
                    return
                try:
                    parsed = sig.parse_signature(headers["signature"])
                    sig.verify_request(
                        method, path, headers, body, parsed, public_pem, datetime.now(UTC)
                    )
                    stats["ok"] += 1
                    _reply(writer, 202, b"")
                except (sig.SignatureError, KeyError) as exc:
                    stats["bad"] += 1
                    stats["errors"] = [*stats["errors"][:4], str(exc)]
                    _reply(writer, 401, b"")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=2048)
    ready.write_text("ok")
    async with server:
        await server.serve_forever()


def _reply(writer: asyncio.StreamWriter, status: int, body: bytes) -> None:
    writer.write(
        f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\n"
        "Content-Type: application/json\r\n\r\n".encode()
        + body
    )


def receiver_main(argv: list[str]) -> None:
    port, pem_path, down_path, ready = argv
    down = set(json.loads(Path(down_path).read_text()))
    asyncio.run(_serve(int(port), Path(pem_path).read_text(), down, Path(ready)))


class Receiver:
    def __init__(self, work: Path, port: int, public_pem: str, down: set[str]) -> None:
        (work / "pub.pem").write_text(public_pem)
        (work / "down.json").write_text(json.dumps(sorted(down)))
        ready = work / f"ready-{port}"
        ready.unlink(missing_ok=True)
        self.port = port
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.federation", "--receiver", str(port),
             str(work / "pub.pem"), str(work / "down.json"), str(ready)],
            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
        )  # fmt: skip
        for _ in range(200):
            if ready.exists():
                return
            time.sleep(0.05)
        raise RuntimeError("the receiver did not start")

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/stats", timeout=10) as r:
            return json.loads(r.read())

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


# --- our side --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup(followers: int, instances: int, port: int) -> Any:
    """Migrate an empty database; one topic whose followers spread over the instances."""
    import django
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from florilege.federation.models import Follower, RemoteActor
    from florilege.federation.services.actors import ensure_keys, topic_actor
    from florilege.topics.models import Topic

    # A tag per run, so a run on a kept database (BENCH_DATABASE_URL) never collides.
    tag = secrets.token_hex(4)
    user = get_user_model().objects.create_user(f"bench-{tag}", password="x")
    topic = Topic.objects.create(title="Bench", slug=f"bench-{tag}", owner=user)
    actor = ensure_keys(topic_actor(topic))
    remotes = []
    for n in range(followers):
        i = n % instances
        base = f"http://{host(i)}:{port}"
        remotes.append(
            RemoteActor(
                uri=f"{base}/users/{tag}-{n}",
                domain=host(i),
                username=f"u{n}",
                inbox=f"{base}/users/{tag}-{n}/inbox",
                shared_inbox=f"{base}/inbox",
                public_key_pem="-",
            )
        )
    RemoteActor.objects.bulk_create(remotes, batch_size=1000)
    # A running worker has built its TLS context and loaded the URL configuration (which
    # imports every view, and the language model with them) long before a scoop is
    # published: do it here so the first run does not time those 4-6 s of start-up.
    from django.urls import reverse

    from florilege.lib.http import _ssl_context

    _ssl_context()
    reverse("publishing:home")
    Follower.objects.bulk_create(
        [Follower(actor=actor, remote=r) for r in RemoteActor.objects.filter(uri__contains=tag)],
        batch_size=1000,
    )
    return topic, user, actor


def run_once(topic: Any, user: Any, n: int) -> dict[str, Any]:
    """Publish one scoop and run delivery cycles until nothing is due; time it."""
    from django.utils import timezone

    from florilege.curation.models import Scoop
    from florilege.federation.models import Delivery
    from florilege.federation.services import delivery
    from florilege.federation.services.outbox import publish_scoop
    from florilege.lib.http import GuardedClient

    async def resolve(hostname: str, port: int) -> list[str]:
        return ["127.0.0.1"]  # every simulated instance lives on loopback

    policy = delivery.delivery_policy()

    def factory() -> GuardedClient:
        return GuardedClient(policy, resolver=resolve, max_origins=10_000)

    now = timezone.now()
    scoop = Scoop.objects.create(
        topic=topic, curator=user, url=f"https://news.example/{topic.slug}/{n}",
        canonical_url=f"https://news.example/{topic.slug}/{n}", title=f"Story {n}", insight="Why.",
        insight_html="<p>Why.</p>", tags=["bench"], published_at=now,
    )  # fmt: skip
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.monotonic()
    publish_scoop(scoop.pk, now)
    queued = time.monotonic() - t0
    activity_rows = Delivery.objects.filter(activity__scoop=scoop).count()
    finished: list[float] = []
    statuses: list[int | None] = []
    while True:
        report = delivery.deliver_cycle(timezone.now(), client_factory=factory)
        if not report.leased:
            break
        finished += [o.finished_at - t0 for o in report.outcomes if o.status == 202]
        statuses += [o.status for o in report.outcomes]
        # Failed ones are due again only after their backoff: the run ends here.
        if not Delivery.objects.filter(
            status="pending", next_attempt_at__lte=timezone.now(), activity__scoop=scoop
        ).exists():
            break
    wall = time.monotonic() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    finished.sort()
    return {
        "inboxes": activity_rows,
        "queued": queued,
        "delivered": len(finished),
        "timeouts": sum(1 for s in statuses if s is None),
        "wall": wall,
        "cpu": cpu,
        "last_ok": finished[-1] if finished else 0.0,
        "p50_ok": finished[len(finished) // 2] if finished else 0.0,
        "p99_ok": finished[int(len(finished) * 0.99) - 1] if finished else 0.0,
    }


def main(argv: list[str] | None = None) -> None:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "--receiver":
        receiver_main(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(prog="python -m bench.federation", description=__doc__)
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--instances", type=int, default=1_000)
    parser.add_argument("--down", type=float, default=0.05, help="fraction of instances down")
    parser.add_argument("--timeout", type=float, default=10.0, help="delivery timeout (s)")
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="1,000 followers, 100 instances")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--profile", action="store_true", help="cProfile our side (stderr)")
    args = parser.parse_args(argv)
    if args.quick:
        args.followers, args.instances = 1_000, 100

    work = Path(tempfile.mkdtemp(prefix="florilege-bench-fed-"))
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "florilege.settings",
        "FLORILEGE_DEBUG": "1",
        "FLORILEGE_DATA_DIR": str(work),
        "FLORILEGE_DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", ""),
        "FLORILEGE_ALLOW_NETWORKS": "127.0.0.0/8",
        "FLORILEGE_LOG_LEVEL": "WARNING",
        "FLORILEGE_FEDERATION_DELIVERY_TIMEOUT": str(args.timeout),
        "FLORILEGE_FEDERATION_DELIVERY_CONCURRENCY": str(args.concurrency),
        "FLORILEGE_FEDERATION_DELIVERY_BATCH": str(args.instances),
        "FLORILEGE_BASE_URL": "https://florilege.example",
    })  # fmt: skip
    sys.path.insert(0, str(REPO))
    port = free_port()
    t = time.monotonic()
    topic, user, actor = setup(args.followers, args.instances, port)
    print(f"setup: {args.followers} followers on {args.instances} instances "
          f"in {time.monotonic() - t:.1f} s", file=sys.stderr)  # fmt: skip

    rng = random.Random(args.seed)
    down = {host(i) for i in rng.sample(range(args.instances), int(args.instances * args.down))}
    results = []
    for label, dead in (("all up", set()), (f"{args.down:.0%} down", down)):
        receiver = Receiver(work, port, actor.public_key_pem, dead)
        try:
            if args.profile:
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                result = profiler.runcall(run_once, topic, user, len(results))
                pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
            else:
                result = run_once(topic, user, len(results))
            result["receiver"] = receiver.stats()
        finally:
            receiver.stop()
        result["label"] = label
        result["down"] = len(dead)
        results.append(result)

    print_table(args, results)
    first = results[0]
    rate = first["delivered"] / first["last_ok"] if first["last_ok"] else 0.0
    print(
        f"summary followers={args.followers} seconds_to_last={first['last_ok']:.2f} "
        f"deliveries_per_s={rate:.0f} instances={args.instances} "
        f"healthy_last_with_down={results[1]['last_ok']:.2f}"
    )


def print_table(args: argparse.Namespace, results: list[dict[str, Any]]) -> None:
    print(f"Fan-out of one scoop to {args.followers:,} followers on {args.instances:,} "
          f"instances (one signed POST per shared inbox; receiver verifies every signature; "
          f"delivery timeout {args.timeout:g} s, concurrency {args.concurrency}; "
          f"{os.cpu_count()} CPU)")  # fmt: skip
    head = ("run", "inboxes", "delivered", "bad sig", "timeouts", "healthy p50 s",
            "healthy last s", "cycle s", "deliveries/s", "our CPU s", "receiver CPU s")  # fmt: skip
    rows = []
    for r in results:
        rate = r["delivered"] / r["last_ok"] if r["last_ok"] else 0.0
        rows.append((
            r["label"], r["inboxes"], r["delivered"], r["receiver"]["bad"], r["timeouts"],
            f"{r['p50_ok']:.2f}", f"{r['last_ok']:.2f}", f"{r['wall']:.2f}", f"{rate:.0f}",
            f"{r['cpu']:.2f}", f"{r['receiver']['cpu']:.2f}",
        ))  # fmt: skip
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=True)]
    for row in (head, *rows):
        print("| " + " | ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)) + " |")
    ok, slow = results
    print(f"healthy instances with {slow['down']} down: last delivery {slow['last_ok']:.2f} s "
          f"vs {ok['last_ok']:.2f} s with all up")  # fmt: skip


if __name__ == "__main__":
    main()
