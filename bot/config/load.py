"""Reading the policy file once, failing fast with one line per problem that names the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode

from bot.config.policy import Policy


class PolicyError(Exception):
    """The policy file cannot be used; ``problems`` has one line per problem, each naming its key."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(problems))
        self.source = source
        self.problems = problems


def builtin_policy_text() -> str:
    from importlib import resources  # only when no policy file is given (it imports tempfile, zipfile...)

    return resources.files("bot").joinpath("defaults/policy.yaml").read_text(encoding="utf-8")


def load_policy(path: str | Path | None = None, *, trial_render: bool = True) -> Policy:
    """The policy at ``path``, or the built-in example when ``path`` is None (``trial_render=False``: keys
    only, for ``serve``, which trial-renders beside its start)."""
    if path is None:
        return parse_policy(builtin_policy_text(), source="built-in example policy", trial_render=trial_render)
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise PolicyError(str(p), [f"cannot read the file: {e.strerror or e}"]) from e
    except UnicodeDecodeError as e:
        raise PolicyError(str(p), [f"not a text file (byte {e.start} is not UTF-8): give the policy YAML file"]) from e
    return parse_policy(text, source=str(p), trial_render=trial_render)


class _UniqueKeys(SafeConstructor):
    """YAML's safe constructor, except that a key given twice in one mapping is an error, not "the last wins"."""

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                if key in seen:
                    raise ConstructorError(
                        None,
                        None,
                        f"key {key!r} is given twice (lines {seen[key]} and {line}); give it once",
                        key_node.start_mark,
                    )
                seen[key] = line
        return super().construct_mapping(node, deep=deep)  # type: ignore[arg-type]


class _UniqueKeyLoader(_UniqueKeys, yaml.SafeLoader):
    """The pure-Python parser: slower, and its messages say more (which character, which alias)."""


_FAST_LOADER: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = _UniqueKeyLoader
if getattr(yaml, "__with_libyaml__", False):  # PyYAML's wheels are built with libyaml

    class _FastUniqueKeyLoader(_UniqueKeys, yaml.CSafeLoader):
        """libyaml's parser: the same values ten times faster, a part of every cold start worth having."""

    _FAST_LOADER = _FastUniqueKeyLoader


def _yaml_data(text: str) -> Any:
    """The YAML in ``text``; what is wrong with it in the pure-Python parser's words."""
    try:
        return yaml.load(text, Loader=_FAST_LOADER)  # noqa: S506 - safe loaders only
    except yaml.YAMLError:
        pass  # read again below, for the message
    return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass


def _one_line(e: yaml.YAMLError) -> str:
    """A YAML error in one line: what is wrong and where, without the echoed source."""
    if isinstance(e, yaml.MarkedYAMLError):
        mark = e.problem_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        return f"{e.problem or e.context or 'not valid YAML'}{where}"
    return " ".join(str(e).split())


def parse_policy(text: str, *, source: str = "policy", trial_render: bool = True) -> Policy:
    """The policy in ``text``, validated key by key and then trial-rendered (every template, at every edge
    a user can choose), so that a policy accepted here never fails an approval. Raises :class:`PolicyError`."""
    try:
        data = _yaml_data(text)
    except ConstructorError as e:
        raise PolicyError(source, [e.problem or _one_line(e)]) from e
    except yaml.YAMLError as e:
        raise PolicyError(source, [f"not valid YAML: {_one_line(e)}"]) from e
    if not isinstance(data, dict):
        raise PolicyError(source, ["the file must be a YAML mapping with gcp, slack, identity and templates"])
    try:
        policy = Policy.model_validate(data)
    except ValidationError as e:
        raise PolicyError(source, [_describe(err) for err in e.errors()]) from e
    if trial_render:
        from bot.config.trial import trial_render_problems  # the renderers and their schemas: only when asked

        problems = trial_render_problems(policy)
        if problems:
            raise PolicyError(source, problems)
    return policy


def _describe(err: Any) -> str:
    key = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in err["loc"]).replace(".[", "[")
    message = str(err["msg"]).removeprefix("Value error, ")
    inner, colon, rest = message.partition(": ")
    if colon and key and inner.isidentifier():  # a section's check that names its own key: repo.module_source
        key, message = f"{key}.{inner}", rest
    if err["type"] == "extra_forbidden":
        message = "is not a known key (check the spelling)"
    elif err["type"] == "missing":
        message = "is required"
    return f"{key}: {message}" if key else message
