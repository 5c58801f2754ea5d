"""The curation app's models, one concept per module; imported here so that Django
registers them with the app and callers import them from ``florilege.curation.models``."""

from florilege.curation.models.audit import AuditEvent
from florilege.curation.models.desk import DeskItem, DeskNote, DeskPreference, DeskReply
from florilege.curation.models.notification import Notification
from florilege.curation.models.reader_suggestion import ReaderSuggestion
from florilege.curation.models.reading import EntryRead, ReadMark
from florilege.curation.models.revision import ScoopRevision
from florilege.curation.models.rules import AutomationRule
from florilege.curation.models.scoop import Scoop, ScoopStatus

__all__ = [
    "AuditEvent",
    "AutomationRule",
    "DeskItem",
    "DeskNote",
    "DeskPreference",
    "DeskReply",
    "EntryRead",
    "Notification",
    "ReadMark",
    "ReaderSuggestion",
    "Scoop",
    "ScoopRevision",
    "ScoopStatus",
]
