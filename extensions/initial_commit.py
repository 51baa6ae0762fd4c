"""One-time set-up of a freshly generated project, run by Copier as a task after `copier copy`.

Initialises git on branch main and makes the first commit, unless the project already lies inside a
git work tree (a monorepo); then, if a remote URL was given, adds it as origin and pushes main.
Files that were in the folder before (`copier copy --overwrite`) stay out of the first commit.
A failed push is reported and the project is kept: the user can push later. Without git on PATH the
project is kept without a repository, and the commands that make the first commit are printed.

Copier prints the task's command line, so it stays short: the task runs in the template checkout and
takes only the project folder. The extension hands over the rest (remote URL, files that were there
before) in a plan file at ``plan_path(project)`` in the checkout's git-ignored ``.stage`` folder.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

FIRST_COMMIT_MESSAGE = "Generate project with mlops-factory"
LISTED = 5  # files named in a message before "and N more"

FALLBACK_IDENTITY = {
    "GIT_AUTHOR_NAME": "mlops-factory",
    "GIT_AUTHOR_EMAIL": "mlops-factory@users.noreply.localhost",
    "GIT_COMMITTER_NAME": "mlops-factory",
    "GIT_COMMITTER_EMAIL": "mlops-factory@users.noreply.localhost",
}


def git(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], capture_output=True, text=True, env=env, check=False)


def inside_work_tree() -> bool:
    result = git("rev-parse", "--is-inside-work-tree")
    return result.returncode == 0 and result.stdout.strip() == "true"


def commit_environment() -> dict[str, str]:
    """Commit as the user when git knows who they are, else under a neutral identity (said aloud)."""
    env = dict(os.environ)
    if not git("config", "user.email").stdout.strip() and "GIT_AUTHOR_EMAIL" not in env:
        print(
            "git has no user.email configured: the first commit is authored by 'mlops-factory'; "
            "amend it with: git commit --amend --reset-author",
            file=sys.stderr,
        )
        env.update(FALLBACK_IDENTITY)
    return env


def first_commit_by_hand(remote_url: str) -> str:
    """The commands that make the first commit (and the push), for when this task could not."""
    commands = f'git init -b main && git add --all && git commit -m "{FIRST_COMMIT_MESSAGE}"'
    if remote_url:
        commands += f" && git remote add origin {remote_url} && git push -u origin main"
    return commands


def plan_path(project: Path) -> Path:
    """Where the extension leaves the plan for ``project``, relative to the template checkout."""
    return Path(".stage") / f"first-commit-{hashlib.sha256(str(project).encode()).hexdigest()[:16]}.json"


def read_plan(project: Path) -> tuple[str, list[str]]:
    """The remote URL and the files that stay out of the first commit, from the plan file (then removed)."""
    path = plan_path(project)
    try:
        plan = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "", []
    path.unlink(missing_ok=True)
    return str(plan.get("remote_url") or ""), [str(name) for name in plan.get("leave_out") or []]


def leave_out(names: list[str]) -> None:
    """Unstage the files ``names`` (paths relative to the project)."""
    for start in range(0, len(names), 100):
        git("--literal-pathspecs", "rm", "--cached", "--quiet", "--ignore-unmatch", "--", *names[start : start + 100])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path, help="the project folder (absolute)")
    args = parser.parse_args(argv)
    remote_url, left_out = read_plan(args.project)
    os.chdir(args.project)

    if shutil.which("git") is None:
        print(
            "git is not on PATH, so the project was generated without a git repository: install git, then run "
            f"in the project folder: {first_commit_by_hand(remote_url)}",
            file=sys.stderr,
        )
        return 0
    if inside_work_tree():
        print("The project lies inside an existing git work tree: no git init, no commit.", file=sys.stderr)
        return 0
    for step in (("init", "--quiet", "-b", "main"), ("add", "--all")):
        result = git(*step)
        if result.returncode:
            print(
                f"git {step[0]} failed, the project is kept without a commit: {result.stderr.strip()}", file=sys.stderr
            )
            return 0
    leave_out(left_out)
    if left_out:
        more = f" and {len(left_out) - LISTED} more" if len(left_out) > LISTED else ""
        print(
            f"{len(left_out)} file(s) that were in the folder before stay out of the first commit (git status lists "
            f"them as untracked): {', '.join(left_out[:LISTED])}{more}",
            file=sys.stderr,
        )
    result = git("commit", "--quiet", "--no-verify", "-m", FIRST_COMMIT_MESSAGE, env=commit_environment())
    if result.returncode:
        print(f"The first commit failed, the project is kept uncommitted: {result.stderr.strip()}", file=sys.stderr)
        return 0
    if not remote_url:
        return 0
    git("remote", "add", "origin", remote_url)
    push = git("push", "--quiet", "-u", "origin", "main", env={**os.environ, "GIT_TERMINAL_PROMPT": "0"})
    if push.returncode:
        reason = (push.stderr.strip().splitlines() or ["no reason given"])[-1]
        print(
            f"Could not push main to {remote_url} ({reason}); the project is committed locally, "
            "push it later with: git push -u origin main",
            file=sys.stderr,
        )
    else:
        print(f"Pushed main to {remote_url}.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
