"""Where ``/tags/<word>`` leads: our hashtag links, and the links servers rewrite to it.

Tags belong to a topic's scoops, so a hashtag alone does not name one page. When the
recent scoops of exactly one public topic carry a tag spelt as that hashtag (compared the
way hashtags are written: words joined, any case), the reader goes to that topic's page of
the tag; otherwise (several topics, or a word only written in insights) to the site's
search for it, which covers titles, insights and tags of every public topic.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.urls import reverse

from florilege.curation.models import Scoop
from florilege.federation.activities import hashtag_name

# How many of the latest visible scoops are looked at: bounds the cost of a link anyone
# can request; an older tag still reaches the search.
SCAN = 2000


def hashtag_target(word: str) -> str:
    """The local path a hashtag ``word`` redirects to."""
    wanted = hashtag_name(word).casefold()
    topics: dict[str, str] = {}
    if wanted:
        rows = Scoop.objects.visible().order_by("-published_at").values_list("topic__slug", "tags")
        for slug, tags in rows[:SCAN]:
            for tag in tags if isinstance(tags, list) else []:
                if isinstance(tag, str) and hashtag_name(tag).casefold() == wanted:
                    topics.setdefault(slug, tag)
    if len(topics) == 1:
        slug, tag = next(iter(topics.items()))
        return reverse("publishing:topic", args=[slug]) + f"tag/{quote(tag, safe='')}/"
    query = next(iter(topics.values()), word)
    return reverse("publishing:search") + "?" + urlencode({"q": query})
