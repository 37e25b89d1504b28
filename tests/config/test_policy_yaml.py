"""The policy file is read by libyaml where PyYAML has it (a part of every cold start), with the same values and
the same words for what is wrong as the pure-Python parser, which names the character or alias at fault."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.config.load import PolicyError, load_policy, parse_policy

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "policy.example.yaml"


def test_the_example_policy_reads_the_same_with_either_parser() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert yaml.load(text, Loader=yaml.CSafeLoader) == yaml.safe_load(text)
    assert load_policy(EXAMPLE, trial_render=False) == parse_policy(text, source=str(EXAMPLE), trial_render=False)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("gcp: *nope\n", "not valid YAML: found undefined alias 'nope' (line 1, column 6)"),
        (
            "gcp:\n  project: acme\x7f\n",
            "not valid YAML: unacceptable character #x007f: special characters are not allowed"
            ' in "<unicode string>", position 20',
        ),
        ("gcp: [a, b\nslack: {}\n", "not valid YAML: expected ',' or ']', but got ':' (line 2, column 6)"),
        ("gcp: {}\ngcp: {}\n", "key 'gcp' is given twice (lines 1 and 2); give it once"),
    ],
)
def test_what_is_wrong_with_the_yaml_is_said_in_one_line_that_names_it(text: str, problem: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text)
    assert caught.value.problems == [problem]
