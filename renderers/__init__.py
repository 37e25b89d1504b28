"""Terraform renderers for notebook-bot: one validated environment spec in, one module invocation out.

Pure functions only: nothing here performs I/O or imports from ``bot``.
"""

from renderers.errors import FieldProblem, RenderError
from renderers.hcl import hcl_string
from renderers.names import environment_name, label_value
from renderers.render import render_environment
from renderers.spec import (
    DataprocSettings,
    EnvironmentSpec,
    Gpu,
    RenderedEnvironment,
    RenderedFile,
    WorkbenchSettings,
)

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
