"""The questionnaire as a person meets it: the real `copier copy` in a pseudo-terminal, typed into key by key.

The template source is a fork that lacks some subtrees, so the prompts must grey out what it cannot build
and say why; a bad project name is refused with its reason and corrected; the run ends with the project
and the next steps for exactly the chosen combination.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pexpect
import pytest
import yaml

DOWN = "\x1b[B"
ENTER = "\r"
CLEAR_LINE = "\x15"  # Ctrl-U: the prompts start pre-filled with the default
TIMEOUT = 60


@pytest.fixture
def terminal(session_factory: Path, tmp_path: Path):
    copier = Path(sys.executable).with_name("copier")
    child = pexpect.spawn(
        str(copier),
        ["copy", "--trust", str(session_factory), str(tmp_path / "churn-model")],
        cwd=str(tmp_path),
        dimensions=(50, 250),
        encoding="utf-8",
        timeout=TIMEOUT,
        logfile=open(tmp_path / "terminal.log", "w"),  # noqa: SIM115
        env={"PATH": f"{copier.parent}:/usr/bin:/bin", "HOME": str(tmp_path), "TERM": "xterm-256color"},
    )
    yield child
    child.close(force=True)


def answer(child: pexpect.spawn, question: str, keys: str) -> None:
    child.expect_exact(question)
    child.send(keys)


def test_a_person_answers_the_prompts_and_gets_a_project(terminal, fork, tmp_path):
    child = terminal
    child.expect_exact("Every question has a default")

    answer(child, "Name of the project and its git repository", CLEAR_LINE + "Churn Model" + ENTER)
    child.expect_exact("project_name 'Churn Model' is not allowed: use 3-40 lowercase letters")
    child.send(CLEAR_LINE + "churn-model" + ENTER)

    answer(child, "Where the project's subtrees come from", CLEAR_LINE + f"file://{fork}" + ENTER)
    answer(child, "Tag or full 40-character commit SHA", CLEAR_LINE + "v1" + ENTER)
    answer(child, "Infrastructure as code for the Azure ML environments", DOWN + ENTER)  # Bicep

    child.expect_exact("Kind of machine-learning problem")
    child.expect_exact("Computer vision: image classification (PyTorch) (not in this template source:")
    child.send(ENTER)  # classical, the only one the fork has
    answer(child, "How pipelines are defined and submitted to Azure ML", ENTER)

    child.expect_exact("Where CI/CD runs")
    # The fork has no Bicep workflows for GitHub Actions, so Azure DevOps is preselected.
    child.expect_exact("GitHub Actions: OIDC login, no stored secrets (not in this template source:")
    child.send(ENTER)

    for question in (
        "Azure region for every resource",
        "Prefix of every Azure resource name",
        "Suffix that makes the names globally unique",
        "Turn on Key Vault purge protection",
        "Reach the workspace, storage, Key Vault and container registry only through private endpoints",
        "the e-mail address that gets the model monitor's alerts",
        "How often CI retrains the model whatever the monitor says",
        "service connection (workload identity federation) to the dev subscription",
        "service connection (workload identity federation) to the prod subscription",
        "an empty git repository to push the new project's main branch to",
    ):
        answer(child, question, ENTER)

    child.expect_exact("Next steps")
    child.expect_exact("Create the workload identity service connections sc-churn-model-dev and sc-churn-model-prod")
    child.expect_exact("infrastructure/pipelines/bicep-ado-deploy-infra.yml")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before

    project = tmp_path / "churn-model"
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["project_name"] == "churn-model"
    assert answers["infrastructure_version"] == "bicep"
    assert answers["orchestration"] == "azure-devops"
    assert answers["project_template_ref"] == "v1"
    assert (project / "infrastructure").is_dir()
