"""What a webhook's body looks like, per preset. A leaf module: plain data in, bytes out.

- ``standard``: the event as Standard Webhooks suggests, ``{"type", "timestamp", "data"}``.
- ``slack``: a Slack incoming-webhook message, ``{"text", "blocks"}`` (``text`` is the
  fallback shown in notifications; one ``section`` block in Slack's ``mrkdwn``), the shape
  of Slack's "Sending messages using incoming webhooks" documentation.
- ``teams``: a Microsoft Teams message carrying one Adaptive Card, ``{"type": "message",
  "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content":
  {AdaptiveCard 1.4}}]}``: the shape Microsoft's "Create Incoming Webhooks" page
  (msteams-docs, add-incoming-webhook.md, "Send Adaptive Cards using an Incoming Webhook")
  and Power Automate's "Post to a channel when a webhook request is received" workflow take.
"""

from __future__ import annotations

import json
from typing import Any

STANDARD, SLACK, TEAMS = "standard", "slack", "teams"
PRESETS = (STANDARD, SLACK, TEAMS)


def _slack_escape(text: str) -> str:
    # Slack's mrkdwn reads &, < and > as markup (links, mentions).
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def summary(event: dict[str, Any]) -> tuple[str, str, str]:
    """(headline, detail, link) of an event, for the chat presets."""
    data = event.get("data", {})
    headline = str(event.get("headline", ""))
    detail = str(data.get("insight") or data.get("body") or data.get("excerpt") or "")[:500]
    link = str(data.get("url") or data.get("topic_url") or "")
    return headline, detail, link


def body_for(preset: str, event: dict[str, Any]) -> bytes:
    """The bytes to POST; ``event`` is ``{"type", "timestamp", "headline", "data"}``."""
    if preset == SLACK:
        payload: dict[str, Any] = _slack(event)
    elif preset == TEAMS:
        payload = _teams(event)
    else:
        payload = {k: event[k] for k in ("type", "timestamp", "data")}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def _slack(event: dict[str, Any]) -> dict[str, Any]:
    headline, detail, link = summary(event)
    title = _slack_escape(headline)
    text = f"<{link}|{title}>" if link else title
    if detail:
        text += "\n" + _slack_escape(detail)
    return {
        "text": headline,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}],
    }


def _teams(event: dict[str, Any]) -> dict[str, Any]:
    headline, detail, link = summary(event)
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": headline, "weight": "Bolder", "size": "Medium", "wrap": True}
    ]
    if detail:
        body.append({"type": "TextBlock", "text": detail, "wrap": True})
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open", "url": link}]
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }
