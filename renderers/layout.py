"""Where an environment's file goes in the infrastructure repository.

One flat root (``environments/<name>.tf``) is simplest; with many environments every plan
refreshes every environment, so the layout can be sharded: ``environments/shard-07/<name>.tf``,
each shard directory its own Terraform root with its own state, and an environment always
lands in the same shard (a stable hash of its name, never Python's salted ``hash``).
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import string

from renderers.errors import FieldProblem

DEFAULT_PATH_TEMPLATE = "environments/{name}.tf"
SHARDED_PATH_TEMPLATE = "environments/shard-{shard:02d}/{name}.tf"
MAX_SHARDS = 1000
_SAFE_PATH = re.compile(r"[A-Za-z0-9._/-]+")
_SHARD_SPEC = re.compile(r"0?[0-9]?d?")


def shard_of(name: str, shards: int) -> int:
    """The shard (``0 <= shard < shards``) that environment ``name`` always belongs to."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % shards


def effective_template(path_template: str, shards: int) -> str:
    """The template actually used: with shards and the flat default, the sharded default."""
    if shards > 0 and path_template == DEFAULT_PATH_TEMPLATE:
        return SHARDED_PATH_TEMPLATE
    return path_template


def layout_problems(path_template: object, shards: object) -> list[FieldProblem]:
    """Problems with the configured layout; only ``{name}`` and ``{shard[:0Nd]}`` may be used."""
    if isinstance(shards, bool) or not isinstance(shards, int) or not 0 <= shards <= MAX_SHARDS:
        return [FieldProblem("shards", f"must be a whole number from 0 (no sharding) to {MAX_SHARDS}")]
    if not isinstance(path_template, str) or not path_template:
        return [FieldProblem("path_template", "is required")]
    template = effective_template(path_template, shards)
    try:
        fields = [
            (field, spec, conv) for _, field, spec, conv in string.Formatter().parse(template) if field is not None
        ]
    except ValueError as error:
        return [FieldProblem("path_template", f"is not a valid template ({error})")]
    problems: list[FieldProblem] = []
    names = {field for field, _, _ in fields}
    if not names <= {"name", "shard"} or any(conv for _, _, conv in fields):
        problems.append(FieldProblem("path_template", "may only use the placeholders {name} and {shard}"))
    elif any(field == "name" and spec for field, spec, _ in fields) or any(
        field == "shard" and not _SHARD_SPEC.fullmatch(spec or "") for field, spec, _ in fields
    ):
        problems.append(FieldProblem("path_template", "may format {shard} as a number (e.g. {shard:02d}) only"))
    if "name" not in names:
        problems.append(FieldProblem("path_template", "must contain {name}, one file per environment"))
    if shards > 0 and "shard" not in names:
        problems.append(FieldProblem("path_template", "must contain {shard} when shards is set"))
    if shards == 0 and "shard" in names:
        problems.append(FieldProblem("shards", "must be set when path_template uses {shard}"))
    if not problems:
        sample = template.format(name="nb-x", shard=0)
        if not _SAFE_PATH.fullmatch(sample) or sample.startswith("/") or ".." in sample.split("/"):
            problems.append(FieldProblem("path_template", "must give a relative path inside the repository"))
        elif not sample.endswith(".tf"):
            problems.append(FieldProblem("path_template", "must end in .tf"))
    return problems


def file_path(name: str, path_template: str, shards: int) -> str:
    """The repository path of environment ``name``'s file; assumes :func:`layout_problems` is empty."""
    template = effective_template(path_template, shards)
    shard = shard_of(name, shards) if shards > 0 else 0
    return posixpath.normpath(template.format(name=name, shard=shard))
