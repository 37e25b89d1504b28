#!/usr/bin/env python3
"""Print, as a JSON list, the Terraform roots of this repository that a change touches.

Roots are ``environments/`` (one flat root) and ``environments/shard-*/`` (sharded layout, each its own
state). A change inside a root selects that root; a change that every
root depends on (``modules/``, shared Terraform files, these workflows) selects all of them; anything
else (docs) selects none. Without a usable base revision every root is selected, so nothing is skipped.

    changed_roots.py --base REV --head REV     roots changed between the merge base of REV..HEAD and HEAD
    changed_roots.py --all                     every root
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path, PurePosixPath

ENVIRONMENTS = "environments"
SHARD_PREFIX = "shard-"
TERRAFORM_SUFFIXES = (".tf", ".tf.json", ".tfvars", ".hcl")
# Paths every root depends on: shared Terraform, and the machinery that plans and applies.
SHARED_PREFIXES = (
    "modules/",
    ".github/workflows/plan.yml",
    ".github/workflows/apply.yml",
    ".github/scripts/",
    ".github/terraform/",
)


def discover_roots(repo: Path) -> list[str]:
    """Every directory that is a root: environments/ and environments/shard-*/ holding *.tf files."""
    top = repo / ENVIRONMENTS
    if not top.is_dir():
        return []
    candidates = [top, *sorted(p for p in top.iterdir() if p.is_dir() and p.name.startswith(SHARD_PREFIX))]
    return [p.relative_to(repo).as_posix() for p in candidates if any(p.glob("*.tf"))]


def root_of(path: str) -> str | None:
    """The root a changed path belongs to, "*" for all roots, or None when no root is affected."""
    parts = PurePosixPath(path).parts
    if parts and parts[0] == ENVIRONMENTS:
        if len(parts) > 2 and parts[1].startswith(SHARD_PREFIX):
            return f"{ENVIRONMENTS}/{parts[1]}"
        return ENVIRONMENTS
    if path.startswith(SHARED_PREFIXES) or path.endswith(TERRAFORM_SUFFIXES):
        return "*"
    return None


def changed_paths(repo: Path, base: str, head: str) -> list[str] | None:
    """Paths changed on head since its merge base with base; None when base is unknown (e.g. all zeros)."""
    if not base or set(base) == {"0"}:
        return None
    known = subprocess.run(["git", "cat-file", "-e", f"{base}^{{commit}}"], cwd=repo, capture_output=True)
    if known.returncode != 0:
        return None
    # --no-renames: a moved file changes both the root it left and the root it joined.
    diff = subprocess.run(
        ["git", "diff", "--name-only", "--no-renames", f"{base}...{head}"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return [line for line in diff.stdout.splitlines() if line]


def select_roots(roots: list[str], paths: list[str] | None) -> list[str]:
    """The roots the changed paths touch (every existing root when paths is None).

    A root that no longer exists because its last Terraform file was deleted is still selected: planned
    and applied empty, it destroys what its state still holds instead of orphaning it.
    """
    if paths is None:
        return list(roots)
    touched: dict[str, list[str]] = {}
    for path in paths:
        root = root_of(path)
        if root is not None:
            touched.setdefault(root, []).append(path)
    selected = {
        root
        for root, changed in touched.items()
        if root == "*" or root in roots or any(path.endswith(TERRAFORM_SUFFIXES) for path in changed)
    }
    if "*" in selected:
        selected = (selected - {"*"}) | set(roots)
    return sorted(selected)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="", help="revision to compare with (PR base, last applied commit)")
    parser.add_argument("--head", default="HEAD", help="revision being planned or applied")
    parser.add_argument("--all", action="store_true", help="select every root")
    parser.add_argument("--repo", type=Path, default=Path.cwd(), help="repository checkout (default: .)")
    args = parser.parse_args(argv)
    roots = discover_roots(args.repo)
    paths = None if args.all else changed_paths(args.repo, args.base, args.head)
    print(json.dumps(select_roots(roots, paths)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
