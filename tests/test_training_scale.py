"""The scale of the cv and nlp train step (nodes, and processes per node) is an input of the training pipeline
in every MLOps version: bound to the step's resources and PyTorch distribution, not written into it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

BOUND = {
    "instance_count": "${{parent.inputs.instance_count}}",
    "process_count_per_instance": "${{parent.inputs.process_count_per_instance}}",
}


@pytest.mark.parametrize(("project_type", "mlops_version"), [("cv", "aml-cli-v2"), ("nlp", "rai-aml-cli-v2")])
def test_cli_pipelines_bind_the_scale_of_the_train_step_to_pipeline_inputs(
    copier, tmp_path: Path, project_type: str, mlops_version: str
) -> None:
    project = copier.copy(tmp_path / "p", project_type=project_type, mlops_version=mlops_version).path
    pipeline = yaml.safe_load((project / "mlops/azureml/train/pipeline.yml").read_text())
    component = yaml.safe_load((project / "mlops/azureml/train/train.yml").read_text())

    assert {"instance_count", "process_count_per_instance"} <= set(pipeline["inputs"])
    train = pipeline["jobs"]["train"]
    assert train["resources"]["instance_count"] == BOUND["instance_count"]
    assert train["distribution"] == {
        "type": "pytorch",
        "process_count_per_instance": BOUND["process_count_per_instance"],
    }
    assert component["outputs"]["checkpoints"] == {
        "type": "uri_folder",
        "mode": "rw_mount",
        "description": component["outputs"]["checkpoints"]["description"],
    }
    assert "--checkpoint-dir ${{outputs.checkpoints}}" in component["command"]
    assert "--accumulation-steps ${{inputs.accumulation_steps}}" in component["command"]
    assert "--precision ${{inputs.precision}}" in component["command"]


@pytest.mark.parametrize("project_type", ["cv", "nlp"])
def test_sdk_v2_pipelines_take_the_scale_as_pipeline_inputs(copier, tmp_path: Path, project_type: str) -> None:
    project = copier.copy(tmp_path / "p", project_type=project_type, mlops_version="python-sdk-v2").path
    nodes = "--nodes" if project_type == "cv" else "--train-nodes"
    dumped = subprocess.run(
        [sys.executable, "mlops/azureml/train/pipeline.py", "--dry-run", nodes, "3", "--processes-per-node", "2"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    job = yaml.safe_load(dumped)

    assert (job["inputs"]["instance_count"], job["inputs"]["process_count_per_instance"]) == (3, 2)
    train = job["jobs"]["train"]
    assert train["resources"]["instance_count"] == BOUND["instance_count"]
    assert train["distribution"]["process_count_per_instance"] == BOUND["process_count_per_instance"]


@pytest.mark.parametrize("project_type", ["cv", "nlp"])
def test_sdk_v1_pipelines_train_with_pytorch_distribution_on_the_nodes_asked_for(
    copier, tmp_path: Path, project_type: str
) -> None:
    project = copier.copy(tmp_path / "p", project_type=project_type, mlops_version="python-sdk-v1").path
    nodes = "nodes" if project_type == "cv" else "train_nodes"
    probe = (
        "import sys; sys.path[:0] = ['mlops/azureml/train', 'mlops/azureml']\n"
        "import pipeline\n"
        "from azureml.pipeline.core import PipelineData\n"
        f"train = pipeline.build_steps(PipelineData('raw'), {nodes}=2, processes_per_node=4)[1]\n"
        "config = train._runconfig\n"
        "print(type(train).__name__, config.node_count, config.pytorch.node_count, config.pytorch.process_count)\n"
        "print(' '.join(a for a in train._arguments if isinstance(a, str) and a.startswith('--')))\n"
    )
    shown = subprocess.run(
        [sys.executable, "-c", probe], cwd=project, capture_output=True, text=True, check=True
    ).stdout.splitlines()

    assert shown[0] == "CommandStep 2 2 8"  # 4 processes on each of 2 nodes
    assert {"--checkpoint-dir", "--accumulation-steps", "--precision"} <= set(shown[1].split())
