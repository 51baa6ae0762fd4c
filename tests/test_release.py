"""Releases: what scripts/release.py decides from CHANGELOG.md, and projects moving between real release tags.

The release workflow tags `vX.Y.Z` (docs/releasing.md). The stories at the end build tagged clones of the
factory with tags named by the release plan, as the workflow names them, and show that Copier,
`copier check-update` and a project's `.mlops-factory/update.py` take those tags: a project made from one
release updates to the next after its local set-up, and release 1.0.0's migration runs for a project made
from a 0.x release or from a commit before any release. In the first story the published factory is a
local repository behind git's `url.<base>.insteadOf`, so the project records a real https URL as
`_src_path`, as projects made from the published factory do.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import FACTORY_PATHS, FORK_ANSWERS, ROOT, cli, commit_all, copy_factory, git
from copier import run_copy, run_update
from test_migrations import NEW, OLD, TEAM_LINE, as_before_the_move

SCRIPT = ROOT / "scripts" / "release.py"
_spec = importlib.util.spec_from_file_location("release_script", SCRIPT)
release = sys.modules[_spec.name] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(release)

PUBLISHED_URL = "https://github.com/my-org/mlops-factory.git"
LOCAL_PATH_NOTE = "Note: the project records its factory as the local path"

CHANGELOG = """# Changelog

Intro text.

## Unreleased

### Added
- Something merged, not released.

## 1.1.0 - 2026-12-01

### Fixed
- The second release's fix.

## 1.0.0

- The first release.
"""


# --- the release plan: pure functions -------------------------------------------------------------------


def test_todays_changelog_parses():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    sections = release.parse_changelog(text)
    assert sections, "CHANGELOG.md has no ## sections"
    release.plan_release(text, tags=[])  # a release or a reason for none, never an error


def test_the_newest_version_not_yet_tagged_is_released_with_its_section_as_notes():
    plan = release.plan_release(CHANGELOG, tags=["v1.0.0", "nightly"])
    assert (plan.tag, plan.version, plan.prerelease) == ("v1.1.0", "1.1.0", False)
    assert plan.notes == "### Fixed\n- The second release's fix.\n"


@pytest.mark.parametrize("tags", [["v1.0.0", "v1.1.0"], ["1.1.0"]], ids=["v-tag", "plain-tag"])
def test_a_version_already_tagged_is_not_released_again(tags):
    plan = release.plan_release(CHANGELOG, tags=tags)
    assert plan.tag is None
    assert plan.reason == f"1.1.0 is released already (tag {tags[-1]})"


def test_only_unreleased_changes_mean_nothing_to_release():
    plan = release.plan_release("# Changelog\n\n## Unreleased\n\n- work\n", tags=[])
    assert plan.tag is None and "no version heading yet" in plan.reason


def test_a_pre_release_heading_becomes_a_github_pre_release():
    text = "## 1.2.0rc1 - 2026-12-10\n\n- Try it.\n\n## 1.1.0\n\n- Fix.\n\n## 1.1.0rc1\n\n- Tried.\n"
    plan = release.plan_release(text, tags=["v1.1.0"])
    assert (plan.tag, plan.prerelease) == ("v1.2.0rc1", True)


@pytest.mark.parametrize(
    ("changelog", "tags", "message"),
    [
        ("## v1.0.0\n\n- x\n", [], "line 1: '## v1.0.0' is not '## Unreleased' or '## X.Y.Z - YYYY-MM-DD'"),
        ("## [1.0.0] - 2026-12-01\n\n- x\n", [], "(write the version without 'v' or brackets: the tag gets the 'v')"),
        ("## 1.0\n\n- x\n", [], "line 1: '## 1.0' is not '## Unreleased' or '## X.Y.Z - YYYY-MM-DD'"),
        ("## Releases\n\n- x\n", [], "line 1: '## Releases' is not"),
        ("## 1.0.0 - 2026-13-01\n\n- x\n", [], "line 1: '2026-13-01' is not a date: write it as YYYY-MM-DD"),
        ("## 1.0.0\n\n- x\n\n## 1.1.0\n\n- y\n", [], "line 5: version 1.1.0 must be older than 1.0.0 above it"),
        ("## 1.0.0\n\n- x\n\n## 1.0.0\n\n- y\n", [], "line 5: version 1.0.0 must be older than 1.0.0 above it"),
        ("## 1.0.0\n\n## 0.9.0\n\n- x\n", [], "line 1: version 1.0.0 has no notes"),
        ("## 1.0.0\n\n- x\n\n## Unreleased\n\n- y\n", [], "line 5: '## Unreleased' must come first"),
        ("## 1.0.0\n\n- x\n", ["v0.9.0", "v2.0.0"], "the newest version 1.0.0 is older than the tag v2.0.0"),
    ],
    ids=[
        "v-prefix",
        "brackets",
        "two-parts",
        "other-title",
        "bad-date",
        "out-of-order",
        "repeated",
        "no-notes",
        "unreleased-below",
        "older-than-a-tag",
    ],
)
def test_a_malformed_changelog_is_refused_with_one_sentence_naming_the_line(changelog, tags, message):
    with pytest.raises(release.ReleaseError) as refused:
        release.plan_release(changelog, tags=tags)
    assert message in str(refused.value)
    assert str(refused.value).startswith("CHANGELOG.md line ")


def test_headings_inside_code_blocks_are_not_sections():
    text = "## 1.0.0\n\nHow to write a heading:\n\n```markdown\n## v2\n```\n"
    assert [section.title for section in release.parse_changelog(text)] == ["1.0.0"]


# --- the command line, as the release workflow runs it --------------------------------------------------


@pytest.fixture
def released_repo(tmp_path: Path) -> Path:
    """A repository whose CHANGELOG.md has 1.0.0 (tagged v1.0.0) and 1.1.0 (not tagged yet)."""
    repo = tmp_path / "factory"
    repo.mkdir()
    (repo / "CHANGELOG.md").write_text(CHANGELOG)
    git(repo, "init", "--quiet", "-b", "main")
    commit_all(repo, "release 1.1.0")
    git(repo, "tag", "v1.0.0")
    return repo


@pytest.fixture
def fake_gh(tmp_path: Path) -> Path:
    """A stand-in for the GitHub CLI in ``tmp_path/bin``: records its arguments (in the returned file) and
    the notes file (in ``<file>.notes``), answers the release's URL, or fails when GH_FAIL is set."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "gh-calls.txt"
    (bin_dir / "gh").write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$@" > "{calls}"\n'
        f'while [ "$#" -gt 0 ]; do [ "$1" = --notes-file ] && cat "$2" > "{calls}.notes"; shift; done\n'
        'if [ -n "$GH_FAIL" ]; then echo "HTTP 403: Resource not accessible by integration" >&2; exit 1; fi\n'
        'echo "https://github.com/my-org/mlops-factory/releases/tag/v1.1.0"\n'
    )
    (bin_dir / "gh").chmod(0o755)
    return calls


