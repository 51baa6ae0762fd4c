"""The questionnaire: each validated question accepts a good answer and refuses a bad one with a
sentence naming the field, both at the prompt and when given with --data."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import ROOT, cli
from copier.errors import UserMessageError

ADO = {"orchestration": "azure-devops"}
NLP = {"project_type": "nlp"}

# (field, accepted, refused, words of the refusal, answers the question depends on)
CASES = [
    ("project_name", "churn-model", "Churn Model", "project_name 'Churn Model' is not allowed", {}),
    ("project_name", "abc", "-abc", "starting with a letter", {}),
    ("project_template_github_url", "builtin", "some/relative/path", "absolute path", {}),
    ("github_org_name", "contoso-ml", "contoso--", "not a GitHub organisation or user name", {}),
    ("location", "westeurope", "westeruope", "location 'westeruope' is not an Azure region", {}),
    ("namespace", "contoso", "Contoso", "namespace 'Contoso' is not allowed", {}),
    (
        "namespace",
        "a23456789012",
        "a234567890123",
        "the Key Vault name 'kv-a234567890123-0001prod' 25 characters long",
        {},
    ),
    ("postfix", "0002", "00-2", "postfix '00-2' is not allowed", {}),
    ("postfix", "ab12cd34", "ab12cd34e", "use 1-8 lowercase letters and digits", {"namespace": "ml"}),
    (
        "postfix",
        "01",
        "0000001",
        "Key Vault name 'kv-mymlopspro-0000001prod' 25 characters long",
        {"namespace": "mymlopspro"},
    ),
    (
        "ado_service_connection_dev",
        "Azure ARM Dev",
        "dev/connection",
        "not a valid Azure DevOps service connection name",
        ADO,
    ),
    ("ado_service_connection_prod", "prod.conn_1", "", "not a valid Azure DevOps service connection name", ADO),
    (
        "remote_url",
        "git@github.com:contoso/churn.git",
        "contoso/churn",
        "remote_url 'contoso/churn' is not a git remote",
        {},
    ),
    (
        "nlp_base_model",
        "FacebookAI/roberta-base",
        "roberta base",
        "nlp_base_model 'roberta base' is not a Hugging Face Hub model name",
        NLP,
    ),
    ("nlp_base_model", "bert-base-cased", "org/name/extra", "use 'name' or 'organisation/name'", NLP),
    ("alert_email", "", "a@contoso.com;b@contoso.com", "give one address such as ml-team@contoso.com", {}),
    # A quote would need escaping in the YAML, Terraform and Bicep the address is written to: refused.
    ("alert_email", "o.brien+ml@mail.contoso.co.uk", "o'brien@contoso.com", "is not one e-mail address", {}),
    ("retraining_schedule", "daily", "hourly", "retraining_schedule 'hourly' is not a retraining schedule", {}),
]
IDS = [f"{field}={refused!r}" for field, _, refused, _, _ in CASES]


@pytest.mark.parametrize(("field", "accepted", "refused", "message", "given"), CASES, ids=IDS)
def test_the_prompt_accepts_and_refuses(copier_template, prompt_question, field, accepted, refused, message, given):
    question = prompt_question(copier_template, field, **given)
    question.validate_answer(accepted)
    with pytest.raises(ValueError, match=message):
        question.validate_answer(refused)


@pytest.mark.parametrize(("field", "accepted", "refused", "message", "given"), CASES, ids=IDS)
def test_data_answers_are_checked_before_anything_is_written(
    copier, tmp_path, field, accepted, refused, message, given
):
    project = copier.copy(tmp_path / "accepted", **given, **{field: accepted})
    assert yaml.safe_load((project.path / ".copier-answers.yml").read_text())[field] == accepted

    with pytest.raises(UserMessageError, match=message):
        copier.copy(tmp_path / "refused", **given, **{field: refused})
    assert not (tmp_path / "refused").exists()


def test_defaults_alone_generate_a_project(copier_template, tmp_path):
    result = cli("copy", "--trust", "--defaults", "--quiet", str(copier_template), str(tmp_path / "project"))
    assert result.returncode == 0, result.stderr
    answers = yaml.safe_load((tmp_path / "project/.copier-answers.yml").read_text())
    assert {
        key: answers[key]
        for key in (
            "project_name",
            "infrastructure_version",
            "project_type",
            "mlops_version",
            "orchestration",
            "project_template_github_url",
        )
    } == {
        "project_name": "my-mlops-project",
        "infrastructure_version": "terraform",
        "project_type": "classical",
        "mlops_version": "aml-cli-v2",
        "orchestration": "github-actions",
        "project_template_github_url": "builtin",
    }
    assert answers["namespace"] == "mymlopspro"


def test_questions_hidden_by_their_condition_are_not_stored(copier, tmp_path):
    github = copier.copy(tmp_path / "github").answers
    assert "github_org_name" in github and "ado_service_connection_dev" not in github
    devops = copier.copy(tmp_path / "devops", orchestration="azure-devops").answers
    assert "github_org_name" not in devops and devops["ado_service_connection_prod"] == "sc-my-mlops-project-prod"
    assert "project_template_ref" not in github
    assert "nlp_base_model" not in github


def test_the_nlp_base_model_answer_reaches_local_runs_and_azure_ml_pipelines(copier, tmp_path):
    cli_project = copier.copy(tmp_path / "cli", project_type="nlp", nlp_base_model="FacebookAI/roberta-base").path
    sdk_project = copier.copy(
        tmp_path / "sdk", project_type="nlp", mlops_version="python-sdk-v2", nlp_base_model="FacebookAI/roberta-base"
    ).path
    pipeline = yaml.safe_load((cli_project / "mlops/azureml/train/pipeline.yml").read_text())
    component = yaml.safe_load((cli_project / "mlops/azureml/train/train.yml").read_text())
    assert pipeline["inputs"]["base_model"] == "FacebookAI/roberta-base"
    assert component["inputs"]["base_model"]["default"] == "FacebookAI/roberta-base"
    for project in (cli_project, sdk_project):
        assert 'DEFAULT_BASE_MODEL = "FacebookAI/roberta-base"' in (project / "data-science/src/common.py").read_text()
    assert 'BASE_MODEL = "FacebookAI/roberta-base"' in (sdk_project / "mlops/azureml/train/pipeline.py").read_text()
    assert "distilbert" not in (sdk_project / "mlops/azureml/README.md").read_text()


def test_every_question_has_help_and_the_axes_offer_exactly_the_known_choices():
    from mlops_factory.axes import AXES

    questions = {
        key: value
        for key, value in yaml.safe_load((ROOT / "copier.yml").read_text()).items()
        if not key.startswith("_")
    }
    for key, question in questions.items():
        assert question.get("help"), f"{key} has no help text"
    for axis, values in AXES.items():
        offered = [choice["value"] for choice in questions[axis]["choices"].values()]
        assert offered == list(values), axis


def test_sdk_v1_is_labelled_as_past_end_of_support():
    choices = yaml.safe_load((ROOT / "copier.yml").read_text())["mlops_version"]["choices"]
    label = next(label for label, choice in choices.items() if choice["value"] == "python-sdk-v1")
    assert "past end of support" in label


def test_a_project_inside_an_existing_work_tree_is_not_committed_separately(copier, tmp_path: Path):
    import subprocess

    monorepo = tmp_path / "monorepo"
    monorepo.mkdir()
    subprocess.run(["git", "init", "-q", str(monorepo)], check=True)
    project = copier.copy(monorepo / "services" / "churn")
    assert not (project.path / ".git").exists()
