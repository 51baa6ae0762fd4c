"""Propose the newest mlops-factory release for this project, on a branch, as a pull request.

mlops-factory generated this project; `.copier-answers.yml` records which release (`_commit`) and
where the factory lives (`_src_path`). This script:

1. asks the factory's repository for its release tags (`git ls-remote --tags`) and stops, saying
   "up to date", when none is newer than `_commit` (PEP 440 versions; pre-releases with --prereleases);
2. otherwise creates the branch `mlops-factory/update-<version>` from the current commit, runs
   `copier update` to that release on it (your edits are merged, see the update guide in README.md)
   and commits the result, conflict markers included;
3. writes a pull-request description that lists every changed file and, first, every file with a
   conflict to resolve (`<<<<<<< before updating` markers or `*.rej` files);
4. with --open-pr github|azure-devops, pushes the branch and opens the pull request with `gh` or
   `az repos` (a draft when there are conflicts). Without it, nothing leaves your machine.

The scheduled workflow `factory-update` (GitHub Actions or Azure DevOps) runs it every week. Run it
yourself from the project root with Copier installed (`pip install copier copier-template-extensions`):

    python .mlops-factory/update.py                  # branch + commit + description, locally
    python .mlops-factory/update.py --to 1.4.0       # a given release instead of the newest

Exit codes: 0 up to date, already proposed, or updated without conflicts; 3 updated with conflicts to
resolve; 1 something went wrong (one sentence on stderr; a failed update leaves no branch behind).
Needs git, and Copier with its dependencies (PyYAML, packaging) in the Python that runs it.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ANSWERS_FILE = ".copier-answers.yml"
BRANCH_PREFIX = "mlops-factory/update-"
CONFLICT_MARKERS = ("<<<<<<< before updating", ">>>>>>> after updating")
EXIT_OK, EXIT_FAILED, EXIT_CONFLICTS = 0, 1, 3
# Azure DevOps refuses longer pull-request descriptions.
AZURE_DEVOPS_DESCRIPTION_LIMIT = 4000
# Lines of `copier update`'s output from the factory's own after-update check (kept edits, unapplied changes).
NOTE_PREFIX = "mlops-factory: "
BOT_IDENTITY = ("mlops-factory update", "mlops-factory-update@users.noreply.localhost")


class UpdateError(Exception):
    """A problem the user can act on; its message is one sentence."""


@dataclass(frozen=True)
class Release:
    tag: str
    version: object  # packaging.version.Version


@dataclass
class Outcome:
    result: str  # up-to-date | already-proposed | updated | conflicts
    current: str
    target: str = ""
    branch: str = ""
    changed: tuple[tuple[str, str], ...] = ()
    conflicts: tuple[str, ...] = ()
    body: str = ""
    notes: tuple[str, ...] = ()  # what the update said about edits it kept or changes it could not apply


# --- git --------------------------------------------------------------------------------------------


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            command,
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", **(env or {})},
        )
    except FileNotFoundError:
        raise UpdateError(f"'{command[0]}' is not installed or not on PATH") from None


def last_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line.strip() for line in (result.stderr or result.stdout).splitlines() if line.strip()]
    return lines[-1] if lines else f"exit code {result.returncode}"


def git(project: Path, *args: str) -> str:
    result = run(["git", *args], project)
    if result.returncode:
        raise UpdateError(f"git {args[0]} failed: {last_line(result)}")
    return result.stdout.strip()


# --- which release ----------------------------------------------------------------------------------


def read_answers(project: Path) -> dict[str, object]:
    import yaml  # a dependency of Copier

    path = project / ANSWERS_FILE
    if not path.is_file():
        raise UpdateError(
            f"no {ANSWERS_FILE} in {project}: run this from the root of a project mlops-factory generated"
        )
    try:
        answers = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise UpdateError(f"{ANSWERS_FILE} is not valid YAML ({getattr(error, 'problem', error)})") from None
    if not isinstance(answers, dict):
        raise UpdateError(f"{ANSWERS_FILE} is not a mapping of answers")
    for key in ("_commit", "_src_path"):
        if not answers.get(key):
            raise UpdateError(f"{ANSWERS_FILE} has no {key}: it was not written by copier copy from a git repository")
    return answers


def git_url(source: str) -> str:
    """The URL git understands for Copier's `_src_path` (gh:/gl: shortcuts, git+ prefixes)."""
    for prefix, base in (("gh:", "https://github.com/"), ("gl:", "https://gitlab.com/")):
        if source.startswith(prefix):
            return base + source.removeprefix(prefix).strip("/")
    return source.removeprefix("git+")


