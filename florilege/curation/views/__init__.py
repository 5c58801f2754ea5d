"""Curator-side pages, one module per concept (topics, queue, scooping, scoops, sources,
rules, reader suggestions, rescoop, schedule, audit, notifications, ranking). Thin: forms
validate, services decide and check roles, templates show."""
