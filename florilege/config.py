"""The one typed settings object, read from ``FLORILEGE_*`` environment variables.

Every option lives in ``OPTIONS`` with its type, default and documentation, so the README
table and the code cannot drift apart (a test checks that every option is documented).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Anything starting with this is treated as "no secret was set".
INSECURE_SECRET_PREFIX = "insecure-dev-key"
# Django's own deployment check (security.W009) wants at least 50 characters, 5 of them
# different: a key like "aaaa..." or "abababab..." is guessable however long it is.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_DISTINCT = 5


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
        "Secret for sessions, signed links and the key encrypting the secrets stored in the "
        "database: at least 50 characters, many of them different. Required unless "
        "FLORILEGE_DEBUG=1.",
    ),
    Option(
        "SECRET_KEY_FILE",
        str,
        "",
        "File to read the secret key from when FLORILEGE_SECRET_KEY is unset; empty means "
        "`<data folder>/secret_key` if it exists (`make run` creates it).",
    ),
    Option(
        "SECRET_KEY_FALLBACKS",
        _list,
        "",
        "Comma-separated former secret keys, kept while rotating: sessions and links they "
        "signed stay valid and secrets encrypted with them can still be read until "
        "`manage.py rotate_secrets` re-encrypts them ([operations.md](operations.md)).",
    ),
    Option(
        "DATA_DIR",
        Path,
        "./var",
        "Folder holding the SQLite database and uploads; created private to the service user "
        "(0700, the database file 0600).",
    ),
    Option(
        "DATABASE_URL",
        str,
        "",
        "Database URL (also read from DATABASE_URL); empty means SQLite in the data folder.",
    ),
    Option(
        "DB_POOLED",
        _bool,
        "0",
        "The database URL points at a connection pooler in transaction mode (PgBouncer): "
        "server-side cursors are turned off, since the next statement of a connection may "
        "reach another server session ([operations.md](operations.md)).",
    ),
    Option("BASE_URL", str, "http://127.0.0.1:8000", "Public address of this instance."),
    Option("ALLOWED_HOSTS", _list, "127.0.0.1,localhost", "Comma-separated host names served."),
    Option(
        "HSTS_SECONDS",
        int,
        "31536000",
        "When the base URL is https: how long browsers must come back over https only "
        "(Strict-Transport-Security); 0 sends no such header.",
    ),
    Option("HOST", str, "127.0.0.1", "Address `manage.py serve` binds to."),
    Option("PORT", int, "8000", "Port `manage.py serve` listens on."),
    Option(
        "TLS_CERT",
        str,
        "",
        "Certificate chain (PEM) for `manage.py serve` to answer HTTPS itself, without a "
        "reverse proxy; needs FLORILEGE_TLS_KEY too.",
    ),
    Option("TLS_KEY", str, "", "Private key (PEM, PKCS#8) of FLORILEGE_TLS_CERT."),
    Option(
        "ALLOW_NETWORKS",
        _networks,
        "",
        "Comma-separated private ranges that fetches may reach (e.g. 127.0.0.0/8 for the demo). "
        "Loopback, private, link-local and metadata addresses are refused otherwise.",
    ),
    Option(
        "CA_BUNDLE",
        str,
        "",
        "File of extra certificate authorities (PEM) that every outgoing request trusts "
        "besides the usual ones (feeds, federation, deliveries): a private authority. When "
        "unset, `SSL_CERT_FILE` is used if the environment sets it.",
    ),
    Option("FETCH_TIMEOUT", float, "20", "Seconds allowed for one fetch, connection to last byte."),
    Option(
        "FETCH_MAX_BYTES", int, "10485760", "Largest response body accepted, after decompression."
    ),
    Option("FETCH_MAX_REDIRECTS", int, "5", "Redirects followed before a fetch fails."),
    Option(
        "FETCH_MAX_ITEMS",
        int,
        "500",
        "Items kept from one read of a feed: the newest by date (undated ones after them, in "
        "feed order); the source notes how many were left out.",
    ),
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
        "WORKER_STAGE_SECONDS",
        float,
        "10",
        "Time after which a stage working through a backlog stops starting new batches in a "
        "worker's cycle and lets the worker's other stages run (it goes on next cycle).",
    ),
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
        "entry (the one the proxy added) when counting views and throttling logins.",
    ),
    Option(
        "LOGIN_ACCOUNT_FAILURES",
        int,
        "10",
        "Wrong passwords for one account, from anywhere, before it is locked.",
    ),
    Option(
        "LOGIN_ADDRESS_FAILURES",
        int,
        "30",
        "Failed logins from one address, whatever the accounts, before the address is locked.",
    ),
    Option(
        "LOGIN_CODE_FAILURES",
        int,
        "5",
        "Wrong two-factor codes for one account before its code step is locked.",
    ),
    Option(
        "LOGIN_LOCK_MINUTES",
        int,
        "15",
        "How long the first lock lasts; each further lock without a successful login in "
        "between lasts twice as long, up to a day.",
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
    Option(
        "FEDERATION_KEY_FETCHES_PER_HOST",
        int,
        "2",
        "Signing keys the inbox stage fetches from one instance at the same time.",
    ),
    Option("LOG_LEVEL", str, "INFO", "Log level for the florilege loggers."),
    Option(
        "READER_SUGGESTIONS_PER_HOUR",
        int,
        "5",
        "Pages one address (hashed, never stored) may suggest to topics per hour.",
    ),
    # Readers' engagement: email, comments, reactions.
    Option(
        "EMAIL_HOST",
        str,
        "",
        "SMTP server for every email (confirmations, digests, invitations, password resets, "
        "sign-ups); `localhost` for a mail server on the same machine. Empty: mail is not "
        "configured, and emails wait in the outbox (`/status/outbox/`) instead of being sent.",
    ),
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
        "SIGNUP",
        _one_of("open", "closed"),
        "closed",
        "`open` lets anyone create an account at `/signup/` (confirmed by email, limited per "
        "address) and then their own topics; `closed`: accounts come from invitations and "
        "`manage.py createsuperuser` only, and the sign-up page answers 404.",
    ),
    Option(
        "SIGNUPS_PER_HOUR",
        int,
        "5",
        "Sign-up requests one address (hashed, never stored) may send in an hour when "
        "FLORILEGE_SIGNUP=open.",
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
        "READER_API_REQUESTS_PER_MINUTE",
        int,
        "600",
        "Requests one reader-app password may make to the Google Reader and Miniflux APIs "
        "in a minute; more are answered 429 with Retry-After.",
    ),
    Option(
        "READER_API_FAILED_LOGINS_PER_MINUTE",
        int,
        "20",
        "Failed reader-app logins one address may make in a minute before its requests are "
        "answered 429 with Retry-After.",
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
    Option(
        "API_RATE_LIMIT",
        int,
        "600",
        "Requests a personal access token may make per minute on the REST API; past it, 429.",
    ),
    Option("INVITATION_DAYS", int, "7", "Days an invitation link to join a topic stays valid."),
    Option(
        "ANALYTICS_ENABLED",
        _bool,
        "1",
        "Count views of public pages (cookie-less, no address stored); 0 turns counting off.",
    ),
    Option(
        "ANALYTICS_BUFFER_EVENTS",
        int,
        "100",
        "Above 1, views are held by the web process and a thread of it hands all it holds "
        "to the worker (one row, the analytics_views stage) every ANALYTICS_BUFFER_SECONDS "
        "(with 0 seconds, the request that fills a buffer of this many does); 1 writes each "
        "view during its request.",
    ),
    Option(
        "ANALYTICS_BUFFER_SECONDS",
        float,
        "2",
        "How often a web process writes the views it holds (0: no writer thread).",
    ),
    Option(
        "ANALYTICS_RAW_DAYS",
        int,
        "30",
        "Days raw view and click events are kept once rolled up into daily figures "
        "(the daily figures are kept for ever).",
    ),
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
    Option(
        "RETAIN_ENTRIES_DAYS",
        int,
        "0",
        "Entries older than this many days that no topic scooped are deleted by the "
        "`retention` stage, with their vectors, their suggestions and stories left empty; "
        "0 keeps everything.",
    ),
    Option(
        "MEDIA_STORAGE",
        _one_of("filesystem", "s3"),
        "filesystem",
        "Where pictures and their thumbnails are stored: `filesystem` (the `media` folder of "
        "the data folder) or `s3`, an S3-compatible object store (FLORILEGE_S3_*; install the "
        "`s3` extra). Several web hosts need `s3` (or one shared folder).",
    ),
    Option("S3_BUCKET", str, "", "Bucket holding the pictures when FLORILEGE_MEDIA_STORAGE=s3."),
    Option(
        "S3_ENDPOINT_URL",
        str,
        "",
        "Address of the S3-compatible service (MinIO, Garage, a cloud's); empty means AWS.",
    ),
    Option("S3_REGION", str, "", "Region of the bucket; empty lets the library choose."),
    Option(
        "S3_ACCESS_KEY_ID",
        str,
        "",
        "Access key for the bucket; empty uses the environment's usual AWS credentials.",
    ),
    Option("S3_SECRET_ACCESS_KEY", str, "", "Secret of FLORILEGE_S3_ACCESS_KEY_ID."),
    Option(
        "S3_PUBLIC_URL",
        str,
        "",
        "Public address of the bucket's files (a CDN or the bucket's web address, ending "
        "with `/`): pages link pictures there and the Content-Security-Policy allows its "
        "host. Empty: pictures are served by Florilège itself under `/media/`.",
    ),
    Option(
        "IMAGE_MAX_BYTES",
        int,
        "8388608",
        "Largest picture fetched or uploaded, in bytes; larger ones are refused.",
    ),
    Option(
        "IMAGE_MAX_PIXELS",
        int,
        "40000000",
        "Most pixels a picture may have (width times height), checked before it is decoded: "
        "a small file announcing a huge picture is refused.",
    ),
    Option(
        "UPLOAD_UNUSED_HOURS",
        int,
        "48",
        "Hours a curator's uploaded picture that no scoop uses (one uploaded for a preview, "
        "then never scooped) is kept before it and its thumbnails are deleted; also the age "
        "past which a file under images/ that nothing names is deleted.",
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
    SECRET_KEY_FALLBACKS: tuple[str, ...]
    DATA_DIR: Path
    DATABASE_URL: str
    DB_POOLED: bool
    BASE_URL: str
    ALLOWED_HOSTS: tuple[str, ...]
    HSTS_SECONDS: int
    HOST: str
    PORT: int
    TLS_CERT: str
    TLS_KEY: str
    ALLOW_NETWORKS: tuple[Network, ...]
    CA_BUNDLE: str
    FETCH_TIMEOUT: float
    FETCH_MAX_BYTES: int
    FETCH_MAX_REDIRECTS: int
    FETCH_MAX_ITEMS: int
    FETCH_PER_HOST: int
    FETCH_MIN_INTERVAL: int
    FETCH_MAX_INTERVAL: int
    WORKER_BATCH: int
    WORKER_IDLE_SECONDS: float
    WORKER_STAGE_SECONDS: float
    WORKER_LEASE_SECONDS: int
    FULL_TEXT_BATCH: int
    TRUST_X_FORWARDED_FOR: bool
    LOGIN_ACCOUNT_FAILURES: int
    LOGIN_ADDRESS_FAILURES: int
    LOGIN_CODE_FAILURES: int
    LOGIN_LOCK_MINUTES: int
    FEDERATION_AUTHORIZED_FETCH: bool
    FEDERATION_DELIVERY_CONCURRENCY: int
    FEDERATION_DELIVERY_BATCH: int
    FEDERATION_DELIVERY_TIMEOUT: float
    FEDERATION_INBOX_MAX_BYTES: int
    FEDERATION_INBOX_RATE: int
    FEDERATION_KEY_FETCHES_PER_HOST: int
    LOG_LEVEL: str
    READER_SUGGESTIONS_PER_HOUR: int
    EMAIL_HOST: str
    EMAIL_PORT: int
    EMAIL_HOST_USER: str
    EMAIL_HOST_PASSWORD: str
    EMAIL_USE_TLS: bool
    EMAIL_FROM: str
    SIGNUP: str
    SIGNUPS_PER_HOUR: int
    TASKS_BACKEND: str
    REDIS_URL: str
    COMMENTS_PER_HOUR: int
    READER_API_REQUESTS_PER_MINUTE: int
    READER_API_FAILED_LOGINS_PER_MINUTE: int
    SUBSCRIBES_PER_HOUR: int
    READER_REACTIONS_PER_HOUR: int
    COMMENT_REPORTS_TO_HIDE: int
    API_RATE_LIMIT: int
    INVITATION_DAYS: int
    ANALYTICS_ENABLED: bool
    ANALYTICS_BUFFER_EVENTS: int
    ANALYTICS_BUFFER_SECONDS: float
    ANALYTICS_RAW_DAYS: int
    PAGE_CACHE_SECONDS: int
    CACHE_URL: str
    WEBSUB_HUB: str
    RANKING_TOPICS_PER_CYCLE: int
    RANKING_RESCORE_LIMIT: int
    RETAIN_ENTRIES_DAYS: int
    MEDIA_STORAGE: str
    S3_BUCKET: str
    S3_ENDPOINT_URL: str
    S3_REGION: str
    S3_ACCESS_KEY_ID: str
    S3_SECRET_ACCESS_KEY: str
    S3_PUBLIC_URL: str
    IMAGE_MAX_BYTES: int
    IMAGE_MAX_PIXELS: int
    UPLOAD_UNUSED_HOURS: int


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
    weakness = secret_key_weakness(values["SECRET_KEY"])
    if weakness and not values["DEBUG"]:
        raise ConfigError(
            f"FLORILEGE_SECRET_KEY is too weak: {weakness}. Make a new one with "
            '`python -c "import secrets; print(secrets.token_urlsafe(50))"`.'
        )
    if values["FETCH_MAX_ITEMS"] < 1:
        raise ConfigError("FLORILEGE_FETCH_MAX_ITEMS must be at least 1.")
    values["BASE_URL"] = values["BASE_URL"].rstrip("/")
    # The variable OpenSSL-based tools read: honoured, since an operator who set it for
    # the machine expects every client on it to trust that authority.
    if values["CA_BUNDLE"] and not Path(values["CA_BUNDLE"]).is_file():
        raise ConfigError(f"FLORILEGE_CA_BUNDLE: no such file: {values['CA_BUNDLE']}")
    system_bundle = env.get("SSL_CERT_FILE", "")
    if not values["CA_BUNDLE"] and system_bundle and Path(system_bundle).is_file():
        values["CA_BUNDLE"] = system_bundle
    if bool(values["TLS_CERT"]) != bool(values["TLS_KEY"]):
        raise ConfigError("FLORILEGE_TLS_CERT and FLORILEGE_TLS_KEY go together: set both.")
    if values["MEDIA_STORAGE"] == "s3" and not values["S3_BUCKET"]:
        raise ConfigError("FLORILEGE_MEDIA_STORAGE=s3 needs FLORILEGE_S3_BUCKET.")
    public = values["S3_PUBLIC_URL"]
    if public and not (public.startswith(("https://", "http://")) and public.endswith("/")):
        raise ConfigError("FLORILEGE_S3_PUBLIC_URL must be an http(s) address ending with /.")
    return Config(**values)


def secret_key_weakness(key: str) -> str:
    """Why ``key`` is too weak to sign sessions and derive the encryption key ("" if it is
    not): too short, too few different characters, or one short pattern repeated."""
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"{len(key)} characters, at least {SECRET_KEY_MIN_LENGTH} needed"
    if len(set(key)) < SECRET_KEY_MIN_DISTINCT:
        return (
            f"only {len(set(key))} different characters, at least {SECRET_KEY_MIN_DISTINCT} needed"
        )
    # A string found inside itself doubled (ends trimmed) is a repeated pattern: "abcde" * 10.
    if key in (key + key)[1:-1]:
        return "a short pattern repeated"
    return ""


def _secret_from_file(path: str, data_dir: Path) -> str:
    candidate = Path(path) if path else data_dir / "secret_key"
    try:
        return candidate.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        if path:
            raise ConfigError(f"FLORILEGE_SECRET_KEY_FILE: no such file: {path}") from None
        return ""


def private_folder(path: Path) -> None:
    """Create ``path`` readable by the service user alone (0700) if it is missing. An
    existing folder is left as it is: its owner may have opened it on purpose (a web
    server reading the static files)."""
    if path.is_dir():
        return
    path.mkdir(parents=True, mode=0o700)
    # mkdir's mode passes through the umask; say it plainly.
    path.chmod(0o700)


def private_file(path: Path, create: bool = True) -> None:
    """Create ``path`` empty and 0600 if missing (unless ``create`` is false), and take
    group and others' access away if it has some. SQLite gives its -wal and -shm files the
    mode of the database file; an empty file is a valid empty database. Done before the
    first connection, since SQLite would create the file with the umask's mode (0644)."""
    try:
        fd = os.open(path, os.O_WRONLY | (os.O_CREAT if create else 0), 0o600)
    except FileNotFoundError:
        return
    try:
        mode = stat.S_IMODE(os.fstat(fd).st_mode)
        if mode & 0o077:
            # Not ours to change when another user owns it: their choice, not an error.
            with contextlib.suppress(PermissionError):
                os.fchmod(fd, mode & 0o700)
    finally:
        os.close(fd)


# A year: every stored picture is named by its content, so an address never changes meaning.
MEDIA_CACHE_CONTROL = "public, max-age=31536000, immutable"


def media_storage(config: Config) -> dict[str, Any]:
    """The ``STORAGES["media"]`` entry the settings ask for: the data folder's ``media``
    folder, or an S3-compatible bucket through django-storages (its S3 backend, boto3)."""
    if config.MEDIA_STORAGE != "s3":
        # MEDIA_ROOT: the data folder's ``media`` folder (settings.py).
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    options: dict[str, Any] = {
        "bucket_name": config.S3_BUCKET,
        # Files are public pictures named by their hash: plain addresses, never signed ones
        # that would change with every page and defeat the cache.
        "querystring_auth": False,
        # The same name always holds the same bytes: never rename nor check first.
        "file_overwrite": True,
        "object_parameters": {"CacheControl": MEDIA_CACHE_CONTROL},
    }
    optional = {
        "endpoint_url": config.S3_ENDPOINT_URL,
        "region_name": config.S3_REGION,
        "access_key": config.S3_ACCESS_KEY_ID,
        "secret_key": config.S3_SECRET_ACCESS_KEY,
    }
    options.update({key: value for key, value in optional.items() if value})
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
