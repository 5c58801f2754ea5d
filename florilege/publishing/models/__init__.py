from florilege.publishing.models.comment import Comment
from florilege.publishing.models.follow import DigestRun, DigestSchedule, DigestSend, Subscriber
from florilege.publishing.models.hub_ping import HubPing
from florilege.publishing.models.reaction import CommentReport, Reaction

__all__ = [
    "Comment",
    "CommentReport",
    "DigestRun",
    "DigestSchedule",
    "DigestSend",
    "HubPing",
    "Reaction",
    "Subscriber",
]
