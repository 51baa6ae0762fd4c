"""Adopting a project made by the accelerator's sparse_checkout.sh, with the recipe of
docs/migrating-from-sparse-checkout.md: after it, the answers are recorded and `copier update` brings a
later factory release while the team's edits survive.

The old project is built the way the old script built it: the template's subtrees laid out in a
folder with the old root files (upstream-format config-infra-*.yml, README) and one old workflow the
factory no longer has, committed as 'initial commit'; then the team's own commits.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import FORK_ANSWERS, ROOT, cli, commit_all, git, write_files

ADOPT = ROOT / "scripts" / "adopt_sparse_checkout.py"
DOC = ROOT / "docs" / "migrating-from-sparse-checkout.md"
TEMPLATE_README = "subtrees/types/classical/data-science/README.md.jinja"

SPARSE_CHECKOUT = """\
infrastructure_version=terraform   #options: terraform / bicep
project_type=classical      #options: classical / cv / nlp
mlops_version=aml-cli-v2   #options: aml-cli-v2 / python-sdk-v1 / python-sdk-v2 / rai-aml-cli-v2
orchestration=github-actions #options: github-actions / azure-devops
git_folder_location='/home/me/projects'   #replace with the local root folder location
project_name=Taxi-Fare   #replace with your project name
github_org_name=contoso   #replace with your github org name
project_template_github_url=https://github.com/azure/mlops-project-template   #replace with the url

cd $git_folder_location
git clone --branch 'main' --depth 1 --filter=blob:none --sparse $project_template_github_url $project_name
"""


def old_config(environment: str, namespace: str = "mlopsv2") -> str:
    """config-infra-<environment>.yml as Azure/mlops-project-template ships it, with the team's values."""
    return f"""\
# {environment} environment
variables:
  ap_vm_image: ubuntu-20.04

  namespace: {namespace} #Note: A namespace with many characters will cause storage account creation to fail
  postfix: 0518
  location: westeurope
  environment: {environment}
  enable_aml_computecluster: true
  enable_aml_secure_workspace: false

  # For pipeline reference
  resource_group: rg-$(namespace)-$(postfix)$(environment)
  aml_workspace: mlw-$(namespace)-$(postfix)$(environment)
  storage_account: st$(namespace)$(postfix)$(environment)
"""


OLD_WORKFLOW = ".github/workflows/deploy-model-training-pipeline-classical.yml"
OLD_HEADER = '"""Train the taxi-fare model (mlops-project-template)."""\n'
TEAM_FUNCTION = "\n\ndef our_feature_flag() -> bool:\n    return True\n"


@pytest.fixture
def old_project(session_factory: Path, render, tmp_path: Path) -> Path:
    """What sparse_checkout.sh left behind, plus the team's commits since."""
    rendered = render(session_factory, tmp_path / "content", **FORK_ANSWERS)
    project = tmp_path / "taxi-fare"
    subtrees = ("infrastructure", "data-science", "data", "mlops", ".github/workflows")
    for folder in subtrees:
        if (rendered / folder).is_dir():
            shutil.copytree(rendered / folder, project / folder)
    (project / ".github/workflows/factory-update.yml").unlink()  # the old template had no such thing
    train = project / "data-science/src/train.py"
    train.write_text(OLD_HEADER + train.read_text().split("\n", 1)[1])  # the old template's version of a line
    write_files(
        project,
        {
            "README.md": "# Azure MLOps (v2) project template\n",
            "config-infra-dev.yml": old_config("dev"),
            "config-infra-prod.yml": old_config("prod"),
            OLD_WORKFLOW: "name: deploy-model-training-pipeline\non: workflow_dispatch\njobs: {}\n",
        },
    )
    git(project, "init", "--quiet", "-b", "main")
    commit_all(project, "initial commit")

    train.write_text(train.read_text() + TEAM_FUNCTION)
    (project / "data-science/src/features.py").write_text("FEATURES = ['distance', 'hour']\n")
    commit_all(project, "our feature flag and feature list")
    (project / "sparse_checkout.sh").write_text(SPARSE_CHECKOUT)
    commit_all(project, "keep the script we generated with")
    return project


def adopt(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ADOPT), *args],
        cwd=project,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


def test_the_doc_gives_the_command_this_test_runs():
    doc = DOC.read_text()
    assert "python ../mlops-factory/scripts/adopt_sparse_checkout.py sparse_checkout.sh --factory" in doc
    assert "git switch main && git merge --no-ff adopt-mlops-factory" in doc
    assert "copier update --trust" in doc


