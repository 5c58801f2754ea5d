from django.contrib import admin

from florilege.curation.models import AuditEvent, Scoop


@admin.register(Scoop)
class ScoopAdmin(admin.ModelAdmin):
    list_display = ("title", "topic", "curator", "status", "published_at")
    list_select_related = ("topic", "curator")


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
