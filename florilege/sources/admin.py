"""The admin (superusers only: florilege/admin_site.py) for sources and their entries.

Entries are what the feeds said, sanitised on the way in (``summary`` and ``content`` are
HTML derived from the fetched document): they are shown, never edited. A source's fetch
state belongs to the worker, and its WebSub secret is not shown at all.
"""

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
    exclude = ("websub_secret",)
    readonly_fields = ("etag", "last_modified", "leased_until", "lease_owner")


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ("title", "source", "language", "published_at")
    list_select_related = ("source",)
    search_fields = ("title", "url")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