def test_an_adopted_project_records_its_answers_and_then_updates(factory_repo, old_project):
    # The recipe, step by step as the doc gives it.
    adopted = adopt(old_project, "sparse_checkout.sh", "--factory", str(factory_repo))
    assert adopted.returncode == 0, adopted.stderr
    assert "Adopted on branch adopt-mlops-factory with mlops-factory 1.0.0; main is unchanged." in adopted.stdout
    assert git(old_project, "show", "main:README.md") == "# Azure MLOps (v2) project template"
    git(old_project, "switch", "--quiet", "main")
    git(old_project, "merge", "--quiet", "--no-ff", "-m", "Adopt mlops-factory", "adopt-mlops-factory")

    answers = yaml.safe_load((old_project / ".copier-answers.yml").read_text())
    assert {key: answers[key] for key in FORK_ANSWERS} == FORK_ANSWERS
    assert answers["project_name"] == "taxi-fare"
    assert answers["github_org_name"] == "contoso"
    assert (answers["namespace"], answers["postfix"], answers["location"]) == ("mlopsv2", "0518", "westeurope")
    assert answers["private_networking"] is False
    assert answers["project_template_github_url"] == "builtin"
    assert answers["_commit"] == "1.0.0" and answers["_src_path"] == str(factory_repo)
    # The names the old project deployed are the names the factory's files use.
    dev = yaml.safe_load((old_project / "config-infra-dev.yml").read_text())
    assert dev["aml_workspace"] == "mlw-mlopsv2-0518dev" and dev["storage_account"] == "stmlopsv20518dev"

    train = (old_project / "data-science/src/train.py").read_text()
    assert train.endswith(TEAM_FUNCTION) and not train.startswith(OLD_HEADER), "team edit kept, factory line taken"
    assert (old_project / "data-science/src/features.py").read_text() == "FEATURES = ['distance', 'hour']\n"
    assert (old_project / "sparse_checkout.sh").is_file(), "files the team added are never removed"
    assert not (old_project / OLD_WORKFLOW).exists(), "the old template's unedited workflow is replaced"
    assert (old_project / ".github/workflows/factory-update.yml").is_file()
    assert git(old_project, "status", "--porcelain") == ""

    # A later factory release arrives with copier update; the team's edits survive.
    readme = factory_repo / TEMPLATE_README
    readme.write_text(readme.read_text() + "\nA paragraph from factory 2.0.0.\n")
    commit_all(factory_repo, "factory 2.0.0", tag="2.0.0")
    updated = cli("update", "--trust", "--defaults", cwd=old_project)
    assert updated.returncode == 0, updated.stderr

    assert (old_project / "data-science/README.md").read_text().endswith("A paragraph from factory 2.0.0.\n")
    assert (old_project / "data-science/src/train.py").read_text() == train
    assert (old_project / "data-science/src/features.py").is_file()
    assert "_commit: 2.0.0" in (old_project / ".copier-answers.yml").read_text()


def test_an_edit_that_overlaps_the_factory_change_is_marked_not_lost(factory_repo, old_project):
    train = old_project / "data-science/src/train.py"
    train.write_text(train.read_text().replace(OLD_HEADER, '"""Our own description of the training."""\n'))
    commit_all(old_project, "our description")

    adopted = adopt(old_project, "sparse_checkout.sh", "--factory", str(factory_repo))

    assert adopted.returncode == 0, adopted.stderr
    assert "Conflicts to resolve (1), marked <<<<<<< before updating: data-science/src/train.py" in adopted.stdout
    merged = train.read_text()
    assert "<<<<<<< before updating" in merged and '"""Our own description of the training."""' in merged
    assert ">>>>>>> after updating" in merged and merged.endswith(TEAM_FUNCTION)


def test_answers_only_writes_a_data_file_and_changes_nothing(old_project, tmp_path):
    head = git(old_project, "rev-parse", "HEAD")
    data = tmp_path / "answers.yml"
    result = adopt(
        old_project, "sparse_checkout.sh", "--factory", "gh:contoso/mlops-factory", "--answers-only", str(data)
    )
    assert result.returncode == 0, result.stderr
    assert "project_name Taxi-Fare becomes taxi-fare (lowercase)" in result.stdout
    assert yaml.safe_load(data.read_text())["postfix"] == "0518"
    assert git(old_project, "rev-parse", "HEAD") == head and git(old_project, "status", "--porcelain") == ""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda p: (p / "sparse_checkout.sh").write_text(SPARSE_CHECKOUT.replace("=terraform", "=arm")),
            "infrastructure_version=arm in sparse_checkout.sh is not one of terraform, bicep",
        ),
        (
            lambda p: (p / "sparse_checkout.sh").write_text(
                SPARSE_CHECKOUT.replace("https://github.com/azure/", "https://github.com/contoso/")
            ),
            "the project was made from your fork https://github.com/contoso/mlops-project-template: pass --source-ref",
        ),
        (
            lambda p: (p / "config-infra-prod.yml").write_text(old_config("prod", namespace="mlopsv3")),
            "config-infra-dev.yml and config-infra-prod.yml have different namespaces (mlopsv2 and mlopsv3)",
        ),
        (
            lambda p: (p / ".copier-answers.yml").write_text("_commit: 1.0.0\n"),
            "the project already has .copier-answers.yml",
        ),
    ],
    ids=["unknown-choice", "fork-without-ref", "dev-prod-differ", "already-adopted"],
)
def test_bad_input_is_one_sentence_and_changes_nothing(factory_repo, old_project, change, message):
    change(old_project)
    commit_all(old_project, "change")
    head = git(old_project, "rev-parse", "HEAD")

    result = adopt(old_project, "sparse_checkout.sh", "--factory", str(factory_repo))

    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("adopt_sparse_checkout: "), result.stderr
    assert message in lines[0]
    assert git(old_project, "rev-parse", "HEAD") == head
    assert git(old_project, "branch", "--format=%(refname:short)") == "main"
