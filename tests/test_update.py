"""`copier update` stories: copy at v1, edit, release v2, update, check both sides survived."""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
from conftest import FACTORY_PATHS, FORK_ANSWERS, ROOT, commit_all, copy_factory, git, write_files
from copier import run_update

TRAIN_README = "subtrees/types/classical/data-science/README.md.jinja"


@pytest.fixture
def project(factory_repo: Path, render, tmp_path: Path) -> Path:
    """A project generated from factory 1.0.0 and committed, as `copier copy` leaves it."""
    path = render(factory_repo, tmp_path / "project", vcs_ref="1.0.0", **FORK_ANSWERS)
    assert git(path, "log", "--format=%s") == "Generate project with mlops-factory"
    return path


def update(project: Path, quiet: bool = True, **answers: str) -> None:
    run_update(
        str(project),
        data=answers,
        defaults=True,
        overwrite=True,
        unsafe=True,
        quiet=quiet,
        conflict="inline",
        skip_answered=True,
    )


def user_commits(project: Path, message: str) -> None:
    commit_all(project, message)


def release(factory_repo: Path, version: str, change) -> None:
    change(factory_repo)
    commit_all(factory_repo, f"factory {version}", tag=version)


def test_a_template_change_merges_with_a_user_edit_of_the_same_file(factory_repo, project):
    readme = project / "data-science/README.md"
    original = readme.read_text()
    readme.write_text(original + "\nOur team's notes on the model.\n")
    user_commits(project, "document the model")

    def prepend_heading(factory: Path) -> None:
        path = factory / TRAIN_README
        path.write_text("<!-- reviewed for release 2.0.0 -->\n" + path.read_text())

    release(factory_repo, "2.0.0", prepend_heading)
    update(project)

    merged = readme.read_text()
    assert merged.startswith("<!-- reviewed for release 2.0.0 -->\n")
    assert merged.endswith("Our team's notes on the model.\n")
    assert "<<<<<<<" not in merged
    assert "_commit: 2.0.0" in (project / ".copier-answers.yml").read_text()


def test_the_same_line_changed_on_both_sides_leaves_inline_conflict_markers(factory_repo, project):
    readme = project / "data-science/README.md"
    first_line = readme.read_text().splitlines()[0]
    readme.write_text(readme.read_text().replace(first_line, "# Our own title", 1))
    user_commits(project, "rename the title")

    def retitle(factory: Path) -> None:
        path = factory / TRAIN_README
        path.write_text(path.read_text().replace(first_line, "# The template's new title", 1))

    release(factory_repo, "2.0.0", retitle)
    update(project)

    merged = readme.read_text()
    assert "<<<<<<< before updating" in merged and ">>>>>>> after updating" in merged
    assert "# Our own title" in merged and "# The template's new title" in merged


def test_switching_orchestration_swaps_github_workflows_for_azure_devops_pipelines(project):
    assert list((project / ".github/workflows").glob("*.yml"))
    update(project, orchestration="azure-devops")
    assert not (project / ".github").exists()
    assert list((project / "mlops/devops-pipelines").glob("*.yml"))
    assert list((project / "infrastructure/pipelines").glob("*.yml"))
    answers = (project / ".copier-answers.yml").read_text()
    assert "orchestration: azure-devops" in answers
    assert "ado_service_connection_dev: sc-my-mlops-project-dev" in answers


def test_a_file_the_user_deleted_stays_deleted(factory_repo, project):
    (project / "data-science/README.md").unlink()
    user_commits(project, "we document elsewhere")

    def touch_readme(factory: Path) -> None:
        path = factory / TRAIN_README
        path.write_text(path.read_text() + "\nA new paragraph from the template.\n")

    release(factory_repo, "2.0.0", touch_readme)
    update(project)
    assert not (project / "data-science/README.md").exists()


def test_a_file_the_user_added_is_untouched(factory_repo, project, capfd):
    notes = project / "data-science/src/feature_store.py"
    notes.write_text("FEATURES = ['distance', 'hour']\n")
    user_commits(project, "add feature list")
    release(factory_repo, "2.0.0", lambda factory: None)
    capfd.readouterr()
    update(project, quiet=False)
    assert notes.read_text() == "FEATURES = ['distance', 'hour']\n"
    assert git(project, "status", "--porcelain", "--", "data-science/src/feature_store.py") == ""

    # What the update printed names the project (the answers are not loaded yet when it starts).
    printed = capfd.readouterr().err
    assert "Updating the project to the chosen mlops-factory release." in printed
    assert "Updated my-mlops-project. Next:" in printed
    assert "Updating  " not in printed and "Updated ." not in printed, "an answer printed as empty"


