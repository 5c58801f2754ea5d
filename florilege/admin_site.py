"""Django's admin, for site administrators only.

Who may do what in Florilège comes from the topics' permission matrix
(``florilege.topics.permissions``), never from Django's model permissions or groups: a staff
account given "change scoop" in Django's terms must not gain a way around the curators'
workflow. The admin is a repair tool for superusers (``is_site_admin``); staff accounts
without it see its login page and nothing else. What the admin may change there is reviewed
model by model in each app's ``admin.py`` (derived HTML is never editable).
"""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class SiteAdministratorsAdminSite(AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        # Imported here: this module is read while the apps load, before models may be.
        from florilege.topics.permissions import is_site_admin

        return is_site_admin(request.user)


class FlorilegeAdminConfig(AdminConfig):
    default_site = "florilege.admin_site.SiteAdministratorsAdminSite"