def run_release(repo: Path, gh: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """scripts/release.py on ``repo``'s changelog, with the stand-in ``gh`` first on PATH."""
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--changelog", str(repo / "CHANGELOG.md"), *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **env, "PATH": f"{gh.parent / 'bin'}{os.pathsep}{os.environ['PATH']}"},
        timeout=60,
    )


def test_publish_creates_the_tag_and_release_at_the_tested_commit(released_repo, fake_gh):
    result = run_release(released_repo, fake_gh, "--publish")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "Released v1.1.0: https://github.com/my-org/mlops-factory/releases/tag/v1.1.0\n"
    arguments = fake_gh.read_text().splitlines()
    assert arguments[:3] == ["release", "create", "v1.1.0"]
    assert arguments[arguments.index("--target") + 1] == git(released_repo, "rev-parse", "HEAD")
    assert arguments[arguments.index("--title") + 1] == "mlops-factory 1.1.0"
    assert "--prerelease" not in arguments
    assert Path(f"{fake_gh}.notes").read_text() == "### Fixed\n- The second release's fix.\n"


def test_without_publish_it_only_says_what_it_would_do(released_repo, fake_gh):
    result = run_release(released_repo, fake_gh)

    assert result.returncode == 0, result.stderr
    short = git(released_repo, "rev-parse", "--short", "HEAD")
    assert result.stdout.startswith(f"Would release v1.1.0 at {short} with these notes:\n\n### Fixed\n")
    assert not fake_gh.exists()


def test_a_tagged_version_is_left_alone(released_repo, fake_gh):
    git(released_repo, "tag", "v1.1.0")

    result = run_release(released_repo, fake_gh, "--publish")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "Nothing to release: 1.1.0 is released already (tag v1.1.0).\n"
    assert not fake_gh.exists()


