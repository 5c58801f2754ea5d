"""The demo's engagement desk: a little of every kind of feedback, so the desk can be
tried (and photographed) on a fresh install. Written through the same services as real
feedback, so the items, flags and notifications are the ones readers would cause."""

from __future__ import annotations

from datetime import datetime, timedelta

from florilege.curation.models import DeskItem, ReaderSuggestion, Scoop
from florilege.curation.services import desk
from florilege.curation.services.reader import suggestion_feedback
from florilege.federation.models import Reaction
from florilege.federation.services.desk import record_reactions
from florilege.publishing.models import Comment
from florilege.publishing.services import comments
from florilege.topics.models import Topic

SITE_COMMENTS = (
    ("Camille", "Merci pour ce partage, je le fais suivre à mon équipe."),
    ("Sam", "Could you add the source of the chart in the second article?"),
    ("Anonyme", "Article nul, une vraie arnaque. Vous devriez avoir honte."),
)
FEDIVERSE_REPLY = (
    "Léa",
    "https://mastodon.example/@lea",
    "https://mastodon.example/users/lea",
    "Great find! Is there a French version of the report?",
)
MENTION = (
    "Noor",
    "https://social.example/@noor",
    "https://social.example/users/noor",
    "@demo have you seen the new moderation guidelines? Looks misleading to me, wrong numbers.",
)


def load(topic: Topic, user, now: datetime) -> int:
    """Add the demo's feedback once; returns how many desk items there are."""
    if DeskItem.objects.filter(topic=topic).exists():
        return 0
    scoops = list(Scoop.objects.visible().filter(topic=topic).order_by("-published_at")[:3])
    if not scoops:
        return 0
    for n, (name, body) in enumerate(SITE_COMMENTS):
        comments.post_comment(
            scoops[n % len(scoops)], name=name, email="", body=body,
            visitor=f"demo-{n}", now=now - timedelta(hours=5 - n),
        )  # fmt: skip
    _fediverse(topic, scoops[0], now)
    flagged = DeskItem.objects.filter(topic=topic, needs_attention=True).first()
    if flagged is not None:
        desk.assign(user, flagged, user.pk, now)
        desk.add_note(user, flagged, "Probably the same person as last week. Reject?", now)
        # A reader reports the hostile comment too.
        pk = flagged.key.removeprefix("comment:")
        reported = Comment.objects.filter(pk=int(pk)).first() if pk.isdigit() else None
        if reported is not None:
            comments.report(reported, "demo-reporter", now)
    suggestion = ReaderSuggestion.objects.create(
        topic=topic, url="https://news.example/open-standards",
        canonical_url="news.example/open-standards",
        note="A good overview of open standards for your readers", visitor="demo", created_at=now,
    )  # fmt: skip
    desk.record(suggestion_feedback(suggestion), now)
    return DeskItem.objects.filter(topic=topic).count()


def _fediverse(topic: Topic, scoop: Scoop, now: datetime) -> None:
    name, url, actor, text = FEDIVERSE_REPLY
    reply = Comment.objects.create(
        scoop=scoop, origin=Comment.Origin.FEDIVERSE, author_name=name, author_url=url,
        remote_id="https://mastodon.example/users/lea/statuses/1", body=f"<p>{text}</p>",
        body_html=f"<p>{text}</p>", created_at=now - timedelta(hours=2),
    )  # fmt: skip
    desk.record(
        desk.Feedback(**{**comments.desk_feedback(reply).__dict__, "remote_actor": actor}),
        now - timedelta(hours=2),
    )
    for i in range(4):
        kind = Reaction.Kind.LIKE if i < 3 else Reaction.Kind.ANNOUNCE
        Reaction.objects.get_or_create(
            scoop=scoop, kind=kind, actor_uri=f"https://social.example/users/reader{i}"
        )
    record_reactions(scoop, now - timedelta(hours=1))
    name, url, actor, text = MENTION
    desk.record(
        desk.Feedback(
            topic=topic, kind=DeskItem.Kind.MENTION,
            key="mention:https://social.example/users/noor/statuses/9",
            author_name=name, author_url=url, text=text, link="https://social.example/@noor/9",
            channels="fediverse", remote_id="https://social.example/users/noor/statuses/9",
            remote_actor=actor,
        ),
        now - timedelta(minutes=30),
    )  # fmt: skip
