"""No value reaches Terraform unescaped: every string round-trips exactly, whatever it holds."""

from __future__ import annotations

import base64
import json
import subprocess
import unicodedata
from pathlib import Path

import hcl2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from renderers import hcl_string
from renderers.hcl import hcl_bool, hcl_map, hcl_number
from renderers.readback import decode_hcl_string

# Any Unicode text a Python str can hold and a file can carry (no lone surrogates).
any_text = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=200)
# Fragments that break naive escaping, glued together in any order.
nasty_fragment = st.sampled_from(
    [
        '"',
        "\\",
        "\\\\",
        '\\"',
        "${",
        "}",
        "${var.x}",
        "%{",
        "%{ if true }",
        "$${",
        "%%{",
        "$",
        "%",
        "{",
        "\n",
        "\r\n",
        "\t",
        "\x00",
        "\x1b[31m",
        "\u202e",
        "\u2028",
        "é",
        "e\u0301",
        "😀",
        "日本",
        "#",
        "//",
        "/*",
        "EOF",
        "<<EOF",
        "\u00a0",
        "'",
    ]
)
nasty_text = st.lists(st.one_of(nasty_fragment, any_text), max_size=12).map("".join)


def _parse_value(literal: str) -> object:
    document = hcl2.loads(f"value = {literal}\nafter = 1\n")
    # "after" proves the literal ended where it should and swallowed nothing.
    assert set(document) == {"value", "after"}, document
    assert document["after"] == 1
    return document["value"]


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ("plain", '"plain"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("back\\slash", '"back\\\\slash"'),
        ("two\nlines\r\ttab", '"two\\nlines\\r\\ttab"'),
        ("${var.secret}", '"$${var.secret}"'),
        ("%{ if x }y%{ endif }", '"%%{ if x }y%%{ endif }"'),
        ("bell\x07", '"bell\\u0007"'),
        ("rtl\u202eoverride", '"rtl\\u202eoverride"'),
        ("émoji 😀", '"émoji 😀"'),
        ("", '""'),
        # No "}" follows: python-hcl2 cannot read "$${" here, so the dollar is a \u escape.
        ("cost: ${", '"cost: \\u0024{"'),
        ("100%{", '"100\\u0025{"'),
    ],
)
def test_hcl_string_escapes_exactly_as_specified(value: str, literal: str) -> None:
    assert hcl_string(value) == literal


def test_hcl_string_refuses_lone_surrogates_and_non_strings() -> None:
    with pytest.raises(ValueError, match="surrogate"):
        hcl_string("a\ud800b")
    with pytest.raises(TypeError):
        hcl_string(42)  # type: ignore[arg-type]


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(nasty_text)
def test_every_string_parses_and_round_trips_exactly(value: str) -> None:
    literal = hcl_string(value)
    assert "\n" not in literal and "\r" not in literal
    assert decode_hcl_string(str(_parse_value(literal))) == value


# Hypothesis cannot draw 10 000 characters directly; repeat a nasty sample up to that length.
ten_thousand = nasty_text.filter(bool).map(lambda s: (s * (10_000 // len(s) + 1))[:10_000])


@given(ten_thousand)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_ten_thousand_character_strings_round_trip(value: str) -> None:
    assert len(value) == 10_000
    assert decode_hcl_string(str(_parse_value(hcl_string(value)))) == value


def test_the_decoder_used_by_these_tests_can_fail() -> None:
    with pytest.raises(ValueError):
        decode_hcl_string('"${var.x}"')  # an interpolation, never a rendered value
    with pytest.raises(ValueError):
        decode_hcl_string('"\\q"')
    assert decode_hcl_string('"\\u0041$${x}%%{y}"') == "A${x}%{y}"


def test_numbers_bools_and_maps_have_their_own_literals() -> None:
    assert (hcl_number(150), hcl_number(1.5), hcl_bool(True), hcl_bool(False)) == (
        "150",
        "1.5",
        "true",
        "false",
    )
    with pytest.raises(TypeError):
        hcl_number(True)
    with pytest.raises(TypeError):
        hcl_bool(1)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        hcl_number(float("nan"))
    assert hcl_map({"b": "2", "aa": "${x}"}, 2) == '{\n    "aa" = "$${x}"\n    "b"  = "2"\n  }'


def test_terraform_itself_reads_the_literals_back(terraform: str, tmp_path: Path) -> None:
    """The decoder above models Terraform; this asks real Terraform (no providers needed)."""
    values = [
        "${var.x}",
        "%{ if true }x%{ endif }",
        "cost: ${",
        "100%{",
        "$${already}",
        "$$${x}",
        "%%%{x}",
        'q"uote \\ back',
        "line\nbreak\r\ttab",
        "\x00\x01\x1b",
        "\u202e\u2028",
        "😀 日本 é",
        "a}b${c",
    ]
    locals_tf = "locals {\n  v = [\n" + "".join(f"    {hcl_string(v)},\n" for v in values) + "  ]\n}\n"
    (tmp_path / "main.tf").write_text(locals_tf, encoding="utf-8")
    result = subprocess.run(
        [terraform, "console"],
        input="base64encode(jsonencode(local.v))\n",
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={"TF_CLI_CONFIG_FILE": "/dev/null", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    decoded = json.loads(base64.b64decode(result.stdout.strip().strip('"')))
    # Terraform normalises every string to NFC; all of these are already NFC.
    assert decoded == [unicodedata.normalize("NFC", v) for v in values]
