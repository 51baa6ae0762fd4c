"""The Azure ML CLI scripts of a generated project (mlops/scripts) run as CI runs them, against the fake `az` of
tests/fakes and a fake CI token endpoint: a training job that outlives the CI's sign-in is followed to its end
because the scripts renew the sign-in (ensure_fresh_login of mlops/scripts/lib.sh); without the renewal the
same wait fails with AADSTS700024, after the job may well have succeeded."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from fakes.ci_tokens import REQUEST_TOKEN, CiTokenEndpoint
from fakes.fixture import DEV_SUBSCRIPTION, TENANT, FakeCli
from mlops_factory.axes import combination_id

COMBINATION = {
    "infrastructure_version": "terraform",
    "project_type": "classical",
    "mlops_version": "aml-cli-v2",
    "orchestration": "github-actions",
}
CLIENT_ID = "aaaaaaaa-0000-4000-8000-00000000c1d0"
SERVICE_CONNECTION = "bbbbbbbb-0000-4000-8000-0000000005c0"
# Environment variables of the machine running the tests that would make the scripts think they run in CI.
CI_PREFIXES = ("GITHUB_", "ACTIONS_", "RUNNER_", "SYSTEM_", "AZURE", "TF_BUILD", "BUILD_", "AGENT_")
VSO_OUTPUT = re.compile(r"##vso\[task\.setvariable variable=(\w+);isoutput=true\](.*)")
pytestmark = pytest.mark.xdist_group(combination_id(COMBINATION))


@pytest.fixture
def project(rendered_project) -> Path:
    return rendered_project(COMBINATION)


def github(endpoint: CiTokenEndpoint) -> dict[str, str]:
    """A GitHub Actions job after the azure-ml-setup action."""
    return {
        **endpoint.github_environment(),
        "AZURE_CLIENT_ID": CLIENT_ID,
        "AZURE_TENANT_ID": TENANT,
        "AZURE_SUBSCRIPTION_ID": DEV_SUBSCRIPTION,
    }


def devops(endpoint: CiTokenEndpoint) -> dict[str, str]:
    """An AzureCLI@2 step of Azure DevOps with renewLogin."""
    return {
        **endpoint.devops_environment(),
        "AZURESUBSCRIPTION_CLIENT_ID": CLIENT_ID,
        "AZURESUBSCRIPTION_TENANT_ID": TENANT,
        "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID": SERVICE_CONNECTION,
    }


def train(
    project: Path, fake: FakeCli, tmp_path: Path, phase: str, ci: dict[str, str], **extra: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """Run `train.sh dev <phase>` as a CI step: its exit, output and the values it handed to later steps."""
    outputs = tmp_path / f"outputs-{phase}"
    outputs.write_text("")
    environment = {name: value for name, value in fake.environment().items() if not name.startswith(CI_PREFIXES)}
    environment |= {"JOB_POLL_SECONDS": "0", "LOGIN_RENEW_SECONDS": "0", **ci, **extra}
    if "ACTIONS_ID_TOKEN_REQUEST_URL" in ci or not ci:
        environment["GITHUB_OUTPUT"] = str(outputs)
    else:
        fake.sign_in_afresh()  # each AzureCLI@2 step signs in at its start
    result = subprocess.run(
        ["bash", "mlops/scripts/train.sh", "dev", phase],
        cwd=project,
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )
    handed_on = dict(line.split("=", 1) for line in outputs.read_text().splitlines())  # GitHub step outputs
    handed_on |= dict(VSO_OUTPUT.findall(result.stdout))  # Azure DevOps output variables
    return result, handed_on


def submitted_job(project: Path, fake: FakeCli, tmp_path: Path, ci: dict[str, str]) -> str:
    """Submit the training pipeline (a quick step), then make the job run for a long time: its state is Running
    for the next eight looks, and the CI's sign-in expires after every three calls to `az`."""
    submitted, handed_on = train(project, fake, tmp_path, "submit", ci)
    assert submitted.returncode == 0, submitted.stderr
    job = handed_on["job_name"]

    def registered(state: dict) -> None:
        (workspace,) = state["ml"]["workspaces"].values()
        registration = {"registered": True, "name": "taxi-fare-model", "version": 4, "reason": "RMSE 2.1 < 2.4"}
        workspace["jobs"][job]["outputs"] = {"registration": {"registration.json": registration}}

    fake.change_state(registered)
    fake.script("ml", "job", "show", "--query", "status", stdout="Running", times=8)
    fake.expire_login_after(3)
    return job


def federated_logins(fake: FakeCli) -> list[dict]:
    return [call for call in fake.calls("az") if call["argv"][:2] == ["login", "--service-principal"]]


