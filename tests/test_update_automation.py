"""The scheduled factory update of a generated project: `.mlops-factory/update.py` against a local factory.

Stories as the workflow lives them: the factory tags a release, the script finds it, updates the
project on a branch and describes the pull request; a release that changes a line the team changed
too is flagged as a conflict; without a newer release nothing happens. `gh` is never called for
real: the pull-request test puts a recording stand-in on PATH and pushes to a local bare remote.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import FORK_ANSWERS, commit_all, git

SCRIPT = ".mlops-factory/update.py"
TEMPLATE_README = "subtrees/types/classical/data-science/README.md.jinja"
PROJECT_README = "data-science/README.md"


@pytest.fixture
def project(factory_repo: Path, render, tmp_path: Path) -> Path:
    """A GitHub Actions project generated from factory 1.0.0, committed on main."""
    return render(factory_repo, tmp_path / "project", vcs_ref="1.0.0", **FORK_ANSWERS)


def run_update(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the project's own script the way the workflow does (from the project root)."""
    return subprocess.run(
        [sys.executable, SCRIPT, *args],
        cwd=project,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def release(factory_repo: Path, version: str, old: str, new: str) -> None:
    """A factory release that replaces the line `old` of the data-science README with `new`."""
    path = factory_repo / TEMPLATE_README
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    commit_all(factory_repo, f"factory {version}", tag=version)


def branches(project: Path) -> set[str]:
    return set(git(project, "branch", "--format=%(refname:short)").splitlines())


def first_line(project: Path) -> str:
    return (project / PROJECT_README).read_text().splitlines()[0]


def test_a_new_release_arrives_on_a_branch_with_a_pull_request_description(factory_repo, project, tmp_path):
    readme = project / PROJECT_README
    readme.write_text(readme.read_text() + "\nOur team's notes on the model.\n")
    commit_all(project, "document the model")
    title = first_line(project)
    release(factory_repo, "2.0.0", title, title + " (reviewed for 2.0.0)")
    body_file = tmp_path / "pr-body.md"

    result = run_update(project, "--body-file", str(body_file))

    assert result.returncode == 0, result.stderr
    assert "Updated from mlops-factory 1.0.0 to 2.0.0 on branch mlops-factory/update-2.0.0" in result.stdout
    assert git(project, "rev-parse", "--abbrev-ref", "HEAD") == "mlops-factory/update-2.0.0"
    assert git(project, "status", "--porcelain") == "", "the update is committed on the branch"
    merged = readme.read_text()
    assert merged.startswith(title + " (reviewed for 2.0.0)\n")
    assert merged.endswith("Our team's notes on the model.\n")
    assert "_commit: 2.0.0" in (project / ".copier-answers.yml").read_text()
    assert "_commit: 1.0.0" in git(project, "show", "main:.copier-answers.yml"), "main is left alone"

    body = body_file.read_text()
    assert "from mlops-factory **1.0.0** to **2.0.0**" in body
    assert "No conflicts" in body
    assert f"- `{PROJECT_README}`: changed" in body
    assert "- `.copier-answers.yml`: changed" in body


def test_a_release_that_changes_a_line_the_team_changed_is_flagged_as_a_conflict(factory_repo, project, tmp_path):
    title = first_line(project)
    readme = project / PROJECT_README
    readme.write_text(readme.read_text().replace(title, "# Our own title", 1))
    commit_all(project, "our title")
    release(factory_repo, "2.0.0", title, "# The template's new title")
    body_file = tmp_path / "pr-body.md"

    result = run_update(project, "--body-file", str(body_file))

    assert result.returncode == 3, result.stdout + result.stderr
    assert f"1 file(s) with conflicts to resolve: {PROJECT_README}" in result.stdout
    body = body_file.read_text()
    conflicts, _, changed = body.partition("## Files changed")
    assert "Conflicts to resolve: 1 file" in conflicts
    assert f"- [ ] `{PROJECT_README}`" in conflicts
    assert "git switch mlops-factory/update-2.0.0" in conflicts
    assert f"`{PROJECT_README}`" in changed
    # The markers are committed on the branch for the team to resolve, not hidden.
    assert git(project, "status", "--porcelain") == ""
    merged = readme.read_text()
    assert "<<<<<<< before updating" in merged and ">>>>>>> after updating" in merged
    assert "# Our own title" in merged and "# The template's new title" in merged


def test_without_a_newer_release_nothing_happens(factory_repo, project):
    commit_all(factory_repo, "work in progress, not released")
    before = git(project, "rev-parse", "HEAD")

    result = run_update(project)

    assert result.returncode == 0, result.stderr
    assert "Up to date: the project is at mlops-factory 1.0.0" in result.stdout
    assert branches(project) == {"main"}
    assert git(project, "rev-parse", "HEAD") == before
    assert git(project, "status", "--porcelain") == ""


def test_pre_releases_and_non_version_tags_are_not_proposed(factory_repo, project):
    for tag in ("2.0.0rc1", "nightly"):
        commit_all(factory_repo, f"factory {tag}", tag=tag)

    result = run_update(project)

    assert result.returncode == 0 and "Up to date" in result.stdout, result.stderr
    assert branches(project) == {"main"}


def test_the_newest_release_is_taken_unless_one_is_asked_for(factory_repo, project):
    title = first_line(project)
    release(factory_repo, "1.1.0", title, title + " 1.1")
    release(factory_repo, "1.2.0", title + " 1.1", title + " 1.2")

    asked = run_update(project, "--to", "1.1.0")
    assert asked.returncode == 0, asked.stderr
    assert first_line(project) == title + " 1.1"

    git(project, "switch", "--quiet", "main")
    newest = run_update(project)
    assert newest.returncode == 0, newest.stderr
    assert git(project, "rev-parse", "--abbrev-ref", "HEAD") == "mlops-factory/update-1.2.0"
    assert first_line(project) == title + " 1.2"


def test_a_release_already_proposed_is_not_proposed_again(factory_repo, project):
    title = first_line(project)
    release(factory_repo, "2.0.0", title, title + "!")
    assert run_update(project).returncode == 0
    git(project, "switch", "--quiet", "main")

    again = run_update(project)

    assert again.returncode == 0, again.stderr
    assert "2.0.0 is already proposed on branch mlops-factory/update-2.0.0: nothing to do" in again.stdout
    assert git(project, "rev-parse", "--abbrev-ref", "HEAD") == "main"


def test_open_pr_pushes_the_branch_and_hands_gh_the_description(factory_repo, project, tmp_path):
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", str(remote))
    git(project, "remote", "add", "origin", str(remote))
    git(project, "push", "--quiet", "origin", "main")
    # A stand-in for the GitHub CLI that records its arguments and the description it was given.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "gh-calls.txt"
    fake_gh = bin_dir / "gh"
    fake_gh.write_text(
        f'#!/bin/sh\ncalls="{calls}"\nprintf "%s\\n" "$@" > "$calls"\n'
        'while [ "$#" -gt 0 ]; do [ "$1" = --body-file ] && cat "$2" > "$calls.body"; shift; done\n'
        'echo "https://github.com/my-org/my-mlops-project/pull/7"\n'
    )
    fake_gh.chmod(0o755)
    title = first_line(project)
    readme = project / PROJECT_README
    readme.write_text(readme.read_text().replace(title, "# Our own title", 1))
    commit_all(project, "our title")
    release(factory_repo, "2.0.0", title, "# The template's new title")

    result = run_update(project, "--open-pr", "github", env={"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"})

    assert result.returncode == 3, result.stdout + result.stderr
    assert "Opened the pull request: https://github.com/my-org/my-mlops-project/pull/7" in result.stdout
    assert git(remote, "rev-parse", "mlops-factory/update-2.0.0") == git(project, "rev-parse", "HEAD")
    arguments = calls.read_text().splitlines()
    assert arguments[:2] == ["pr", "create"]
    assert arguments[arguments.index("--base") + 1] == "main"
    assert arguments[arguments.index("--head") + 1] == "mlops-factory/update-2.0.0"
    assert "--draft" in arguments, "a pull request with conflicts is opened as a draft"
    assert f"- [ ] `{PROJECT_README}`" in Path(f"{calls}.body").read_text()


def test_a_dirty_work_tree_is_refused_in_one_sentence_and_nothing_changes(factory_repo, project):
    title = first_line(project)
    release(factory_repo, "2.0.0", title, title + "!")
    (project / "scratch.py").write_text("x = 1\n")

    result = run_update(project)

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "mlops-factory update: the work tree has uncommitted changes: commit or stash them first"
    )
    assert branches(project) == {"main"}


