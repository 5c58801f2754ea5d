"""Account URLs at the site's root (Django's password-reset views look them up by these
un-namespaced names)."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from florilege.curation import views_accounts, views_team
from florilege.curation.services.password_reset import QueuedPasswordResetForm

urlpatterns = [
    path("login/code/", views_accounts.login_code, name="login_code"),
    path(
        "password/reset/",
        # The form queues the email; the task names its templates.
        auth_views.PasswordResetView.as_view(form_class=QueuedPasswordResetForm),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("invite/<str:token>/", views_accounts.invitation, name="invitation"),
    path("account/two-factor/", views_accounts.two_factor_settings, name="two_factor"),
    path("notifications/", views_team.notifications, name="notifications"),
]
