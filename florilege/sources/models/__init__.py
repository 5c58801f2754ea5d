from florilege.sources.models.entry import Entry
from florilege.sources.models.source import Source

__all__ = ["Entry", "Source"]