def test_a_failed_update_leaves_no_branch_behind(factory_repo, project):
    title = first_line(project)
    release(factory_repo, "2.0.0", title, title + "!")
    (factory_repo / "copier.yml").write_text("project_name: [unclosed\n")
    commit_all(factory_repo, "broken release", tag="2.0.1")

    result = run_update(project)

    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("mlops-factory update: copier update to 2.0.1 failed")
    assert branches(project) == {"main"}
    assert git(project, "rev-parse", "--abbrev-ref", "HEAD") == "main"
    assert git(project, "status", "--porcelain") == ""


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (lambda p: (p / ".copier-answers.yml").unlink(), "no .copier-answers.yml in"),
        (
            lambda p: (p / ".copier-answers.yml").write_text("_commit: 1.0.0\n_src_path: /nowhere/mlops-factory\n"),
            "could not list the tags of the factory at /nowhere/mlops-factory",
        ),
    ],
    ids=["not-a-project", "unreachable-factory"],
)
def test_bad_input_gets_one_sentence(project, break_it, message):
    break_it(project)
    commit_all(project, "break it")
    result = run_update(project)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mlops-factory update: ")
    assert message in lines[0]


def test_an_unversioned_commit_is_explained(factory_repo, project):
    answers = project / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace("_commit: 1.0.0", "_commit: 0123abc"))
    commit_all(project, "unversioned")
    result = run_update(project)
    assert result.returncode == 1
    assert "_commit '0123abc' in .copier-answers.yml is not a release version" in result.stderr
    assert "copier update --trust --vcs-ref=<tag>" in result.stderr


