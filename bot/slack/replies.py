"""One way to turn errors into what a person reads: known errors as they are, unknown ones with an id."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from bot.domain.errors import NotebookBotError

log = logging.getLogger(__name__)

Say = Callable[[str], object]


def unexpected(what: str) -> str:
    """Logs the current exception once with a short id, and returns the sentence that quotes it."""
    error_id = secrets.token_hex(4)
    # A field of its own too, so that the id someone quotes from Slack finds the line: jsonPayload.error_id.
    log.exception("unexpected error while %s (error id %s)", what, error_id, extra={"error_id": error_id})
    return (
        f"Something went wrong on our side (error id `{error_id}`). Please try again "
        "(a second try never does anything twice), "
        "and quote the id to an admin if it happens again."
    )


@contextmanager
def explained(what: str, say: Say) -> Iterator[None]:
    """Runs a listener body; anything that goes wrong is told to the person, never swallowed silently."""
    try:
        yield
    except NotebookBotError as e:
        say(e.message)
    except Exception:
        say(unexpected(what))
