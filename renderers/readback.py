"""Reading a rendered environment file back: the inverse of the renderer, for checks and tools.

python-hcl2 (8.x) returns string literals as written -- quotes, escapes and ``$${`` included --
so this module decodes them the way Terraform does. Tests use it to prove that every value
survives rendering exactly; the bot may use it to read which environments a repository holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import hcl2

__all__ = ["ParsedModule", "decode_hcl_string", "parse_rendered"]

_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def decode_hcl_string(literal: str) -> str:
    """Decode one quoted HCL string literal (``"a\\n$${b}"`` → ``a<newline>${b}``).

    Handles the escapes HCL defines (``\\n \\r \\t \\" \\\\ \\uXXXX \\UXXXXXXXX``) and the
    template escapes ``$${`` and ``%%{``. Raises ``ValueError`` on anything else, including an
    unescaped ``${``/``%{`` (an interpolation: never produced by the renderer).
    """
    if len(literal) < 2 or literal[0] != '"' or literal[-1] != '"':
        raise ValueError(f"not a quoted string literal: {literal[:40]!r}")
    body = literal[1:-1]
    out: list[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        if char == "\\":
            index = _decode_escape(body, index, out)
            continue
        if body.startswith(("$${", "%%{"), index):
            out.append(char + "{")
            index += 3
            continue
        if body.startswith(("${", "%{"), index):
            raise ValueError(f"unescaped template sequence at {index}: {body[index : index + 10]!r}")
        if char == '"':
            raise ValueError(f"unescaped quote at {index}")
        out.append(char)
        index += 1
    return "".join(out)


def _decode_escape(body: str, index: int, out: list[str]) -> int:
    kind = body[index + 1 : index + 2]
    if kind in _SIMPLE:
        out.append(_SIMPLE[kind])
        return index + 2
    width = {"u": 4, "U": 8}.get(kind)
    digits = body[index + 2 : index + 2 + width] if width else ""
    if width is None or len(digits) != width or not all(c in "0123456789abcdefABCDEF" for c in digits):
        raise ValueError(f"invalid escape at {index}: {body[index : index + 10]!r}")
    out.append(chr(int(digits, 16)))
    return index + 2 + width


@dataclass(frozen=True)
class ParsedModule:
    """One ``module "NAME" { ... }`` block with its arguments decoded to Python values."""

    name: str
    arguments: dict[str, Any]


def parse_rendered(content: str) -> list[ParsedModule]:
    """Parse a rendered file with python-hcl2 and decode every value (strings, maps, lists)."""
    document = hcl2.loads(content)
    unexpected = set(document) - {"module", "__comments__"}
    if unexpected:
        raise ValueError(f"unexpected top-level content: {sorted(unexpected)}")
    modules: list[ParsedModule] = []
    for block in document.get("module", []):
        for label, body in block.items():
            arguments = {key: _decode(value) for key, value in body.items() if not key.startswith("__")}
            modules.append(ParsedModule(decode_hcl_string(label), arguments))
    return modules


def _decode(value: Any) -> Any:
    if isinstance(value, str):
        return decode_hcl_string(value)
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if isinstance(value, dict):
        return {_decode_key(key): _decode(item) for key, item in value.items() if not key.startswith("__")}
    return value


def _decode_key(key: str) -> str:
    return decode_hcl_string(key) if key.startswith('"') else key
