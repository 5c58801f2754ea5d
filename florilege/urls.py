from django.contrib import admin
from django.urls import include, path, re_path

from florilege.accounts.urls import team_urlpatterns
from florilege.api import urls as api_urls
from florilege.curation.urls import public_urlpatterns as curation_public
from florilege.curation.views import audience
from florilege.curation.views.notifications import notifications
from florilege.jobs import views as jobs_views
from florilege.lib import media

urlpatterns = [
    path("", include("florilege.accounts.urls")),
    # Reader apps: /api/greader.php/ (Google Reader, FreshRSS dialect) and /v1/ (Miniflux).
    path("", include("florilege.readers.urls", namespace="readers")),
    path("", include("florilege.api.urls")),
    path("admin/", admin.site.urls),
    path("status/", jobs_views.status, name="status"),
    path("status/outbox/", jobs_views.outbox_list, name="outbox"),
    path("status/audience/", audience.site_audience, name="site_audience"),
    path("status/audience.json", audience.site_audience_json, name="site_audience_json"),
    path("status/audience/<slug:table>.csv", audience.site_audience_csv, name="site_audience_csv"),
    path("status/outbox/<int:pk>/", jobs_views.outbox_message, name="outbox_message"),
    path("status/outbox/<int:pk>/resend/", jobs_views.outbox_resend, name="outbox_resend"),
    path("media/<path:media_path>", media.serve, name="media"),
    path("curate/", include("florilege.curation.urls")),
    path("curate/", include((team_urlpatterns, "accounts"))),
    path("curate/", include("florilege.webhooks.urls")),
    path("notifications/", notifications, name="notifications"),
    path("demo/", include("florilege.demo.urls")),
    path("websub/", include("florilege.sources.urls")),
    # Share target (/scoop?url=) and readers' suggestions: before the public pages.
    path("", include((curation_public, "flow"))),
    path("", include("florilege.federation.urls")),
    path("", include("florilege.publishing.urls")),
    # Last: an /api/ address nothing above knows answers a problem document.
    re_path(r"^api/(?P<rest>.*)$", api_urls.unknown),
]

# A 503 with Retry-After when the database cannot be reached, else the 500 page.
handler500 = "florilege.lib.errors.server_error"
