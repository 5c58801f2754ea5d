"""Derived HTML is never editable, and the admin is for site administrators only.

A field holding HTML that Florilège renders or sanitises from another (every model field
named ``*_html``, found by looking at the models, plus the entries' sanitised summary and
content) must not be an input of any admin page or model form: it is always rendered again
from its source, so no account can put markup of its own on the public site.
"""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import get_resolver, reverse
from django.utils import timezone

from florilege.curation.models import Scoop
from florilege.lib.markdown import render_markdown
from florilege.publishing.tests.helpers import make_scoop

# HTML kept sanitised from a fetched document, under names that do not say so.
SANITISED_ELSEWHERE = {"sources.entry": {"summary", "content"}}
HOSTILE = '<script>alert("x")</script> <img src=x onerror=alert(1)> **bold**'


def derived_fields(model) -> set[str]:
    named = {f.name for f in model._meta.get_fields() if f.name.endswith("_html")}
    return named | SANITISED_ELSEWHERE.get(model._meta.label_lower, set())


def test_the_derived_fields_are_found() -> None:
    found = {
        f"{m._meta.label_lower}.{name}" for m in apps.get_models() for name in derived_fields(m)
    }
    assert {"curation.scoop.insight_html", "publishing.comment.body_html"} <= found


@pytest.mark.django_db
def test_no_admin_page_edits_derived_html(django_user_model) -> None:
    request = RequestFactory().get("/admin/")
    request.user = django_user_model.objects.create_superuser("root", password="x" * 20)
    checked = 0
    for model, model_admin in admin.site._registry.items():
        derived = derived_fields(model)
        writable = model_admin.has_add_permission(request) or model_admin.has_change_permission(
            request
        )
        if not derived or not writable:
            continue
        form = model_admin.get_form(request, obj=None, change=True)
        editable = derived & set(form.base_fields)
        assert not editable, f"{model._meta.label}: {editable} editable in the admin"
        checked += 1
    assert checked  # the scoop's admin is writable and was looked at


def _project_forms() -> list[type[forms.BaseForm]]:
    get_resolver().url_patterns  # noqa: B018 - imports every view, and so every form
    found, todo = [], list(forms.BaseForm.__subclasses__())
    while todo:
        form = todo.pop()
        todo.extend(form.__subclasses__())
        if form.__module__.startswith("florilege."):
            found.append(form)
    return found


def test_no_form_edits_derived_html() -> None:
    """Model forms leave out their model's derived fields; no form takes HTML to store."""
    project_forms = _project_forms()
    assert len(project_forms) >= 10  # the walk found the project's forms
    for form in project_forms:
        names = set(getattr(form, "base_fields", {}))
        meta = getattr(form, "_meta", None)
        model = getattr(meta, "model", None)
        editable = {n for n in names if n.endswith("_html")}
        if model is not None:
            editable |= derived_fields(model) & names
        assert not editable, f"{form.__module__}.{form.__name__} edits {editable}"


class _FormValues(HTMLParser):
    """What a browser would submit from the admin's change form, unchanged."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "input" and name and a.get("type") not in ("submit", "checkbox", "file"):
            self.data[name] = a.get("value", "")
        elif tag == "input" and a.get("type") == "checkbox" and "checked" in a:
            self.data[name] = a.get("value", "on")
        elif tag == "textarea":
            self._textarea = name
            self.data[name] = ""
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea] += data.removeprefix("\n")


def _change_form(client, url: str) -> dict[str, str]:
    page = client.get(url)
    assert page.status_code == 200
    parser = _FormValues()
    parser.feed(page.content.decode())
    return parser.data


@pytest.fixture
def scoop(topic, curator) -> Scoop:
    return make_scoop(topic, curator, 1, timezone.now() - timedelta(hours=1))


@pytest.mark.django_db
def test_saving_in_the_admin_renders_the_insight_again(client, django_user_model, scoop) -> None:
    client.force_login(django_user_model.objects.create_superuser("root", password="x" * 20))
    url = reverse("admin:curation_scoop_change", args=[scoop.pk])
    data = _change_form(client, url)
    assert "insight_html" not in data  # shown, not an input
    data.update(insight=HOSTILE, insight_html="<script>alert('forged')</script>", _save="Save")
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    scoop.refresh_from_db()
    assert scoop.insight == HOSTILE
    assert scoop.insight_html == render_markdown(HOSTILE)
    assert "<strong>bold</strong>" in scoop.insight_html
    assert "<script" not in scoop.insight_html and "<img" not in scoop.insight_html
    public = client.get(scoop.get_absolute_url()).content.decode()
    assert "<script>alert" not in public and "forged" not in public


@pytest.mark.django_db
def test_staff_with_model_permissions_get_nothing_from_the_admin(
    client, django_user_model, scoop
) -> None:
    staff = django_user_model.objects.create_user("staff", password="x" * 20, is_staff=True)
    staff.user_permissions.set(Permission.objects.all())  # every Django permission there is
    client.force_login(staff)
    url = reverse("admin:curation_scoop_change", args=[scoop.pk])
    for path in (reverse("admin:index"), url, reverse("admin:curation_scoop_changelist")):
        response = client.get(path)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], path
    before = scoop.insight_html
    client.post(url, {"insight": HOSTILE, "insight_html": "<script>x</script>"})
    scoop.refresh_from_db()
    assert scoop.insight_html == before and scoop.insight != HOSTILE
