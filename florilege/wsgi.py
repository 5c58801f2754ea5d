"""WSGI entry point used by the production server."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "florilege.settings")
django_application = get_wsgi_application()

# Cached pages for anonymous readers are answered in front of Django's handler.
from florilege.lib.serving import FreezeAfterWarmUp, ready_to_serve  # noqa: E402
from florilege.publishing.cache import FastPath  # noqa: E402

application = FreezeAfterWarmUp(FastPath(django_application))

# The views are loaded and the start-up objects frozen before the first request, so the cycle
# collector's full collections no longer walk them in the middle of one; the first pages'
# objects (templates, translations) are frozen after the warm-up (florilege.lib.serving).
ready_to_serve()
