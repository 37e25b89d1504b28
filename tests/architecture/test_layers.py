"""The layer rules of docs/architecture.md, read from the source: ``pytest tests/architecture -k layer``.

Every import statement counts, wherever it is (module level, inside a function, under ``TYPE_CHECKING``).
Slack markup is looked for in the string literals the code writes (docstrings are documentation, not output):
an f-string is read with each interpolation as ``{}``, so ``f"*{name}*"`` is seen as ``*{}*``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SLACK = ("slack_sdk", "slack_bolt", "bot.slack")
# The layers below bot/slack: they know nothing of Slack, neither its libraries nor its markup.
BELOW_SLACK = (
    "bot/domain",
    "bot/workflow",
    "bot/store",
    "bot/infra",
    "bot/cloud",
    "bot/pricing",
    "bot/spend",
    "renderers",
)

# What each layer must not import (docs/architecture.md, "Layers, and what each may import").
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "renderers": ("bot",),
    "bot/config": ("bot.domain", "bot.workflow", "bot.store", "bot.infra", "bot.cloud", *SLACK, "bot.web"),
    "bot/domain": ("bot.workflow", "bot.store", "bot.infra", "bot.cloud", *SLACK, "bot.web"),
    "bot/store": ("bot.workflow", "bot.infra", "bot.cloud", *SLACK, "bot.web"),
    # The repository's write pacing is shared by every instance through the store (bot/infra/shared_budget.py).
    "bot/infra": ("bot.workflow", "bot.cloud", *SLACK, "bot.web"),
    "bot/cloud": ("bot.workflow", "bot.store", "bot.infra", *SLACK, "bot.web"),
    "bot/pricing": ("bot.workflow", "bot.store", "bot.infra", *SLACK, "bot.web"),
    "bot/spend": ("bot.workflow", "bot.store", "bot.infra", "bot.cloud", *SLACK, "bot.web"),
    "bot/workflow": (*SLACK, "bot.web", "bot.wiring", "bot.cli", "bot.demo"),
    "bot/slack": ("bot.web", "bot.wiring", "bot.cli", "bot.demo"),
}

# Slack's mrkdwn: a mention or special word (<@U…>, <!channel>, <#C…>), a link with a label (<url|label>,
# <{}|#{}>), and bold, italic or strike around an interpolation (*{}*, _{}_, ~{}~).
MARKUP = re.compile(
    r"<[@#][A-Z{(]|<![a-z{]"
    r"|<(?:https?://|mailto:|\{\})[^<>\s]*\|"
    r"|(?<![\w*])\*[^*\n]*\{\}[^*\n]*\*(?![\w*])"
    r"|(?<![\w_])_\{\}_(?![\w_])"
    r"|(?<![\w~])~\{\}~(?![\w~])"
)


def python_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def imported_names(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Every module named by an import statement (``from a import b`` names ``a`` and ``a.b``)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def is_within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def docstrings(tree: ast.AST) -> set[int]:
    """The ids of the constants that are docstrings."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def written_texts(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Each string literal as the code writes it, f-strings with ``{}`` for each interpolation."""
    skip = docstrings(tree)
    inside_fstrings: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                inside_fstrings.add(id(value))
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    parts.append(value.value)
                else:
                    parts.append("{}")
            yield node.lineno, "".join(parts)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skip
            and id(node) not in inside_fstrings
        ):
            yield node.lineno, node.value


def markup_in(source: str, filename: str = "<test>") -> list[tuple[int, str]]:
    """The lines of ``source`` whose string literals write Slack markup."""
    tree = ast.parse(source, filename)
    return [(line, text) for line, text in written_texts(tree) if MARKUP.search(text)]


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_only_what_docs_architecture_allows(layer: str) -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in python_files(layer)
        for line, name in imported_names(ast.parse(path.read_text(), str(path)))
        if any(is_within(name, banned) for banned in FORBIDDEN[layer])
    ]
    assert not wrong, "\n".join(wrong)


# The Slack modules that hold the store themselves: the directory cache, send-once claims, the shared
# chat.update budget. Every other one
# (listeners, the notifier) reaches requests through the workflow and narrow ports (docs/architecture.md).
SLACK_STORE_USERS = {"people.py", "delivery.py", "reminders.py", "setup_alerts.py", "nudges.py", "update_budget.py"}


def test_slack_listeners_and_the_notifier_reach_the_store_only_through_the_workflow() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in python_files("bot/slack")
        if path.name not in SLACK_STORE_USERS
        for line, name in imported_names(ast.parse(path.read_text(), str(path)))
        if is_within(name, "bot.store")
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("layer", BELOW_SLACK)
def test_layer_below_slack_writes_no_slack_markup(layer: str) -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {text[:100]!r}"
        for path in python_files(layer)
        for line, text in markup_in(path.read_text(), str(path))
    ]
    assert not found, "Slack markup belongs in bot/slack/ (docs/architecture.md):\n" + "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        'text = f"*{request.display_name}* is ready"',
        'text = f"the pull request (<{pr.url}|#{pr.number}>) was closed"',
        'text = f"belongs to <@{owner}>"',
        'text = "<!channel> look"',
        'text = "<https://example.com|here>"',
        'text = f"⚠️ *{plain(name)}*: {error}"',
        'text = f"_{why}_"',
        're.compile(r"^<@([UW][A-Z0-9]+)>$")',
        'text = "<#C0ADMINS>"',
    ],
)
def test_the_markup_check_sees_slack_markup(source: str) -> None:
    assert markup_in(source)


@pytest.mark.parametrize(
    "source",
    [
        'text = "environments/*.tf"',
        'text = f"{a} * {b} = {c}"',
        'text = f"**{kwargs}"',
        'text = "x < y and y > z"',
        'text = f"notebook: {name} for {email}"',
        'text = f"| Owner | {email} |"',
        'text = f"snake_{case}_name"',
        'def f():\n    """Turns ``<@U…>`` into a user id."""\n',
        'lookbehind = r"(?<![A-Za-z0-9])@"',
    ],
)
def test_the_markup_check_leaves_other_text_alone(source: str) -> None:
    assert not markup_in(source)
