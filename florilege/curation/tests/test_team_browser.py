"""In a real browser: an owner invites a contributor, who joins, proposes a scoop from the
queue; the editor approves it; it is on the public page and the contributor is told."""

from __future__ import annotations

import pytest

from florilege.curation.tests.flow_helpers import make_suggestion
from florilege.testing import artifacts_dir
from florilege.topics.models import Membership, Role
from florilege.topics.tests.team_fixtures import PASSWORD

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _login(page, base: str, username: str) -> None:
    page.goto(base + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/curate/")


@pytest.fixture
def other_page(chromium):
    """Pages in their own browser contexts (other people), closed before the live server
    stops, so no keep-alive request holds a database connection at teardown."""
    contexts = []

    def make():
        contexts.append(chromium.new_context())
        return contexts[-1].new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def team_topic(topic, django_user_model):
    """Set up before the browser starts: database calls made while Playwright's event loop
    runs land in a context of their own, whose connection outlives the test on PostgreSQL."""
    editor = django_user_model.objects.create_user("edith", password=PASSWORD)
    Membership.objects.create(topic=topic, user=editor, role=Role.EDITOR)
    make_suggestion(topic)
    return topic


def test_contributor_editor_published(live_server, team_topic, page, other_page):
    base, topic = live_server.url, team_topic
    shots = artifacts_dir()

    # The owner invites a contributor by link.
    _login(page, base, "curator")
    page.goto(f"{base}/curate/t/{topic.slug}/team/")
    page.select_option("select[name=role]", "contributor")
    page.click("text=Create invitation")
    link = page.input_value("#invitation-link")
    assert "/invite/" in link

    # The contributor opens it in another browser, creates an account, joins.
    contributor = other_page()
    contributor.goto(base + link[link.index("/invite/") :])
    contributor.fill("input[name=username]", "cora")
    contributor.fill("input[name=password]", PASSWORD)
    contributor.click("text=Create my account and join")
    contributor.wait_for_url(f"{base}/curate/t/{topic.slug}/")

    # ... and proposes the first suggestion with an insight.
    contributor.click("a.button:has-text('Scoop')")
    # The click returns once the navigation has begun: wait for the form, not just the URL.
    contributor.wait_for_selector("button[name=mode][value=propose]", state="visible")
    assert contributor.locator("button[name=mode][value=now]").count() == 0
    contributor.fill("textarea[name=insight]", "Worth a **read** for the numbers.")
    contributor.click("button:has-text('Submit for approval')")
    assert "Proposed for approval" in contributor.inner_text("main")
    contributor.screenshot(path=str(shots / "team-1-proposed.png"), full_page=True)
    page.goto(f"{base}/t/{topic.slug}/")
    assert "Mastodon news 1" not in page.inner_text("main")  # not public before approval

    # The editor sees it in the review queue (and a notification) and approves it.
    editor_page = other_page()
    _login(editor_page, base, "edith")
    assert editor_page.inner_text("a.notifications .count") == "1"
    editor_page.goto(f"{base}/curate/t/{topic.slug}/review/")
    assert "Mastodon news 1" in editor_page.inner_text("main")
    editor_page.screenshot(path=str(shots / "team-2-review.png"), full_page=True)
    editor_page.click("button:has-text('Approve')")
    assert "Published" in editor_page.inner_text("main")

    # Readers see it; the contributor is told.
    page.goto(f"{base}/t/{topic.slug}/")
    assert "Mastodon news 1" in page.inner_text("main")
    assert "read" in page.inner_text(".insight strong")
    page.screenshot(path=str(shots / "team-3-published.png"), full_page=True)
    contributor.goto(base + "/notifications/")
    assert "edith approved" in contributor.inner_text("main")
    contributor.screenshot(path=str(shots / "team-4-notified.png"), full_page=True)

    # The editor corrects the published scoop; the first version stays in its history.
    editor_page.goto(f"{base}/curate/t/{topic.slug}/scoops/?status=published")
    editor_page.click("main h3 a")
    editor_page.fill("textarea[name=insight]", "Worth a read for the **new** numbers.")
    editor_page.click("button:has-text('Save changes')")
    history = "h3:has-text('History') ~ details"
    editor_page.click(f"{history} summary")
    assert "Worth a **read** for the numbers." in editor_page.inner_text(history)
    editor_page.screenshot(path=str(shots / "team-5-history.png"), full_page=True)

    # The owner reads the audit log.
    page.goto(f"{base}/curate/t/{topic.slug}/audit/")
    log = page.inner_text("main table")
    # Sentences, not codes: who did what to which scoop.
    for line in ("curator created an invitation link for the role of contributor",
                 "cora joined the team as contributor", "cora scooped", "edith approved",
                 "edith edited the insight of"):  # fmt: skip
        assert line in log
    assert "_" not in log
    page.screenshot(path=str(shots / "team-6-audit.png"), full_page=True)
