"""Release the factory from CHANGELOG.md: the newest version heading becomes the tag `v<version>` and a
GitHub release whose notes are that section.

The release workflow (`.github/workflows/release.yml`) runs `python scripts/release.py --publish` on main
after the tests passed. Run it without `--publish` to see what it would do:

    python scripts/release.py            # "Would release v1.2.0 at <commit> with these notes: ..."

What it decides, from CHANGELOG.md and the repository's tags (`git tag`):

- the newest release is the first heading `## X.Y.Z` or `## X.Y.Z - YYYY-MM-DD` (a pre-release
  `X.Y.ZrcN`, `aN` or `bN` is published as a GitHub pre-release); `## Unreleased` above it is not released;
- when the tag `vX.Y.Z` (or `X.Y.Z`) exists already, there is nothing to do;
- the headings must be well formed, each with some notes, newest first, and the newest must be newer than
  every tag, else it stops with one sentence naming the line.

With `--publish` it runs `gh release create vX.Y.Z --target <HEAD commit>`, which creates the tag and the
release in one step (so a failed run leaves neither, and the next run tries again). Needs git, and `gh`
with a token (GH_TOKEN) that may write the repository's contents. Exit codes: 0 released or nothing to
release, 1 a problem (one sentence on stderr).
"""

from __future__ import annotations

import argparse
import datetime
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

CHANGELOG = Path(__file__).resolve().parent.parent / "CHANGELOG.md"
TAG_PREFIX = "v"
UNRELEASED = "Unreleased"
VERSION = re.compile(r"(?P<major>\d+)\.(?P<minor>\d+)\.(?P<patch>\d+)(?:(?P<pre>a|b|rc)(?P<pre_number>\d+))?")
HEADING = re.compile(r"## +(?P<title>.*?) *")
RELEASE_TITLE = re.compile(rf"(?P<version>{VERSION.pattern})(?: - (?P<date>\S+))?")
HEADING_RULE = f"'## {UNRELEASED}' or '## X.Y.Z - YYYY-MM-DD' (a version like 1.2.0 or 1.3.0rc1, the date optional)"
# A pre-release sorts before its release: 1.3.0a1 < 1.3.0b1 < 1.3.0rc1 < 1.3.0.
PRE_RANK = {"a": 0, "b": 1, "rc": 2, None: 3}


class ReleaseError(Exception):
    """A problem the person releasing can act on; its message is one sentence."""


@dataclass(frozen=True)
class Section:
    """One `## ` section of the changelog: its title (a version or Unreleased), line and notes."""

    title: str
    line: int
    notes: str

    @property
    def is_release(self) -> bool:
        return self.title != UNRELEASED


@dataclass(frozen=True)
class Plan:
    """What to do: release `tag` with `notes`, or nothing (`tag` is None) for the reason given."""

    reason: str
    tag: str | None = None
    version: str | None = None
    notes: str = ""
    prerelease: bool = False


def version_key(text: str) -> tuple[int, int, int, int, int] | None:
    """A sortable key of a release version (`1.2.0`, `1.3.0rc1`, an optional leading `v`), or None."""
    match = VERSION.fullmatch(text.removeprefix(TAG_PREFIX))
    if match is None:
        return None
    return (
        int(match["major"]),
        int(match["minor"]),
        int(match["patch"]),
        PRE_RANK[match["pre"]],
        int(match["pre_number"] or 0),
    )


def _section_title(title: str, line: int) -> str:
    """The version (or Unreleased) of a heading's title, whose date must be a date; refuses any other title."""
    if title == UNRELEASED:
        return title
    match = RELEASE_TITLE.fullmatch(title)
    if match is None:
        hint = ""
        if title.lstrip("[").removeprefix(TAG_PREFIX)[:1].isdigit():
            hint = " (write the version without 'v' or brackets: the tag gets the 'v')"
        raise ReleaseError(f"CHANGELOG.md line {line}: '## {title}' is not {HEADING_RULE}{hint}")
    date = match["date"]
    if date is not None:
        try:
            datetime.date.fromisoformat(date)
        except ValueError:
            raise ReleaseError(
                f"CHANGELOG.md line {line}: '{date}' is not a date: write it as YYYY-MM-DD, e.g. 2026-12-01"
            ) from None
    return match["version"]