def test_a_training_job_that_outlives_the_github_sign_in_is_followed_to_its_end(
    project: Path, fake_cli: FakeCli, ci_token_endpoint: CiTokenEndpoint, tmp_path: Path
):
    ci = github(ci_token_endpoint)
    job = submitted_job(project, fake_cli, tmp_path, ci)
    fake_cli.clear_log()

    waited, _ = train(project, fake_cli, tmp_path, "wait", ci, JOB_NAME=job)
    assert waited.returncode == 0, waited.stderr
    assert f"Azure ML job {job} completed" in waited.stdout
    reported, handed_on = train(project, fake_cli, tmp_path, "report", ci, JOB_NAME=job)
    assert reported.returncode == 0, reported.stderr
    assert handed_on == {"registered": "true", "model_name": "taxi-fare-model", "model_version": "4"}

    logins = federated_logins(fake_cli)
    assert len(logins) >= 9, "a new sign-in before each look at the job"
    for login in logins:
        argv = login["argv"]
        assert argv[argv.index("--username") + 1] == CLIENT_ID and argv[argv.index("--tenant") + 1] == TENANT
        assert argv[argv.index("--federated-token") + 1] == "<set>", "the log never holds a token"
    assert fake_cli.read("state")["used_tokens"] == ci_token_endpoint.issued, "each sign-in used a new token"
    requests = ci_token_endpoint.requests
    assert {(r.method, r.path, r.authorization) for r in requests} == {
        ("GET", "/github/token", f"bearer {REQUEST_TOKEN}")
    }
    assert {(r.query["audience"], r.query["api-version"]) for r in requests} == {("api://AzureADTokenExchange", "2.0")}
    account_sets = [call["argv"] for call in fake_cli.calls("az") if call["argv"][:2] == ["account", "set"]]
    assert len(account_sets) == len(logins) and all(DEV_SUBSCRIPTION in argv for argv in account_sets)


def test_without_the_renewal_the_same_wait_fails_with_aadsts700024(
    project: Path, fake_cli: FakeCli, ci_token_endpoint: CiTokenEndpoint, tmp_path: Path
):
    """What CI did before: one sign-in, then hours of waiting. (Outside CI, `az login` renews itself; here the
    fake's sign-in expires all the same, as a CI sign-in does.)"""
    job = submitted_job(project, fake_cli, tmp_path, github(ci_token_endpoint))
    fake_cli.clear_log()
    waited, _ = train(project, fake_cli, tmp_path, "wait", {}, JOB_NAME=job)
    assert waited.returncode != 0
    assert "AADSTS700024" in waited.stderr
    assert federated_logins(fake_cli) == []


def test_azure_devops_renews_through_the_service_connection_of_the_step(
    project: Path, fake_cli: FakeCli, ci_token_endpoint: CiTokenEndpoint, tmp_path: Path
):
    ci = devops(ci_token_endpoint)
    job = submitted_job(project, fake_cli, tmp_path, ci)
    waited, _ = train(project, fake_cli, tmp_path, "wait", ci, JOB_NAME=job)
    assert waited.returncode == 0, waited.stderr
    reported, handed_on = train(project, fake_cli, tmp_path, "report", ci, JOB_NAME=job)
    assert reported.returncode == 0, reported.stderr
    assert handed_on["registered"] == "true" and handed_on["model_version"] == "4"

    requests = ci_token_endpoint.requests
    assert {(r.method, r.path, r.authorization) for r in requests} == {
        ("POST", "/devops/oidctoken", f"Bearer {REQUEST_TOKEN}")
    }
    assert {(r.query["serviceConnectionId"], r.query["api-version"]) for r in requests} == {(SERVICE_CONNECTION, "7.1")}
    logins = federated_logins(fake_cli)
    assert logins and all(login["argv"][login["argv"].index("--username") + 1] == CLIENT_ID for login in logins)


def test_the_sign_in_is_renewed_once_per_window_not_on_every_call(
    project: Path, fake_cli: FakeCli, ci_token_endpoint: CiTokenEndpoint, tmp_path: Path
):
    ci = github(ci_token_endpoint)
    job = submitted_job(project, fake_cli, tmp_path, ci)
    fake_cli.write(
        "control", {"script": [{"match": ["ml", "job", "show", "--query", "status"], "stdout": "Running", "times": 3}]}
    )
    ci_token_endpoint.requests.clear()
    waited, _ = train(project, fake_cli, tmp_path, "wait", ci, JOB_NAME=job, LOGIN_RENEW_SECONDS="240")
    assert waited.returncode == 0, waited.stderr
    assert len(ci_token_endpoint.requests) == 1, "a step renews once at its start, then every 4 minutes"


@pytest.mark.parametrize(
    ("job_name", "message"),
    [
        ("", "train.sh wait needs the job's name in JOB_NAME (the job_name of train.sh submit)"),
        ("job;rm -rf /", "JOB_NAME 'job;rm -rf /' is not an Azure ML job name"),
    ],
)
def test_waiting_without_a_job_name_says_where_the_name_comes_from(
    project: Path, fake_cli: FakeCli, tmp_path: Path, job_name: str, message: str
):
    waited, _ = train(project, fake_cli, tmp_path, "wait", {}, JOB_NAME=job_name)
    assert waited.returncode == 1
    assert waited.stderr.strip().splitlines() == [f"error: {message}"]
    assert [call for call in fake_cli.calls("az") if call["argv"][:1] == ["ml"]] == []
