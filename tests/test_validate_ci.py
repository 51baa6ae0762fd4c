"""The offline CI validators catch known-bad artifacts and pass known-good ones.

Each test writes a tiny project into tmp_path and runs one validator on it: GitHub workflows and composite
actions (schema + actionlint), Azure DevOps pipelines and templates (schema with Azure DevOps semantics), and
every YAML file (parse + yamllint).
"""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml
from check_jsonschema.builtin_schemas import get_builtin_schema
from check_jsonschema.transforms import TRANSFORM_LIBRARY
from conftest import write_files
from validation import Finding, report
from validation import github as github_validation
from validation.azure_devops import validate_azure_devops
from validation.github import validate_github
from validation.yaml_files import validate_yaml

GOOD_WORKFLOW = """\
# A pull-request gate; `on:` must stay a key, not become the boolean true.
name: ci
on:
  pull_request:
  push:
    branches: [main]
permissions:
  contents: read
concurrency:
  group: ci-${{ github.ref }}
  cancel-in-progress: true
jobs:
  test:
    runs-on: ${{ vars.RUNNER_IMAGE || 'ubuntu-24.04' }}
    timeout-minutes: 10
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
      - uses: ./.github/actions/setup
        with:
          python-version: "3.11"
      - name: Test
        if: ${{ github.event_name == 'push' }}
        run: echo "testing ${{ github.ref }}"
"""

GOOD_ACTION = """\
name: setup
description: Set up Python and the project's dependencies
inputs:
  python-version:
    description: Python version
    required: true
runs:
  using: composite
  steps:
    - uses: actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065 # v5.6.0
      with:
        python-version: ${{ inputs.python-version }}
    - run: pip install -r requirements.txt
      shell: bash
"""

GOOD_PIPELINE = """\
trigger:
  branches:
    include: [main]
pr: none
variables:
  - template: variables.yml
pool:
  vmImage: $(vm_image)
jobs:
  - job: train
    timeoutInMinutes: 60
    steps:
      - checkout: self
      - template: templates/steps.yml
        parameters:
          retries: 3
"""

GOOD_VARIABLES = """\
variables:
  - name: vm_image
    value: ubuntu-24.04
  - name: retries
    value: 2
"""

# Unquoted ints and bools everywhere: Azure DevOps reads them as strings, and the schema wants strings for the
# step properties but booleans/integers for task properties and task inputs.
INT_BOOL_TEMPLATE = """\
parameters:
  - name: retries
    type: number
    default: 2
  - name: verbose
    type: boolean
    default: false
steps:
  - bash: echo hello
    retryCountOnTaskFailure: 2
    timeoutInMinutes: 5
    continueOnError: true
    enabled: false
  - ${{ if eq(parameters.verbose, true) }}:
      - script: env
        timeoutInMinutes: 1
  - task: AzureCLI@2
    timeoutInMinutes: 30
    continueOnError: false
    retryCountOnTaskFailure: ${{ parameters.retries }}
    inputs:
      azureSubscription: $(ado_service_connection_dev)
      scriptType: bash
      scriptLocation: inlineScript
      addSpnToEnvironment: true
      failOnStandardError: false
      inlineScript: az account show
"""


def project(root: Path, files: dict[str, str]) -> Path:
    write_files(root, files)
    return root


def findings_for(findings: list[Finding], path: str, validator: str | None = None) -> list[Finding]:
    return [f for f in findings if f.path == path and (validator is None or f.validator == validator)]


def assert_finding(findings: list[Finding], path: str, validator: str, text: str, line: int | None = None) -> None:
    """Some finding of ``validator`` for ``path`` mentions ``text`` (at ``line``, when given)."""
    matches = [f for f in findings_for(findings, path, validator) if text in f.message]
    assert matches, f"no {validator} finding mentioning {text!r} for {path} in:\n{report(findings)}"
    if line is not None:
        assert line in {f.line for f in matches}, report(matches)


# --- GitHub ----------------------------------------------------------------------------------------------------


def test_a_typo_in_a_workflow_key_is_found_by_the_schema_and_by_actionlint(tmp_path: Path):
    workflow = GOOD_WORKFLOW.replace("    runs-on:", "    runs-onn:")
    findings = validate_github(project(tmp_path, {".github/workflows/ci.yml": workflow}))
    line = workflow.splitlines().index("    runs-onn: ${{ vars.RUNNER_IMAGE || 'ubuntu-24.04' }}") + 1
    assert_finding(findings, ".github/workflows/ci.yml", "github-workflows", "'runs-onn' was unexpected", line)
    assert_finding(findings, ".github/workflows/ci.yml", "actionlint", 'unexpected key "runs-onn"', line)


