"""Updates that used to lose a team's work without a word: a file the template stops generating, and a folder
the team renamed. The edits must survive, and the update must say what it kept and what it could not apply.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FORK_ANSWERS, commit_all, git
from test_update import release, update

TEAM_LINE = "# Our team scores in batches of 500 (see the capacity plan).\n"


def sources(factory: Path, project_path: str) -> list[Path]:
    """The built-in source files of the classical project that render to ``project_path``."""
    name = Path(project_path).name
    return [
        path
        for path in (factory / "subtrees").rglob(f"{name}*")
        if path.name in (name, f"{name}.jinja") and "classical" in path.parts
    ]


@pytest.fixture
def project(factory_repo: Path, render, tmp_path: Path) -> Path:
    return render(factory_repo, tmp_path / "project", vcs_ref="1.0.0", **FORK_ANSWERS)


def edit(project: Path, relative: str) -> str:
    path = project / relative
    path.write_text(path.read_text() + TEAM_LINE)
    commit_all(project, f"our change to {relative}")
    return path.read_text()


def test_an_edited_file_a_release_drops_is_kept_and_named(factory_repo, project, capfd):
    edited = edit(project, "data-science/src/score.py")
    unedited = project / "data-science/src/prep.py"
    assert unedited.is_file()

    def drop_score_and_prep(factory: Path) -> None:
        for path in [*sources(factory, "data-science/src/score.py"), *sources(factory, "data-science/src/prep.py")]:
            path.unlink()

    release(factory_repo, "2.0.0", drop_score_and_prep)
    capfd.readouterr()
    update(project)

    assert (project / "data-science/src/score.py").read_text() == edited
    assert not unedited.exists(), "a file nobody edited goes, as before"
    printed = capfd.readouterr().out
    assert (
        "mlops-factory: kept 1 file(s) you had edited, which the template no longer generates for your answers "
        "(delete them when you no longer need them): data-science/src/score.py\n"
    ) in printed
    assert "prep.py" not in printed
    assert git(project, "status", "--porcelain", "--", "data-science/src") == "D data-science/src/prep.py"


def test_an_edited_workflow_survives_switching_orchestration_and_back(project, capfd):
    workflow = ".github/workflows/pr-gate.yml"
    edited = edit(project, workflow)
    others = [path for path in (project / ".github/workflows").iterdir() if path.name != "pr-gate.yml"]

    capfd.readouterr()
    update(project, orchestration="azure-devops")
    assert (project / workflow).read_text() == edited
    assert not any(path.exists() for path in others), "unedited workflows go with GitHub Actions"
    assert f"(delete them when you no longer need them): {workflow}\n" in capfd.readouterr().out
    commit_all(project, "move to Azure DevOps, keep our PR gate for now")

    update(project, orchestration="github-actions")
    back = (project / workflow).read_text()
    assert TEAM_LINE in back, "the team's edit is lost on the way back"
    assert "<<<<<<< before updating" in back, "the template's version and the team's meet as a conflict"
    assert all(path.is_file() for path in others)
    assert "kept" not in capfd.readouterr().out


def test_a_renamed_folder_gets_the_changes_it_missed_named_and_saved(factory_repo, project, capfd):
    git(project, "mv", "data-science", "ds")
    commit_all(project, "shorter folder name")
    ours = (project / "ds/src/common.py").read_text()

    def change_common_and_add_a_module(factory: Path) -> None:
        for path in sources(factory, "data-science/src/common.py"):
            path.write_text(path.read_text() + "\n# Checked for release 2.0.0.\n")
            (path.parent / "features.py").write_text("FEATURES = ['distance']\n")

    release(factory_repo, "2.0.0", change_common_and_add_a_module)
    capfd.readouterr()
    update(project)

    printed = capfd.readouterr().out
    assert (
        "mlops-factory: the release changed 1 file(s) you had deleted, moved or renamed, so these changes were not "
        "applied: data-science/src/common.py. They are in mlops-factory-unapplied.patch"
    ) in printed
    assert (
        "mlops-factory: the release added data-science/src/features.py in data-science/, which you had removed or "
        "renamed: move them where those files are now, or delete them.\n"
    ) in printed
    assert (project / "ds/src/common.py").read_text() == ours
    leftovers = sorted(path.relative_to(project).as_posix() for path in (project / "data-science").rglob("*"))
    assert leftovers == ["data-science/src", "data-science/src/features.py"], "no empty folders left behind"

    applied = subprocess.run(
        ["git", "apply", "-p2", "--directory=ds", "mlops-factory-unapplied.patch"], cwd=project, capture_output=True
    )
    assert applied.returncode == 0, applied.stderr
    assert (project / "ds/src/common.py").read_text() == ours + "\n# Checked for release 2.0.0.\n"


def test_the_update_pull_request_carries_what_the_update_kept_and_could_not_apply(monkeypatch):
    """The scheduled update (`.mlops-factory/update.py`) passes the update's notes on to the pull request."""
    import importlib.util

    from conftest import ROOT

    spec = importlib.util.spec_from_file_location("factory_update_script", ROOT / "template/.mlops-factory/update.py")
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, script)  # its dataclasses look their module up
    spec.loader.exec_module(script)
    kept = "kept 1 file(s) you had edited, which the template no longer generates for your answers: a.py"
    printed = f"Copier says something\nmlops-factory: {kept}\n"
    monkeypatch.setattr(script, "run", lambda *args, **kwargs: subprocess.CompletedProcess([], 0, printed, ""))

    notes = script.copier_update(Path("."), "2.0.0", "inline")
    body = script.pull_request_body(script.Outcome("updated", "1.0.0", "2.0.0", "b", notes=notes), "gh:o/f")
    assert f"## Notes from the update\n\n- {kept}\n" in body
