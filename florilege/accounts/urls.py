"""Account URLs at the site's root (Django's login and password-reset views look them up
by these un-namespaced names), and the team page of a topic under /curate/ (its own
namespace, ``accounts``: see ``florilege/urls.py``)."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from florilege.accounts.services.password_reset import QueuedPasswordResetForm
from florilege.accounts.views import invitations, login, signup, team, two_factor

urlpatterns = [
    path("login/", login.TwoStepLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("login/code/", login.login_code, name="login_code"),
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
        login.UnlockingPasswordResetConfirmView.as_view(
            success_url=reverse_lazy("password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("invite/<str:token>/", invitations.invitation, name="invitation"),
    path("account/two-factor/", two_factor.two_factor_settings, name="two_factor"),
    # 404 unless FLORILEGE_SIGNUP=open.
    path("signup/", signup.signup, name="signup"),
    path("signup/confirm/<str:token>/", signup.signup_confirm, name="signup_confirm"),
]

team_urlpatterns = [
    path("t/<slug:slug>/team/", team.members, name="members"),
    path(
        "t/<slug:slug>/team/<int:user_id>/<slug:action>/",
        team.member_action,
        name="member_action",
    ),
]
