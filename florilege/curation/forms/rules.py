"""The form of an automation rule."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from florilege.curation.automation import RuleSpec
from florilege.curation.models import AutomationRule
from florilege.curation.source_labels import source_choice
from florilege.topics.models import Topic
from florilege.topics.services import parse_languages, parse_list


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    action = forms.ChoiceField(
        label=_("Action"), choices=AutomationRule.Action.choices, widget=forms.RadioSelect
    )
    sources = forms.MultipleChoiceField(
        label=_("From these sources"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any source."),
    )
    keywords = forms.CharField(
        label=_("Containing any of these words or phrases"),
        required=False,
        help_text=_("Separated by commas; whole words, case and accents ignored."),
    )
    regex = forms.CharField(
        label=_("Matching this regular expression"),
        required=False,
        max_length=300,
        help_text=_("Optional, RE2 syntax, case ignored, on the title and text."),
    )
    languages = forms.CharField(
        label=_("In these languages"), required=False, help_text=_("Codes such as fr, en.")
    )
    min_score = forms.FloatField(
        label=_("With a relevance of at least"),
        required=False,
        help_text=_("Keyword relevance as shown in the queue; 0.1 means nothing matched."),
    )
    tag = forms.CharField(label=_("Tag to add"), required=False, max_length=50)
    insight_template = forms.CharField(
        label=_("Insight of auto-scoops"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Markdown; published as the insight of every scoop this rule makes."),
    )
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    def __init__(self, *args, topic: Topic, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        sources = self.fields["sources"]
        assert isinstance(sources, forms.MultipleChoiceField)  # declared above
        sources.choices = [
            (str(s.pk), source_choice(s)) for s in topic.sources.order_by("title", "url")
        ]

    @classmethod
    def initial_from(cls, rule: AutomationRule) -> dict[str, object]:
        return {
            "name": rule.name,
            "action": rule.action,
            "sources": [str(i) for i in rule.source_ids],
            "keywords": ", ".join(rule.keywords),
            "regex": rule.regex,
            "languages": ", ".join(rule.languages),
            "min_score": rule.min_score,
            "tag": rule.tag,
            "insight_template": rule.insight_template,
            "enabled": rule.enabled,
        }

    def clean_keywords(self) -> list[str]:
        return parse_list(self.cleaned_data.get("keywords", ""))

    def clean_languages(self) -> list[str]:
        return parse_languages(self.cleaned_data.get("languages", ""))

    def spec(self) -> RuleSpec:
        data = self.cleaned_data
        return RuleSpec(
            id=None,
            name=data["name"],
            action=data["action"],
            source_ids=frozenset(int(i) for i in data.get("sources", [])),
            keywords=tuple(data.get("keywords", [])),
            regex=data.get("regex", "").strip(),
            languages=tuple(data.get("languages", [])),
            min_score=data.get("min_score"),
            tag=data.get("tag", "").strip(),
        )
