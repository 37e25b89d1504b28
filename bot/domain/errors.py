"""One small hierarchy of errors. A known error carries the sentence the person will read."""

from __future__ import annotations

from bot.domain.states import State


class NotebookBotError(Exception):
    """A problem we expected and can explain: ``message`` is shown to the person as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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
