"""The shared test harness works: the SMTP sink receives mail, the browser renders a page."""

from __future__ import annotations

import pytest
from django.core.mail import send_mail


def test_smtp_sink_receives_what_django_sends(smtp_sink):
    send_mail("Subject here", "Body here", "from@example.test", ["to@example.test"])
    assert len(smtp_sink.messages) == 1
    message = smtp_sink.messages[0].message()
    assert message["Subject"] == "Subject here"
    assert smtp_sink.messages[0].recipients == ["to@example.test"]
    assert "Body here" in message.get_content()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_browser_loads_a_page_from_the_live_server(page, live_server):
    page.goto(live_server.url + "/login/")
    assert page.locator("input[name=username]").count() == 1