@pytest.mark.parametrize(
    ("changelog", "env", "message"),
    [
        (
            CHANGELOG.replace("## 1.1.0", "## v1.1.0"),
            {},
            "release: CHANGELOG.md line 10: '## v1.1.0 - 2026-12-01' is not",
        ),
        (CHANGELOG, {"GH_FAIL": "1"}, "release: gh release create v1.1.0 failed: HTTP 403"),
    ],
    ids=["bad-heading", "gh-fails"],
)
def test_problems_end_in_one_sentence_and_exit_1(released_repo, fake_gh, changelog, env, message):
    (released_repo / "CHANGELOG.md").write_text(changelog)

    result = run_release(released_repo, fake_gh, "--publish", **env)

    assert result.returncode == 1
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(message)


# --- projects across real release tags ------------------------------------------------------------------


def cut_release(factory: Path, version: str, notes: str) -> str:
    """Add `## <version>` to the factory's CHANGELOG.md, commit, and tag as the release workflow would."""
    changelog = factory / "CHANGELOG.md"
    before = changelog.read_text() if changelog.exists() else "# Changelog\n"
    title, _, older = before.partition("\n")
    changelog.write_text(f"{title}\n\n## {version} - 2026-12-01\n\n{notes}\n{older}")
    commit_all(factory, f"Release {version}")
    plan = release.plan_release(changelog.read_text(), git(factory, "tag", "--list").splitlines())
    assert plan.tag == f"v{version}", plan.reason
    git(factory, "tag", plan.tag)
    return plan.tag


def copy_project(source: str, destination: Path, capfd: pytest.CaptureFixture[str]) -> tuple[Path, str]:
    """`copier copy --trust --defaults` from ``source`` (newest release); the project and what Copier printed."""
    capfd.readouterr()
    run_copy(source, destination, data=FORK_ANSWERS, defaults=True, unsafe=True, quiet=False)
    return destination, capfd.readouterr().err


def leave_what_the_local_set_up_leaves(project: Path) -> list[str]:
    """The files the project's README set-up, its tests and its local pipeline leave in the project
    (seen with pip 26.3 and setuptools from PyPI: `pip install -e "data-science[test]"` writes
    `data-science/<distribution>.egg-info/`; pytest `.pytest_cache/`; Python `__pycache__/`; run_local.py
    `outputs/`; the README's virtual environment `.venv/`). Made here without installing anything."""
    distribution = re.search(r'^name = "([^"]+)"', (project / "data-science/pyproject.toml").read_text(), re.M)
    egg_info = f"data-science/{distribution.group(1).replace('-', '_')}.egg-info"
    files = [
        *(f"{egg_info}/{name}" for name in ("PKG-INFO", "SOURCES.txt", "requires.txt", "top_level.txt")),
        ".pytest_cache/v/cache/nodeids",
        "data-science/src/__pycache__/common.cpython-311.pyc",
        "data-science/tests/__pycache__/test_train.cpython-311-pytest-8.4.2.pyc",
        "outputs/mlflow.db",
        "outputs/model/MLmodel",
        ".venv/pyvenv.cfg",
    ]
    for name in files:
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text("left by the local set-up\n")
    return files


