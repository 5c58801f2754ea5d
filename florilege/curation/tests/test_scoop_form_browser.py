"""In a real browser at phone width: the editor opens the full scoop form from the queue,
previews the insight, uploads a picture, publishes and is back at the queue's next card;
on the permalink they pin the scoop, then delete it after confirming. No page scrolls
sideways at 360 px."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from florilege.curation.models import Scoop
from florilege.curation.tests.flow_helpers import make_suggestion
from florilege.suggestions.models import Suggestion
from florilege.testing import artifacts_dir
from florilege.topics.tests.team_fixtures import PASSWORD

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
NO_SIDEWAYS = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def queue_topic(topic, curator):
    curator.set_password(PASSWORD)
    curator.save()
    make_suggestion(topic, 1)
    Suggestion.objects.filter(pk=make_suggestion(topic, 2).pk).update(score=0.5)
    return topic


def test_scoop_with_preview_and_upload_then_pin_and_delete(
    live_server, queue_topic, page, tmp_path
):
    base, topic, shots = live_server.url, queue_topic, artifacts_dir()
    picture = tmp_path / "photo.png"
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (30, 90, 160)).save(buffer, format="PNG")
    picture.write_bytes(buffer.getvalue())
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(base + "/login/")
    page.fill("input[name=username]", "curator")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/curate/")

    page.goto(f"{base}/curate/t/{topic.slug}/")
    page.locator("article.suggestion").first.locator("a.button", has_text="Scoop").click()
    page.fill("textarea[name=insight]", "Worth **reading**.")
    page.set_input_files("input[name=image_upload]", str(picture))
    page.click("button[name=preview]")
    assert page.inner_html(".rendered .insight").strip() == "<p>Worth <strong>reading</strong>.</p>"
    assert page.is_checked("input[name=image_url][value*='/media/uploads/']")
    assert page.evaluate(NO_SIDEWAYS)
    page.screenshot(path=str(shots / "scoop-form-preview-360.png"), full_page=True)
    assert not page.is_visible("input[name=at]")  # the date waits in "Schedule for later"
    page.click("button[name=mode][value=now]")
    page.wait_for_url(f"{base}/curate/t/{topic.slug}/**")
    second = Suggestion.objects.get(entry__key="k2")
    assert page.url.endswith(f"#s-{second.pk}")
    scoop = Scoop.objects.get()
    # Kept for the pictures stage, which makes it ready (300 x 200) outside the request.
    assert scoop.picture is not None and "/media/uploads/" in scoop.image_url

    page.goto(base + scoop.get_absolute_url())
    page.click("text=Pin to top")
    page.wait_for_selector("text=Unpin", state="visible")  # the page after the form's POST
    assert page.evaluate(NO_SIDEWAYS)
    page.screenshot(path=str(shots / "scoop-permalink-editor-360.png"), full_page=True)
    page.click("summary:has-text('Delete…')")
    page.click("text=Delete for good")
    page.wait_for_url(f"{base}/curate/t/{topic.slug}/scoops/")
    assert not Scoop.objects.exists()
