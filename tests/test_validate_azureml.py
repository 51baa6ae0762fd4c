"""The Azure ML validators (CLI v2 YAML, SDK v2 pipelines, SDK v1 scripts) on known-bad and known-good artifacts.

Each test writes a tiny project into tmp_path: the good one below, with one file changed to carry one mistake,
and asserts the finding (file, line where the validator can tell, and what is wrong).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import pytest
from validation import Finding
from validation.azureml import validate_azureml
from validation.sdk import SDK_V1_PYTHON, validate_sdk_deployments, validate_sdk_v1, validate_sdk_v2


def installed(module: str) -> bool:
    """Whether ``module`` can be imported here (without importing it)."""
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


# CI installs azure-ai-ml and azureml-core (requirements-test.txt): a missing one fails these tests
# rather than skipping them, so a broken install step cannot hide.
assert installed("azure.ai.ml"), "azure-ai-ml is not installed: pip install -r requirements-test.txt"
assert os.environ.get(SDK_V1_PYTHON) or installed("azureml.core"), "azureml-core is not installed"

ENVIRONMENT_IMAGE = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:20250601.v1"
SCHEMA = "https://azuremlschemas.azureedge.net/latest"

TRAIN_COMPONENT = f"""\
$schema: {SCHEMA}/commandComponent.schema.json
name: train
display_name: Train
version: 1
type: command
description: Fits the model.
inputs:
  data:
    type: uri_file
  max_depth:
    type: integer
    default: 4
outputs:
  model_output:
    type: uri_folder
code: ../../../data-science/src
environment: azureml:train-env@latest
command: >-
  python train.py --data ${{{{inputs.data}}}} --max-depth ${{{{inputs.max_depth}}}}
  --output ${{{{outputs.model_output}}}}
"""

PIPELINE = f"""\
$schema: {SCHEMA}/pipelineJob.schema.json
type: pipeline
display_name: training
experiment_name: training
settings:
  default_compute: azureml:cpu-cluster
inputs:
  training_data:
    type: uri_file
    path: ../../../data/taxi.csv
outputs:
  trained_model:
    type: uri_folder
jobs:
  train:
    type: command
    component: ./train.yml
    inputs:
      data: ${{{{parent.inputs.training_data}}}}
      max_depth: 6
    outputs:
      model_output: ${{{{parent.outputs.trained_model}}}}
  evaluate:
    type: command
    code: ../../../data-science/src
    command: python evaluate.py --model ${{{{inputs.model}}}} --report ${{{{outputs.report}}}}
    environment:
      image: {ENVIRONMENT_IMAGE}
      conda_file: ../../../data-science/environment/conda.yml
    inputs:
      model: ${{{{parent.jobs.train.outputs.model_output}}}}
    outputs:
      report:
        type: uri_folder
"""

ENVIRONMENT = f"""\
$schema: {SCHEMA}/environment.schema.json
name: train-env
image: {ENVIRONMENT_IMAGE}
conda_file: ../../../data-science/environment/conda.yml
"""

DATA = f"""\
$schema: {SCHEMA}/data.schema.json
name: taxi-trips
type: uri_file
path: ../../../data/taxi.csv
"""

ONLINE_ENDPOINT = f"""\
$schema: {SCHEMA}/managedOnlineEndpoint.schema.json
name: taxi-online
auth_mode: key
"""

ONLINE_DEPLOYMENT = f"""\
$schema: {SCHEMA}/managedOnlineDeployment.schema.json
name: blue
endpoint_name: taxi-online
model: azureml:taxi-model@latest
code_configuration:
  code: ../../../../data-science/src
  scoring_script: score.py
environment: azureml:train-env@latest
instance_type: Standard_DS3_v2
instance_count: 1
"""

BATCH_ENDPOINT = f"""\
$schema: {SCHEMA}/batchEndpoint.schema.json
name: taxi-batch
auth_mode: aad_token
"""

BATCH_DEPLOYMENT = f"""\
$schema: {SCHEMA}/modelBatchDeployment.schema.json
name: taxi-batch-dp
endpoint_name: taxi-batch
type: model
model: azureml:taxi-model@latest
code_configuration:
  code: ../../../../data-science/src
  scoring_script: score.py
