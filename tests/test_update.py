"""`copier update` stories: copy at v1, edit, release v2, update, check both sides survived."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FORK_ANSWERS, commit_all, git, write_files
from copier import run_update

TRAIN_README = "subtrees/types/classical/data-science/README.md.jinja"


@pytest.fixture
def project(factory_repo: Path, render, tmp_path: Path) -> Path:
    """A project generated from factory 1.0.0 and committed, as `copier copy` leaves it."""
    path = render(factory_repo, tmp_path / "project", vcs_ref="1.0.0", **FORK_ANSWERS)
    assert git(path, "log", "--format=%s") == "Generate project with mlops-factory"
    return path


def update(project: Path, **answers: str) -> None:
    run_update(
        str(project),
        data=answers,
        defaults=True,
        overwrite=True,
        unsafe=True,
        quiet=True,
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


def test_a_file_the_user_added_is_untouched(factory_repo, project):
    notes = project / "data-science/src/feature_store.py"
    notes.write_text("FEATURES = ['distance', 'hour']\n")
    user_commits(project, "add feature list")
    release(factory_repo, "2.0.0", lambda factory: None)
    update(project)
    assert notes.read_text() == "FEATURES = ['distance', 'hour']\n"
    assert git(project, "status", "--porcelain", "--", "data-science/src/feature_store.py") == ""


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
