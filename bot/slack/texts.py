"""The one place where texts meet Slack's limits, people's words are escaped and times are written.

Every block builder takes its texts through here: ``section``/``context``/``field`` fit a text to its limit
before the block is built (``slack_sdk.models`` raises on a text that is too long, and a long error must not
break a message), ``words`` escapes a person's words for mrkdwn, and ``when`` writes a time that Slack shows
in the reader's own time zone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject, SectionBlock

from bot.workflow.ports import plain

# Slack's limits (Block Kit reference): a section's text, a section field, a context element, a button's
# label, a header, a modal's title, a message's top-level text (its notification; Slack cuts at 4,000).
SECTION = 3000
FIELD = 2000
CONTEXT = 3000
BUTTON = 75
HEADER = 150
MODAL_TITLE = 24
MESSAGE_TEXT = 4000
_MORE = "…"


def fit(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, saying so with an ellipsis (never raises)."""
    text = str(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - len(_MORE)]
    # Do not leave half an escape (``&am``) or half a link (``<https://…``) behind: Slack would show junk.
    amp, lt = cut.rfind("&"), cut.rfind("<")
    if amp > cut.rfind(";") and amp >= len(cut) - 5:
        cut = cut[:amp]
    if lt > cut.rfind(">"):
        cut = cut[:lt]
    return cut + _MORE


def words(text: str | None) -> str:
    """A person's own words (a name, a reason, an error) as mrkdwn that shows them exactly as typed."""
    return plain(text or "")


def section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=fit(text, SECTION)))


def field(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=fit(text, FIELD))


def context(*texts: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=fit(t, CONTEXT)) for t in texts[:10]])


def fallback(when_: datetime, tz: str | None = None) -> str:
    """A time as plain text: in ``tz`` (the reader's, from their Slack profile) when known, else UTC."""
    at = when_ if when_.tzinfo else when_.replace(tzinfo=UTC)
    zone: ZoneInfo | None = None
    if tz:
        try:
            zone = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            zone = None
    if zone is None:
        return f"{at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    local = at.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or tz}"


def when(at: datetime | None, *, tz: str | None = None, date_only: bool = False, seconds: bool = False) -> str:
    """A time in mrkdwn that Slack writes in the reader's time zone; the fallback is for old clients."""
    if at is None:
        return "-"
    stamp = int((at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp())
    back = fallback(at, tz)
    if date_only:
        return f"<!date^{stamp}^{{date_short_pretty}}|{back.split(' ')[0]}>"
    return f"<!date^{stamp}^{{date_short_pretty}} {{{'time_secs' if seconds else 'time'}}}|{back}>"