environment: azureml:train-env@latest
compute: azureml:batch-cluster
resources:
  instance_count: 1
settings:
  mini_batch_size: 10
  output_action: append_row
  output_file_name: predictions.csv
"""

SDK_V2_PIPELINE = '''\
"""Submit the training pipeline with the Azure ML Python SDK v2."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[3]
DEFAULTS: dict[str, Any] = {
    "compute": "cpu-cluster",
    "data": PROJECT_ROOT / "data" / "taxi.csv",
}


def build_pipeline(**overrides: Any) -> Any:
    """The training pipeline job, built offline."""
    from azure.ai.ml import Input, Output, command, dsl

    settings = {**DEFAULTS, **overrides}
    train = command(
        name="train",
        code=PROJECT_ROOT / "data-science" / "src",
        command="python train.py --data ${{inputs.data}} --output ${{outputs.model_output}}",
        inputs={"data": Input(type="uri_file")},
        outputs={"model_output": Output(type="uri_folder")},
        environment="azureml:train-env@latest",
    )

    @dsl.pipeline(name="training", default_compute=settings["compute"])
    def training(training_data):  # no annotations: @dsl.pipeline reads them as Azure ML types
        step = train(data=training_data)
        return {"trained_model": step.outputs.model_output}

    return training(training_data=Input(type="uri_file", path=str(settings["data"])))


