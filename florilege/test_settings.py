"""Settings for the test suite: a fixed secret, loopback fetches allowed, a temporary data dir."""

import os
import tempfile

# Long enough, with enough different characters, for the strength check outside debug.
os.environ.setdefault(
    "FLORILEGE_SECRET_KEY", "test-secret-key-that-is-long-enough-for-the-strength-checks"
)
os.environ.setdefault("FLORILEGE_ALLOW_NETWORKS", "127.0.0.0/8")
os.environ.setdefault("FLORILEGE_DATA_DIR", tempfile.mkdtemp(prefix="florilege-test-"))
os.environ.setdefault("FLORILEGE_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

from florilege.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "media": STORAGES["media"],  # noqa: F405
}

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - whitenoise warns when it is missing