def test_a_fork_ref_bump_brings_the_forks_change(factory_repo, fork, render, tmp_path):
    answers = {"project_template_github_url": f"file://{fork}", "project_template_ref": "v1", **FORK_ANSWERS}
    project = render(factory_repo, tmp_path / "fork-project", vcs_ref="1.0.0", **answers)
    (project / "data-science/src/extra.py").write_text("# ours\n")
    user_commits(project, "our own module")

    write_files(fork, {"classical/aml-cli-v2/data-science/src/train.py": "print('train v2')\n"})
    commit_all(fork, "better training", tag="v2")
    update(project, project_template_ref="v2")

    assert (project / "data-science/src/train.py").read_text() == "print('train v2')\n"
    assert (project / "data-science/src/extra.py").read_text() == "# ours\n"
    assert "project_template_ref: v2" in (project / ".copier-answers.yml").read_text()


# The last commit before subtrees/ was laid out by owner (types/, azureml/<family>/, ci/<orchestrator>/).
BEFORE_THE_LAYOUT_BY_OWNER = "79822b95d74191ec87639f40d5040597f6ead1be"


@pytest.fixture
def factory_across_the_layout_change(tmp_path: Path) -> Path:
    """The factory tagged 1.0.0 as it was before the layout by owner, and 2.0.0 as it is now."""
    commit = BEFORE_THE_LAYOUT_BY_OWNER + "^{commit}"
    found = subprocess.run(["git", "cat-file", "-e", commit], cwd=ROOT, check=False, capture_output=True)
    if found.returncode:
        pytest.skip("this checkout's history lacks the commit before the layout change (a shallow clone)")
    repo = tmp_path / "factory"
    repo.mkdir()
    archive = subprocess.run(
        ["git", "archive", BEFORE_THE_LAYOUT_BY_OWNER, *FACTORY_PATHS], cwd=ROOT, check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(repo, filter="data")
    git(repo, "init", "--quiet", "-b", "main")
    commit_all(repo, "factory before the layout by owner", tag="1.0.0")
    for name in FACTORY_PATHS:
        path = repo / name
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    copy_factory(repo)
    commit_all(repo, "factory with the layout by owner", tag="2.0.0")
    return repo


def test_a_project_made_before_the_layout_change_updates_to_exactly_a_new_project(
    factory_across_the_layout_change, render, tracked_files, tmp_path
):
    """One render per side of the change is enough here: scripts/render_all.py compared all 48 byte for byte."""
    factory = factory_across_the_layout_change
    # An SDK project on Azure DevOps: merged CI templates, per-family requirements, a type fact read by Jinja.
    answers = {
        "infrastructure_version": "bicep",
        "project_type": "cv",
        "mlops_version": "python-sdk-v1",
        "orchestration": "azure-devops",
    }
    project = render(factory, tmp_path / "project", vcs_ref="1.0.0", **answers)
    update(project)
    fresh = render(factory, tmp_path / "fresh", vcs_ref="2.0.0", **answers)

    files = tracked_files(project)
    assert files == tracked_files(fresh)
    differing = sorted(path for path in files if (project / path).read_bytes() != (fresh / path).read_bytes())
    assert not differing, f"an updated project differs from a new one in {differing}"
    # The update changed only what the template changed between the two releases: at the layout change
    # itself nothing, so `git status` shows just the answers file with its new _commit.
    before = render(factory, tmp_path / "before", vcs_ref="1.0.0", **answers)
    released = {
        path
        for path in tracked_files(before) | files
        if path != ".copier-answers.yml" and _bytes(before / path) != _bytes(fresh / path)
    }
    changed = {
        line.split(maxsplit=1)[1]
        for line in git(project, "status", "--porcelain", "--untracked-files=all").splitlines()
    }
    assert changed == {".copier-answers.yml", *released}


def _bytes(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None