def main(argv: Sequence[str] | None = None) -> int:
    """Build the pipeline and submit it."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workspace", required=True, help="Azure ML workspace")
    args = parser.parse_args(argv)
    job = build_pipeline()
    from azure.ai.ml import MLClient
    from azure.identity import DefaultAzureCredential

    MLClient(DefaultAzureCredential(), workspace_name=args.workspace).jobs.create_or_update(job)
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''

SDK_V1_PIPELINE = '''\
"""Submit the training run with the Azure ML Python SDK v1 (azureml-core)."""

import argparse
import sys


def main(argv=None):
    """Submit train.py as a run of the training experiment."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workspace", required=True, help="Azure ML workspace")
    args = parser.parse_args(argv)

    from azureml.core import Environment, Experiment, ScriptRunConfig, Workspace
    from azureml.core.runconfig import RunConfiguration

    workspace = Workspace.get(name=args.workspace)
    config = ScriptRunConfig(source_directory="data-science/src", script="train.py")
    config.run_config = RunConfiguration()
    config.run_config.environment = Environment.get(workspace, "train-env")
    Experiment(workspace, "training").submit(config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''

PROJECT_FILES: dict[str, str] = {
    "data/taxi.csv": "distance,fare\n1.0,5.0\n",
    "data-science/src/train.py": "print('train')\n",
    "data-science/src/evaluate.py": "print('evaluate')\n",
    "data-science/src/score.py": "def init():\n    pass\n\n\ndef run(data):\n    return data\n",
    "data-science/environment/conda.yml": "name: train\ndependencies:\n  - python=3.11\n",
}
CLI_V2_FILES: dict[str, str] = {
    "mlops/azureml/train/train.yml": TRAIN_COMPONENT,
    "mlops/azureml/train/pipeline.yml": PIPELINE,
    "mlops/azureml/train/train-env.yml": ENVIRONMENT,
    "mlops/azureml/train/data.yml": DATA,
    "mlops/azureml/deploy/online/online-endpoint.yml": ONLINE_ENDPOINT,
    "mlops/azureml/deploy/online/online-deployment.yml": ONLINE_DEPLOYMENT,
    "mlops/azureml/deploy/batch/batch-endpoint.yml": BATCH_ENDPOINT,
    "mlops/azureml/deploy/batch/batch-deployment.yml": BATCH_DEPLOYMENT,
}


def make_project(root: Path, files: dict[str, str]) -> Path:
    """A tiny generated project: the data-science code plus ``files`` (path relative to the project: text)."""
    for relative, text in {**PROJECT_FILES, **files}.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def line_of(text: str, fragment: str) -> int:
    """The 1-based line of the first line of ``text`` containing ``fragment``."""
    return next(number for number, line in enumerate(text.splitlines(), 1) if fragment in line)


def shown(findings: list[Finding]) -> str:
    return "\n".join(str(finding) for finding in findings) or "no findings"


def matching(findings: list[Finding], path: str, *fragments: str) -> list[Finding]:
    return [f for f in findings if f.path == path and all(fragment in f.message for fragment in fragments)]


TRAIN = "mlops/azureml/train/train.yml"
TRAIN_PIPELINE = "mlops/azureml/train/pipeline.yml"


# --- Azure ML CLI v2 YAML -------------------------------------------------------------------------------------------


def test_good_cli_v2_project_has_no_findings(tmp_path: Path) -> None:
    project = make_project(tmp_path, CLI_V2_FILES)
    findings = validate_azureml(project)
    assert findings == [], shown(findings)


@pytest.mark.parametrize(
    ("typo", "correct"),
    [("descripton", "description"), ("enviroment", "environment")],
)
def test_component_with_a_typo_in_a_key(tmp_path: Path, typo: str, correct: str) -> None:
    component = TRAIN_COMPONENT.replace(f"\n{correct}:", f"\n{typo}:")
    project = make_project(tmp_path, {**CLI_V2_FILES, TRAIN: component})
    findings = validate_azureml(project)
    found = matching(findings, TRAIN, f"unknown key '{typo}'", f"did you mean '{correct}'")
    assert [f.line for f in found] == [line_of(component, f"{typo}:")], shown(findings)


def test_pipeline_job_missing_a_required_input(tmp_path: Path) -> None:
    pipeline = PIPELINE.replace("      data: ${{parent.inputs.training_data}}\n", "")
    project = make_project(tmp_path, {**CLI_V2_FILES, TRAIN_PIPELINE: pipeline})
    findings = validate_azureml(project)
    assert matching(findings, TRAIN_PIPELINE, "jobs.train.inputs.data", "Required input 'data'"), shown(findings)


def test_binding_to_a_job_that_does_not_exist(tmp_path: Path) -> None:
    pipeline = PIPELINE.replace("parent.jobs.train.outputs", "parent.jobs.trian.outputs")
    project = make_project(tmp_path, {**CLI_V2_FILES, TRAIN_PIPELINE: pipeline})
    findings = validate_azureml(project)
    found = matching(findings, TRAIN_PIPELINE, "names job 'trian'", "evaluate, train")
    assert [f.line for f in found] == [line_of(pipeline, "parent.jobs.trian")], shown(findings)


def test_binding_to_an_output_the_job_does_not_declare(tmp_path: Path) -> None:
    pipeline = PIPELINE.replace("parent.jobs.train.outputs.model_output", "parent.jobs.train.outputs.model")
    project = make_project(tmp_path, {**CLI_V2_FILES, TRAIN_PIPELINE: pipeline})
    findings = validate_azureml(project)
    found = matching(findings, TRAIN_PIPELINE, "job 'train' declares no output 'model'", "model_output")
    assert [f.line for f in found] == [line_of(pipeline, "parent.jobs.train.outputs.model")], shown(findings)


def test_binding_to_an_undeclared_pipeline_input(tmp_path: Path) -> None:
    pipeline = PIPELINE.replace("${{parent.inputs.training_data}}", "${{parent.inputs.trainig_data}}")
    project = make_project(tmp_path, {**CLI_V2_FILES, TRAIN_PIPELINE: pipeline})
    findings = validate_azureml(project)
    found = matching(findings, TRAIN_PIPELINE, "pipeline input 'trainig_data'", "inputs: training_data")
    assert [f.line for f in found] == [line_of(pipeline, "parent.inputs.trainig_data")], shown(findings)


def test_input_the_component_does_not_declare(tmp_path: Path) -> None:
    pipeline = PIPELINE.replace("      max_depth: 6\n", "      max_depth: 6\n      learning_rate: 0.1\n")
    project = make_project(tmp_path, {**CLI_V2_FILES, TRAIN_PIPELINE: pipeline})
    findings = validate_azureml(project)
    found = matching(findings, TRAIN_PIPELINE, "job 'train' passes input 'learning_rate'", "data, max_depth")
    assert [f.line for f in found] == [line_of(pipeline, "learning_rate:")], shown(findings)


def test_command_placeholder_for_an_undeclared_input(tmp_path: Path) -> None:
    pipeline = PIPELINE.replace("--model ${{inputs.model}}", "--model ${{inputs.modle}}")
    project = make_project(tmp_path, {**CLI_V2_FILES, TRAIN_PIPELINE: pipeline})
    findings = validate_azureml(project)
    assert matching(findings, TRAIN_PIPELINE, "${{inputs.modle}}", "no input 'modle'"), shown(findings)


@pytest.mark.parametrize(
    ("relative", "before", "after"),
    [
        (TRAIN, "code: ../../../data-science/src", "code: ../../../data-science/source"),
        (TRAIN_PIPELINE, "code: ../../../data-science/src", "code: ../../../data-science/source"),
        (TRAIN_PIPELINE, "path: ../../../data/taxi.csv", "path: ../../../data/taxis.csv"),
        (TRAIN_PIPELINE, "component: ./train.yml", "component: file:./training.yml"),
        (TRAIN_PIPELINE, "conda_file: ../../../data-science/environment/conda.yml", "conda_file: ./conda.yml"),
        ("mlops/azureml/deploy/online/online-deployment.yml", "scoring_script: score.py", "scoring_script: s.py"),
    ],
)
def test_local_file_reference_that_does_not_exist(tmp_path: Path, relative: str, before: str, after: str) -> None:
    text = CLI_V2_FILES[relative].replace(before, after)
    assert text != CLI_V2_FILES[relative]
    project = make_project(tmp_path, {**CLI_V2_FILES, relative: text})
    findings = validate_azureml(project)
    found = matching(findings, relative, after.strip(), "no such file or directory")
    assert [f.line for f in found] == [line_of(text, after)], shown(findings)


def test_remote_references_are_not_checked_as_files(tmp_path: Path) -> None:
    pipeline = PIPELINE.replace(
        "path: ../../../data/taxi.csv", "path: azureml://datastores/workspaceblobstore/paths/taxi.csv"
    ).replace("component: ./train.yml", "component: azureml:train@latest")
    project = make_project(tmp_path, {**CLI_V2_FILES, TRAIN_PIPELINE: pipeline})
    findings = validate_azureml(project)
    assert findings == [], shown(findings)


def test_environment_missing_image(tmp_path: Path) -> None:
    environment = "\n".join(line for line in ENVIRONMENT.splitlines() if not line.startswith("image:")) + "\n"
    relative = "mlops/azureml/train/train-env.yml"
    project = make_project(tmp_path, {**CLI_V2_FILES, relative: environment})
    findings = validate_azureml(project)
    assert matching(findings, relative, "Docker image or Dockerfile is required"), shown(findings)


def test_inline_environment_missing_image(tmp_path: Path) -> None:
    pipeline = PIPELINE.replace(f"      image: {ENVIRONMENT_IMAGE}\n", "")
    project = make_project(tmp_path, {**CLI_V2_FILES, TRAIN_PIPELINE: pipeline})
    findings = validate_azureml(project)
    found = matching(findings, TRAIN_PIPELINE, "inline environment has neither image nor build")
    assert [f.line for f in found] == [line_of(pipeline, "environment:")], shown(findings)


def test_yaml_that_is_no_azure_ml_spec(tmp_path: Path) -> None:
    relative = "mlops/azureml/train/settings.yml"
    project = make_project(tmp_path, {**CLI_V2_FILES, relative: "learning_rate: 0.1\n"})
    findings = validate_azureml(project)
    assert matching(findings, relative, "neither $schema nor type"), shown(findings)


def test_kind_from_type_when_there_is_no_schema(tmp_path: Path) -> None:
    component = TRAIN_COMPONENT.split("\n", 1)[1].replace("\ncommand:", "\ncomand:")
    project = make_project(tmp_path, {**CLI_V2_FILES, TRAIN: component})
    findings = validate_azureml(project)
    assert matching(findings, TRAIN, "command: Missing data for required field"), shown(findings)
    assert matching(findings, TRAIN, "unknown key 'comand'"), shown(findings)


def test_invalid_yaml_and_repeated_keys(tmp_path: Path) -> None:
    broken = "mlops/azureml/train/broken.yml"
    repeated = "mlops/azureml/train/repeated.yml"
    environment = ENVIRONMENT + f"image: {ENVIRONMENT_IMAGE}\n"
    project = make_project(tmp_path, {**CLI_V2_FILES, broken: "type: pipeline\njobs: [\n", repeated: environment})
    findings = validate_azureml(project)
    assert matching(findings, broken, "not valid YAML"), shown(findings)
    found = matching(findings, repeated, "key 'image' appears twice")
    assert [f.line for f in found] == [len(environment.splitlines())], shown(findings)


# --- SDK v2 ---------------------------------------------------------------------------------------------------------

SDK_V2 = "mlops/azureml/train/pipeline.py"


def test_good_sdk_v2_pipeline_has_no_findings(tmp_path: Path) -> None:
    project = make_project(tmp_path, {SDK_V2: SDK_V2_PIPELINE})
    findings = validate_sdk_v2(project)
    assert findings == [], shown(findings)


def test_sdk_v2_projects_validated_in_one_process_do_not_share_their_modules(tmp_path: Path) -> None:
    """Generated pipelines import mlops/azureml/workspace.py by its plain name; each project must get its own."""
    workspace = "from pathlib import Path\n\nPROJECT_ROOT = Path(__file__).resolve().parents[2]\n"
    pipeline = SDK_V2_PIPELINE.replace(
        "PROJECT_ROOT = Path(__file__).resolve().parents[3]\n",
        "sys.path.insert(0, str(Path(__file__).resolve().parents[1]))\n"
        "import workspace  # noqa: E402\n\nPROJECT_ROOT = workspace.PROJECT_ROOT\n",
    )
    assert pipeline != SDK_V2_PIPELINE
    files = {SDK_V2: pipeline, "mlops/azureml/workspace.py": workspace}
    first = make_project(tmp_path / "first", files)
    assert validate_sdk_v2(first) == []
    shutil.rmtree(first)
    second = make_project(tmp_path / "second", files)
    findings = validate_sdk_v2(second)
    assert findings == [], shown(findings)


def test_sdk_v2_validation_ignores_a_project_module_that_other_code_left_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = "from pathlib import Path\n\nPROJECT_ROOT = Path(__file__).resolve().parents[2]\n"
    pipeline = SDK_V2_PIPELINE.replace(
        "PROJECT_ROOT = Path(__file__).resolve().parents[3]\n",
        "sys.path.insert(0, str(Path(__file__).resolve().parents[1]))\n"
        "import workspace  # noqa: E402\n\nPROJECT_ROOT = workspace.PROJECT_ROOT\n",
    )
    files = {SDK_V2: pipeline, "mlops/azureml/workspace.py": workspace}
    other = make_project(tmp_path / "other", files)
    spec = importlib.util.spec_from_file_location("workspace", other / "mlops/azureml/workspace.py")
    left_over = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(left_over)
    monkeypatch.setitem(sys.modules, "workspace", left_over)
    shutil.rmtree(other / "data")

    findings = validate_sdk_v2(make_project(tmp_path / "this", files))

    assert findings == [], shown(findings)
    assert sys.modules["workspace"] is left_over, "what the other code imported is put back"


def test_sdk_v2_build_pipeline_that_raises(tmp_path: Path) -> None:
    script = SDK_V2_PIPELINE.replace(
        "    settings = {**DEFAULTS, **overrides}\n",
        '    settings = {**DEFAULTS, **overrides}\n    raise RuntimeError("no compute configured")\n',
    )
    project = make_project(tmp_path, {SDK_V2: script})
    findings = validate_sdk_v2(project)
    found = matching(findings, SDK_V2, "build_pipeline() raised RuntimeError: no compute configured")
    assert [f.line for f in found] == [line_of(script, "raise RuntimeError")], shown(findings)


def test_sdk_v2_build_pipeline_that_builds_an_invalid_pipeline(tmp_path: Path) -> None:
    script = SDK_V2_PIPELINE.replace(
        '@dsl.pipeline(name="training", default_compute=settings["compute"])', '@dsl.pipeline(name="training")'
    )
    project = make_project(tmp_path, {SDK_V2: script})
    findings = validate_sdk_v2(project)
    assert matching(findings, SDK_V2, "build_pipeline()", "jobs.step.compute: Compute not set"), shown(findings)


def test_sdk_v2_command_with_an_undeclared_placeholder(tmp_path: Path) -> None:
    script = SDK_V2_PIPELINE.replace("--data ${{inputs.data}}", "--data ${{inputs.dataset}}")
    project = make_project(tmp_path, {SDK_V2: script})
    findings = validate_sdk_v2(project)
    assert matching(findings, SDK_V2, "inputs.dataset"), shown(findings)


def test_sdk_v2_local_input_that_does_not_exist(tmp_path: Path) -> None:
    script = SDK_V2_PIPELINE.replace('"data" / "taxi.csv"', '"data" / "taxis.csv"')
    project = make_project(tmp_path, {SDK_V2: script})
    findings = validate_sdk_v2(project)
    assert matching(findings, SDK_V2, "pipeline input 'training_data'", "no such file"), shown(findings)


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("def build_pipeline(", "def build_pipeline_job(", "defines no build_pipeline(**overrides)"),
        (
            "def build_pipeline(**overrides: Any)",
            "def build_pipeline(compute: str, **overrides: Any)",
            "build_pipeline() cannot be called without arguments",
        ),
        ("def main(argv: Sequence[str] | None = None)", "def main()", "main takes no argv"),
    ],
)
def test_sdk_v2_without_the_convention(tmp_path: Path, before: str, after: str, expected: str) -> None:
    script = SDK_V2_PIPELINE.replace(before, after).replace("parse_args(argv)", "parse_args()")
    assert before in SDK_V2_PIPELINE
    project = make_project(tmp_path, {SDK_V2: script})
    findings = validate_sdk_v2(project)
    assert matching(findings, SDK_V2, expected), shown(findings)


