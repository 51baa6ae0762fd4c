"""After every `copier update`: keep the team's edits that Copier would drop, and say what it could not apply.

Copier deletes a file that the new release (or a changed answer) no longer generates, edits and all, and it
skips without a word the template's changes to files the team deleted or moved (a renamed folder). Copier
runs this script as the last migration of every update (`_migrations` in copier.yml), in the project folder,
after the update has been applied:

1. Files the update removed: present at HEAD (the work tree is clean before an update) and now gone. Each is
   compared with what the old release generated for the old answers; one the team had edited is put back as
   committed and listed. One nobody edited stays removed, as Copier left it.
2. Files the team deleted or moved: generated once (added by a commit that changed the answers file: the
   first commit and every update) and gone from HEAD. Where the new release changes such a file, the change
   cannot be applied: the files are listed and the changes written to `mlops-factory-unapplied.patch`. Files
   the new release adds in a folder the team removed are listed, and folders the update left empty there are
   removed.

An update with nothing to check costs a few git commands; otherwise the old release (and, for step 2, the new
one) is rendered again for the paths in question (about a second each). Runs with Copier's Python; needs git.
"""

from __future__ import annotations

import argparse
import difflib
import os
import subprocess
import sys
from pathlib import Path, PurePosixPath
from typing import Any

from render_release import RenderError, rendered_files

PATCH = "mlops-factory-unapplied.patch"
LISTED = 10  # names listed in a message before "and N more"
# The files a commit added (A) and deleted (D), under the current folder: `git diff-tree <commit>` plus these.
CHANGES = ("diff-tree", "-r", "-z", "--root", "--no-renames", "--no-commit-id", "--relative", "--name-status")


