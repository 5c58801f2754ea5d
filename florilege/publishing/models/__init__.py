from florilege.publishing.models.comment import Comment
from florilege.publishing.models.hub_ping import HubPing

__all__ = ["Comment", "HubPing"]
