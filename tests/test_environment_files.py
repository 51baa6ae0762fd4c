"""The Azure ML environment files of a generated project come from one source: data-science/pyproject.toml and
data-science/uv.lock, through data-science/environment/generate.py, and its --check (the pull-request gate's
step) fails when they disagree."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

CHECK = ("data-science/environment/generate.py", "--check")


def check(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *CHECK], cwd=project, capture_output=True, text=True, check=False)


def pins(path: Path) -> dict[str, str]:
    return dict(re.findall(r"^      - ([A-Za-z0-9_.-]+)==(\S+)$", path.read_text(), re.MULTILINE))


@pytest.mark.parametrize(
    ("project_type", "mlops_version"),
    [("cv", "aml-cli-v2"), ("nlp", "python-sdk-v2"), ("classical", "rai-aml-cli-v2"), ("classical", "python-sdk-v1")],
)
def test_a_new_project_agrees_with_its_lock(copier, tmp_path: Path, project_type: str, mlops_version: str) -> None:
    project = copier.copy(tmp_path / "p", project_type=project_type, mlops_version=mlops_version).path

    result = check(project)
    assert result.returncode == 0, result.stderr


def test_serving_gets_the_cpu_build_of_the_training_torch_and_no_cuda_libraries(copier, tmp_path: Path) -> None:
    project = copier.copy(tmp_path / "p", project_type="cv").path
    training = pins(project / "data-science/environment/conda.yml")
    serving = pins(project / "data-science/environment/serving.yml")
    text = (project / "data-science/environment/serving.yml").read_text()

    assert serving["torch"] == training["torch"] + "+cpu"
    assert serving["torchvision"] == training["torchvision"] + "+cpu"
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in text
    assert any(name.startswith("nvidia-") for name in training)
    assert not [name for name in serving if name.startswith(("nvidia-", "cuda-")) or name == "triton"]
    for serving_only in ("azureml-inference-server-http", "azureml-ai-monitoring"):
        assert serving_only in serving and serving_only not in training
    deployment = (project / "mlops/azureml/deploy/online/online-deployment.yml").read_text()
    assert "conda_file: ../../../../data-science/environment/serving.yml" in deployment


def test_a_hand_edited_pin_or_base_image_fails_the_check_with_the_file_named(copier, tmp_path: Path) -> None:
    project = copier.copy(tmp_path / "p", project_type="nlp").path
    conda = project / "data-science/environment/conda.yml"
    conda.write_text(conda.read_text().replace("transformers==", "transformers==0.0.1+"))

    result = check(project)
    assert result.returncode == 1
    assert "data-science/environment/conda.yml disagrees with pyproject.toml and uv.lock" in result.stderr

    subprocess.run([sys.executable, CHECK[0]], cwd=project, check=True, capture_output=True)
    assert check(project).returncode == 0
    pyproject = project / "data-science/pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(":20260901.v1", ":20270101.v1"))

    result = check(project)
    assert result.returncode == 1
    for named in ("mlops/azureml/train/environment.yml", "mlops/azureml/deploy/online/online-deployment.yml"):
        assert f"{named} disagrees" in result.stderr
    subprocess.run([sys.executable, CHECK[0]], cwd=project, check=True, capture_output=True)
    assert (
        "image: mcr.microsoft.com/azureml/openmpi5.0-ubuntu24.04:20270101.v1"
        in (project / "mlops/azureml/deploy/batch/batch-deployment.yml").read_text()
    )


# What the deployment that endpoints.py builds installs: the conda file as azure-ai-ml reads it, and the image.
DEPLOYMENT_ENVIRONMENT = """
import json, sys
sys.path.insert(0, "mlops/azureml")
import endpoints
deployment = endpoints.build_online_deployment(
    endpoints.OnlineModel(name="model", description="answers"), "endpoint", "azureml:model:1", name="blue"
)
print(json.dumps({"image": deployment.environment.image, "conda": deployment.environment.conda_file}))
"""


@pytest.mark.parametrize(
    ("project_type", "mlops_version", "cpu_torch"),
    [("cv", "python-sdk-v2", True), ("nlp", "python-sdk-v1", True), ("classical", "python-sdk-v2", False)],
)
def test_the_sdk_deployments_install_the_serving_environment_with_the_data_collector(
    copier, tmp_path: Path, project_type: str, mlops_version: str, cpu_torch: bool
) -> None:
    project = copier.copy(tmp_path / "p", project_type=project_type, mlops_version=mlops_version).path
    shown = subprocess.run(
        [sys.executable, "-c", DEPLOYMENT_ENVIRONMENT], cwd=project, capture_output=True, text=True, check=True
    )
    environment = json.loads(shown.stdout.strip().splitlines()[-1])
    pip = next(item["pip"] for item in environment["conda"]["dependencies"] if isinstance(item, dict))
    installed = dict(line.split("==", 1) for line in pip if "==" in line)

    settings = tomllib.loads((project / "data-science/pyproject.toml").read_text())["tool"]["azureml-environments"]
    assert environment["image"] == settings["base-image"]
    assert installed["azureml-ai-monitoring"] == "1.0.0"  # production_data.py logs through it
    assert "azureml-inference-server-http" in installed
    if cpu_torch:
        assert installed["torch"].endswith("+cpu")
        assert not [name for name in installed if name.startswith("nvidia-")]
