"""The Jinja environment the templates run in: sandboxed, strict, and filters-only.

Templates are data (``renderers/templates/*.tf.j2``). The only way a template can put a value
into a file is a filter from ``renderers.hcl`` -- ``{{ value | hcl }}`` or
``{{ labels | hcl_map(2) }}``. ``finalize`` refuses anything else, so a forgotten filter, or a
template concatenating a raw value (``{{ "x" ~ value }}``), fails the render instead of
writing unescaped text into Terraform.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, Template, Undefined
from jinja2.sandbox import SandboxedEnvironment

from renderers.hcl import HclText, hcl_bool, hcl_comment_text, hcl_map, hcl_null, hcl_number, hcl_string

TEMPLATES_DIR = Path(__file__).parent / "templates"


class RawValueError(TypeError):
    """A template tried to emit a value that did not go through an HCL filter (a template bug)."""


def hcl(value: object) -> HclText:
    """The ``hcl`` filter: one HCL literal for a str, int, bool or ``None`` (``null``)."""
    if isinstance(value, Undefined):
        str(value)  # StrictUndefined raises UndefinedError naming the missing value
    if value is None:
        return hcl_null()
    if isinstance(value, bool):
        return hcl_bool(value)
    if isinstance(value, int | float):
        return hcl_number(value)
    if isinstance(value, str):
        return hcl_string(value)
    raise TypeError(f"no HCL literal for {type(value).__name__}; add a dedicated filter")


def _refuse_raw(value: Any) -> HclText:
    if isinstance(value, HclText):
        return value
    raise RawValueError(f"template emitted a {type(value).__name__} without an HCL filter; write {{{{ value | hcl }}}}")


def make_environment(templates_dir: Path = TEMPLATES_DIR) -> SandboxedEnvironment:
    """A fresh template environment (tests use it to prove a template bug fails loudly)."""
    environment = SandboxedEnvironment(
        loader=FileSystemLoader(templates_dir),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_refuse_raw,
    )
    environment.filters.clear()  # no built-in filter may turn a value into plain text
    environment.filters.update({"hcl": hcl, "hcl_map": hcl_map, "comment_text": hcl_comment_text})
    return environment


_ENVIRONMENT = make_environment()


def template_for(kind: str) -> Template:
    """The compiled template for one environment kind (cached by Jinja)."""
    return _ENVIRONMENT.get_template(f"{kind}.tf.j2")