def parse_version(text: str):
    """PEP 440 version of a tag or of `_commit` (`git describe` form `1.2.0-3-gabc1234` included), or None."""
    from packaging.version import InvalidVersion, Version  # a dependency of Copier

    described = re.fullmatch(r"(.+)-(\d+)-g[0-9a-f]+", text)
    if described:
        text = f"{described.group(1)}.post{described.group(2)}"
    try:
        return Version(text)
    except InvalidVersion:
        return None


def releases(project: Path, source: str) -> list[Release]:
    result = run(["git", "ls-remote", "--tags", git_url(source)], project)
    if result.returncode:
        raise UpdateError(f"could not list the tags of the factory at {source}: {last_line(result)}")
    found = {}
    for line in result.stdout.splitlines():
        ref = line.partition("\t")[2].removeprefix("refs/tags/").removesuffix("^{}")
        version = parse_version(ref)
        if version is not None:
            found[ref] = Release(ref, version)
    return sorted(found.values(), key=lambda release: release.version)


def choose_release(available: list[Release], current: str, wanted: str | None, prereleases: bool) -> Release | None:
    """The release to update to, or None when the project is up to date."""
    current_version = parse_version(current)
    if current_version is None:
        raise UpdateError(
            f"_commit '{current}' in {ANSWERS_FILE} is not a release version, so no release can be called newer: "
            "update once by hand with `copier update --trust --vcs-ref=<tag>`"
        )
    if wanted:
        match = [release for release in available if release.tag == wanted or str(release.version) == wanted]
        if not match:
            raise UpdateError(f"the factory has no release '{wanted}'")
        return match[-1] if match[-1].version > current_version else None
    newer = [
        release
        for release in available
        if release.version > current_version and (prereleases or not release.version.is_prerelease)
    ]
    return newer[-1] if newer else None


# --- the update -------------------------------------------------------------------------------------


def branch_exists(project: Path, branch: str, remote: str | None) -> bool:
    if run(["git", "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"], project).returncode == 0:
        return True
    if remote:
        listed = run(["git", "ls-remote", "--heads", remote, f"refs/heads/{branch}"], project)
        if listed.returncode:
            raise UpdateError(f"could not ask the remote '{remote}' for its branches: {last_line(listed)}")
        return bool(listed.stdout.strip())
    return False


def conflicted_files(project: Path, changed: list[str]) -> list[str]:
    """Files Copier left conflicts in: unmerged index entries, inline markers, or `*.rej` files."""
    found = set(git(project, "diff", "--name-only", "--diff-filter=U").splitlines())
    for name in changed:
        path = project / name
        if name.endswith(".rej"):
            found.add(name.removesuffix(".rej"))
        elif path.is_file():
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except UnicodeDecodeError:
                continue
            if any(line.rstrip() in CONFLICT_MARKERS for line in lines):
                found.add(name)
    return sorted(found)


def copier_update(project: Path, tag: str, conflict: str) -> tuple[str, ...]:
    """Run the update; return the factory's notes on kept edits and changes it could not apply."""
    command = [sys.executable, "-m", "copier", "update", "--trust", "--defaults", f"--vcs-ref={tag}"]
    result = run([*command, f"--conflict={conflict}"], project)
    if result.returncode:
        sys.stderr.write(result.stdout + result.stderr)
        raise UpdateError(f"copier update to {tag} failed: {last_line(result)}")
    return tuple(line.removeprefix(NOTE_PREFIX) for line in result.stdout.splitlines() if line.startswith(NOTE_PREFIX))


def commit(project: Path, message: str) -> None:
    identity: list[str] = []
    if not run(["git", "config", "user.email"], project).stdout.strip():
        identity = ["-c", f"user.name={BOT_IDENTITY[0]}", "-c", f"user.email={BOT_IDENTITY[1]}"]
    git(project, *identity, "commit", "--quiet", "--no-verify", "-m", message)


def describe_change(status: str) -> str:
    return {"A": "added", "M": "changed", "D": "removed", "T": "changed"}.get(status[:1], "changed")


