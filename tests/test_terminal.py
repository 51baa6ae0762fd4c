"""The questionnaire as a person meets it: the real `copier copy` in a pseudo-terminal, typed into key by key.

The template source is a fork that lacks some subtrees, so the prompts must grey out what it cannot build
and say why; a bad project name is refused with its rule first; a key typed by habit after a yes/no
question is caught; the summary of the answers is shown before anything is written, a "no" keeps the
answers, and the printed command resumes from them to the project and the next steps for exactly the
chosen combination. Ctrl-C at a prompt keeps the answers given so far. What Copier prints around the
questions (after a copy, under --pretend) is checked in-process below.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
import yaml
from conftest import FORK_ANSWERS
from copier import run_copy
from copier._main import Worker

DOWN = "\x1b[B"
ENTER = "\r"
CLEAR_LINE = "\x15"  # Ctrl-U: the prompts start pre-filled with the default
TIMEOUT = 60
COPIER = Path(sys.executable).with_name("copier")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def person_env(tmp_path: Path) -> dict[str, str]:
    """A person's environment: their home (and so their cache folder) is the test's folder."""
    return {"PATH": f"{COPIER.parent}:/usr/bin:/bin", "HOME": str(tmp_path), "TERM": "xterm-256color"}


@pytest.fixture
def terminal(session_factory: Path, tmp_path: Path, person_env: dict[str, str]):
    child = pexpect.spawn(
        str(COPIER),
        ["copy", "--trust", str(session_factory), str(tmp_path / "churn-model")],
        cwd=str(tmp_path),
        dimensions=(50, 250),
        encoding="utf-8",
        timeout=TIMEOUT,
        logfile=open(tmp_path / "terminal.log", "w"),  # noqa: SIM115
        env=person_env,
    )
    yield child
    child.close(force=True)


def answer(child: pexpect.spawn, question: str, keys: str) -> None:
    child.expect_exact(question)
    child.send(keys)


def saved_answers(tmp_path: Path) -> tuple[Path, dict[str, object]]:
    (saved,) = (tmp_path / ".cache/mlops-factory/v1/answers").glob("*.yml")
    return saved, yaml.safe_load(saved.read_text())


def test_a_person_answers_stops_at_the_summary_and_resumes_to_a_project(terminal, fork, tmp_path, person_env):
    child = terminal
    child.expect_exact("Every question has a default")

    answer(child, "Name of the project and its git repository", CLEAR_LINE + "Churn Model" + ENTER)
    # The rule first: Copier shows a refusal on one line under the prompt, cut at the terminal's edge.
    child.expect_exact(
        "'project_name': use 3-40 lowercase letters, digits and single hyphens; begin with a letter: "
        "'Churn Model' is not allowed as project_name"
    )
    child.send(CLEAR_LINE + "churn-model" + ENTER)

    answer(child, "Template source: 'builtin', or your fork's git URL", CLEAR_LINE + f"file://{fork}" + ENTER)
    answer(child, "Tag or full 40-character commit SHA", CLEAR_LINE + "v1" + ENTER)
    answer(child, "Infrastructure as code for the Azure ML environments", DOWN + ENTER)  # Bicep

    # A greyed-out choice gives its reason before the source's URL.
    child.expect_exact("Kind of machine-learning problem")
    child.expect_exact(
        "Computer vision: image classification (PyTorch) (no cv data-science code for aml-cli-v2: template source"
    )
    child.send(ENTER)  # classical, the only one the fork has
    answer(child, "How pipelines are defined and submitted to Azure ML", ENTER)

    child.expect_exact("Where CI/CD runs")
    # The fork has no Bicep workflows for GitHub Actions, so Azure DevOps is preselected.
    child.expect_exact(
        "GitHub Actions: OIDC login, no stored secrets (no GitHub Actions workflows for bicep infrastructure:"
    )
    child.send(ENTER)

    for question in (
        "Azure region for every resource",
        "Prefix of every Azure resource name",
        "Suffix that makes global Azure names unique",
        "Optional: e-mail for monitor and Azure Monitor alerts",
        "How often CI retrains whatever the monitor says",
        "service connection (workload identity) to the dev subscription",
        "service connection (workload identity) to the prod subscription",
        "Key Vault purge protection in prod",
    ):
        answer(child, question, ENTER)
    # "n" answers the yes/no question by itself; the "y" typed after it by habit lands in the next prompt.
    answer(child, "Private endpoints only", "n" + "y" + ENTER)
    child.expect_exact("remove the stray 'y' (a key meant for the yes/no question above?)")
    child.send(CLEAR_LINE + ENTER)

    child.expect_exact("Generate the project with these answers?")
    child.expect(r"project_template_ref +v1\W")
    child.expect(r"ado_service_connection_dev +sc-churn-model-dev\W")
    child.expect(r"private_networking +no\W")
    child.expect_exact("(Y/n)")
    child.send("n")
    child.expect_exact("You answered no: nothing was written.")
    child.expect_exact("Resume with:")
    child.expect(pexpect.EOF)
    resume_line = ANSI.sub("", child.before).strip()
    child.close()
    assert child.exitstatus == 1
    assert not (tmp_path / "churn-model").exists()

    saved, answers = saved_answers(tmp_path)
    assert answers["project_name"] == "churn-model" and answers["private_networking"] is False
    argv = shlex.split(resume_line)
    assert argv[:5] == ["copier", "copy", "--trust", "--data-file", str(saved)]
    resumed = subprocess.run(
        [str(COPIER), *argv[1:]], cwd=tmp_path, env=person_env, capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr
    printed = ANSI.sub("", resumed.stderr)

    project = tmp_path / "churn-model"
    (task_line,) = [line for line in printed.splitlines() if "Running task" in line]
    assert task_line.endswith(f"'extensions/initial_commit.py', '{project}']"), task_line
    assert "copier._" not in task_line, "the task line shows Copier's temporary clone of the factory"
    assert not re.search(r"^\s*identical ", printed, re.M), "a folder is listed twice"
    assert "Generated churn-model in " in printed and ": a classical (tabular) project on aml-cli-v2" in printed
    assert "Create the workload identity service connections sc-churn-model-dev and sc-churn-model-prod" in printed
    assert "infrastructure/pipelines/bicep-ado-deploy-infra.yml" in printed

    stored = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert stored["project_name"] == "churn-model"
    assert stored["infrastructure_version"] == "bicep"
    assert stored["orchestration"] == "azure-devops"
    assert stored["project_template_ref"] == "v1"
    assert "proceed" not in stored
    assert (project / "infrastructure").is_dir()


def test_ctrl_c_at_a_prompt_keeps_the_answers_given_so_far(terminal, tmp_path, session_factory):
    child = terminal
    answer(child, "Name of the project and its git repository", CLEAR_LINE + "churn-model" + ENTER)
    answer(child, "Template source: 'builtin'", ENTER)
    child.expect_exact("Infrastructure as code for the Azure ML environments")
    child.sendcontrol("c")
    child.expect_exact("Execution stopped by user")
    child.expect_exact("Your answers are saved in ")
    child.expect_exact("Resume with:")
    child.expect(pexpect.EOF)
    resume_line = ANSI.sub("", child.before).strip()
    child.close()

    assert child.exitstatus == 1
    assert not (tmp_path / "churn-model").exists()
    saved, answers = saved_answers(tmp_path)
    assert answers == {"project_name": "churn-model", "project_template_github_url": "builtin"}
    assert resume_line == (f"copier copy --trust --data-file {saved} {session_factory} {tmp_path / 'churn-model'}")


# -- what Copier prints around the questions --------------------------------------------------------
def message_after_copy(template: Path, pretend: bool = False, **answers: str) -> str:
    worker = Worker(src_path=str(template), dst_path=Path("churn"), quiet=True)
    context = {
        **FORK_ANSWERS,
        "project_name": "churn",
        "namespace": "churn",
        "location": "eastus",
        "github_org_name": "contoso",
        "remote_url": "",
        **answers,
        "_copier_conf": {"pretend": pretend, "dst_path": "churn"},
        "_copier_answers": {"_src_path": "gh:contoso/mlops-factory"},
    }
    return worker.jinja_env.from_string(worker.template.message_after_copy).render(context)


@pytest.mark.parametrize(
    ("project_type", "words"),
    [("classical", "a classical (tabular) project"), ("cv", "a computer-vision project"), ("nlp", "an NLP project")],
)
def test_the_message_after_copy_names_the_kind_of_project(copier_template, project_type, words):
    assert f"Generated churn in churn: {words} on aml-cli-v2," in message_after_copy(
        copier_template, project_type=project_type
    )


def test_pretend_writes_nothing_and_says_so(copier_template, tmp_path, capfd):
    destination = tmp_path / "churn"
    capfd.readouterr()
    run_copy(str(copier_template), destination, defaults=True, unsafe=True, pretend=True)
    printed = capfd.readouterr().err
    assert not destination.exists()
    assert "Nothing was written (--pretend): without it, my-mlops-project is generated in" in printed
    assert "Generated" not in printed and "Next steps" not in printed
    assert "Running task" not in printed, "Copier lists the task it would run, which --pretend never runs"
