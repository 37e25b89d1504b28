"""Turning Python values into HCL literals: the only way a value reaches a rendered file.

Every string goes through :func:`hcl_string`; numbers, booleans, null and label maps have one
small function each. They return :class:`HclText`, the marker the template environment's
``finalize`` insists on, so a value that skipped these functions cannot be emitted.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

__all__ = ["HclText", "hcl_bool", "hcl_comment_text", "hcl_map", "hcl_null", "hcl_number", "hcl_string"]


class HclText(str):
    """Text that is already a valid HCL expression (the output of one of this module's functions)."""

    __slots__ = ()


_SHORT_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Characters that can be copied as they are: printable and not special inside an HCL string.
_NEEDS_CARE = frozenset('\\"$%')


def hcl_string(value: str) -> HclText:
    """Return ``value`` as a double-quoted HCL string literal that Terraform reads back exactly.

    Escapes ``\\`` and ``"``; writes newline, carriage return and tab as ``\\n``, ``\\r``, ``\\t``
    and every other non-printable character (controls, bidi overrides, line separators...)
    as ``\\uXXXX`` / ``\\UXXXXXXXX``, so a reviewer sees in the pull request exactly what will
    be applied. Template sequences are neutralised: ``${`` becomes ``$${`` and ``%{`` becomes
    ``%%{``.

    One exception, for the sake of parsers rather than Terraform: python-hcl2 (8.x) only
    recognises ``$${``/``%%{`` when a ``}`` follows later in the same literal, and otherwise
    fails or, worse, swallows the following lines. When no ``}`` follows, the ``$``/``%``
    is written as ``\\u0024``/``\\u0025`` instead; Terraform reads both spellings as the same
    literal text, and neither starts a template sequence.

    Raises ``ValueError`` for lone surrogates, which no file encoding can carry.
    """
    if not isinstance(value, str):
        raise TypeError(f"hcl_string takes a str, not {type(value).__name__}")
    if value.isprintable() and _NEEDS_CARE.isdisjoint(value):
        return HclText(f'"{value}"')
    last_close = value.rfind("}")
    out: list[str] = ['"']
    for index, char in enumerate(value):
        short = _SHORT_ESCAPES.get(char)
        if short is not None:
            out.append(short)
        elif char in "$%" and value.startswith("{", index + 1):
            if last_close > index + 1:
                out.append(char + char)
            else:
                out.append(f"\\u{ord(char):04x}")
        elif char.isprintable():
            out.append(char)
        else:
            out.append(_unicode_escape(char))
    out.append('"')
    return HclText("".join(out))


def _unicode_escape(char: str) -> str:
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        raise ValueError(f"lone surrogate U+{code:04X} cannot be written to a file")
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def hcl_number(value: int | float) -> HclText:
    """Return an HCL number literal; refuses booleans and non-finite floats."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"hcl_number takes an int or float, not {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("HCL has no literal for NaN or infinity")
    return HclText(repr(value))


def hcl_bool(value: bool) -> HclText:
    """Return ``true`` or ``false``; refuses anything that is not a real ``bool``."""
    if not isinstance(value, bool):
        raise TypeError(f"hcl_bool takes a bool, not {type(value).__name__}")
    return HclText("true" if value else "false")


def hcl_null() -> HclText:
    """Return ``null``: the module variable keeps its own default."""
    return HclText("null")


def hcl_map(values: Mapping[str, str], indent: int) -> HclText:
    """Return a map of strings (labels, metadata) as a multi-line HCL object.

    Keys are quoted and sorted, and ``=`` is aligned as ``terraform fmt`` aligns it; ``indent``
    is the column of the line that opens the map. Keys must be ASCII, because fmt aligns on
    characters and the callers only pass label keys, which GCP restricts anyway.
    """
    if not values:
        return HclText("{}")
    keys = sorted(values)
    quoted = {key: hcl_string(key) for key in keys}
    if not all(text.isascii() for text in quoted.values()):
        raise ValueError("hcl_map keys must be ASCII")
    width = max(len(text) for text in quoted.values())
    pad = " " * (indent + 2)
    lines = [f"{pad}{quoted[key].ljust(width)} = {hcl_string(values[key])}" for key in keys]
    return HclText("{\n" + "\n".join(lines) + "\n" + " " * indent + "}")


_COMMENT_SAFE = re.compile(r"[A-Za-z0-9 .,:_-]*")


def hcl_comment_text(value: str) -> HclText:
    """Return ``value`` for use inside a ``#`` comment; only plain, single-line words are allowed.

    Comments cannot escape anything, so instead of escaping this refuses every character that
    could end the comment or confuse a reader (newlines, quotes, braces...). Used for
    validated values only, such as the expiry date.
    """
    if not isinstance(value, str) or not _COMMENT_SAFE.fullmatch(value):
        raise ValueError(f"not safe in a comment: {value!r}")
    return HclText(value)