def test_expression_errors_in_a_workflow_are_found_by_actionlint(tmp_path: Path):
    workflow = GOOD_WORKFLOW.replace(
        "if: ${{ github.event_name == 'push' }}", "if: ${{ github.event_name == 'push' }"
    ).replace('echo "testing ${{ github.ref }}"', 'echo "testing ${{ githubb.ref }}"')
    findings = validate_github(project(tmp_path, {".github/workflows/ci.yml": workflow}))
    lines = workflow.splitlines()
    unbalanced = next(number for number, text in enumerate(lines, 1) if "== 'push' }" in text)
    unknown = next(number for number, text in enumerate(lines, 1) if "githubb" in text)
    assert_finding(findings, ".github/workflows/ci.yml", "actionlint", "[expression]", unbalanced)
    assert_finding(findings, ".github/workflows/ci.yml", "actionlint", 'undefined variable "githubb"', unknown)


def test_an_invalid_yaml_workflow_is_reported_and_not_given_to_actionlint(tmp_path: Path):
    files = {
        ".github/workflows/broken.yml": "on: push\njobs:\n  build: [\n",
        ".github/workflows/ci.yml": GOOD_WORKFLOW,
        ".github/actions/setup/action.yml": GOOD_ACTION,
    }
    findings = validate_github(project(tmp_path, files))
    broken = findings_for(findings, ".github/workflows/broken.yml")
    assert [f.validator for f in broken] == ["yaml"], report(findings)
    assert broken[0].line == 4 and "expected the node content" in broken[0].message
    assert not findings_for(findings, ".github/workflows/ci.yml"), report(findings)


def test_a_composite_action_without_runs_is_found(tmp_path: Path):
    action = GOOD_ACTION[: GOOD_ACTION.index("runs:")]
    findings = validate_github(project(tmp_path, {".github/actions/setup/action.yml": action}))
    assert_finding(findings, ".github/actions/setup/action.yml", "github-actions", "'runs' is a required property")


def test_a_good_workflow_and_composite_action_pass(tmp_path: Path):
    files = {".github/workflows/ci.yml": GOOD_WORKFLOW, ".github/actions/setup/action.yml": GOOD_ACTION}
    assert validate_github(project(tmp_path, files)) == []


def test_actionlint_without_node_or_its_package_is_a_finding_not_a_pass(tmp_path: Path, monkeypatch):
    root = project(tmp_path / "project", {".github/workflows/ci.yml": GOOD_WORKFLOW})
    monkeypatch.setattr(github_validation, "ACTIONLINT_PACKAGE", tmp_path / "not-installed")
    assert_finding(validate_github(root), ".github/workflows", "actionlint", "is not installed")
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    assert_finding(validate_github(root), ".github/workflows", "actionlint", "`node` (>= 20) is not on PATH")


# --- Azure DevOps ----------------------------------------------------------------------------------------------


def test_a_typo_in_a_pipeline_key_is_found_at_its_line(tmp_path: Path):
    pipeline = GOOD_PIPELINE.replace("    steps:", "    stepz:")
    files = {
        "mlops/devops-pipelines/train.yml": pipeline,
        "mlops/devops-pipelines/variables.yml": GOOD_VARIABLES,
        "mlops/devops-pipelines/templates/steps.yml": INT_BOOL_TEMPLATE,
    }
    findings = validate_azure_devops(project(tmp_path, files))
    line = pipeline.splitlines().index("    stepz:") + 1
    assert_finding(findings, "mlops/devops-pipelines/train.yml", "azure-pipelines", "'stepz' was unexpected", line)


def test_a_typo_in_a_task_input_is_found(tmp_path: Path):
    template = INT_BOOL_TEMPLATE.replace("scriptLocation:", "scriptLokation:")
    findings = validate_azure_devops(project(tmp_path, {"infrastructure/pipelines/templates/steps.yml": template}))
    line = template.splitlines().index("      scriptLokation: inlineScript") + 1
    path = "infrastructure/pipelines/templates/steps.yml"
    assert_finding(findings, path, "azure-pipelines", "'scriptLokation' was unexpected", line)
    assert len(findings) == 1, report(findings)  # the AzureCLI@2 branch, not a report on each of 400 tasks


