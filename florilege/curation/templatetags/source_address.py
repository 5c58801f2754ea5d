"""``{{ source|source_host }}`` (the feed's host) and ``{{ source|source_choice }}``
("Name — host", for a select's options): see ``curation/source_labels.py``."""

from __future__ import annotations

from django import template

from florilege.curation.source_labels import source_choice, source_host

register = template.Library()
register.filter("source_host", source_host)
register.filter("source_choice", source_choice)
