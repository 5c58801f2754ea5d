from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("curate/", include("florilege.curation.urls")),
    path("demo/", include("florilege.demo.urls")),
    path("websub/", include("florilege.sources.urls")),
    path("", include("florilege.federation.urls")),
    path("", include("florilege.publishing.urls")),
]
