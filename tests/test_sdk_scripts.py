"""The Azure ML SDK scripts of a generated project, as CI and a user at a laptop meet them without Azure:
the settings come from config-infra-<env>.yml, results reach the next CI step, missing settings give one line."""

from __future__ import annotations

import importlib.util
import io
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

COMBINATION = {
    "infrastructure_version": "terraform",
    "project_type": "classical",
    "mlops_version": "python-sdk-v2",
    "orchestration": "github-actions",
}


@pytest.fixture
def project(rendered_project) -> Path:
    return rendered_project(COMBINATION)


def load_workspace_module(project: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("generated_workspace", project / "mlops/azureml/workspace.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def pipeline_script(project, monkeypatch) -> ModuleType:
    """mlops/azureml/train/pipeline.py, imported as the script imports its siblings; forgotten afterwards."""
    siblings = ("workspace", "training", "model_settings")
    monkeypatch.syspath_prepend(str(project / "mlops/azureml"))
    monkeypatch.syspath_prepend(str(project / "mlops/azureml/train"))
    for name in siblings:
        monkeypatch.delitem(sys.modules, name, raising=False)
    spec = importlib.util.spec_from_file_location("generated_pipeline", project / "mlops/azureml/train/pipeline.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    for name in siblings:
        sys.modules.pop(name, None)


class FakeJobs:
    """The jobs of an MLClient: a submitted job completes and its register step registered version 5."""

    def __init__(self) -> None:
        self.submitted: list[tuple[object, str]] = []

    def create_or_update(self, job, experiment_name):
        self.submitted.append((job, experiment_name))
        return SimpleNamespace(name="job-9", studio_url="https://studio/job-9")

    def stream(self, name):
        pass

    def get(self, name):
        return SimpleNamespace(name=name, status="Completed")

    def download(self, name, output_name, download_path):
        folder = Path(download_path) / "named-outputs" / output_name
        folder.mkdir(parents=True)
        registration = {"registered": True, "name": "taxi-fare-model", "version": 5, "reason": "RMSE 2.1 < 2.4"}
        (folder / "registration.json").write_text(json.dumps(registration))


def test_the_training_pipeline_beats_the_newest_version_and_hands_on_the_registration(
    pipeline_script, monkeypatch, tmp_path
):
    """The command line of train/pipeline.py, with an MLClient that answers from memory: the newest registered
    version is the model to beat, the job goes to the model's experiment, and what the register step decided
    reaches the next CI step."""
    client = SimpleNamespace(
        jobs=FakeJobs(), models=SimpleNamespace(get=lambda name, label: SimpleNamespace(version="4"))
    )
    monkeypatch.setattr(sys.modules["workspace"], "ml_client", lambda *scope, **registry: client)
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "github-output"))

    assert pipeline_script.main(["--environment", "dev", "--subscription-id", "sub-1", "--wait"]) == 0

    [(job, experiment)] = client.jobs.submitted
    assert experiment == "taxi-fare-training"
    dumped = io.StringIO()
    job.dump(dumped)
    assert "path: azureml:taxi-fare-model:4" in dumped.getvalue()  # bound to the evaluate step
    outputs = dict(line.split("=", 1) for line in (tmp_path / "github-output").read_text().splitlines())
    assert outputs == {"job_name": "job-9", "registered": "true", "model_name": "taxi-fare-model", "model_version": "5"}


def test_settings_are_read_from_the_project_config(project):
    workspace = load_workspace_module(project)
    assert workspace.read_config("prod")["aml_workspace"] == "mlw-mymlopspro-0001prod"
    assert workspace.model_uri("taxi-fare-model", "3") == "azureml:taxi-fare-model:3"
    assert workspace.model_uri("taxi-fare-model", "3", "mlr-x") == (
        "azureml://registries/mlr-x/models/taxi-fare-model/versions/3"
    )


@pytest.mark.parametrize(
    ("registration", "expected"),
    [
        (
            {"registered": True, "name": "taxi-fare-model", "version": 4, "reason": "RMSE 2.1 < 2.4"},
            {"registered": "true", "model_name": "taxi-fare-model", "model_version": "4"},
        ),
        (
            {"registered": False, "name": "taxi-fare-model", "version": None, "reason": "RMSE 2.6 >= 2.4"},
            {"registered": "false", "model_name": "taxi-fare-model", "model_version": ""},
        ),
    ],
)
def test_the_training_decision_reaches_the_next_ci_step(project, tmp_path, monkeypatch, capsys, registration, expected):
    workspace = load_workspace_module(project)
    download = tmp_path / "download" / "named-outputs" / "registration"
    download.mkdir(parents=True)
    (download / "registration.json").write_text(json.dumps(registration))
    github_output = tmp_path / "github-output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(github_output))
    monkeypatch.setenv("TF_BUILD", "True")

    workspace.report_registration("job-1", workspace.read_registration(tmp_path / "download"), "taxi-fare-model")

    outputs = dict(line.split("=", 1) for line in github_output.read_text().splitlines())
    assert outputs == {"job_name": "job-1", **expected}
    printed = capsys.readouterr().out
    assert f"##vso[task.setvariable variable=registered;isoutput=true]{expected['registered']}" in printed
    assert registration["reason"] in printed


@pytest.mark.parametrize(("status", "completed"), [("Completed", True), ("Canceled", False), ("Failed", False)])
def test_waiting_for_a_job_follows_its_log_and_reports_how_it_ended(project, capsys, status, completed):
    workspace = load_workspace_module(project)
    streamed = []

    class Jobs:
        def stream(self, name):
            streamed.append(name)

        def get(self, name):
            return SimpleNamespace(name=name, status=status)

    assert workspace.wait_for_job(SimpleNamespace(jobs=Jobs()), "job-7", "Pipeline job") is completed
    assert streamed == ["job-7"]
    assert f"Pipeline job job-7 finished: {status}" in capsys.readouterr().out


def test_a_missing_registration_output_is_one_clear_error(project, tmp_path):
    workspace = load_workspace_module(project)
    with pytest.raises(SystemExit, match="registration output has no registration.json"):
        workspace.read_registration(tmp_path)


@pytest.mark.parametrize(
    "script",
    ["mlops/azureml/promote/promote_model.py", "mlops/azureml/deploy/online/deploy.py"],
)
def test_a_script_without_its_settings_names_what_is_missing(project, tmp_path, script):
    """Outside the project (no config-infra files) and without a subscription, the script says which flags to give."""
    moved = tmp_path / "elsewhere"
    (moved / "mlops").mkdir(parents=True)
    subprocess.run(["cp", "-r", str(project / "mlops/azureml"), str(moved / "mlops")], check=True)
    (moved / "mlops/azureml/deploy/online/sample-request.json").write_text(
        (project / "mlops/azureml/deploy/online/sample-request.json").read_text()
    )
    completed = subprocess.run(
        [sys.executable, str(moved / script), "--subscription-id", ""],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert completed.returncode == 2, completed.stderr
    error_lines = completed.stderr.strip().splitlines()
    assert len(error_lines) == 1, completed.stderr
    assert error_lines[0].startswith("error: --subscription-id, --resource-group, --workspace")
    assert "not found in config-infra-" in error_lines[0]
