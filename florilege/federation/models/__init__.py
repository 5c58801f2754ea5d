from florilege.federation.models.actor import LocalActor, RemoteActor
from florilege.federation.models.delivery import Delivery, Instance, OutboxActivity
from florilege.federation.models.follow import Block, FollowedPost, Follower, RemoteFollow
from florilege.federation.models.inbox import InboxItem, Reaction, ReplyAuthor

__all__ = [
    "Block",
    "Delivery",
    "FollowedPost",
    "Follower",
    "InboxItem",
    "Instance",
    "LocalActor",
    "OutboxActivity",
    "Reaction",
    "RemoteActor",
    "RemoteFollow",
    "ReplyAuthor",
]
