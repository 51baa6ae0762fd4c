"""Stopping a copy after answers were typed: the confirmation lists them, and a stop saves them for resuming.

A person is simulated in-process: Copier's prompt function is replaced by one that answers each question
with what the test typed (else Enter on the default), after the question's own validator accepted it.
The real terminal is tests/test_terminal.py's business.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import FORK_ANSWERS
from copier import run_copy
from copier.errors import UserMessageError
from mlops_factory import resume
from questionary import Choice


@pytest.fixture
def person(monkeypatch: pytest.MonkeyPatch) -> Callable[..., list[str]]:
    """`copier copy` answered at the prompt: ``typed`` answers, Enter elsewhere; returns the prompts' messages.

    A typed value may be a callable: it runs when its question comes up, and its result is the answer.
    """
    import copier._main

    def answer(
        template: Path, destination: Path, typed: dict[str, Any], pretend: bool = False, **data: str
    ) -> list[str]:
        shown: list[str] = []

        def prompt(questions: list[dict[str, Any]], answers: dict[str, Any]) -> dict[str, Any]:
            (question,) = questions
            name = question["name"]
            if not question["when"](answers):
                return answers
            shown.append(question["message"])
            default = question.get("default")
            value = typed[name] if name in typed else default.value if isinstance(default, Choice) else default
            if callable(value):
                value = value()
            if "validate" in question:
                verdict = question["validate"](value)
                assert verdict is True, f"{name}: {verdict}"
            return {name: question["filter"](value)}

        monkeypatch.setattr(copier._main, "unsafe_prompt", prompt)
        run_copy(str(template), destination, data=data, unsafe=True, quiet=True, pretend=pretend)
        return shown

    return answer


def saved_files(cache: Path) -> list[Path]:
    return sorted((cache / "v1" / resume.ANSWERS_FOLDER).glob("*.yml"))


def test_the_confirmation_lists_every_answer_in_lines_that_fit(session_factory, fork, prompt_question):
    question = prompt_question(
        session_factory,
        "proceed",
        project_template_github_url=f"file://{fork}",
        project_template_ref="v1",
        orchestration="azure-devops",
        infrastructure_version="bicep",
    )
    lines = question.get_message().rstrip().splitlines()
    assert lines[0] == "Generate the project with these answers?"
    assert all(len(line) <= resume.SUMMARY_WIDTH for line in lines), lines
    rows = {line.split()[0]: line.split(maxsplit=1)[1] for line in lines[1:-1]}
    assert rows["project_template_ref"] == "v1"
    assert rows["infrastructure_version"] == "bicep"
    assert rows["private_networking"] == "no"
    assert rows["remote_url"] == "(empty)"
    url = rows["project_template_github_url"]
    assert url.startswith("file:///") and url.endswith("/fork") and "…" in url, "a long URL keeps both ends"
    assert "azure_names" not in rows and "mlops_family" not in rows, "computed values are no answers"


def test_a_source_unreachable_when_rendering_starts_keeps_the_typed_answers(
    session_factory, fork, person, tmp_path, isolated_cache
):
    destination = tmp_path / "churn"

    def fork_gone_before_rendering() -> bool:
        shutil.rmtree(fork)
        return True

    typed = {"project_name": "churn", "namespace": "churnml", "proceed": fork_gone_before_rendering}
    data = {"project_template_github_url": f"file://{fork}", "project_template_ref": "v1", **FORK_ANSWERS}
    with pytest.raises(UserMessageError) as refused:
        person(session_factory, destination, typed, **data)

    message = str(refused.value)
    assert message.startswith("check the network and your access, then run again: could not fetch the chosen subtrees")
    (saved,) = saved_files(isolated_cache)
    command = f"copier copy --trust --data-file {saved} {session_factory} {destination}"
    assert f"Your answers are saved in {saved}\n" in message and message.endswith(f"Resume with:\n  {command}")
    answers = yaml.safe_load(saved.read_text())
    assert answers["project_name"] == "churn" and answers["namespace"] == "churnml"
    assert answers["project_template_ref"] == "v1", "answers given with --data are kept too"
    assert "proceed" not in answers and "azure_names" not in answers
    assert f"#   {command}" in saved.read_text()
    assert not destination.exists()


def test_no_confirmation_and_nothing_saved_when_data_answers_every_question(
    copier_template, person, tmp_path, isolated_cache
):
    given = {
        "project_name": "churn",
        "infrastructure_version": "terraform",
        "project_type": "classical",
        "mlops_version": "aml-cli-v2",
        "orchestration": "github-actions",
        "project_template_github_url": "builtin",
        "github_org_name": "contoso",
        "location": "westeurope",
        "namespace": "churn",
        "postfix": "0001",
        "key_vault_purge_protection": "true",
        "private_networking": "false",
        "alert_email": "",
        "retraining_schedule": "weekly",
        "remote_url": "",
    }
    shown = person(copier_template, tmp_path / "churn", {}, pretend=True, **given)
    assert shown == [], "a question was asked although --data answered every question"
    assert saved_files(isolated_cache) == []


def test_the_resume_command_quotes_what_a_shell_would_split():
    command = resume.resume_command(Path("/home/me/.cache/a b.yml"), "gh:contoso/mlops-factory", "my project")
    assert command == "copier copy --trust --data-file '/home/me/.cache/a b.yml' gh:contoso/mlops-factory 'my project'"
    pinned = resume.resume_command(Path("/c/x.yml"), "/src", "dst", vcs_ref="v1.2.0", overwrite=True)
    assert pinned == "copier copy --trust --data-file /c/x.yml --vcs-ref v1.2.0 --overwrite /src dst"


def test_saved_answers_leave_out_copiers_keys_and_any_url_with_credentials():
    kept = resume.answers_to_keep(
        {
            "_src_path": "/src",
            "project_name": "churn",
            "remote_url": "https://me:secret@github.com/contoso/churn.git",
            "private_networking": False,
        }
    )
    assert kept == {"project_name": "churn", "private_networking": False}
