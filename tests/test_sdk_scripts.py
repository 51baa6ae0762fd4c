"""The Azure ML SDK scripts of a generated project, as CI and a user at a laptop meet them without Azure:
the settings come from config-infra-<env>.yml, results reach the next CI step, missing settings give one line."""

from __future__ import annotations

import importlib.util
import io
import json
import subprocess
import sys
from collections.abc import Iterator
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
    subprocess.run(
        ["cp", "-r", str(project / "mlops/azureml"), str(project / "mlops/rollout.yml"), str(moved / "mlops")],
        check=True,
    )
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


# ── signing in for jobs that outlive a CI token ──────────────────────────────────────────────────────────
CI_VARIABLES = (
    "ACTIONS_ID_TOKEN_REQUEST_URL",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "AZURE_CLIENT_ID",
    "AZURE_TENANT_ID",
    "SYSTEM_ACCESSTOKEN",
    "SYSTEM_OIDCREQUESTURI",
    "AZURESUBSCRIPTION_CLIENT_ID",
    "AZURESUBSCRIPTION_TENANT_ID",
    "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID",
)


class Recorded:
    """Stands in for an azure-identity credential class: remembers how the script built it."""

    def __init__(self, *args, **kwargs) -> None:
        self.args, self.kwargs = args, kwargs


@pytest.fixture
def credentials(monkeypatch):
    """azure-identity's credential classes replaced by recorders, and no CI variable of the machine running the
    tests; the test sets the ones of the CI it plays."""
    import azure.identity

    for name in CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    kinds = {}
    for name in ("AzurePipelinesCredential", "ClientAssertionCredential", "AzureCliCredential"):
        kinds[name] = type(name, (Recorded,), {})
        monkeypatch.setattr(azure.identity, name, kinds[name])
    return kinds


