"""A factory release that moves a generated file: `copier update` across it keeps the team's edits.

Release 1.0.0 renamed infrastructure/scripts/create-state-storage.sh to ensure-state-storage.sh (and changed
its usage lines to the new name). Here a project is made from a factory as it was before (tagged 0.9.0), the
team edits the script, and the project is updated to the current factory, tagged 1.0.0.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import FACTORY_PATHS, FORK_ANSWERS, commit_all, copy_factory, git
from copier import run_update

OLD = "infrastructure/scripts/create-state-storage.sh"
NEW = "infrastructure/scripts/ensure-state-storage.sh"
SOURCE = "subtrees/infrastructure/terraform/scripts/ensure-state-storage.sh"
TEAM_LINE = "# Our team also tags the state account with its cost centre (see the wiki)."


def as_before_the_move(factory: Path) -> None:
    """The factory as release 0.9.0 had it: the script under its old name everywhere, no migration."""
    (factory / SOURCE).rename(factory / SOURCE.replace("ensure-", "create-"))
    for path in [*(factory / "subtrees").rglob("*"), *(factory / "template").rglob("*")]:
        if path.is_file() and "ensure-state-storage" in path.read_text(errors="ignore"):
            path.write_text(path.read_text().replace("ensure-state-storage", "create-state-storage"))
    copier_yml = factory / "copier.yml"
    copier_yml.write_text(re.sub(r"_migrations:\n(  .*\n|\n)*?(?=_message_before_copy)", "", copier_yml.read_text()))


@pytest.fixture
def factory(tmp_path: Path) -> Path:
    repo = copy_factory(tmp_path / "factory")
    as_before_the_move(repo)
    git(repo, "init", "--quiet", "-b", "main")
    commit_all(repo, "factory 0.9.0", tag="0.9.0")
    return repo


def release_current_factory(factory: Path) -> None:
    for name in FACTORY_PATHS:
        path = factory / name
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    copy_factory(factory)
    commit_all(factory, "factory 1.0.0", tag="1.0.0")


def update(project: Path) -> None:
    run_update(str(project), defaults=True, overwrite=True, unsafe=True, quiet=True, conflict="inline")


@pytest.fixture
def project(factory: Path, render, tmp_path: Path) -> Path:
    path = render(factory, tmp_path / "project", vcs_ref="0.9.0", **FORK_ANSWERS)
    assert (path / OLD).is_file() and not (path / NEW).exists()
    return path


def test_edits_of_a_moved_file_follow_it_to_its_new_path(factory, project):
    script = project / OLD
    script.write_text(script.read_text().replace("set -euo pipefail\n", f"set -euo pipefail\n{TEAM_LINE}\n", 1))
    commit_all(project, "note the cost centre")

    release_current_factory(factory)
    update(project)

    assert not (project / OLD).exists()
    moved = (project / NEW).read_text()
    assert TEAM_LINE in moved, "the team's edit is lost"
    assert "#   scripts/ensure-state-storage.sh ENVIRONMENT" in moved, "the release's own change is lost"
    assert "<<<<<<<" not in moved
    readme = (project / "infrastructure/README.md").read_text()
    assert "ensure-state-storage.sh" in readme and "create-state-storage.sh" not in readme
    assert "_commit: 1.0.0" in (project / ".copier-answers.yml").read_text()


def test_an_unedited_moved_file_is_the_new_release_s_version(factory, project, render, tmp_path):
    release_current_factory(factory)
    update(project)

    fresh = render(factory, tmp_path / "fresh", vcs_ref="1.0.0", **FORK_ANSWERS)
    assert not (project / OLD).exists()
    assert (project / NEW).read_text() == (fresh / NEW).read_text()


def test_a_moved_file_the_team_deleted_stays_deleted(factory, project):
    git(project, "rm", "--quiet", OLD)
    commit_all(project, "we create the state storage elsewhere")

    release_current_factory(factory)
    update(project)

    assert not (project / OLD).exists()
    assert not (project / NEW).exists()