def test_sdk_v2_missing_pipeline_file(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"mlops/azureml/train/submit.py": "print('submit')\n"})
    findings = validate_sdk_v2(project)
    assert matching(findings, SDK_V2, "missing"), shown(findings)


def test_sdk_v2_script_whose_help_fails(tmp_path: Path) -> None:
    relative = "mlops/azureml/deploy/deploy.py"
    script = "import sys\n\n\ndef main(argv=None):\n    raise SystemExit('needs Azure')\n\n\nmain(sys.argv[1:])\n"
    project = make_project(tmp_path, {SDK_V2: SDK_V2_PIPELINE, relative: script})
    findings = validate_sdk_v2(project)
    assert matching(findings, relative, f"`python {relative} --help` exited 1", "needs Azure"), shown(findings)


# --- SDK v1 ---------------------------------------------------------------------------------------------------------

SDK_V1 = "mlops/azureml/train/pipeline.py"


def test_sdk_v1_syntax_error(tmp_path: Path) -> None:
    script = SDK_V1_PIPELINE.replace("def main(argv=None):", "def main(argv=None)")
    project = make_project(tmp_path, {SDK_V1: script})
    findings = validate_sdk_v1(project)
    found = matching(findings, SDK_V1, "does not compile")
    assert [f.line for f in found] == [line_of(script, "def main(argv=None)")], shown(findings)


