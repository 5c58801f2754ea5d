"""A topic's automation rules: list, add or edit (with a preview), delete."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from florilege.curation.forms.rules import RuleForm
from florilege.curation.models import AutomationRule
from florilege.curation.services import rules
from florilege.curation.views.access import topic_for


@login_required
def rule_list(request: HttpRequest, slug: str, rule_id: int | None = None) -> HttpResponse:
    """The topic's rules and the form to add (or edit) one, with a Preview button that
    shows what the rule would have done to the last 7 days, without saving it."""
    topic = topic_for(request, slug)
    rule = get_object_or_404(AutomationRule, pk=rule_id, topic=topic) if rule_id else None
    initial = RuleForm.initial_from(rule) if rule else {"enabled": True}
    form = RuleForm(request.POST or None, topic=topic, initial=initial)
    result = None
    if request.method == "POST" and form.is_valid():
        spec = form.spec()
        template = form.cleaned_data["insight_template"]
        now = timezone.now()
        try:
            if "preview" in request.POST:
                result = rules.preview(topic, request.user, spec, template, now)
            else:
                rules.save_rule(
                    topic,
                    request.user,
                    spec,
                    template,
                    now,
                    rule=rule,
                    enabled=form.cleaned_data["enabled"],
                )
                messages.success(request, _("Rule saved; it acts on new suggestions."))
                return redirect("curation:rules", slug=topic.slug)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
    # The sources a rule names, as "Name — host" (the form's choices: no extra query).
    labels = dict(form.fields["sources"].choices)  # type: ignore[attr-defined]
    listed = list(topic.automation_rules.all())
    for row in listed:
        row.source_labels = [  # type: ignore[attr-defined]
            labels[str(i)] for i in sorted(row.source_ids) if str(i) in labels
        ]
    context = {
        "topic": topic,
        "form": form,
        "rule": rule,
        "rules": listed,
        "preview": result,
    }
    return render(request, "curation/rules.html", context)


@login_required
@require_POST
def rule_delete(request: HttpRequest, slug: str, rule_id: int) -> HttpResponse:
    topic = topic_for(request, slug)
    rules.delete_rule(topic, request.user, rule_id)
    messages.success(request, _("Rule deleted."))
    return redirect("curation:rules", slug=topic.slug)
