"""The questionnaire: each validated question accepts a good answer and refuses a bad one with a
sentence naming the field, both at the prompt and when given with --data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, cli, git
from copier.errors import UserMessageError

ADO = {"orchestration": "azure-devops"}
NLP = {"project_type": "nlp"}
CV = {"project_type": "cv"}

# (field, accepted, refused, words of the refusal, answers the question depends on)
CASES = [
    ("project_name", "churn-model", "Churn Model", "'Churn Model' is not allowed as project_name", {}),
    ("project_name", "abc", "-abc", "begin with a letter", {}),
    ("project_template_github_url", "builtin", "some/relative/path", "absolute path", {}),
    ("github_org_name", "contoso-ml", "contoso--", "'contoso--' is not allowed as github_org_name", {}),
    ("location", "westeurope", "westeruope", "'westeruope' is not allowed as location", {}),
    ("namespace", "contoso", "Contoso", "'Contoso' is not allowed as namespace", {}),
    (
        "namespace",
        "a23456789012",
        "a234567890123",
        "the Key Vault name 'kv-a234567890123-0001prod' 25 characters long",
        {},
    ),
    ("postfix", "0002", "00-2", "'00-2' is not allowed as postfix", {}),
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
        "'dev/connection' is not allowed as ado_service_connection_dev",
        ADO,
    ),
    ("ado_service_connection_prod", "prod.conn_1", "", "'' is not allowed as ado_service_connection_prod", ADO),
    (
        "remote_url",
        "git@github.com:contoso/churn.git",
        "contoso/churn",
        "'contoso/churn' is not allowed as remote_url",
        {},
    ),
    ("remote_url", "", "y", "remove the stray 'y' (a key meant for the yes/no question above?)", {}),
    (
        "nlp_base_model",
        "FacebookAI/roberta-base",
        "roberta base",
        "'roberta base' is not allowed as nlp_base_model",
        NLP,
    ),
    ("nlp_base_model", "bert-base-cased", "org/name/extra", "'name' or 'organisation/name'", NLP),
    (
        "cv_base_model",
        "efficientnet_b0",
        "resnet51",
        "'resnet51' is not allowed as cv_base_model (supported: resnet18, resnet34, ",
        CV,
    ),
    (
        "cv_base_model",
        "convnext_tiny",
        "ResNet50",
        "use a supported torchvision architecture (did you mean resnet50?)",
        CV,
    ),
    ("cv_base_model", "swin_t", "vit_b_16", "regnet_y_800mf, swin_t, swin_s)", CV),
    ("alert_email", "", "a@contoso.com;b@contoso.com", "give one address such as ml-team@contoso.com", {}),
    # A quote would need escaping in the YAML, Terraform and Bicep the address is written to: refused.
    ("alert_email", "o.brien+ml@mail.contoso.co.uk", "o'brien@contoso.com", "is not allowed as alert_email", {}),
    ("retraining_schedule", "daily", "hourly", "'hourly' is not allowed as retraining_schedule", {}),
]
IDS = [f"{field}={refused!r}" for field, _, refused, _, _ in CASES]


@pytest.mark.parametrize(("field", "accepted", "refused", "message", "given"), CASES, ids=IDS)
def test_the_prompt_accepts_and_refuses(copier_template, prompt_question, field, accepted, refused, message, given):
    question = prompt_question(copier_template, field, **given)
    question.validate_answer(accepted)
    with pytest.raises(ValueError, match=re.escape(message)):
        question.validate_answer(refused)


@pytest.mark.parametrize(("field", "accepted", "refused", "message", "given"), CASES, ids=IDS)
def test_data_answers_are_checked_before_anything_is_written(
    copier, tmp_path, field, accepted, refused, message, given
):
    project = copier.copy(tmp_path / "accepted", **given, **{field: accepted})
    assert yaml.safe_load((project.path / ".copier-answers.yml").read_text())[field] == accepted

    with pytest.raises(UserMessageError, match=re.escape(message)):
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
    assert "cv_base_model" not in github


def test_the_cv_base_model_answer_is_the_default_of_training_and_the_pipelines(copier, tmp_path):
    cli_project = copier.copy(tmp_path / "cli", project_type="cv", cv_base_model="convnext_tiny").path
    sdk_project = copier.copy(
        tmp_path / "sdk", project_type="cv", mlops_version="python-sdk-v2", cv_base_model="convnext_tiny"
    ).path
    component = yaml.safe_load((cli_project / "mlops/azureml/train/train.yml").read_text())
    assert component["inputs"]["base_model"]["default"] == "convnext_tiny"
    assert 'DEFAULT_BASE_MODEL = "convnext_tiny"' in (cli_project / "data-science/src/network.py").read_text()
    assert 'BASE_MODEL = "convnext_tiny"' in (sdk_project / "mlops/azureml/model_settings.py").read_text()
    assert copier.copy(tmp_path / "default", project_type="cv").answers["cv_base_model"] == "resnet50"


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
    assert 'BASE_MODEL = "FacebookAI/roberta-base"' in (sdk_project / "mlops/azureml/model_settings.py").read_text()
    assert "model.BASE_MODEL" in (sdk_project / "mlops/azureml/train/pipeline.py").read_text()
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


# -- what fits one line of an 80-column terminal ----------------------------------------------------
PROMPT_LINE = 76  # Copier puts a 2-column mark and a space before the help; prompt_toolkit cuts at the edge
QUESTIONS = {
    key: value for key, value in yaml.safe_load((ROOT / "copier.yml").read_text()).items() if not key.startswith("_")
}
# Helps rendered from the answers; their lines are checked where they are rendered.
RENDERED_HELPS = {"proceed": "test_the_confirmation_lists_every_answer_in_lines_that_fit"}
# Values every text question is tried with; a question that refuses none of them needs its own below.
STRAY_VALUES = ["", " x", "x ", "Bad Value!", "-", "a" * 200, "y", "a/b/c/d", "a--b", "UPPER"]


def message_rule(message: str) -> str:
    """What a refusal must show first: the rule, up to the first ': ', or the whole message."""
    return message.split(": ", 1)[0]


@pytest.mark.parametrize("key", list(QUESTIONS))
def test_every_help_fits_one_prompt_line(key):
    help_text = QUESTIONS[key]["help"]
    if "{{" in help_text:
        assert key in RENDERED_HELPS, f"{key}: a rendered help needs a test of its rendered lines"
        return
    assert "\n" not in help_text and len(help_text) <= PROMPT_LINE, (key, len(help_text), help_text)


def refusals(field: str, fork: Path, empty_repo: Path, root: Path) -> list[str]:
    """Every sentence the check of ``field`` gives for the stray values and the field's own bad values."""
    from mlops_factory import answers as checks

    known = {"project_name": "churn", "namespace": "churn", "postfix": "0001", "project_template_github_url": "builtin"}
    fork_source = {"project_template_github_url": f"file://{fork}"}
    own = {
        "project_template_github_url": [
            ({}, "https://me:token@github.com/contoso/fork.git"),
            ({}, f"file://{fork}-missing"),
            ({}, f"file://{empty_repo}"),
        ],
        "project_template_ref": [
            (fork_source, value) for value in ("", "main", "v9", git(fork, "rev-parse", "--short", "v1"), "a b")
        ],
        "namespace": [({}, "a" * 13)],
        "postfix": [({"namespace": "a" * 12}, "00001")],
        "location": [({}, "West Europe")],
        "remote_url": [({}, "https://me:token@github.com/contoso/churn.git")],
    }
    tries = [({}, value) for value in STRAY_VALUES] + own.get(field, [])
    found = []
    for given, value in tries:
        problem = checks.field_problem(field, {**known, **given, field: value}, root)
        if problem:
            found.append(problem)
    return found