def test_good_sdk_v1_script_has_no_findings(tmp_path: Path) -> None:
    project = make_project(tmp_path, {SDK_V1: SDK_V1_PIPELINE})
    findings = validate_sdk_v1(project)
    assert findings == [], shown(findings)


def test_sdk_v1_import_of_a_name_azureml_core_does_not_have(tmp_path: Path) -> None:
    script = SDK_V1_PIPELINE.replace("ScriptRunConfig, Workspace", "ScriptRunConfig, Worksapce")
    project = make_project(tmp_path, {SDK_V1: script})
    findings = validate_sdk_v1(project)
    found = matching(findings, SDK_V1, "cannot import name Worksapce from azureml.core")
    assert [f.line for f in found] == [line_of(script, "Worksapce")], shown(findings)


def test_sdk_v1_script_that_fails_on_import(tmp_path: Path) -> None:
    script = SDK_V1_PIPELINE.replace("import sys\n", "import sys\n\nCONFIG = open('missing.json').read()\n")
    project = make_project(tmp_path, {SDK_V1: script})
    findings = validate_sdk_v1(project)
    found = matching(findings, SDK_V1, "importing the file raised FileNotFoundError")
    assert [f.line for f in found] == [line_of(script, "missing.json")], shown(findings)


# --- data collection and the deployments of the SDK deploy scripts ----------------------------------------------------

