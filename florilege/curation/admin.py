"""The admin (superusers only: florilege/admin_site.py) for curation's models.

Derived HTML is never edited by hand: ``insight_html`` is shown read-only and rendered again
from the Markdown ``insight`` on every save, through the same function as the curators'
forms, so the admin cannot put markup on the public pages, feeds, embeds or federation copies
that the renderer would not produce.
"""

from django.contrib import admin

from florilege.curation.models import AuditEvent, Scoop
from florilege.lib.markdown import render_markdown


@admin.register(Scoop)
class ScoopAdmin(admin.ModelAdmin):
    list_display = ("title", "topic", "curator", "status", "published_at")
    list_select_related = ("topic", "curator")
    readonly_fields = ("insight_html",)

    def save_model(self, request, obj: Scoop, form, change: bool) -> None:
        obj.insight_html = render_markdown(obj.insight)
        super().save_model(request, obj, form, change)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the log is written by the services, never edited."""

    list_display = ("at", "topic", "actor_name", "action", "object_repr")
    list_filter = ("action",)
    list_select_related = ("topic",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