def git(*args: str) -> bytes:
    result = subprocess.run(["git", "--literal-pathspecs", *args], capture_output=True, check=False)
    if result.returncode:
        raise RuntimeError(f"git {args[0]} failed: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout


def paths(output: bytes) -> list[str]:
    return [name.decode() for name in output.split(b"\0") if name]


def committed(path: str) -> bytes | None:
    shown = subprocess.run(["git", "show", f"HEAD:./{path}"], capture_output=True, check=False)
    return shown.stdout if shown.returncode == 0 else None


def listed(names: list[str]) -> str:
    more = f" and {len(names) - LISTED} more" if len(names) > LISTED else ""
    return ", ".join(names[:LISTED]) + more


def removed_by_update() -> list[str]:
    """Files at HEAD that the update deleted from the work tree."""
    return paths(git("ls-files", "-z", "--deleted"))


def once_generated(answers_file: str) -> set[str]:
    """Files added by the commits that changed the answers file (generation and updates), less those they removed."""
    generated: set[str] = set()
    for commit in git("log", "--reverse", "--format=%H", "--", answers_file).decode().split():
        fields = paths(git(*CHANGES, commit))
        for status, path in zip(fields[::2], fields[1::2], strict=True):
            if status == "A":
                generated.add(path)
            elif status == "D":
                generated.discard(path)
    return generated


def answers_at(text: bytes | None) -> dict[str, Any]:
    import yaml

    loaded = yaml.safe_load(text or b"") or {}
    return loaded if isinstance(loaded, dict) else {}


def keep_edited(removed: list[str], old: dict[str, bytes]) -> list[str]:
    """Put back the removed files the team had edited (content differs from the old release's); return them."""
    edited = [path for path in removed if old.get(path) != committed(path)]
    if edited:
        git("-c", f"core.hooksPath={os.devnull}", "checkout", "HEAD", "--", *edited)
    for path in edited:  # with --conflict rej, Copier leaves the team's own edit as a rejected hunk
        Path(f"{path}.rej").unlink(missing_ok=True)
    return edited


def _diff(path: str, old: bytes, new: bytes) -> list[str] | None:
    try:
        old_lines, new_lines = old.decode().splitlines(keepends=True), new.decode().splitlines(keepends=True)
    except UnicodeDecodeError:
        return None
    lines = []
    for line in difflib.unified_diff(old_lines, new_lines, f"a/{path}", f"b/{path}"):
        lines.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return lines


def write_patch(changed: list[str], old: dict[str, bytes], new: dict[str, bytes]) -> list[str]:
    """Write the template's changes to ``changed`` as one patch; return the files left out (not text)."""
    patch: list[str] = []
    binary = []
    for path in changed:
        lines = _diff(path, old[path], new[path])
        if lines is None:
            binary.append(path)
        else:
            patch += [f"diff --git a/{path} b/{path}\n", *lines]
    if patch:
        Path(PATCH).write_text("".join(patch), encoding="utf-8")
    return binary


def folders_gone(removed: list[str], at_head: set[str]) -> list[PurePosixPath]:
    """The folders of ``removed`` files that hold no file at HEAD any more, outermost first."""
    held = {parent for path in at_head for parent in PurePosixPath(path).parents}
    gone = {parent for path in removed for parent in PurePosixPath(path).parents if parent.parts}
    return sorted((folder for folder in gone if folder not in held), key=lambda folder: len(folder.parts))


def report_team_removed(
    team_removed: list[str], old: dict[str, bytes], new: dict[str, bytes], at_head: set[str]
) -> list[str]:
    lines = []
    changed = [path for path in team_removed if path in new and new[path] != old[path]]
    if changed:
        binary = write_patch(changed, old, new)
        saved = (
            f"They are in {PATCH}: apply what you need where those files are now (git apply -p<n> "
            "--directory=<folder> re-roots its paths), then delete the patch."
            if len(binary) < len(changed)
            else ""
        )
        not_text = f" Not in the patch (not text): {listed(binary)}." if binary else ""
        lines.append(
            f"mlops-factory: the release changed {len(changed)} file(s) you had deleted, moved or renamed, so these "
            f"changes were not applied: {listed(changed)}. {saved}{not_text}".rstrip()
        )
    gone = folders_gone(team_removed, at_head)
    outermost = [folder for folder in gone if not any(other in folder.parents for other in gone)]
    untracked = (
        paths(git("ls-files", "-z", "--others", "--exclude-standard", "--", *map(str, outermost))) if gone else []
    )
    if untracked:
        lines.append(
            f"mlops-factory: the release added {listed(untracked)} in {', '.join(f'{f}/' for f in outermost)}, which "
            "you had removed or renamed: move them where those files are now, or delete them."
        )
    for folder in reversed(gone):
        if Path(folder).is_dir() and not any(Path(folder).iterdir()):
            Path(folder).rmdir()
    return lines


def unchecked(removed: list[str], error: RenderError) -> str:
    """What to say when the old release cannot be rendered to compare with."""
    if not removed:
        return f"mlops-factory: could not check for changes to files you deleted or moved ({error})"
    return (
        f"mlops-factory: could not check whether you had edited the {len(removed)} file(s) this update removed "
        f"({error}); restore any you need with git checkout HEAD -- <file>: {listed(removed)}"
    )


def check(template: Path, old_commit: str, answers_file: str, moved: list[str]) -> list[str]:
    """Keep edited files the update removed and report unapplied changes; the lines to print."""
    removed = [path for path in removed_by_update() if path not in moved]
    at_head = set(paths(git("ls-tree", "-r", "-z", "--name-only", "HEAD")))
    candidates = once_generated(answers_file) - at_head - {answers_file, PATCH}
    if not removed and not candidates:
        return []
    try:
        old = rendered_files(template, old_commit, answers_at(committed(answers_file)), [*removed, *candidates])
    except RenderError as error:
        return [unchecked(removed, error)]
    lines = []
    kept = keep_edited(removed, old)
    if kept:
        lines.append(
            f"mlops-factory: kept {len(kept)} file(s) you had edited, which the template no longer generates for "
            f"your answers (delete them when you no longer need them): {listed(kept)}"
        )
    team_removed = sorted(path for path in candidates if path in old)
    if team_removed:
        new_answers = answers_at(Path(answers_file).read_bytes() if Path(answers_file).is_file() else None)
        try:
            new = rendered_files(template, "HEAD", new_answers, team_removed)
        except RenderError as error:
            return [*lines, f"mlops-factory: could not check for changes to files you deleted or moved ({error})"]
        lines += report_team_removed(team_removed, old, new, at_head)
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", required=True, type=Path, help="local checkout of the factory updated to")
    parser.add_argument("--old-commit", required=True, help="the factory commit or tag the project was made from")
    parser.add_argument("--answers-file", default=".copier-answers.yml", help="the project's Copier answers file")
    parser.add_argument("--moved", action="append", default=[], help="an old path a move migration takes care of")
    args = parser.parse_args(argv)
    try:
        lines = check(args.template, args.old_commit, args.answers_file, args.moved)
    except (OSError, RuntimeError) as error:  # the update itself is done: never fail it here
        lines = [f"mlops-factory: could not check for edits this update removed ({error}); review git status"]
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
