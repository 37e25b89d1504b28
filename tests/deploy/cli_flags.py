"""The flags gcloud, gh, terraform, git and notebook-bot document, and a checker of command lines against them.

Used by the bootstrap's dry-run test and by the README's commands test; the bootstrap test's slow half re-reads
the gcloud and Terraform entries from the installed CLIs' own help.
"""

from __future__ import annotations

import shlex
from pathlib import Path

# Flags each command documents (gcloud 528 `--help` SYNOPSIS, Terraform 1.11 `-help`, the gh 2.x manual, git).
# test_the_flag_table_matches_the_installed_clis re-reads them from the real CLIs where they are installed.
GCLOUD_WIDE = {"--project", "--format", "--quiet", "--verbosity", "--account", "--billing-project", "--configuration",
               "--impersonate-service-account", "--flatten", "--log-http", "--trace-token", "--user-output-enabled",
               "--help", "--flags-file", "--access-token-file"}  # fmt: skip
FLAGS: dict[tuple[str, ...], set[str]] = {
    ("gcloud", "config", "set"): set(),
    ("gcloud", "config", "get-value"): set(),
    ("gcloud", "auth", "list"): {"--filter-account", "--filter", "--limit", "--page-size", "--sort-by"},
    ("gcloud", "auth", "application-default", "print-access-token"): {"--lifetime", "--scopes"},
    ("gcloud", "auth", "application-default", "set-quota-project"): set(),
    ("gcloud", "services", "list"): {"--available", "--enabled", "--filter", "--limit", "--page-size", "--sort-by"},
    ("gcloud", "services", "enable"): {"--async"},
    ("gcloud", "secrets", "versions", "list"): {"--location", "--filter", "--limit", "--page-size", "--sort-by",
                                                 "--uri"},
    ("gcloud", "secrets", "versions", "add"): {"--data-file", "--location"},
    ("gcloud", "secrets", "versions", "access"): {"--secret", "--location", "--out-file"},
    ("gcloud", "storage", "objects", "describe"): {"--additional-headers", "--fetch-encrypted-object-hashes", "--raw",
                                                   "--soft-deleted", "--decryption-keys"},
    ("gcloud", "artifacts", "docker", "images", "describe"): {"--metadata-filter", "--show-all-metadata",
                                                              "--show-build-details"},
    ("gcloud", "builds", "submit"): {"--config", "--substitutions", "--region", "--tag", "--async", "--ignore-file",
                                     "--timeout", "--machine-type", "--service-account", "--no-source"},
    ("terraform", "version"): {"-json"},
    ("terraform", "init"): {"-input", "-backend-config", "-upgrade", "-reconfigure", "-migrate-state", "-no-color",
                            "-lock-timeout", "-backend", "-get", "-json"},
    ("terraform", "apply"): {"-auto-approve", "-input", "-var", "-var-file", "-lock-timeout", "-no-color",
                             "-parallelism", "-target", "-replace", "-refresh"},
    ("terraform", "output"): {"-json", "-raw", "-no-color", "-state", "-show-sensitive"},
    ("gh", "auth", "status"): {"--hostname", "-h", "--show-token", "-t", "--active", "-a", "--json"},
    ("gh", "api"): {"--method", "-X", "--field", "-F", "--raw-field", "-f", "--header", "-H", "--input", "--jq", "-q",
                    "--silent", "--include", "-i", "--paginate", "--hostname", "--cache", "--template", "-t",
                    "--verbose", "--slurp"},
    ("gh", "repo", "create"): {"--private", "--public", "--internal", "--description", "-d", "--clone", "-c",
                               "--add-readme", "--disable-issues", "--disable-wiki", "--homepage", "--team",
                               "--template", "--source", "--remote", "--push"},
    ("gh", "repo", "clone"): {"--upstream-remote-name", "-u", "--no-upstream"},
    ("gh", "variable", "set"): {"--body", "-b", "--repo", "-R", "--env", "-e", "--org", "-o", "--visibility", "-v",
                                "--repos", "-r", "--env-file", "-f"},
    ("gh", "variable", "list"): {"--repo", "-R", "--env", "-e", "--org", "-o", "--json", "--jq", "-q", "--template"},
    ("gh", "workflow", "run"): {"--ref", "-r", "--raw-field", "-f", "--field", "-F", "--json", "--repo", "-R"},
    ("gh", "run", "list"): {"--workflow", "-w", "--repo", "-R", "--limit", "-L", "--json", "--jq", "-q", "--branch",
                            "-b", "--status", "-s", "--event", "-e", "--user", "-u", "--commit", "-c", "--all", "-a"},
    ("git", "add"): {"--all", "-A"},
    ("git", "commit"): {"--quiet", "-q", "--message", "-m"},
    ("git", "push"): set(),
    ("git", "rev-parse"): {"--short"},
    ("git", "status"): {"--porcelain", "--untracked-files"},
    ("notebook-bot", "check-config"): {"--policy-only"},
    ("notebook-bot", "doctor"): set(),
    ("notebook-bot", "socket"): {"--reconcile-every"},
}  # fmt: skip
REQUIRED = {("gcloud", "secrets", "versions", "add"): {"--data-file"}, ("gh", "variable", "set"): {"--body"}}


