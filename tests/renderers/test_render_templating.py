"""Templates can only emit values through HCL filters; anything else fails the render loudly."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2.exceptions import SecurityError, UndefinedError

from renderers.templating import RawValueError, make_environment


def _render(tmp_path: Path, source: str, **context: object) -> str:
    (tmp_path / "t.tf.j2").write_text(source, encoding="utf-8")
    return make_environment(tmp_path).get_template("t.tf.j2").render(context)


def test_a_filtered_value_is_escaped(tmp_path: Path) -> None:
    assert _render(tmp_path, "x = {{ v | hcl }}\n", v='"${x}"') == 'x = "\\"$${x}\\""\n'


def test_a_forgotten_filter_fails_instead_of_writing_raw_text(tmp_path: Path) -> None:
    with pytest.raises(RawValueError):
        _render(tmp_path, "x = {{ v }}\n", v='"; evil = "')


def test_concatenating_a_raw_value_fails_too(tmp_path: Path) -> None:
    with pytest.raises(RawValueError):
        _render(tmp_path, 'x = {{ "a" ~ v }}\n', v="b")
    with pytest.raises(RawValueError):
        _render(tmp_path, "x = {{ (v | hcl) ~ v }}\n", v="b")


def test_builtin_filters_that_could_bypass_escaping_are_gone(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="safe"):
        _render(tmp_path, "x = {{ v | safe }}\n", v="b")


def test_missing_values_are_errors_not_empty_strings(tmp_path: Path) -> None:
    with pytest.raises(UndefinedError):
        _render(tmp_path, "x = {{ missing | hcl }}\n")


def test_the_sandbox_blocks_reaching_python_internals(tmp_path: Path) -> None:
    with pytest.raises(SecurityError):
        _render(tmp_path, "{{ v.__class__.__mro__ | hcl }}\n", v="x")


def test_unsupported_types_need_a_dedicated_filter(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        _render(tmp_path, "x = {{ v | hcl }}\n", v=["a"])