@pytest.fixture
def empty_repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "--quiet", "--bare", str(tmp_path / "empty.git"))
    return tmp_path / "empty.git"


def test_every_refusal_at_a_prompt_leads_with_its_rule_and_names_the_field(fork, empty_repo):
    """Copier shows a refusal on one line under the prompt, cut at the terminal's edge: the rule comes first.

    The rule is the part before the first ': ' (or the whole message) and fits 76 characters; the field
    name follows in the same sentence, for --data users. Every checked question is tried, so questions
    added later are held to the same rule.
    """
    from mlops_factory.answers import checked_fields

    for field in checked_fields(ROOT):
        found = refusals(field, fork, empty_repo, ROOT)
        assert found, f"no bad value provokes a refusal for {field}: give it its own bad value in refusals()"
        for message in found:
            assert len(message_rule(message)) <= PROMPT_LINE, (field, message)
            assert field in message, (field, message)


# -- the order of the questions: a key typed for a yes/no question never lands in a text answer -------
def asked_questions() -> list[str]:
    return [key for key, question in QUESTIONS.items() if question.get("when") is not False]


def test_the_confirmation_is_the_last_question_and_is_never_stored():
    assert asked_questions()[-1] == "proceed"
    assert QUESTIONS["proceed"]["type"] == "bool" and QUESTIONS["proceed"]["secret"] is True


def test_a_text_question_after_a_yes_no_question_refuses_a_stray_key():
    """A yes/no prompt takes a key press alone, so a "y" typed after it by habit lands in the next prompt.

    Whatever may come next (each question up to the next unconditional one) is a yes/no question, the
    confirmation, or a text question that refuses a lone "y" and its default with a "y" appended.
    """
    from mlops_factory.answers import field_problem

    names = asked_questions()
    for index, name in enumerate(names):
        if QUESTIONS[name]["type"] != "bool":
            continue
        for following in names[index + 1 :]:
            question = QUESTIONS[following]
            if question["type"] != "bool":
                default = str(question.get("default", ""))
                strays = ["y"] + ([default + "y"] if "{" not in default else [])
                for stray in strays:
                    assert field_problem(following, {following: stray}, ROOT), (name, following, stray)
            if "when" not in question:
                break


def test_every_question_is_explained_in_the_questions_reference():
    """The prompt shows one line of help; the full explanation of each question lives in docs/questions.md."""
    reference = (ROOT / "docs/questions.md").read_text()
    for key in asked_questions():
        assert f"| `{key}` |" in reference, f"docs/questions.md has no row for {key}"