def parse_changelog(text: str) -> list[Section]:
    """The `## ` sections of the changelog, top to bottom, checked: well-formed headings, Unreleased
    first if present, versions newest first without repeats, and notes under every version."""
    headings: list[tuple[int, str]] = []
    lines = text.splitlines()
    in_fence = False
    for number, line in enumerate(lines, 1):
        if line.startswith("```"):
            in_fence = not in_fence
        heading = None if in_fence else HEADING.fullmatch(line)
        if heading:
            headings.append((number, heading["title"]))
    sections: list[Section] = []
    for index, (number, raw_title) in enumerate(headings):
        end = headings[index + 1][0] - 1 if index + 1 < len(headings) else len(lines)
        notes = "\n".join(lines[number:end]).strip()
        sections.append(Section(_section_title(raw_title, number), number, notes))
    previous: Section | None = None
    for section in sections:
        if not section.is_release:
            if previous is not None:
                raise ReleaseError(
                    f"CHANGELOG.md line {section.line}: '## {UNRELEASED}' must come first, above every version"
                )
        elif not section.notes:
            raise ReleaseError(
                f"CHANGELOG.md line {section.line}: version {section.title} has no notes: "
                "say what changed for people who generate and update projects"
            )
        elif previous is not None and previous.is_release and version_key(section.title) >= version_key(previous.title):
            raise ReleaseError(
                f"CHANGELOG.md line {section.line}: version {section.title} must be older than "
                f"{previous.title} above it (newest first, each version once)"
            )
        previous = section
    return sections


def plan_release(changelog: str, tags: list[str]) -> Plan:
    """Whether to release, and what: the newest version heading unless it is tagged already."""
    releases = [section for section in parse_changelog(changelog) if section.is_release]
    if not releases:
        return Plan(reason=f"CHANGELOG.md has no version heading yet (only '## {UNRELEASED}')")
    newest = releases[0]
    tag = TAG_PREFIX + newest.title
    tagged = {version_key(name): name for name in tags if version_key(name) is not None}
    key = version_key(newest.title)
    if key in tagged:
        return Plan(reason=f"{newest.title} is released already (tag {tagged[key]})")
    newest_tagged = max(tagged, default=None)
    if newest_tagged is not None and newest_tagged > key:
        raise ReleaseError(
            f"CHANGELOG.md line {newest.line}: the newest version {newest.title} is older than the tag "
            f"{tagged[newest_tagged]}: add the next version's heading above it"
        )
    return Plan(
        reason=f"{newest.title} is not tagged yet",
        tag=tag,
        version=newest.title,
        notes=newest.notes + "\n",
        prerelease=key[3] != PRE_RANK[None],
    )


# --- git and gh -------------------------------------------------------------------------------------


def _run(command: list[str], cwd: Path) -> str:
    try:
        result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise ReleaseError(f"'{command[0]}' is not installed or not on PATH") from None
    if result.returncode:
        lines = [line.strip() for line in (result.stderr or result.stdout).splitlines() if line.strip()]
        raise ReleaseError(f"{' '.join(command[:4])} failed: {lines[-1] if lines else f'exit {result.returncode}'}")
    return result.stdout.strip()


def publish(plan: Plan, repository: Path) -> str:
    """Create the tag and the GitHub release at the checked-out commit; returns gh's answer (the URL)."""
    commit = _run(["git", "rev-parse", "HEAD"], repository)
    with tempfile.TemporaryDirectory(prefix="mlops-factory-release-") as folder:
        notes_file = Path(folder, "notes.md")
        notes_file.write_text(plan.notes, encoding="utf-8")
        command = ["gh", "release", "create", plan.tag, "--target", commit]
        command += ["--title", f"mlops-factory {plan.version}", "--notes-file", str(notes_file)]
        command += ["--prerelease"] if plan.prerelease else []
        return _run(command, repository)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Release the newest version of CHANGELOG.md that is not tagged yet.")
    parser.add_argument("--changelog", type=Path, default=CHANGELOG, help="the changelog (default: CHANGELOG.md)")
    parser.add_argument("--publish", action="store_true", help="create the tag and GitHub release (needs gh)")
    args = parser.parse_args(argv)
    repository = args.changelog.resolve().parent
    try:
        try:
            changelog = args.changelog.read_text(encoding="utf-8")
        except OSError as error:
            raise ReleaseError(f"cannot read {args.changelog}: {error.strerror}") from None
        tags = _run(["git", "tag", "--list"], repository).splitlines()
        plan = plan_release(changelog, tags)
        if plan.tag is None:
            print(f"Nothing to release: {plan.reason}.")
            return 0
        if not args.publish:
            commit = _run(["git", "rev-parse", "--short", "HEAD"], repository)
            kind = "pre-release" if plan.prerelease else "release"
            print(f"Would {kind} {plan.tag} at {commit} with these notes:\n\n{plan.notes}")
            return 0
        print(f"Released {plan.tag}: {publish(plan, repository)}")
        return 0
    except ReleaseError as error:
        print(f"release: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
