"""Deterministic, GCP-valid names and label values derived from who asked and which request.

The same inputs always give the same output, so re-rendering a request (a retry, a reconcile
pass, a second instance of the bot) produces byte-identical files and never a second resource.
"""

from __future__ import annotations

import base64
import hashlib
import re

from renderers.errors import FieldProblem, RenderError
from renderers.patterns import REQUEST_ID, email_problem
from renderers.spec import KINDS

__all__ = ["NAME_MAX_LENGTH", "environment_name", "label_value", "short_hash"]

# Dataproc allows 51 characters for a cluster name and appends "-m", "-w-12", "-sw-..." to VM
# names; Workbench allows 63. One limit that is comfortable for both keeps names uniform.
NAME_MAX_LENGTH = 40
_HASH_LENGTH = 10
_PREFIX = "nb-"
_LABEL_VALUE_MAX = 63
_NOT_NAME_CHARS = re.compile(r"[^a-z0-9]+")
_NOT_LABEL_CHARS = re.compile(r"[^a-z0-9_-]")


def short_hash(text: str, length: int = _HASH_LENGTH) -> str:
    """Lowercase base32 digest of ``text`` (letters and 2-7): valid in names and labels."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return base64.b32encode(digest).decode("ascii").lower()[:length]


def environment_name(email: str, request_id: str, kind: str) -> str:
    """Return the resource name for one request: ``nb-<local part>-<hash>``, at most 40 characters.

    The readable middle is the email's local part, lowercased, with every run of other
    characters turned into ``-`` and truncated; the 10-character hash covers the *whole*
    (lowercased) email and the request id, so ``alice@a.com`` and ``alice@b.com`` never collide
    and one user's requests never collide with each other. The result matches
    ``[a-z]([-a-z0-9]*[a-z0-9])?``. Raises :class:`RenderError` for an invalid email, request
    id or kind.
    """
    problems: list[FieldProblem] = []
    if (problem := email_problem(email)) is not None:
        problems.append(FieldProblem("owner_email", problem))
    if not isinstance(request_id, str) or not REQUEST_ID.fullmatch(request_id):
        problems.append(FieldProblem("request_id", "must be lowercase letters, digits and '-', at most 63 characters"))
    if kind not in KINDS:
        problems.append(FieldProblem("kind", f"must be one of {', '.join(KINDS)}"))
    if problems:
        raise RenderError(problems)
    normalised = email.lower()
    digest = short_hash(f"{normalised}\n{request_id}")
    room = NAME_MAX_LENGTH - len(_PREFIX) - 1 - len(digest)
    local = _NOT_NAME_CHARS.sub("-", normalised.rsplit("@", 1)[0]).strip("-")[:room].rstrip("-")
    return f"{_PREFIX}{local}-{digest}" if local else f"{_PREFIX}{digest}"


def label_value(s: str) -> str:
    """Return ``s`` as a GCP label value: ``[a-z0-9_-]``, at most 63 characters, deterministic.

    Lowercases, replaces every other character with ``_`` (``alice@example.com`` →
    ``alice_example_com``), and when the result is too long keeps a prefix plus a hash of the
    *original* text, so two long values that share a prefix stay distinct.
    """
    if not isinstance(s, str):
        raise TypeError(f"label_value takes a str, not {type(s).__name__}")
    value = _NOT_LABEL_CHARS.sub("_", s.lower())
    if len(value) <= _LABEL_VALUE_MAX:
        return value
    digest = short_hash(s, 8)
    return f"{value[: _LABEL_VALUE_MAX - len(digest) - 1]}_{digest}"
