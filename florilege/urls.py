from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from florilege.curation.views_accounts import TwoStepLoginView
from florilege.jobs import views as jobs_views

urlpatterns = [
    path("login/", TwoStepLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("status/", jobs_views.status, name="status"),
    path("curate/", include("florilege.curation.urls")),
    path("", include("florilege.curation.urls_accounts")),
    path("demo/", include("florilege.demo.urls")),
    path("websub/", include("florilege.sources.urls")),
    # Share target (/scoop?url=) and readers' suggestions: before the public pages.
    path("", include("florilege.curation.urls_flow")),
    path("", include("florilege.federation.urls")),
    path("", include("florilege.publishing.urls")),
]
