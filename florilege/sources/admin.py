from django.contrib import admin

from florilege.sources.models import Entry, Source


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = (
        "display_name",
        "url",
        "enabled",
        "error_count",
        "last_fetched_at",
        "next_fetch_at",
    )
    search_fields = ("url", "title")


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ("title", "source", "language", "published_at")
    list_select_related = ("source",)
    search_fields = ("title", "url")
