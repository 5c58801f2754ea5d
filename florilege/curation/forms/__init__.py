"""Curation forms, one module per concept (topics, sources, scooping, publication,
schedule, rules, rescoop, reader)."""
