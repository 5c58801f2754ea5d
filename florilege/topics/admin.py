from django.contrib import admin

from florilege.topics.models import Membership, Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "owner", "is_public")
    prepopulated_fields = {"slug": ("title",)}


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("topic", "user", "role", "created_at")
    list_filter = ("role",)
    list_select_related = ("topic", "user")
