"""Django settings, derived entirely from :mod:`florilege.config`."""

from __future__ import annotations

from importlib.util import find_spec as _find_spec
from typing import Any

import dj_database_url

from florilege import config as _config

CONFIG = _config.load()

BASE_DIR = _config.Path(__file__).resolve().parent
DATA_DIR = CONFIG.DATA_DIR
# It holds the database, the secret key and whatever else is ours alone: private from the
# start, whichever command (migrate, serve, worker) runs first.
_config.private_folder(DATA_DIR)
DEBUG = CONFIG.DEBUG
SECRET_KEY = CONFIG.SECRET_KEY
# Former keys while rotating: they still check signatures and open encrypted secrets.
SECRET_KEY_FALLBACKS = list(CONFIG.SECRET_KEY_FALLBACKS)
ALLOWED_HOSTS = list(CONFIG.ALLOWED_HOSTS)
if DEBUG:
    ALLOWED_HOSTS += ["testserver"]
BASE_URL = CONFIG.BASE_URL
CSRF_TRUSTED_ORIGINS = [BASE_URL]

INSTALLED_APPS = [
    # Before the admin: its registration/ templates (password reset) would hide ours.
    "florilege.accounts",
    # Django's admin, open to superusers only (florilege/admin_site.py).
    "florilege.admin_site.FlorilegeAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "florilege.jobs",
    "florilege.topics",
    "florilege.media",
    "florilege.sources",
    "florilege.suggestions",
    "florilege.curation",
    "florilege.publishing",
    "florilege.analytics",
    "florilege.demo",
    "florilege.federation",
    "florilege.webhooks",
    # Google Reader and Miniflux APIs for reader apps (florilege/readers).
    "florilege.readers",
    # The REST API (/api/v1/); django-ninja's templates and static files (its docs page and
    # script, served from our static files) without importing ninja at set-up.
    "florilege.api",
    "florilege.api.apps.NinjaAssetsConfig",
    "django_tasks",
    # Always installed, whatever the backend: its table keeps the jobs' history, and the
    # schema does not change with a setting.
    "django_tasks_db",
]
if CONFIG.TASKS_BACKEND == "rq":
    if _find_spec("django_tasks_rq") is None:
        raise _config.ConfigError(
            "FLORILEGE_TASKS_BACKEND=rq needs the redis extra: pip install 'florilege[redis]'"
        )
    INSTALLED_APPS += ["django_tasks_rq", "django_rq"]

MIDDLEWARE = [
    # Outermost: every response gets its own id (never stored with a cached page), and every
    # log line of the request, a traceback included, carries it.
    "florilege.lib.requestid.RequestIdMiddleware",
    # A cached page for an anonymous reader skips every middleware below (the stored
    # response already carries the security headers they added the first time).
    "florilege.publishing.cache.PageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy (hashes of the page's own inline styles) and HSTS.
    "florilege.lib.csp.SecurityHeadersMiddleware",
    # /api/ only: every error as a problem document, ETags on GETs (inside the security
    # headers, so the answers it makes carry them too).
    "florilege.api.problems.ApiMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # After the language is chosen, so its 400 page is in the visitor's language.
    "florilege.lib.input_guard.BadInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A topic's or scoop's page address asked for as ActivityPub answers its JSON document
    # (a fediverse server resolving a pasted address); see federation/negotiation.py.
    "florilege.federation.negotiation.ActivityNegotiationMiddleware",
]

ROOT_URLCONF = "florilege.urls"
WSGI_APPLICATION = "florilege.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
            # {% inline_style %}: a <style> block the Content-Security-Policy allows by hash.
            "libraries": {"csp": "florilege.lib.csp_tags"},
        },
    },
]


