"""Where a rendered module invocation points: a local directory, a git repository or a registry.

Admins choose one source for the fleet (policy ``repo.module_source`` / ``module_version``);
this module turns it into the ``source`` (and, for registries, ``version``) of one file.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Literal

from renderers.errors import FieldProblem
from renderers.patterns import GIT_REF, REGISTRY_VERSION

SourceKind = Literal["local", "git", "registry", "remote"]

# NAMESPACE/NAME/PROVIDER, optionally behind a registry hostname, optionally //SUBDIR.
_REGISTRY = re.compile(
    r"(?:[a-z0-9-]+(?:\.[a-z0-9-]+)+/)?[A-Za-z0-9][A-Za-z0-9_-]*/[A-Za-z0-9][A-Za-z0-9_-]*/[a-z0-9]+(?://.*)?"
)
_SAFE_SOURCE = re.compile(r"[A-Za-z0-9._~:/?#@!$&'()*+,;=%-]+")


@dataclass(frozen=True)
class ModuleSource:
    """The ``source`` and optional ``version`` arguments for one module block."""

    source: str
    version: str | None


def classify(source: str) -> SourceKind:
    """Tell a local repository path from a remote source.

    Remote: anything with a getter prefix (``git::``) or a URL scheme, ``github.com/...``
    shorthands, and registry addresses ``NAMESPACE/NAME/PROVIDER``. Everything else is a path
    relative to the repository root; a local path that happens to have three segments must be
    written with a leading ``./`` to avoid reading as a registry address.
    """
    if source.startswith("git::") or source.endswith(".git") or ".git//" in source or ".git?" in source:
        return "git"
    if "::" in source or "://" in source or source.startswith(("github.com/", "bitbucket.org/")):
        return "remote"
    if not source.startswith(("./", "../")) and _REGISTRY.fullmatch(source):
        return "registry"
    return "local"


def source_problems(source: object, version: object) -> list[FieldProblem]:
    """Problems with the configured module source and version, before any rendering."""
    problems: list[FieldProblem] = []
    if not isinstance(source, str) or not source:
        return [FieldProblem("module_source", "is required")]
    if len(source) > 512 or not _SAFE_SOURCE.fullmatch(source):
        problems.append(FieldProblem("module_source", "must be a path or URL without spaces or quotes"))
        return problems
    kind = classify(source)
    if kind == "local":
        parts = source.strip("/").split("/")
        if source.startswith("/") or ".." in parts or "?" in source:
            problems.append(
                FieldProblem("module_source", "a local path must be relative to the repository root, without '..'")
            )
    if version is None:
        return problems
    if not isinstance(version, str):
        problems.append(FieldProblem("module_version", "must be text"))
    elif kind == "registry" and not REGISTRY_VERSION.fullmatch(version):
        problems.append(FieldProblem("module_version", "must be a version or constraint such as 1.4.0 or ~> 1.4"))
    elif kind in ("git", "remote") and not GIT_REF.fullmatch(version):
        problems.append(FieldProblem("module_version", "must be a git tag, branch or commit"))
    elif kind in ("git", "remote") and "ref=" in source:
        problems.append(FieldProblem("module_version", "module_source already pins ?ref=; give the version once"))
    return problems


def module_source(source: str, version: str | None, kind: str, file_path: str) -> ModuleSource:
    """Return the source arguments for module ``kind`` as seen from the file at ``file_path``.

    Local: the path from the file's directory to ``<source>/<kind>`` (``../modules/workbench``).
    Remote: ``/<kind>`` is appended to the subdirectory (``//<kind>`` when there is none yet),
    before any query string; git sources get ``?ref=<version>``, registry sources a ``version``
    argument. Assumes :func:`source_problems` found nothing.
    """
    source_kind = classify(source)
    if source_kind == "local":
        target = posixpath.normpath(posixpath.join(source, kind))
        relative = posixpath.relpath(target, posixpath.dirname(file_path) or ".")
        return ModuleSource(relative if relative.startswith("../") else f"./{relative}", None)
    address, _, query = source.partition("?")
    address = f"{address.rstrip('/')}{'/' if _has_subdirectory(address) else '//'}{kind}"
    if source_kind == "registry":
        return ModuleSource(address if not query else f"{address}?{query}", version)
    if version is not None:
        query = f"{query}&ref={version}" if query else f"ref={version}"
    return ModuleSource(f"{address}?{query}" if query else address, None)


def _has_subdirectory(address: str) -> bool:
    """Whether ``address`` already has a ``//subdir`` part (the ``//`` of ``https://`` does not count)."""
    without_getter = address.split("::", 1)[-1]
    _, scheme_sep, rest = without_getter.partition("://")
    return "//" in (rest if scheme_sep else without_getter)
