"""One-time set-up of a freshly generated project, run by Copier as a task after `copier copy`.

Initialises git on branch main and makes the first commit, unless the project already lies inside a
git work tree (a monorepo); then, if a remote URL was given, adds it as origin and pushes main.
Files that were in the folder before (`copier copy --overwrite`) stay out of the first commit.
A failed push is reported and the project is kept: the user can push later. Without git on PATH the
project is kept without a repository, and the commands that make the first commit are printed.
Runs in the project directory.
"""

from __future__ import annotations

import argparse
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


def leave_out(listing: str) -> list[str]:
    """Unstage the files named in ``listing`` (NUL-separated paths); return them."""
    names = [name for name in Path(listing).read_text(encoding="utf-8").split("\0") if name] if listing else []
    for start in range(0, len(names), 100):
        git("--literal-pathspecs", "rm", "--cached", "--quiet", "--ignore-unmatch", "--", *names[start : start + 100])
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--remote-url", default="", help="git remote to push main to (optional)")
    parser.add_argument(
        "--leave-out", default="", help="file listing (NUL-separated) paths that stay out of the first commit"
    )
    args = parser.parse_args(argv)

    if shutil.which("git") is None:
        print(
            "git is not on PATH, so the project was generated without a git repository: install git, then run "
            f"in the project folder: {first_commit_by_hand(args.remote_url)}",
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
    left_out = leave_out(args.leave_out)
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
    if not args.remote_url:
        return 0
    git("remote", "add", "origin", args.remote_url)
    push = git("push", "--quiet", "-u", "origin", "main", env={**os.environ, "GIT_TERMINAL_PROMPT": "0"})
    if push.returncode:
        reason = (push.stderr.strip().splitlines() or ["no reason given"])[-1]
        print(
            f"Could not push main to {args.remote_url} ({reason}); the project is committed locally, "
            "push it later with: git push -u origin main",
            file=sys.stderr,
        )
    else:
        print(f"Pushed main to {args.remote_url}.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