def _database() -> dict[str, Any]:
    if CONFIG.DATABASE_URL:
        # Connections are kept a minute; the health check (a ``SELECT 1`` at each request's
        # first query) replaces one the server dropped (a restart, a terminated backend)
        # instead of answering that request with an error.
        database = dict(
            dj_database_url.parse(CONFIG.DATABASE_URL, conn_max_age=60, conn_health_checks=True)
        )
        if CONFIG.DB_POOLED:
            # Behind a transaction pooler a server-side cursor (``.iterator()``) would be
            # declared in one server session and fetched from in another.
            database["DISABLE_SERVER_SIDE_CURSORS"] = True
        return database
    # The file is made 0600 before SQLite opens it: SQLite would use the umask (0644).
    name = DATA_DIR / "florilege.sqlite3"
    _config.private_file(name)
    for companion in ("-wal", "-shm"):  # left by a version that made them 0644
        _config.private_file(DATA_DIR / f"florilege.sqlite3{companion}", create=False)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": name,
        # WAL lets the web server read while the worker writes; IMMEDIATE avoids the
        # "database is locked" upgrade deadlock between two writers.
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


DATABASES = {"default": _database()}


def _cache(url: str) -> dict:
    if url.startswith("redis://") or url.startswith("rediss://"):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if url.startswith("db://"):
        return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cache"}
    # Local memory: each process keeps its own pages; versions in the database keep them true.
    return {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "florilege-pages",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    }


CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": _cache(CONFIG.CACHE_URL),
}
WEBSUB_HUB = CONFIG.WEBSUB_HUB
API_RATE_LIMIT = CONFIG.API_RATE_LIMIT


def tasks_backend(kind: str) -> dict:
    """The one task backend, ``default``, named by FLORILEGE_TASKS_BACKEND."""
    if kind == "rq":
        return {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}
    if kind == "immediate":
        return {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    return {"BACKEND": "django_tasks_db.DatabaseBackend"}


TASKS = {"default": tasks_backend(CONFIG.TASKS_BACKEND)}
# Read only by the rq backend and `manage.py rqworker`; the worker must build its jobs with
# the backend's class, which runs the task function.
RQ_QUEUES = {"default": {"URL": CONFIG.REDIS_URL}}
RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "curation:dashboard"
LOGOUT_REDIRECT_URL = "publishing:home"

LANGUAGE_CODE = "en"
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGES = [("en", "English"), ("fr", "Français")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# Pictures (uploads and the thumbnails made of every scoop's picture) live in the "media"
# storage: the data folder, or an S3-compatible bucket (lib/media.py, florilege/media/).
# Served from /media/ by the app itself unless the bucket has a public address.
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "florilege.lib.staticfiles.StaticStorage"},
    "media": _config.media_storage(CONFIG),
}

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = CONFIG.EMAIL_HOST
EMAIL_PORT = CONFIG.EMAIL_PORT
EMAIL_HOST_USER = CONFIG.EMAIL_HOST_USER
EMAIL_HOST_PASSWORD = CONFIG.EMAIL_HOST_PASSWORD
EMAIL_USE_TLS = CONFIG.EMAIL_USE_TLS
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = CONFIG.EMAIL_FROM

# Cookies: never readable by script (no script of ours reads them: forms carry their CSRF
# token), sent on top-level navigation from other sites only, and only over TLS when the
# public address is https. The messages cookie follows the session cookie's settings.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = BASE_URL.startswith("https://")
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Every page but the embeds (lib/csp.py: frameable_anywhere); the Content-Security-Policy
# says the same with frame-ancestors.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "florilege.lib.requestid.RequestIdFilter"}},
    "formatters": {
        "kv": {
            "format": "%(asctime)s level=%(levelname)s logger=%(name)s "
            "request_id=%(request_id)s %(message)s"
        }
    },
    # On stderr (StreamHandler's default), one line per record and its traceback.
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "kv",
            "filters": ["request_id"],
        }
    },
    "loggers": {
        "florilege": {"handlers": ["console"], "level": CONFIG.LOG_LEVEL},
        # A failed job is logged there with its traceback (and kept on its result).
        "django_tasks": {"handlers": ["console"], "level": CONFIG.LOG_LEVEL},
        # A view that raised: Django logs the traceback here before answering 500. ERROR
        # leaves out its warnings for every 404 and 403.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        # The servers' own lines: runserver's requests, granian's start-up and errors.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "granian": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
