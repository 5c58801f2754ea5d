from django.contrib import admin

from florilege.curation.models import Scoop, Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "owner", "is_public")
    prepopulated_fields = {"slug": ("title",)}


@admin.register(Scoop)
class ScoopAdmin(admin.ModelAdmin):
    list_display = ("title", "topic", "curator", "published_at")
    list_select_related = ("topic", "curator")
