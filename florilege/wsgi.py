"""WSGI entry point used by the production server."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "florilege.settings")
django_application = get_wsgi_application()

# Cached pages for anonymous readers are answered in front of Django's handler.
from florilege.lib.startup import FreezeAfterWarmUp, freeze_loaded_objects  # noqa: E402
from florilege.publishing.cache import FastPath  # noqa: E402

application = FreezeAfterWarmUp(FastPath(django_application))
freeze_loaded_objects()
