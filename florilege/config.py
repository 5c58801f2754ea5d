"""The one typed settings object, read from ``FLORILEGE_*`` environment variables.

Every option lives in ``OPTIONS`` with its type, default and documentation, so the README
table and the code cannot drift apart (a test checks that every option is documented).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Anything starting with this is treated as "no secret was set".
INSECURE_SECRET_PREFIX = "insecure-dev-key"


class ConfigError(Exception):
    """Raised when the environment asks for something unsafe or malformed."""


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected a boolean (1/0, true/false), got {raw!r}")


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _networks(raw: str) -> tuple[Network, ...]:
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    return tuple(ipaddress.ip_network(p, strict=False) for p in parts)


def _list(raw: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in raw.split(",") if p.strip())


def _one_of(*allowed: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}, got {raw!r}")
        return value

    return parse


@dataclass(frozen=True)
class Option:
    name: str
    parse: Callable[[str], Any]
    default: str
    doc: str


OPTIONS: tuple[Option, ...] = (
    Option("DEBUG", _bool, "0", "Debug mode: detailed error pages, insecure secret key allowed."),
    Option(
        "SECRET_KEY",
        str,
        "",
        "Secret for sessions and signed links. Required unless FLORILEGE_DEBUG=1.",
    ),
    Option(
        "SECRET_KEY_FILE",
        str,
        "",
        "File to read the secret key from when FLORILEGE_SECRET_KEY is unset; empty means "
        "`<data folder>/secret_key` if it exists (`make run` creates it).",
    ),
    Option("DATA_DIR", Path, "./var", "Folder holding the SQLite database and uploads."),
    Option(
        "DATABASE_URL",
        str,
        "",
        "Database URL (also read from DATABASE_URL); empty means SQLite in the data folder.",
    ),
    Option("BASE_URL", str, "http://127.0.0.1:8000", "Public address of this instance."),
    Option("ALLOWED_HOSTS", _list, "127.0.0.1,localhost", "Comma-separated host names served."),
    Option("HOST", str, "127.0.0.1", "Address `manage.py serve` binds to."),
    Option("PORT", int, "8000", "Port `manage.py serve` listens on."),
    Option(
        "ALLOW_NETWORKS",
        _networks,
        "",
        "Comma-separated private ranges that fetches may reach (e.g. 127.0.0.0/8 for the demo). "
        "Loopback, private, link-local and metadata addresses are refused otherwise.",
    ),
    Option("FETCH_TIMEOUT", float, "20", "Seconds allowed for one fetch, connection to last byte."),
    Option(
        "FETCH_MAX_BYTES", int, "10485760", "Largest response body accepted, after decompression."
    ),
    Option("FETCH_MAX_REDIRECTS", int, "5", "Redirects followed before a fetch fails."),
    Option(
        "FETCH_PER_HOST",
        int,
        "2",
        "Requests a worker sends to one host at the same time (politeness).",
    ),
    Option("FETCH_MIN_INTERVAL", int, "900", "Shortest time between two fetches of a feed (s)."),
    Option("FETCH_MAX_INTERVAL", int, "86400", "Longest time between two fetches of a feed (s)."),
    Option(
        "WORKER_BATCH", int, "20", "Sources a worker leases and fetches concurrently per cycle."
    ),
    Option("WORKER_IDLE_SECONDS", float, "5", "Worker sleep when nothing is due."),
    Option(
        "WORKER_LEASE_SECONDS",
        int,
        "300",
        "How long a worker holds the sources it took; a crashed worker's sources are due again "
        "after this.",
    ),
    Option(
        "FULL_TEXT_BATCH",
        int,
        "20",
        "Article pages a worker fetches per cycle for sources set to fetch full text.",
    ),
    Option(
        "TRUST_X_FORWARDED_FOR",
        _bool,
        "0",
        "Behind a reverse proxy: take the visitor's address from the last X-Forwarded-For "
        "entry (the one the proxy added) when counting views.",
    ),
    Option(
        "FEDERATION_AUTHORIZED_FETCH",
        _bool,
        "0",
        "Serve ActivityPub objects, outboxes and follower lists only to signed requests from "
        "instances that are not blocked (actors then show only their name and key).",
    ),
    Option(
        "FEDERATION_DELIVERY_CONCURRENCY",
        int,
        "100",
        "Signed POSTs to remote inboxes a worker sends at the same time.",
    ),
    Option("FEDERATION_DELIVERY_BATCH", int, "1000", "Deliveries a worker leases per cycle."),
    Option(
        "FEDERATION_DELIVERY_TIMEOUT",
        float,
        "10",
        "Seconds allowed for one delivery to a remote inbox before it counts as failed.",
    ),
    Option(
        "FEDERATION_INBOX_MAX_BYTES",
        int,
        "262144",
        "Largest activity body the inbox accepts (larger: 413).",
    ),
    Option(
        "FEDERATION_INBOX_RATE",
        int,
        "300",
        "Activities accepted from one instance per minute before the inbox answers 429.",
    ),
    Option("LOG_LEVEL", str, "INFO", "Log level for the florilege loggers."),
    Option(
        "READER_SUGGESTIONS_PER_HOUR",
        int,
        "5",
        "Pages one address (hashed, never stored) may suggest to topics per hour.",
    ),
    # Readers' engagement: email, comments, reactions.
    Option("EMAIL_HOST", str, "localhost", "SMTP server for confirmations and digests."),
    Option("EMAIL_PORT", int, "25", "SMTP port."),
    Option("EMAIL_HOST_USER", str, "", "SMTP user name; empty sends without logging in."),
    Option("EMAIL_HOST_PASSWORD", str, "", "SMTP password."),
    Option("EMAIL_USE_TLS", _bool, "0", "Use STARTTLS with the SMTP server."),
    Option(
        "EMAIL_FROM",
        str,
        "Florilège <noreply@localhost>",
        "Sender of confirmations and digests (`Name <address>`).",
    ),
    Option(
        "TASKS_BACKEND",
        _one_of("database", "rq", "immediate"),
        "database",
        "Where one-off jobs (emails) wait to run: `database` (a table, run by the worker; "
        "nothing else to install), `rq` (Redis through `django-tasks-rq`: install the `redis` "
        "extra and run `manage.py rqworker default`), or `immediate` (inside the request that "
        "asks; development only).",
    ),
    Option(
        "REDIS_URL",
        str,
        "redis://127.0.0.1:6379/0",
        "Redis holding the jobs when FLORILEGE_TASKS_BACKEND=rq; give Florilège a database "
        "number of its own (the `/0` at the end).",
    ),
    Option(
        "COMMENTS_PER_HOUR",
        int,
        "5",
        "Comments one address may post in an hour; more are refused with a message.",
    ),
    Option(
        "SUBSCRIBES_PER_HOUR",
        int,
        "5",
        "Follow requests one address may send in an hour (each sends a confirmation email).",
    ),
    Option(
        "READER_REACTIONS_PER_HOUR",
        int,
        "30",
        '"Useful" votes and comment reports one address may send in an hour.',
    ),
    Option(
        "COMMENT_REPORTS_TO_HIDE",
        int,
        "3",
        "Readers' reports that hide an approved comment until a curator reviews it.",
    ),
    Option("INVITATION_DAYS", int, "7", "Days an invitation link to join a topic stays valid."),
    Option(
        "PAGE_CACHE_SECONDS",
        int,
        "300",
        "How long a public page or feed is kept in the full-page cache for anonymous readers "
        "(a change to its topic replaces it at once); 0 turns the cache off.",
    ),
    Option(
        "CACHE_URL",
        str,
        "",
        "Cache backend: empty for memory in each process, `db://` for a database table "
        "(`manage.py createcachetable`; `serve` runs it), or a `redis://` URL (needs the "
        "`redis` package).",
    ),
    Option(
        "WEBSUB_HUB",
        str,
        "",
        "WebSub hub advertised in feeds out (rel=hub) and pinged by the worker when a scoop "
        "is published; empty means no hub and no pings.",
    ),
    Option(
        "RANKING_TOPICS_PER_CYCLE",
        int,
        "20",
        "Topics whose ranking model a worker retrains per cycle (those with new decisions or "
        "edited rules).",
    ),
    Option(
        "RANKING_RESCORE_LIMIT",
        int,
        "5000",
        "Pending suggestions of a topic rescored after each retraining (the most recent); "
        "older ones keep their score and sink with age.",
    ),
)


@dataclass(frozen=True)
class Config:
    """Parsed configuration, one typed attribute per option. Build it with :func:`load`.

    The attributes and ``OPTIONS`` must name the same settings (a test checks it); a test
    changes a setting with ``dataclasses.replace``.
    """

    DEBUG: bool
    SECRET_KEY: str
    SECRET_KEY_FILE: str
    DATA_DIR: Path
    DATABASE_URL: str
    BASE_URL: str
    ALLOWED_HOSTS: tuple[str, ...]
    HOST: str
    PORT: int
    ALLOW_NETWORKS: tuple[Network, ...]
    FETCH_TIMEOUT: float
    FETCH_MAX_BYTES: int
    FETCH_MAX_REDIRECTS: int
    FETCH_PER_HOST: int
    FETCH_MIN_INTERVAL: int
    FETCH_MAX_INTERVAL: int
    WORKER_BATCH: int
    WORKER_IDLE_SECONDS: float
    WORKER_LEASE_SECONDS: int
    FULL_TEXT_BATCH: int
    TRUST_X_FORWARDED_FOR: bool
    FEDERATION_AUTHORIZED_FETCH: bool
    FEDERATION_DELIVERY_CONCURRENCY: int
    FEDERATION_DELIVERY_BATCH: int
    FEDERATION_DELIVERY_TIMEOUT: float
    FEDERATION_INBOX_MAX_BYTES: int
    FEDERATION_INBOX_RATE: int
    LOG_LEVEL: str
    READER_SUGGESTIONS_PER_HOUR: int
    EMAIL_HOST: str
    EMAIL_PORT: int
    EMAIL_HOST_USER: str
    EMAIL_HOST_PASSWORD: str
    EMAIL_USE_TLS: bool
    EMAIL_FROM: str
    TASKS_BACKEND: str
    REDIS_URL: str
    COMMENTS_PER_HOUR: int
    SUBSCRIBES_PER_HOUR: int
    READER_REACTIONS_PER_HOUR: int
    COMMENT_REPORTS_TO_HIDE: int
    INVITATION_DAYS: int
    PAGE_CACHE_SECONDS: int
    CACHE_URL: str
    WEBSUB_HUB: str
    RANKING_TOPICS_PER_CYCLE: int
    RANKING_RESCORE_LIMIT: int


def load(environ: Mapping[str, str] | None = None) -> Config:
    """Read every option from ``environ`` (default: the process environment).

    Refuses to run outside debug without a real secret key: a default key would let anyone
    forge session cookies and signed links.
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for opt in OPTIONS:
        raw = env.get(f"FLORILEGE_{opt.name}")
        if raw is None and opt.name == "DATABASE_URL":
            raw = env.get("DATABASE_URL")
        if raw is None:
            raw = opt.default
        try:
            values[opt.name] = opt.parse(raw)
        except ValueError as exc:
            raise ConfigError(f"FLORILEGE_{opt.name}: {exc}") from exc
    values["DATA_DIR"] = Path(values["DATA_DIR"]).resolve()
    if not values["SECRET_KEY"]:
        values["SECRET_KEY"] = _secret_from_file(values["SECRET_KEY_FILE"], values["DATA_DIR"])
    if not values["SECRET_KEY"] or values["SECRET_KEY"].startswith(INSECURE_SECRET_PREFIX):
        if not values["DEBUG"]:
            raise ConfigError(
                "FLORILEGE_SECRET_KEY is missing or a default: set a long random value, "
                "or FLORILEGE_DEBUG=1 for local development."
            )
        values["SECRET_KEY"] = f"{INSECURE_SECRET_PREFIX}-only-for-debug"
    if len(values["SECRET_KEY"]) < 32 and not values["DEBUG"]:
        raise ConfigError("FLORILEGE_SECRET_KEY must be at least 32 characters.")
    values["BASE_URL"] = values["BASE_URL"].rstrip("/")
    return Config(**values)


def _secret_from_file(path: str, data_dir: Path) -> str:
    candidate = Path(path) if path else data_dir / "secret_key"
    try:
        return candidate.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        if path:
            raise ConfigError(f"FLORILEGE_SECRET_KEY_FILE: no such file: {path}") from None
        return ""
