"""Carry a team's edits along when a factory release moves a generated file. Copier runs it as a migration
(`_migrations` in copier.yml) after `copier update` has rendered the new release.

Copier on its own loses the edits of a moved file: the old path is gone from the new release, so the update
deletes it, and the new path arrives with the template's content. This script puts the edits back with a
three-way merge, into the file at its new path:

    ours    the team's file at the old path, as committed before the update (HEAD)
    base    what the old release generated there (the template source file at the old release's commit)
    theirs  what the new release generated at the new path (in the working tree after the update)

Where both changed the same lines the file gets conflict markers, like any other update conflict. A file the
team had deleted stays deleted. The source file must be a plain file (not .jinja) in the template repository,
so that its content at the old commit is exactly what the old release generated.
Runs in the project directory; needs only git.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

CONFLICT_LABELS = ("your edits", "before the move", "after updating")


def git(*args: str, cwd: str | Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)


def committed(path: str, cwd: str | Path | None = None, revision: str = "HEAD") -> str | None:
    """The content of ``path`` (relative to ``cwd``) at ``revision``, None when it is not there."""
    shown = git("show", f"{revision}:./{path}", cwd=cwd)
    return shown.stdout if shown.returncode == 0 else None


def merge(ours: str, base: str, theirs: str) -> tuple[str, bool]:
    """Three-way merge of whole texts with git merge-file; returns the result and whether it has conflicts."""
    with tempfile.TemporaryDirectory(prefix="mlops-factory-move-") as folder:
        files = []
        for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            file = Path(folder, name)
            file.write_text(text, encoding="utf-8")
            files.append(str(file))
        labels = [option for label in CONFLICT_LABELS for option in ("-L", label)]
        result = subprocess.run(
            ["git", "merge-file", "--stdout", *labels, *files], capture_output=True, text=True, check=False
        )
    if result.returncode < 0 or result.returncode > 127:
        raise SystemExit(f"error: git merge-file failed: {result.stderr.strip()}")
    return result.stdout, result.returncode > 0


def move(old: str, new: str, template: str, source: str, old_commit: str) -> str:
    """Bring the edits of ``old`` into ``new``; returns what was done, in one line."""
    ours = committed(old)
    if ours is None:
        if Path(new).exists() and committed(new) is None:
            Path(new).unlink()
            return f"{old} was deleted in this project, so its new location {new} is not created either"
        return f"{old} was not in this project: nothing to move"
    if not Path(new).is_file():
        return f"the new release does not generate {new}: {old} is left as the update made it"
    base = committed(source, cwd=template, revision=old_commit)
    theirs = Path(new).read_text(encoding="utf-8")
    if base is None:
        Path(new).write_text(ours, encoding="utf-8")
        return (
            f"{old} -> {new}: your version is kept as it was; compare it with the template's version "
            f"({source} of mlops-factory {old_commit} was not found)"
        )
    if ours == base:
        return f"{old} -> {new}: you had not changed it, the new release's version is in place"
    merged, conflicted = merge(ours, base, theirs)
    Path(new).write_text(merged, encoding="utf-8")
    if conflicted:
        return f"{old} -> {new}: your edits are in, with conflict markers where the release changed the same lines"
    return f"{old} -> {new}: your edits are in"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", required=True, help="path of the file before the move, relative to the project")
    parser.add_argument("--new", required=True, help="path of the file after the move, relative to the project")
    parser.add_argument("--template", required=True, help="local checkout of the factory being updated to")
    parser.add_argument("--source", required=True, help="path of the old file's source in the factory repository")
    parser.add_argument("--old-commit", required=True, help="the factory commit or tag the project was made from")
    args = parser.parse_args(argv)
    print(f"mlops-factory migration: {move(args.old, args.new, args.template, args.source, args.old_commit)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