# Further commands the deploy README shows (operations, recovery).
FLAGS.update({
    ("gcloud", "auth", "login"): {"--no-launch-browser", "--update-adc", "--brief"},
    ("gcloud", "auth", "application-default", "login"): {"--no-launch-browser", "--scopes", "--client-id-file"},
    ("gcloud", "secrets", "versions", "disable"): {"--secret", "--location", "--etag"},
    ("gcloud", "logging", "read"): {"--freshness", "--limit", "--order", "--bucket", "--location", "--view"},
    ("gcloud", "scheduler", "jobs", "run"): {"--location"},
    ("gcloud", "scheduler", "jobs", "describe"): {"--location"},
    ("gcloud", "firestore", "backups", "list"): {"--location", "--filter", "--limit", "--page-size", "--sort-by"},
    ("gcloud", "firestore", "databases", "restore"): {"--source-backup", "--destination-database", "--encryption-type",
                                                      "--kms-key-name"},
    ("gcloud", "storage", "ls"): {"--all-versions", "-a", "--buckets", "-b", "--long", "-l", "--recursive", "-r"},
    ("gcloud", "auth", "configure-docker"): set(),
    ("gh", "run", "watch"): {"--repo", "-R", "--exit-status", "--interval", "-i", "--compact"},
    ("gh", "run", "view"): {"--repo", "-R", "--log", "--log-failed", "--job", "-j", "--verbose", "-v", "--web", "-w"},
    ("gh", "run", "rerun"): {"--repo", "-R", "--failed", "--job", "-j", "--debug", "-d"},
    ("gh", "auth", "login"): {"--scopes", "-s", "--hostname", "-h", "--web", "-w", "--with-token", "--git-protocol",
                              "-p"},
    ("terraform", "force-unlock"): {"-force"},
    ("terraform", "plan"): {"-input", "-no-color", "-lock", "-out", "-var", "-var-file"},
})  # fmt: skip


def problems_with(command: list[str]) -> list[str]:
    """Why a command would be refused by its CLI: unknown subcommand, undocumented or missing flag."""
    tool = Path(command[0]).name
    words = [w for w in command[1:] if not w.startswith("-")]
    flags = [w.split("=", 1)[0] for w in command[1:] if w.startswith("-") and w != "-"]
    if tool == "terraform":
        flags = [f for f in flags if f != "-chdir"]
    if tool == "git":
        flags = [f for f in flags if f != "-C"]
        words = words[1:] if command[1] == "-C" else words
    known = [key for key in FLAGS if key[0] == tool and tuple(words[: len(key) - 1]) == key[1:]]
    if not known:
        return [f"{shlex.join(command)}: no such subcommand in the table"]
    key = max(known, key=len)
    allowed = FLAGS[key] | (GCLOUD_WIDE if tool == "gcloud" else set())
    wrong = [f"{shlex.join(command)}: {flag} is not a flag of {' '.join(key)}" for flag in flags if flag not in allowed]
    missing = [f"{shlex.join(command)}: needs {flag}" for flag in REQUIRED.get(key, set()) if flag not in flags]
    return wrong + missing
