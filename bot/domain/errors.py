"""One small hierarchy of errors. A known error carries the sentence the person will read."""

from __future__ import annotations

from bot.domain.notices import Notice
from bot.domain.states import State


class NotebookBotError(Exception):
    """A problem we expected and can explain: ``message`` is shown to the person as it is.

    Given a :data:`~bot.domain.notices.Notice` instead (the facts of a refusal), the Slack layer words it
    (``bot/slack/replies.py``: ``said``) and ``message`` is only what the logs read."""

    def __init__(self, message: str | Notice) -> None:
        self.notice: Notice | None = None if isinstance(message, str) else message
        text = message if isinstance(message, str) else repr(message)
        super().__init__(text)
        self.message = text


class Refused(NotebookBotError):
    """The person may not do this (not an admin, a guest, outside the allowed domains, over a quota...)."""


class NotFound(NotebookBotError):
    """There is no such request or environment (or not one this person may see)."""


class InvalidInput(NotebookBotError):
    """Form or command input that breaks a rule; ``fields`` maps each input to what is wrong with it."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


class TryAgainLater(NotebookBotError):
    """A backend (store, GitHub, Google, Slack) is not answering; nothing was changed."""


class IllegalTransition(Exception):
    """A programming error: a move the state machine does not allow."""

    def __init__(self, from_state: State, to_state: State) -> None:
        super().__init__(f"cannot move a request from {from_state.value} to {to_state.value}")
        self.from_state = from_state
        self.to_state = to_state