DATA_COLLECTOR = """\
data_collector:
  rolling_rate: hour
  collections:
    model_inputs:
      enabled: "True"
      data:
        name: taxi-model-inputs
        path: azureml://datastores/workspaceblobstore/paths/modelDataCollector/taxi-model/model_inputs
        version: "1"
"""
ONLINE = "mlops/azureml/deploy/online/online-deployment.yml"


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (None, None, None),
        ("rolling_rate: hour", "rolling_rate: week", "rolling_rate"),
        ('enabled: "True"', "enabled: sometimes", "enabled"),
    ],
    ids=["good", "unknown rolling rate", "enabled is no boolean"],
)
def test_an_online_deployment_with_a_data_collector_loads_with_azure_ai_ml(tmp_path, before, after, expected):
    collector = DATA_COLLECTOR if before is None else DATA_COLLECTOR.replace(before, after)
    project = make_project(tmp_path, {**CLI_V2_FILES, ONLINE: ONLINE_DEPLOYMENT + collector})
    findings = validate_azureml(project)
    if expected is None:
        assert findings == [], shown(findings)
    else:
        assert matching(findings, ONLINE, "load_online_deployment", expected), shown(findings)


SDK_DEPLOY_PROJECT = {
    "infrastructure_version": "terraform",
    "project_type": "nlp",
    "mlops_version": "python-sdk-v1",
    "orchestration": "github-actions",
}