def test_the_scheduled_workflow_runs_the_script_with_the_rights_it_needs(project):
    workflow = yaml.safe_load((project / ".github/workflows/factory-update.yml").read_text())
    assert workflow["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert "schedule" in workflow[True] and "workflow_dispatch" in workflow[True]  # `on:` reads as True in YAML 1.1
    steps = workflow["jobs"]["propose-update"]["steps"]
    assert any("python .mlops-factory/update.py --open-pr github" in step.get("run", "") for step in steps)
    assert not (project / "mlops/devops-pipelines/factory-update.yml").exists()


def test_azure_devops_projects_get_the_pipeline_instead(factory_repo, render, tmp_path):
    project = render(factory_repo, tmp_path / "ado", **{**FORK_ANSWERS, "orchestration": "azure-devops"})
    pipeline = yaml.safe_load((project / "mlops/devops-pipelines/factory-update.yml").read_text())
    assert pipeline["schedules"][0]["branches"]["include"] == ["main"]
    script = pipeline["jobs"][0]["steps"][-1]
    assert "python .mlops-factory/update.py --open-pr azure-devops" in script["script"]
    assert script["env"]["AZURE_DEVOPS_EXT_PAT"] == "$(System.AccessToken)"
    assert (project / SCRIPT).is_file()
    assert not (project / ".github").exists()