@pytest.fixture
def published_factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The factory released as v1.0.0, reachable as PUBLISHED_URL (for this test's git commands only)."""
    from plumbum import local

    factory = copy_factory(tmp_path / "factory")
    git(factory, "init", "--quiet", "-b", "main")
    cut_release(factory, "1.0.0", "- The first release.")
    redirect = {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"url.{factory.as_posix()}.insteadOf",
        "GIT_CONFIG_VALUE_0": PUBLISHED_URL,
    }
    for name, value in redirect.items():
        monkeypatch.setenv(name, value)  # for subprocesses
    with local.env(**redirect):  # for Copier in this process, which runs git through plumbum
        yield factory


def test_a_project_made_from_a_release_updates_to_the_next_after_its_local_set_up(published_factory, tmp_path, capfd):
    project, printed = copy_project(PUBLISHED_URL, tmp_path / "project", capfd)
    answers = (project / ".copier-answers.yml").read_text()
    assert f"_src_path: {PUBLISHED_URL}" in answers and "_commit: v1.0.0" in answers
    assert LOCAL_PATH_NOTE not in printed, "a project made from a git URL needs no note about its _src_path"
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\nOur team's notes.\n")
    commit_all(project, "our notes")

    leftovers = leave_what_the_local_set_up_leaves(project)
    assert git(project, "status", "--porcelain", "--untracked-files=all") == "", (
        "the project's .gitignore misses files of its local set-up, so copier update would refuse the dirty tree"
    )

    (published_factory / "template/RELEASED-IN-1.1.0.md").write_text("A file the next release adds.\n")
    cut_release(published_factory, "1.1.0", "- A new file.")
    checked = cli("check-update", cwd=project)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout == "New template version available.\nCurrent version is 1.0.0, latest version is 1.1.0.\n"

    run_update(str(project), defaults=True, overwrite=True, unsafe=True, quiet=True)

    assert "_commit: v1.1.0" in (project / ".copier-answers.yml").read_text()
    assert (project / "RELEASED-IN-1.1.0.md").is_file(), "the release's change did not arrive"
    assert readme.read_text().endswith("\nOur team's notes.\n"), "the team's edit is lost"
    assert all((project / name).is_file() for name in leftovers)


@pytest.fixture
def factory_before_the_move(tmp_path: Path) -> Path:
    """The factory as it was before release 1.0.0 moved create-state-storage.sh, not tagged yet."""
    factory = copy_factory(tmp_path / "factory")
    as_before_the_move(factory)
    git(factory, "init", "--quiet", "-b", "main")
    commit_all(factory, "work before the first release")
    return factory


def edit_the_script_that_moves(project: Path) -> None:
    script = project / OLD
    script.write_text(script.read_text().replace("set -euo pipefail\n", f"set -euo pipefail\n{TEAM_LINE}\n", 1))
    commit_all(project, "note the cost centre")


def release_1_0_0(factory: Path) -> None:
    """Release the current factory (with the move and its migration) as 1.0.0."""
    for name in FACTORY_PATHS:
        shutil.rmtree(factory / name) if (factory / name).is_dir() else (factory / name).unlink()
    copy_factory(factory)
    cut_release(factory, "1.0.0", "- ensure-state-storage.sh replaces create-state-storage.sh.")


def run_update_py(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, ".mlops-factory/update.py", *args],
        cwd=project,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


def test_update_py_proposes_the_next_tag_and_the_1_0_0_migration_runs_from_a_0_x_release(
    factory_before_the_move, tmp_path, capfd
):
    factory = factory_before_the_move
    cut_release(factory, "0.9.0", "- Before the move.")
    project, printed = copy_project(str(factory), tmp_path / "project", capfd)
    assert f"{LOCAL_PATH_NOTE} {factory} (_src_path in .copier-answers.yml)." in printed
    assert "_commit: v0.9.0" in (project / ".copier-answers.yml").read_text()
    edit_the_script_that_moves(project)

    release_1_0_0(factory)
    body_file = tmp_path / "pr-body.md"
    result = run_update_py(project, "--body-file", str(body_file))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Updated from mlops-factory v0.9.0 to v1.0.0 on branch mlops-factory/update-v1.0.0" in result.stdout
    assert "_commit: v1.0.0" in (project / ".copier-answers.yml").read_text()
    assert not (project / OLD).exists()
    assert TEAM_LINE in (project / NEW).read_text(), "the 1.0.0 migration did not carry the team's edit"
    assert "from mlops-factory **v0.9.0** to **v1.0.0**" in body_file.read_text()


def test_a_project_made_before_any_release_is_updated_by_hand_to_the_first(factory_before_the_move, tmp_path, capfd):
    """docs/releasing.md, "Projects made before the first release": update.py explains, the hand update works."""
    project, _ = copy_project(str(factory_before_the_move), tmp_path / "project", capfd)
    commit = git(factory_before_the_move, "rev-parse", "--short", "HEAD")
    # Parsed, not searched: a short commit id made only of digits is written quoted.
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == commit
    edit_the_script_that_moves(project)
    release_1_0_0(factory_before_the_move)

    refused = run_update_py(project)
    assert refused.returncode == 1
    assert f"_commit '{commit}' in .copier-answers.yml is not a release version" in refused.stderr
    assert "update once by hand with `copier update --trust --vcs-ref=<tag>`" in refused.stderr

    run_update(str(project), defaults=True, overwrite=True, unsafe=True, quiet=True, vcs_ref="v1.0.0")

    assert "_commit: v1.0.0" in (project / ".copier-answers.yml").read_text()
    assert not (project / OLD).exists()
    assert TEAM_LINE in (project / NEW).read_text(), "the 1.0.0 migration did not run on the hand update"
