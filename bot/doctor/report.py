"""One line per check: ✓ it holds, ✗ it does not (with the fix), ⚠ worth knowing, · not checked (and why)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Mark = Literal["ok", "fail", "warn", "skip"]
SYMBOLS: dict[Mark, str] = {"ok": "✓", "fail": "✗", "warn": "⚠", "skip": "·"}


@dataclass(frozen=True)
class Check:
    """The outcome of one check, in words an operator can act on."""

    mark: Mark
    text: str
    fix: str = ""

    def line(self) -> str:
        return f"{SYMBOLS[self.mark]} {self.text}" + (f" — fix: {self.fix}" if self.fix else "")


def ok(text: str) -> Check:
    return Check("ok", text)


def fail(text: str, fix: str) -> Check:
    return Check("fail", text, fix)


def warn(text: str, fix: str = "") -> Check:
    return Check("warn", text, fix)


def skip(text: str) -> Check:
    return Check("skip", text)


def exit_code(checks: Iterable[Check]) -> int:
    """1 when any check failed; warnings do not fail the run."""
    return 1 if any(c.mark == "fail" for c in checks) else 0
