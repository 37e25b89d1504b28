"""Reading the policy file once, failing fast with one line per problem that names the key."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.config.policy import Policy


class PolicyError(Exception):
    """The policy file cannot be used; ``problems`` has one line per problem, each naming its key."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(problems))
        self.source = source
        self.problems = problems


def builtin_policy_text() -> str:
    return resources.files("bot").joinpath("defaults/policy.yaml").read_text(encoding="utf-8")


def load_policy(path: str | Path | None = None) -> Policy:
    """The policy at ``path``, or the built-in example when ``path`` is None."""
    if path is None:
        return parse_policy(builtin_policy_text(), source="built-in example policy")
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise PolicyError(str(p), [f"cannot read the file: {e.strerror or e}"]) from e
    return parse_policy(text, source=str(p))


def parse_policy(text: str, *, source: str = "policy") -> Policy:
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise PolicyError(source, [f"not valid YAML: {e}"]) from e
    if not isinstance(data, dict):
        raise PolicyError(source, ["the file must be a YAML mapping with gcp, slack, identity and templates"])
    try:
        return Policy.model_validate(data)
    except ValidationError as e:
        raise PolicyError(source, [_describe(err) for err in e.errors()]) from e


def _describe(err: Any) -> str:
    key = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in err["loc"]).replace(".[", "[")
    message = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        message = "is not a known key (check the spelling)"
    elif err["type"] == "missing":
        message = "is required"
    return f"{key}: {message}" if key else message
