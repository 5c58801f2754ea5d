"""Automation rules: saving them (checked), previewing them, and running them on new
suggestions in the suggestion stage. The matching itself is ``curation/automation.py``."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from florilege.curation import automation
from florilege.curation.automation import Item, RuleError, RuleSpec
from florilege.curation.models import AutomationRule, Scoop
from florilege.curation.services import scooping
from florilege.jobs import leases
from florilege.lib.html import html_to_text
from florilege.sources.models import Entry
from florilege.suggestions.models import Suggestion
from florilege.suggestions.scoring import baseline_score
from florilege.topics.models import Topic, TopicSource
from florilege.topics.services import require_curator

log = logging.getLogger("florilege.rules")
PREVIEW_DAYS = 7
# Entries a preview reads at most (newest first), and matches it lists.
PREVIEW_ENTRIES = 2000
PREVIEW_SHOWN = 30


def spec_of(rule: AutomationRule) -> RuleSpec:
    return RuleSpec(
        id=rule.pk,
        name=rule.name,
        action=rule.action,
        source_ids=frozenset(int(i) for i in rule.source_ids),
        keywords=tuple(rule.keywords),
        regex=rule.regex,
        languages=tuple(rule.languages),
        min_score=rule.min_score,
        tag=rule.tag,
    )


def item_of(entry: Entry, score: float) -> Item:
    text = html_to_text(entry.summary or entry.content, max_length=automation.TEXT_CHARS)
    return Item(entry.source_id, entry.title, text, entry.language, score)


def check_rule(topic: Topic, spec: RuleSpec, insight_template: str) -> str:
    """Raise ValidationError for a rule that must not be saved or previewed; returns the
    cleaned insight template."""
    try:
        automation.validate(spec)
    except RuleError as exc:
        message = _(exc.template)
        raise ValidationError(message % exc.params if exc.params else message) from exc
    followed = set(TopicSource.objects.filter(topic=topic).values_list("source_id", flat=True))
    if not spec.source_ids <= followed:
        raise ValidationError(_("A rule can only name sources this topic follows."))
    if spec.action == automation.SCOOP:
        try:
            return scooping.clean_insight(insight_template)
        except ValidationError as exc:
            raise ValidationError(
                _("An auto-scoop rule needs the insight its scoops are published with: %s")
                % " ".join(exc.messages)
            ) from exc
    return (insight_template or "").strip()


def save_rule(
    topic: Topic,
    user,
    spec: RuleSpec,
    insight_template: str,
    now: datetime,
    rule: AutomationRule | None = None,
    enabled: bool = True,
) -> AutomationRule:
    """Create (or update ``rule``); nothing is written unless every check passes."""
    require_curator(user, topic)
    if rule is not None and rule.topic_id != topic.pk:
        raise PermissionDenied(_("This rule belongs to another topic."))
    template = check_rule(topic, spec, insight_template)
    if rule is None:
        last = topic.automation_rules.order_by("-position").values_list("position", flat=True)
        rule = AutomationRule(
            topic=topic, created_by=user, created_at=now, position=(last.first() or 0) + 1
        )
    rule.name = spec.name.strip()[:100]
    rule.action = spec.action
    rule.source_ids = sorted(spec.source_ids)
    rule.keywords = list(spec.keywords)
    rule.regex = spec.regex
    rule.languages = list(spec.languages)
    rule.min_score = spec.min_score
    rule.tag = spec.tag.strip()[:50]
    rule.insight_template = template
    rule.enabled = enabled
    rule.updated_at = now
    rule.save()
    return rule


def delete_rule(topic: Topic, user, rule_id: int) -> None:
    require_curator(user, topic)
    AutomationRule.objects.filter(topic=topic, pk=rule_id).delete()


@dataclass
class PreviewMatch:
    entry: Entry
    action: str | None
    tags: list[str]


@dataclass
class Preview:
    examined: int = 0
    scooped: int = 0
    discarded: int = 0
    tagged: int = 0
    days: int = PREVIEW_DAYS
    shown: list[PreviewMatch] = field(default_factory=list)

    @property
    def matched(self) -> int:
        return self.scooped + self.discarded + self.tagged


def preview(topic: Topic, user, spec: RuleSpec, insight_template: str, now: datetime) -> Preview:
    """What ``spec`` would have done to the entries of the last 7 days; saves nothing."""
    require_curator(user, topic)
    check_rule(topic, spec, insight_template)
    entries = list(
        Entry.objects.filter(
            source__in=TopicSource.objects.filter(topic=topic).values("source_id"),
            fetched_at__gte=now - timedelta(days=PREVIEW_DAYS),
        ).order_by("-fetched_at", "-id")[:PREVIEW_ENTRIES]
    )
    relevance = {
        entry_id: (reasons or {}).get("relevance")
        for entry_id, reasons in Suggestion.objects.filter(
            topic=topic, entry__in=[e.pk for e in entries]
        ).values_list("entry_id", "reasons")
    }
    result = Preview(examined=len(entries))
    for entry in entries:
        score = relevance.get(entry.pk)
        if score is None:  # never suggested (another language, a duplicate): score it now
            text = html_to_text(entry.summary or entry.content, max_length=1000)
            score = baseline_score(
                entry.title, text, topic.keywords, entry.published_at, now
            ).relevance
        decision = automation.decide([spec], item_of(entry, float(score)))
        if not decision.matched:
            continue
        if decision.action == automation.SCOOP:
            result.scooped += 1
        elif decision.action == automation.DISCARD:
            result.discarded += 1
        else:
            result.tagged += 1
        if len(result.shown) < PREVIEW_SHOWN:
            result.shown.append(PreviewMatch(entry, decision.action, decision.tags))
    return result


# --- The suggestion stage -----------------------------------------------------------------


@dataclass
class RuleOutcome:
    """Auto-scoops decided for one batch; published once the suggestions are stored."""

    rules: dict[int, AutomationRule] = field(default_factory=dict)
    to_scoop: list[tuple[int, int]] = field(default_factory=list)  # (entry id, rule id)


def apply_rules(topic: Topic, rows: list[Suggestion], now: datetime) -> RuleOutcome:
    """Run the topic's enabled rules on new, unsaved suggestions: tag them (reasons.tags),
    discard them, or mark them for auto-scoop. One query per topic and batch."""
    outcome = RuleOutcome()
    if not rows:
        return outcome
    rules = list(
        AutomationRule.objects.filter(topic=topic, enabled=True).select_related("created_by")
    )
    if not rules:
        return outcome
    outcome.rules = {r.pk: r for r in rules}
    specs = [spec_of(r) for r in rules]
    for row in rows:
        item = item_of(row.entry, float(row.reasons.get("relevance", 0.0)))
        try:
            decision = automation.decide(specs, item)
        except RuleError:
            # A rule saved before a stricter check: skip the rules, keep the suggestion.
            log.warning("topic=%s event=rule_unusable", topic.pk, exc_info=True)
            continue
        if decision.tags:
            row.reasons["tags"] = decision.tags
        if decision.rule is None:
            continue
        row.reasons["rule"] = {
            "id": decision.rule.id,
            "name": decision.rule.name,
            "action": decision.action,
        }
        if decision.action == automation.DISCARD:
            row.status, row.decided_at = Suggestion.Status.DISCARDED, now
        elif decision.rule.id is not None:  # always: these rules were read from the database
            outcome.to_scoop.append((row.entry.pk, decision.rule.id))
    return outcome


def publish_auto_scoops(topic: Topic, outcome: RuleOutcome, now: datetime) -> int:
    """Publish the suggestions an auto-scoop rule took, with the rule's insight, in the name
    of the rule's author, recording the rule on the scoop. Idempotent: a page already
    scooped in the topic is left alone. A failure leaves the suggestion in the queue."""
    if not outcome.to_scoop:
        return 0
    rule_of = dict(outcome.to_scoop)
    pending = Suggestion.objects.filter(
        topic=topic, entry_id__in=list(rule_of), status=Suggestion.Status.PENDING
    ).select_related("entry", "entry__source", "topic")
    published = 0
    for suggestion in pending:
        rule = outcome.rules[rule_of[suggestion.entry_id]]
        draft = scooping.draft_from_suggestion(suggestion)
        draft.insight = rule.insight_template
        curator = rule.created_by or topic.owner
        try:
            with transaction.atomic():
                scoop = scooping.scoop_suggestion(suggestion, curator, draft, now)
                Scoop.objects.filter(pk=scoop.pk).update(auto_rule=rule)
        except (ValidationError, PermissionDenied) as exc:
            log.info(
                "topic=%s rule=%s entry=%s event=auto_scoop_skipped reason=%r",
                topic.pk,
                rule.pk,
                suggestion.entry_id,
                " ".join(getattr(exc, "messages", [str(exc)])),
            )
            continue
        published += 1
    return published


# --- The rules stage ----------------------------------------------------------------------

RULES_BATCH = 500


def rules_pending(now: datetime, limit: int = RULES_BATCH) -> int:
    """One batch of the rules stage: suggestions the topic's automation rules have not
    looked at yet are tagged, discarded or published without review; each is marked
    checked in the same transaction, so a crash leaves the batch to the next worker and a
    rule never acts twice. A suggestion a curator decided first is only marked."""
    with transaction.atomic():
        fresh = (
            Suggestion.objects.filter(rules_checked_at__isnull=True)
            .select_related("entry", "topic")
            .order_by("id")
        )
        rows = leases.lock(fresh, limit, of=("self",))
        by_topic: dict[int, list[Suggestion]] = {}
        for row in rows:
            row.rules_checked_at = now
            if row.status == Suggestion.Status.PENDING:
                by_topic.setdefault(row.topic_id, []).append(row)
        outcomes = {pk: apply_rules(group[0].topic, group, now) for pk, group in by_topic.items()}
        Suggestion.objects.bulk_update(
            rows, ["reasons", "status", "decided_at", "rules_checked_at"], batch_size=500
        )
        for group in by_topic.values():
            publish_auto_scoops(group[0].topic, outcomes[group[0].topic_id], now)
    return len(rows)