def test_azure_devops_steps_sign_in_with_the_pipelines_credential_of_their_connection(
    project, credentials, monkeypatch
):
    """In an AzureCLI@2 step with renewLogin, the scripts use azure-identity's AzurePipelinesCredential, which asks
    the pipeline for a new federated token of the step's service connection whenever it needs one."""
    values = {
        "SYSTEM_ACCESSTOKEN": "job-access-token",
        "SYSTEM_OIDCREQUESTURI": "https://dev.azure.com/contoso/oidctoken",
        "AZURESUBSCRIPTION_CLIENT_ID": "client-of-the-connection",
        "AZURESUBSCRIPTION_TENANT_ID": "tenant-of-the-connection",
        "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID": "connection-id",
        # GitHub's variables would not be there; if they were, the step's own connection still wins.
        "AZURE_CLIENT_ID": "someone-else",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    chosen = load_workspace_module(project).credential()
    assert isinstance(chosen, credentials["AzurePipelinesCredential"])
    assert chosen.kwargs == {
        "tenant_id": "tenant-of-the-connection",
        "client_id": "client-of-the-connection",
        "service_connection_id": "connection-id",
        "system_access_token": "job-access-token",
    }


def test_github_jobs_sign_in_with_an_assertion_that_github_renews_on_every_request(
    project, credentials, monkeypatch, ci_token_endpoint
):
    for name, value in ci_token_endpoint.github_environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AZURE_CLIENT_ID", "client-of-dev")
    monkeypatch.setenv("AZURE_TENANT_ID", "tenant-of-dev")
    chosen = load_workspace_module(project).credential()
    assert isinstance(chosen, credentials["ClientAssertionCredential"])
    tenant, client, assertion = chosen.args
    assert (tenant, client) == ("tenant-of-dev", "client-of-dev")
    assert [assertion(), assertion()] == ["oidc-token-1", "oidc-token-2"], "a new token each time Entra ID asks"
    assert {(r.method, r.query["audience"], r.query["api-version"]) for r in ci_token_endpoint.requests} == {
        ("GET", "api://AzureADTokenExchange", "2.0")
    }


@pytest.mark.parametrize(
    "present",
    [(), ("ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"), ("SYSTEM_OIDCREQUESTURI",)],
    ids=["laptop", "github-job-without-the-setup-action", "devops-step-without-renewLogin"],
)
def test_elsewhere_the_scripts_use_the_azure_cli_session(project, credentials, monkeypatch, present):
    for name in present:
        monkeypatch.setenv(name, "set")
    assert isinstance(load_workspace_module(project).credential(), credentials["AzureCliCredential"])


# ── python-sdk-v1: data movement azureml-core cannot do on identity-based datastores ─────────────────────
SDK_V1 = {
    "infrastructure_version": "bicep",
    "project_type": "classical",
    "mlops_version": "python-sdk-v1",
    "orchestration": "azure-devops",
}


@pytest.fixture
def sdk_v1(rendered_project, monkeypatch) -> Iterator[ModuleType]:
    """mlops/azureml/sdk_v1.py of a python-sdk-v1 project, imported as its pipeline imports it."""
    folder = rendered_project(SDK_V1) / "mlops" / "azureml"
    for name in ("sdk_v1", "workspace"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.syspath_prepend(str(folder))
    import sdk_v1

    yield sdk_v1
    for name in ("sdk_v1", "workspace"):  # the next project imported in this process must not find this one's
        sys.modules.pop(name, None)


class Container:
    """An in-memory blob container with the calls of azure-storage-blob's ContainerClient that sdk_v1 makes."""

    def __init__(self, blobs: dict[str, bytes] | None = None) -> None:
        self.blobs = dict(blobs or {})
        self.overwritten: list[bool] = []

    def upload_blob(self, name, data, overwrite=False):
        self.blobs[name] = data.read()
        self.overwritten.append(overwrite)

    def list_blobs(self, name_starts_with=None):
        return [SimpleNamespace(name=name) for name in sorted(self.blobs) if name.startswith(name_starts_with or "")]

    def download_blob(self, name):
        return SimpleNamespace(readall=lambda: self.blobs[name])


DATASTORE = SimpleNamespace(
    name="workspaceblobstore", account_name="stworkspace", container_name="azureml", protocol="https",
    endpoint="core.windows.net",
)  # fmt: skip


@pytest.mark.xdist_group("bicep-classical-python-sdk-v1-azure-devops")
def test_v1_uploads_and_downloads_go_through_the_blob_api_as_the_caller(sdk_v1, tmp_path):
    assert sdk_v1.account_url(DATASTORE) == "https://stworkspace.blob.core.windows.net"
    container = Container()
    data = tmp_path / "data"
    (data / "part").mkdir(parents=True)
    (data / "a.csv").write_text("x\n1\n")
    (data / "part" / "b.csv").write_text("x\n2\n")
    names = sdk_v1.upload(data, DATASTORE, "/taxi-fare/raw-data/", container=lambda datastore: container)
    assert names == ["taxi-fare/raw-data/a.csv", "taxi-fare/raw-data/part/b.csv"]
    assert container.overwritten == [True, True]
    assert sdk_v1.upload(data / "a.csv", DATASTORE, "one", container=lambda datastore: container) == ["one/a.csv"]

    container.blobs["azureml/run-7/registration_output/registration.json"] = b'{"registered": true}'
    target = tmp_path / "download"
    count = sdk_v1.download(DATASTORE, "azureml/run-7/registration_output", target, container=lambda d: container)
    assert count == 1 and (target / "registration.json").read_text() == '{"registered": true}'


@pytest.mark.xdist_group("bicep-classical-python-sdk-v1-azure-devops")
def test_v1_downloads_refuse_blob_names_that_leave_the_download_folder(sdk_v1, tmp_path):
    container = Container({"azureml/run/out/../../../escaped.txt": b"x"})
    with pytest.raises(SystemExit, match="names a path outside the download"):
        sdk_v1.download(DATASTORE, "azureml/run/out", tmp_path / "download", container=lambda d: container)
    assert not (tmp_path / "escaped.txt").exists() and not list(tmp_path.rglob("escaped.txt"))


@pytest.mark.xdist_group("bicep-classical-python-sdk-v1-azure-devops")
def test_v1_reads_a_step_output_where_the_step_run_wrote_it(sdk_v1, tmp_path):
    output = SimpleNamespace(datastore=DATASTORE, path_on_datastore="azureml/step-9/registration_output")
    step_run = SimpleNamespace(get_output_data=lambda name: output if name == "registration_output" else None)
    run = SimpleNamespace(id="run-1", find_step_run=lambda name: [step_run] if name == "register" else [])
    container = Container({"azureml/step-9/registration_output/registration.json": b"{}"})
    factory = lambda datastore: container  # noqa: E731
    assert sdk_v1.download_step_output(run, "register", "registration_output", tmp_path, factory) == 1
    with pytest.raises(SystemExit, match="the pipeline run run-1 has no step evaluate"):
        sdk_v1.download_step_output(run, "evaluate", "registration_output", tmp_path, factory)


@pytest.mark.xdist_group("bicep-classical-python-sdk-v1-azure-devops")
def test_v1_signs_in_with_the_same_self_renewing_credential_as_every_script(sdk_v1, monkeypatch):
    asked = []

    class Credential:
        def get_token(self, scope):
            asked.append(scope)
            return SimpleNamespace(token=f"token-for-{scope}")

    monkeypatch.setattr(sdk_v1.project, "credential", Credential)
    authentication = sdk_v1.authentication()
    assert authentication.get_token().startswith("token-for-https://management.")
    assert asked == ["https://management.core.windows.net/.default"]
