from florilege.publishing.models.comment import Comment

__all__ = ["Comment"]