@pytest.fixture
def sdk_deploy_scripts(rendered_project, tmp_path: Path) -> Path:
    """The Azure ML scripts and data-science folder of a rendered SDK project, to change."""
    source = rendered_project(SDK_DEPLOY_PROJECT)
    for folder in ("mlops/azureml", "data-science", "data"):
        shutil.copytree(source / folder, tmp_path / folder)
    return tmp_path


def test_the_sdk_deploy_scripts_build_deployments_that_load_with_azure_ai_ml(sdk_deploy_scripts: Path) -> None:
    findings = validate_sdk_deployments(sdk_deploy_scripts)
    assert findings == [], shown(findings)


@pytest.mark.parametrize(
    ("before", "after", "script", "expected"),
    [
        ('rolling_rate="hour"', 'rolling_rate="week"', "online", "load_online_deployment() of the dumped deployment"),
        (
            "resources=ResourceConfiguration(instance_count=1),\n        settings=ModelBatchDeploymentSettings(",
            "settings=ModelBatchDeploymentSettings(\n            instance_count=1,",
            "batch",
            "Can't set instance_count when resources is provided",
        ),
    ],
    ids=["data collector", "batch instance count in the settings"],
)
def test_an_sdk_deployment_that_does_not_load_back_is_a_finding(sdk_deploy_scripts, before, after, script, expected):
    endpoints = sdk_deploy_scripts / "mlops/azureml/endpoints.py"
    text = endpoints.read_text()
    assert before in text
    endpoints.write_text(text.replace(before, after))
    findings = validate_sdk_deployments(sdk_deploy_scripts)
    assert matching(findings, f"mlops/azureml/deploy/{script}/deploy.py", expected), shown(findings)
