"""Terraform renderers for notebook-bot: one validated environment spec in, one module invocation out.

Pure functions only: nothing here performs I/O or imports from ``bot``.
"""

from typing import TYPE_CHECKING, Any

from renderers.errors import FieldProblem, RenderError
from renderers.hcl import hcl_string
from renderers.names import environment_name, label_value
from renderers.spec import (
    DataprocSettings,
    EnvironmentSpec,
    Gpu,
    RenderedEnvironment,
    RenderedFile,
    WorkbenchSettings,
)

if TYPE_CHECKING:
    from renderers.render import render_environment


def __getattr__(name: str) -> Any:
    # The renderer (and Jinja with it) loads on the first render, not with the patterns and bounds the
    # policy checks import: a server's cold start needs only those.
    if name == "render_environment":
        from renderers.render import render_environment

        return render_environment
    raise AttributeError(f"module 'renderers' has no attribute {name!r}")


__all__ = [
    "DataprocSettings",
    "EnvironmentSpec",
    "FieldProblem",
    "Gpu",
    "RenderError",
    "RenderedEnvironment",
    "RenderedFile",
    "WorkbenchSettings",
    "environment_name",
    "hcl_string",
    "label_value",
    "render_environment",
]
