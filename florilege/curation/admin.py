from django.contrib import admin

from florilege.curation.models import AuditEvent, Membership, Scoop, Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "owner", "is_public")
    prepopulated_fields = {"slug": ("title",)}


@admin.register(Scoop)
class ScoopAdmin(admin.ModelAdmin):
    list_display = ("title", "topic", "curator", "status", "published_at")
    list_select_related = ("topic", "curator")


# --- teams ---
@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("topic", "user", "role", "created_at")
    list_filter = ("role",)
    list_select_related = ("topic", "user")


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
