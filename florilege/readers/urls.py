"""Reader-app APIs at the paths their clients expect (FreshRSS's ``/api/greader.php`` and
Miniflux's ``/v1/``), and the account page where app passwords are made."""

from django.urls import path, re_path

from florilege.readers.views import greader, miniflux, settings

app_name = "readers"

G = "api/greader.php/"
R = G + "reader/api/0/"

greader_urlpatterns = [
    path(G + "accounts/ClientLogin", greader.client_login, name="greader_login"),
    path(R + "token", greader.token, name="greader_token"),
    path(R + "user-info", greader.user_info, name="greader_user_info"),
    path(R + "tag/list", greader.tag_list, name="greader_tags"),
    path(R + "subscription/list", greader.subscription_list, name="greader_subscriptions"),
    path(R + "unread-count", greader.unread_count, name="greader_unread_count"),
    path(R + "stream/items/ids", greader.stream_item_ids, name="greader_item_ids"),
    path(R + "stream/items/contents", greader.stream_items_contents, name="greader_contents"),
    path(R + "stream/contents", greader.stream_contents, name="greader_stream_default"),
    re_path(
        r"^api/greader\.php/reader/api/0/stream/contents/(?P<stream>.{1,300})$",
        greader.stream_contents,
        name="greader_stream",
    ),
    path(R + "edit-tag", greader.edit_tag, name="greader_edit_tag"),
    path(R + "mark-all-as-read", greader.mark_all_as_read, name="greader_mark_all"),
    re_path(
        r"^api/greader\.php/reader/atom/(?P<stream>.{1,300})$",
        greader.atom_stream,
        name="greader_atom",
    ),
]

M = "v1/"
mf = miniflux
C = M + "categories/"
miniflux_urlpatterns = [
    path(M + "me", mf.me, name="miniflux_me"),
    path(M + "categories", mf.categories, name="miniflux_categories"),
    path(M + "categories/<int:category_id>/feeds", mf.category_feeds, name="mf_category_feeds"),
    path(C + "<int:category_id>/entries", mf.category_entries, name="mf_category_entries"),
    path(C + "<int:topic_id>/mark-all-as-read", mf.mark_topic_read, name="mf_category_read"),
    path(M + "feeds", mf.feeds, name="miniflux_feeds"),
    path(M + "feeds/counters", mf.counters, name="miniflux_counters"),
    path(M + "feeds/<int:feed_id>", mf.feed, name="miniflux_feed"),
    path(M + "feeds/<int:feed_id>/entries", mf.feed_entries, name="miniflux_feed_entries"),
    path(M + "feeds/<int:topic_id>/mark-all-as-read", mf.mark_topic_read, name="mf_feed_read"),
    path(M + "entries", mf.entries, name="miniflux_entries"),
    path(M + "entries/<int:entry_id>", mf.entry, name="miniflux_entry"),
    path(M + "entries/<int:entry_id>/bookmark", mf.bookmark, name="miniflux_bookmark"),
]

urlpatterns = [
    path("account/reader-apps/", settings.app_passwords, name="app_passwords"),
    *greader_urlpatterns,
    *miniflux_urlpatterns,
]