def update_on_branch(project: Path, current: str, release: Release, branch: str, conflict: str) -> Outcome:
    if git(project, "status", "--porcelain"):
        raise UpdateError("the work tree has uncommitted changes: commit or stash them first")
    start = git(project, "rev-parse", "HEAD")
    original = run(["git", "symbolic-ref", "--quiet", "--short", "HEAD"], project).stdout.strip() or start
    git(project, "switch", "--quiet", "-c", branch)
    try:
        notes = copier_update(project, release.tag, conflict)
        changed_now = git(project, "status", "--porcelain", "--untracked-files=all").splitlines()
        conflicts = conflicted_files(project, [line[3:] for line in changed_now])
        git(project, "add", "--all")
        commit(project, f"Update from mlops-factory {current} to {release.tag}")
    except BaseException:
        # Leave the project as it was: no half update, no branch.
        run(["git", "reset", "--quiet", "--hard"], project)
        run(["git", "clean", "--quiet", "-fd"], project)
        run(["git", "switch", "--quiet", "--detach", start], project)
        if original != start:
            run(["git", "switch", "--quiet", original], project)
        run(["git", "branch", "--quiet", "-D", branch], project)
        raise
    changes = tuple(
        (line.split("\t")[-1], describe_change(line))
        for line in git(project, "diff", "--name-status", "--no-renames", start, "HEAD").splitlines()
    )
    return Outcome(
        result="conflicts" if conflicts else "updated",
        current=current,
        target=release.tag,
        branch=branch,
        changed=changes,
        conflicts=tuple(conflicts),
        notes=notes,
    )


# --- the pull request -------------------------------------------------------------------------------


def release_notes_link(source: str, tag: str) -> str:
    url = git_url(source).removesuffix(".git")
    if url.startswith("https://github.com/"):
        return f"{url}/blob/{tag}/CHANGELOG.md"
    return f"CHANGELOG.md of {source} at {tag}"


def pull_request_body(outcome: Outcome, source: str) -> str:
    lines = [
        f"Updates this project from mlops-factory **{outcome.current}** to **{outcome.target}** "
        f"with `copier update --vcs-ref={outcome.target}`; your own edits were merged with the template's changes.",
        "",
        f"What the release changes: {release_notes_link(source, outcome.target)}",
        "",
    ]
    if outcome.conflicts:
        count = len(outcome.conflicts)
        lines += [
            f"## ⚠️ Conflicts to resolve: {count} file{'s' if count > 1 else ''}",
            "",
            "The template changed lines that this project changed too. Each file below holds both versions "
            "between `<<<<<<< before updating` and `>>>>>>> after updating` (or a `.rej` file next to it). "
            "Do not merge before resolving them:",
            "",
            *(f"- [ ] `{name}`" for name in outcome.conflicts),
            "",
            "```bash",
            f"git fetch origin && git switch {outcome.branch}",
            "# edit each file: keep what you want, delete the marker lines (and any .rej file)",
            'git commit -am "Resolve the conflicts of the mlops-factory update" && git push',
            "```",
            "",
        ]
    else:
        lines += ["No conflicts: every change merged cleanly.", ""]
    if outcome.notes:
        lines += ["## Notes from the update", "", *(f"- {note}" for note in outcome.notes), ""]
    lines += [f"## Files changed ({len(outcome.changed)})", ""]
    lines += [
        f"- `{name}`: {change}{', with conflicts' if name in outcome.conflicts else ''}"
        for name, change in outcome.changed
    ]
    lines += [
        "",
        "Prepared by `.mlops-factory/update.py`. Close the pull request to skip this release; the next "
        "release is proposed on a new branch.",
    ]
    return "\n".join(lines) + "\n"


def open_pull_request(project: Path, kind: str, outcome: Outcome, base: str, remote: str, body_file: Path) -> str:
    push = run(["git", "push", "--quiet", "--set-upstream", remote, outcome.branch], project)
    if push.returncode:
        hint = ""
        if kind == "github" and any(name.startswith(".github/workflows/") for name, _ in outcome.changed):
            hint = (
                " (the update changes workflow files, which GITHUB_TOKEN may not push: give the workflow a token "
                "with the workflows permission in the secret MLOPS_FACTORY_UPDATE_TOKEN)"
            )
        raise UpdateError(f"could not push {outcome.branch} to {remote}: {last_line(push)}{hint}")
    title = f"Update from mlops-factory {outcome.current} to {outcome.target}"
    draft = bool(outcome.conflicts)
    if kind == "github":
        command = ["gh", "pr", "create", "--base", base, "--head", outcome.branch, "--title", title]
        command += ["--body-file", str(body_file), *(["--draft"] if draft else [])]
    else:
        description = outcome.body
        if len(description) > AZURE_DEVOPS_DESCRIPTION_LIMIT:
            cut = "\n\n(The list is cut short: see the branch's commit for every file.)"
            description = description[: AZURE_DEVOPS_DESCRIPTION_LIMIT - len(cut)] + cut
        command = ["az", "repos", "pr", "create", "--source-branch", outcome.branch, "--target-branch", base]
        command += ["--title", title, "--draft", str(draft).lower(), "--output", "none"]
        for option, variable in (
            ("--organization", "SYSTEM_COLLECTIONURI"),
            ("--project", "SYSTEM_TEAMPROJECT"),
            ("--repository", "BUILD_REPOSITORY_NAME"),
        ):
            if os.environ.get(variable):
                command += [option, os.environ[variable]]
        command += ["--description", *description.splitlines()]
    created = run(command, project)
    if created.returncode:
        hint = ""
        if "not permitted to create" in created.stderr:
            hint = (
                " (allow it in Settings > Actions > General > 'Allow GitHub Actions to create and approve pull "
                "requests')"
            )
        raise UpdateError(f"pushed {outcome.branch}, but could not open the pull request: {last_line(created)}{hint}")
    return created.stdout.strip()