def test_unquoted_ints_and_bools_in_a_template_are_not_reported(tmp_path: Path):
    root = project(tmp_path, {"mlops/devops-pipelines/templates/steps.yml": INT_BOOL_TEMPLATE})
    assert validate_azure_devops(root) == []

    # The same file read with YAML types (what the check-jsonschema CLI does) breaks the plain schema:
    # this test would prove nothing if it did not.
    schema = get_builtin_schema("vendor.azure-pipelines")
    steps_template = {"definitions": schema["definitions"], "$ref": "#/definitions/stepsTemplate"}
    typed = TRANSFORM_LIBRARY["azure-pipelines"].on_data(yaml.safe_load(INT_BOOL_TEMPLATE))
    typed_errors = list(jsonschema.Draft7Validator(steps_template).iter_errors(typed))
    as_strings = TRANSFORM_LIBRARY["azure-pipelines"].on_data(yaml.load(INT_BOOL_TEMPLATE, Loader=yaml.BaseLoader))
    string_errors = list(jsonschema.Draft7Validator(steps_template).iter_errors(as_strings))
    assert typed_errors and string_errors


def test_a_missing_template_and_invalid_yaml_are_found(tmp_path: Path):
    files = {
        "mlops/devops-pipelines/train.yml": GOOD_PIPELINE,
        "mlops/devops-pipelines/variables.yml": GOOD_VARIABLES,
        "infrastructure/pipelines/broken.yml": "trigger: none\nsteps:\n  - bash: 'echo\n",
    }
    findings = validate_azure_devops(project(tmp_path, files))
    line = GOOD_PIPELINE.splitlines().index("      - template: templates/steps.yml") + 1
    assert_finding(
        findings, "mlops/devops-pipelines/train.yml", "azure-pipelines", "'templates/steps.yml' not found", line
    )
    assert_finding(findings, "infrastructure/pipelines/broken.yml", "yaml", "found unexpected end of stream")


def test_a_good_pipeline_with_its_templates_passes(tmp_path: Path):
    files = {
        "mlops/devops-pipelines/train.yml": GOOD_PIPELINE,
        "mlops/devops-pipelines/variables.yml": GOOD_VARIABLES,
        "mlops/devops-pipelines/templates/steps.yml": INT_BOOL_TEMPLATE,
        "infrastructure/pipelines/variables.yml": GOOD_VARIABLES,
    }
    assert validate_azure_devops(project(tmp_path, files)) == []


# --- every YAML file -------------------------------------------------------------------------------------------


def test_invalid_yaml_anywhere_is_found_with_its_line(tmp_path: Path):
    root = project(tmp_path, {"mlops/azureml/train/pipeline.yml": "type: pipeline\njobs:\n  train: {a: 1\n"})
    findings = validate_yaml(root)
    assert_finding(findings, "mlops/azureml/train/pipeline.yml", "yaml", "expected ',' or '}'", 4)


@pytest.mark.parametrize(
    ("text", "line", "rule"),
    [
        ("name: a\nname: b\n", 2, "key-duplicates"),
        ("postfix: 0001\n", 1, "octal-values"),
        ("enabled: yes\n", 1, "truthy"),
        ("a: 1   \n", 1, "trailing-spaces"),
        ("a: 1", 1, "new-line-at-end-of-file"),
        (f"command: {'x ' * 90}\n", 1, "line-length"),
    ],
)
def test_yamllint_problems_are_found(tmp_path: Path, text: str, line: int, rule: str):
    findings = validate_yaml(project(tmp_path, {"config-infra-dev.yml": text}))
    assert_finding(findings, "config-infra-dev.yml", "yamllint", f"({rule})", line)


def test_good_ci_yaml_passes_yamllint_and_git_internals_are_skipped(tmp_path: Path):
    files = {
        ".github/workflows/ci.yml": GOOD_WORKFLOW,
        ".github/actions/setup/action.yml": GOOD_ACTION,
        "mlops/devops-pipelines/train.yml": GOOD_PIPELINE,
        "mlops/devops-pipelines/templates/steps.yml": INT_BOOL_TEMPLATE,
        "config-infra-dev.yml": "namespace: mlops\npostfix: '0001'\nlocation: eastus\n",
        ".git/broken.yml": "a: [\n",
    }
    assert validate_yaml(project(tmp_path, files)) == []