# --- command line -----------------------------------------------------------------------------------


def write_outputs(outcome: Outcome, body_file: Path | None) -> None:
    """Step outputs for GitHub Actions (`steps.<id>.outputs.result`, ...), when run there."""
    output = os.environ.get("GITHUB_OUTPUT")
    if not output:
        return
    values = {
        "result": outcome.result,
        "version": outcome.target,
        "branch": outcome.branch,
        "conflicts": str(len(outcome.conflicts)),
        "body-file": str(body_file or ""),
    }
    with open(output, "a", encoding="utf-8") as stream:
        stream.writelines(f"{key}={value}\n" for key, value in values.items())


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Propose the newest mlops-factory release for this project, on a branch.",
        epilog="Exit codes: 0 up to date or updated cleanly, 3 updated with conflicts to resolve, 1 failed.",
    )
    parser.add_argument("--project", type=Path, default=Path("."), help="project root (default: .)")
    parser.add_argument("--to", metavar="VERSION", help="update to this release instead of the newest")
    parser.add_argument("--prereleases", action="store_true", help="consider pre-releases (1.5.0rc1) too")
    parser.add_argument(
        "--open-pr",
        choices=("github", "azure-devops"),
        help="push the branch and open a pull request with gh (GitHub) or az repos (Azure DevOps)",
    )
    parser.add_argument("--base", help="branch the pull request targets (default: the current branch)")
    parser.add_argument("--remote", default="origin", help="git remote to push to with --open-pr (default: origin)")
    parser.add_argument(
        "--body-file",
        type=Path,
        help="where to write the pull-request description (default: mlops-factory-update.md inside .git)",
    )
    parser.add_argument(
        "--conflict",
        choices=("inline", "rej"),
        default="inline",
        help="how Copier records conflicts: markers in the file (default) or .rej files",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    project = args.project.resolve()
    try:
        try:
            import packaging.version  # noqa: F401
            import yaml  # noqa: F401
        except ImportError:
            raise UpdateError(
                "Copier is not installed in this Python: pip install copier copier-template-extensions"
            ) from None
        answers = read_answers(project)
        current, source = str(answers["_commit"]), str(answers["_src_path"])
        release = choose_release(releases(project, source), current, args.to, args.prereleases)
        if release is None:
            newest = f"not older than {args.to}" if args.to else "no newer release exists"
            print(f"Up to date: the project is at mlops-factory {current}, {newest}.")
            write_outputs(Outcome("up-to-date", current), None)
            return EXIT_OK

        base = args.base or run(["git", "symbolic-ref", "--quiet", "--short", "HEAD"], project).stdout.strip()
        if args.open_pr and not base:
            raise UpdateError("HEAD is detached, so the pull request has no target branch: pass --base <branch>")
        branch = BRANCH_PREFIX + release.tag
        if branch_exists(project, branch, args.remote if args.open_pr else None):
            print(f"mlops-factory {release.tag} is already proposed on branch {branch}: nothing to do.")
            write_outputs(Outcome("already-proposed", current, release.tag, branch), None)
            return EXIT_OK

        outcome = update_on_branch(project, current, release, branch, args.conflict)
        outcome.body = pull_request_body(outcome, source)
        body_file = args.body_file or Path(git(project, "rev-parse", "--absolute-git-dir")) / "mlops-factory-update.md"
        body_file.parent.mkdir(parents=True, exist_ok=True)
        body_file.write_text(outcome.body, encoding="utf-8")
        write_outputs(outcome, body_file)

        print(f"Updated from mlops-factory {current} to {release.tag} on branch {branch}.")
        for note in outcome.notes:
            print(note)
        if outcome.conflicts:
            print(f"{len(outcome.conflicts)} file(s) with conflicts to resolve: " + ", ".join(outcome.conflicts))
        print(f"Pull-request description: {body_file}")
        if args.open_pr:
            link = open_pull_request(project, args.open_pr, outcome, base, args.remote, body_file)
            print(f"Opened the pull request{': ' + link if link else '.'}")
        else:
            print(f"Review with `git show {branch}`; push it and open a pull request, or rerun with --open-pr.")
        return EXIT_CONFLICTS if outcome.conflicts else EXIT_OK
    except UpdateError as error:
        print(f"mlops-factory update: {error}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
