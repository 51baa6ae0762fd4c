"""The staged rollout of a generated CLI project (mlops/scripts/deploy-online-endpoint.sh and
deploy-batch-endpoint.sh), run as CI runs it, against the fake `az` (tests/fakes/azure_ml.py): a new model
version reaches the traffic in steps and the previous deployment goes only after success; a failure at any
stage (create, smoke test, each traffic step, Azure Monitor's health figures, the batch test job) puts the
traffic back, deletes the new deployment, keeps the old one, exits 1 and says so in the job summary.

Each test is one or two runs of a script against the fakes (a few seconds each); the SDK flavour of the same
flow is tested in tests/test_rollout_sdk.py.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from fakes.fixture import DEV_SUBSCRIPTION, FakeCli

CLI_PROJECT = {
    "infrastructure_version": "terraform",
    "project_type": "classical",
    "mlops_version": "aml-cli-v2",
    "orchestration": "github-actions",
}
MODEL = "taxi-fare-model"
ONLINE = "mlops/scripts/deploy-online-endpoint.sh"
BATCH = "mlops/scripts/deploy-batch-endpoint.sh"


def test_the_tools_the_scripts_need_are_here():
    missing = [tool for tool in ("bash", "yq", "jq") if shutil.which(tool) is None]
    assert not missing, f"the rollout tests run the project's scripts, which need {missing} on PATH"


class Project:
    """A copy of a rendered project, its fake Azure and a way to run its scripts as CI does."""

    def __init__(self, root: Path, fake: FakeCli, tmp_path: Path, orchestration: str) -> None:
        self.root = root
        self.fake = fake
        self.tmp_path = tmp_path
        self.orchestration = orchestration
        self.configs = {env: yaml.safe_load((root / f"config-infra-{env}.yml").read_text()) for env in ("dev", "prod")}

    def workspace_key(self, environment: str = "dev") -> str:
        config = self.configs[environment]
        return (
            f"/subscriptions/{DEV_SUBSCRIPTION}/resourceGroups/{config['resource_group']}"
            f"/providers/Microsoft.MachineLearningServices/workspaces/{config['aml_workspace']}"
        )

    def ml(self) -> dict[str, Any]:
        return self.fake.state.get("ml", {})

    def workspace(self, environment: str = "dev") -> dict[str, Any]:
        return self.ml().get("workspaces", {}).get(self.workspace_key(environment), {})

    def online_endpoint(self, environment: str = "dev") -> dict[str, Any]:
        return self.workspace(environment)["online_endpoints"][self.configs[environment]["online_endpoint"]]

    def batch_endpoint(self, environment: str = "dev") -> dict[str, Any]:
        return self.workspace(environment)["batch_endpoints"][self.configs[environment]["batch_endpoint"]]

    def register(self, *versions: int, environment: str = "dev") -> None:
        """Model versions in the dev workspace (or, for prod, in the registry)."""

        def change(state: dict) -> None:
            ml = state.setdefault("ml", {})
            if environment == "prod":
                place = ml.setdefault("registries", {}).setdefault(self.configs["prod"]["model_registry"], {})
            else:
                place = ml.setdefault("workspaces", {}).setdefault(self.workspace_key(), {})
            for version in versions:
                place.setdefault("models", {}).setdefault(MODEL, {})[str(version)] = {
                    "name": MODEL,
                    "version": str(version),
                }

        self.fake.change_state(change)

    def set_ml(self, key: str, value: Any) -> None:
        self.fake.change_state(lambda state: state.setdefault("ml", {}).setdefault(key, {}).update(value))

    def settings(self, environment: str, **values: Any) -> None:
        """Change the rollout settings of one environment (mlops/rollout.yml)."""
        path = self.root / "mlops/rollout.yml"
        data = yaml.safe_load(path.read_text())
        data["online"][environment].update(values)
        path.write_text(yaml.safe_dump(data))

    def run(self, script: str, *args: str) -> subprocess.CompletedProcess[str]:
        self.summary = self.tmp_path / "summary.md"
        self.outputs = self.tmp_path / "outputs.txt"
        for path in (self.summary, self.outputs):
            path.write_text("")
        env = {name: value for name, value in self.fake.environment().items() if name not in ("TF_BUILD", "CI")}
        env = {name: value for name, value in env.items() if not name.startswith("GITHUB_")}
        if self.orchestration == "github-actions":
            env |= {
                "GITHUB_ACTIONS": "true",
                "GITHUB_STEP_SUMMARY": str(self.summary),
                "GITHUB_OUTPUT": str(self.outputs),
            }
        else:
            env |= {"TF_BUILD": "True"}
        return subprocess.run(
            ["bash", str(self.root / script), *args],
            cwd=self.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def published(self, completed: subprocess.CompletedProcess[str]) -> dict[str, str]:
        """What the script handed to the next CI steps."""
        if self.orchestration == "github-actions":
            return dict(line.split("=", 1) for line in self.outputs.read_text().splitlines())
        marker = "##vso[task.setvariable variable="
        return {
            line.split(marker)[1].split(";")[0]: line.rsplit("]", 1)[1]
            for line in completed.stdout.splitlines()
            if marker in line
        }

    def changes(self) -> list[str]:
        """The az calls that changed something, shortened to what a reviewer reads."""
        result = []
        for entry in self.fake.calls("az"):
            if not entry["changed"]:
                continue
            argv = entry["argv"]
            words = [word for word in argv[:4] if not word.startswith("-")]
            details = [
                f"{option} {argv[index + 1]}"
                for index, option in enumerate(argv[:-1])
                if option in ("--name", "--traffic", "--mirror-traffic", "--deployment-name", "--set")
                and not (option == "--set" and argv[index + 1].startswith("model="))
            ]
            result.append(" ".join(words[1:] + details))
        return result


@pytest.fixture
def project(rendered_project, fake_cli: FakeCli, tmp_path: Path, request) -> Project:
    combination = dict(CLI_PROJECT, **getattr(request, "param", {}))
    root = tmp_path / "project"
    shutil.copytree(rendered_project(combination), root)
    return Project(root, fake_cli, tmp_path, combination["orchestration"])


def live_blue(project: Project, version: int = 3, environment: str = "dev") -> None:
    """An endpoint whose deployment blue serves `version` with all traffic, as the last rollout left it."""
    project.register(version, environment=environment)
    config = project.configs[environment]
    name = config["online_endpoint"]
    model = (
        f"azureml://registries/{config['model_registry']}/models/{MODEL}/versions/{version}"
        if environment == "prod"
        else f"azureml:{MODEL}:{version}"
    )

    def change(state: dict) -> None:
        workspace = state["ml"].setdefault("workspaces", {}).setdefault(project.workspace_key(environment), {})
        workspace.setdefault("online_endpoints", {})[name] = {
            "name": name,
            "id": f"{project.workspace_key(environment)}/onlineEndpoints/{name}",
            "traffic": {"blue": 100},
            "mirror_traffic": {},
            "deployments": {"blue": {"name": "blue", "model": model, "provisioning_state": "Succeeded"}},
        }

    project.fake.change_state(change)


def default_blue(project: Project, version: int = 3) -> None:
    """A batch endpoint whose default deployment blue scores with `version`, as the last rollout left it."""
    project.register(version)
    name = project.configs["dev"]["batch_endpoint"]

    def change(state: dict) -> None:
        workspace = state["ml"].setdefault("workspaces", {}).setdefault(project.workspace_key(), {})
        workspace.setdefault("batch_endpoints", {})[name] = {
            "name": name,
            "defaults": {"deployment_name": "blue"},
            "deployments": {"blue": {"name": "blue", "model": f"azureml:{MODEL}:{version}"}},
        }

    project.fake.change_state(change)


# ── online: success ───────────────────────────────────────────────────────────────────────────────
@pytest.mark.parametrize(
    "project", [{"orchestration": "github-actions"}, {"orchestration": "azure-devops"}], indirect=True
)
def test_the_first_rollout_gives_the_new_deployment_all_traffic_after_its_smoke_test(project: Project):
    project.register(1, 2)

    completed = project.run(ONLINE, "dev")

    assert completed.returncode == 0, completed.stderr
    endpoint = project.online_endpoint()
    assert endpoint["traffic"] == {"blue": 100}
    assert endpoint["deployments"]["blue"]["model"] == f"azureml:{MODEL}:2"
    assert endpoint["deployments"]["blue"]["collects_data"], "the online deployment must collect inputs and outputs"
    assert project.changes() == [
        "online-endpoint create --name " + endpoint["name"],
        "online-deployment create --name blue",
        "online-endpoint update --name " + endpoint["name"] + " --traffic blue=100 --mirror-traffic blue=0",
    ]
    invokes = [entry["argv"] for entry in project.fake.calls("az") if "invoke" in entry["argv"]]
    assert len(invokes) == 2 and all(argv[argv.index("--deployment-name") + 1] == "blue" for argv in invokes)
    assert project.published(completed) == {"model_version": "2", "deployment": "blue"}
    if project.orchestration == "github-actions":
        assert "serves azureml:taxi-fare-model:2 from its first deployment, blue" in project.summary.read_text()


def test_a_new_version_goes_to_the_other_deployment_in_steps_and_the_old_one_goes_last(project: Project):
    live_blue(project)
    project.register(4)

    completed = project.run(ONLINE, "dev", "4")

    assert completed.returncode == 0, completed.stderr
    name = project.configs["dev"]["online_endpoint"]
    assert project.changes() == [
        "online-deployment create --name green",
        f"online-endpoint update --name {name} --traffic blue=90 green=10 --mirror-traffic green=0",
        f"online-endpoint update --name {name} --traffic blue=50 green=50 --mirror-traffic green=0",
        f"online-endpoint update --name {name} --traffic blue=0 green=100 --mirror-traffic green=0",
        "online-deployment delete --name blue",
    ]
    endpoint = project.online_endpoint()
    assert endpoint["traffic"] == {"green": 100}
    assert list(endpoint["deployments"]) == ["green"]
    assert endpoint["deployments"]["green"]["model"] == f"azureml:{MODEL}:4"
    # 2 smoke requests before any traffic, 2 more after each of the 3 steps, all straight to green
    invoked = [entry["argv"] for entry in project.fake.calls("az") if "invoke" in entry["argv"]]
    assert [argv[argv.index("--deployment-name") + 1] for argv in invoked] == ["green"] * 8
    summary = project.summary.read_text()
    assert "serves azureml:taxi-fare-model:4 from green after the traffic steps 10,50,100 %" in summary
    assert "deleted the previous deployment blue" in summary


def test_prod_mirrors_traffic_first_and_reads_azure_monitor_at_every_step(project: Project):
    live_blue(project, 5, environment="prod")
    project.settings("prod", step_seconds=1, mirror_seconds=1, mirror_percent=10, traffic_steps=[25, 100])
    project.register(6, environment="prod")
    project.set_ml("metrics", {"green": {"requests": 400, "errors": 2, "latency_ms": 80}})

    completed = project.run(ONLINE, "prod", "6")

    assert completed.returncode == 0, completed.stderr
    name = project.configs["prod"]["online_endpoint"]
    assert project.changes()[:3] == [
        "online-deployment create --name green",
        f"online-endpoint update --name {name} --mirror-traffic green=10",
        f"online-endpoint update --name {name} --traffic blue=75 green=25 --mirror-traffic green=0",
    ]
    registry = project.configs["prod"]["model_registry"]
    assert project.online_endpoint("prod")["deployments"]["green"]["model"] == (
        f"azureml://registries/{registry}/models/{MODEL}/versions/6"
    )
    metrics = [entry["argv"] for entry in project.fake.calls("az") if entry["argv"][:2] == ["monitor", "metrics"]]
    assert len(metrics) == 6  # requests and latency, after the mirror and after each of the 2 steps
    assert all(argv[argv.index("--resource") + 1].endswith(f"/onlineEndpoints/{name}") for argv in metrics)
    assert "400 requests to green, 2 server errors, average latency 80 ms" in completed.stdout


def test_a_deployment_left_by_an_interrupted_rollout_is_cleared_first(project: Project):
    live_blue(project)
    project.register(4, 5)

    def cancelled_at_50(state: dict) -> None:  # a run cancelled while green served half the traffic
        endpoint = state["ml"]["workspaces"][project.workspace_key()]["online_endpoints"][
            project.configs["dev"]["online_endpoint"]
        ]
        endpoint["deployments"]["green"] = {"name": "green", "model": f"azureml:{MODEL}:4"}
        endpoint["traffic"] = {"blue": 50, "green": 50}

    project.fake.change_state(cancelled_at_50)

    completed = project.run(ONLINE, "dev", "5")

    assert completed.returncode == 0, completed.stderr
    name = project.configs["dev"]["online_endpoint"]
    assert project.changes()[:3] == [
        f"online-endpoint update --name {name} --traffic blue=100 green=0 --mirror-traffic green=0",
        "online-deployment delete --name green",
        "online-deployment create --name green",
    ]
    assert "left from an earlier rollout that did not finish" in completed.stderr
    assert project.online_endpoint()["deployments"]["green"]["model"] == f"azureml:{MODEL}:5"


# ── online: failure at each stage ─────────────────────────────────────────────────────────────────
FAILURES = {
    "create": ("creating deployment green", "az ml online-deployment create failed"),
    "smoke": ("the smoke test of green", "sample request 1 of 2 to green failed"),
    "step 10": ("10 % of the traffic on green", "az ml online-endpoint update --traffic failed"),
    "step 100": ("100 % of the traffic on green", "az ml online-endpoint update --traffic failed"),
    "health at 50": ("50 % of the traffic on green", "green did not answer sample request 1 of 2 with predictions"),
    "azure monitor": ("10 % of the traffic on green", "30 of 200 requests to green ended in a server error"),
}


@pytest.mark.parametrize("stage", list(FAILURES))
def test_a_failure_puts_the_traffic_back_deletes_the_new_deployment_and_fails_the_run(project: Project, stage: str):
    live_blue(project)
    project.register(4)
    new_model = f"azureml:{MODEL}:4"
    if stage == "create":
        project.set_ml("misbehaving", {new_model: "create"})
    elif stage == "smoke":
        project.set_ml("misbehaving", {new_model: "answer"})
    elif stage.startswith("step"):
        share = stage.split()[1]
        project.fake.fail("ml", "online-endpoint", "update", "--traffic", f"~green={share}")
    elif stage == "health at 50":  # 4 good answers (before any traffic, at 10 %), then none at 50 %
        project.fake.script("ml", "online-endpoint", "invoke", stdout=[1.0], times=4)
        project.fake.script("ml", "online-endpoint", "invoke", stdout="null")
    else:
        project.settings("dev", step_seconds=1)
        project.set_ml("metrics", {"green": {"requests": 200, "errors": 30, "latency_ms": 90}})

    completed = project.run(ONLINE, "dev", "4")

    assert completed.returncode == 1
    endpoint = project.online_endpoint()
    assert endpoint["traffic"].get("blue") == 100 and not endpoint["traffic"].get("green")
    assert endpoint["mirror_traffic"] == {}
    assert list(endpoint["deployments"]) == ["blue"], "the new deployment must be deleted, the old one kept"
    assert endpoint["deployments"]["blue"]["model"] == f"azureml:{MODEL}:3"
    where, why = FAILURES[stage]
    summary = project.summary.read_text()
    assert f"Rollout of {new_model} to the online endpoint {endpoint['name']} (dev) FAILED at {where}: {why}" in summary
    assert "Rolled back: all traffic is back on blue; the new deployment green is deleted." in summary
    assert f"::error::rollout of {new_model}" in completed.stderr
    assert project.published(completed) == {}


def test_a_failed_first_rollout_leaves_an_empty_endpoint(project: Project):
    project.register(1)
    project.set_ml("misbehaving", {f"azureml:{MODEL}:1": "answer"})

    completed = project.run(ONLINE, "dev")

    assert completed.returncode == 1
    endpoint = project.online_endpoint()
    assert endpoint["deployments"] == {} and not any(endpoint["traffic"].values())
    assert "Rolled back: no traffic is routed: the endpoint had no deployment before" in project.summary.read_text()


def test_rollout_settings_that_make_no_sense_stop_the_script_before_azure_changes(project: Project):
    project.register(1)
    project.settings("dev", traffic_steps=[50, 10])

    completed = project.run(ONLINE, "dev")

    assert completed.returncode == 1
    assert completed.stderr.strip().splitlines() == [
        "::error::mlops/rollout.yml: online.dev.traffic_steps must rise from above 0 to 100 (percent), found '10'"
    ]
    assert project.changes() == []


# ── batch ─────────────────────────────────────────────────────────────────────────────────────────
def test_a_batch_rollout_tests_the_new_deployment_before_it_becomes_the_default(project: Project):
    default_blue(project)
    project.register(4)

    completed = project.run(BATCH, "dev", "4", "--invoke")  # --invoke: accepted from earlier callers

    assert completed.returncode == 0, completed.stderr
    name = project.configs["dev"]["batch_endpoint"]
    assert project.changes() == [
        "batch-deployment create --name green",
        f"batch-endpoint invoke --name {name} --deployment-name green",
        f"batch-endpoint update --name {name} --set defaults.deployment_name=green",
        "batch-deployment delete --name blue",
    ]
    endpoint = project.batch_endpoint()
    assert list(endpoint["deployments"]) == ["green"]
    job = project.workspace()["jobs"]["batchjob-1"]
    assert job["deployment"] == "green" and job["input"].endswith("/data/taxi-trips.csv")
    assert project.published(completed) == {"job_name": "batchjob-1", "model_version": "4", "deployment": "green"}


@pytest.mark.parametrize("stage", ["create", "job"])
def test_a_failed_batch_rollout_keeps_the_default_and_deletes_the_new_deployment(project: Project, stage: str):
    default_blue(project)
    project.register(4)
    project.set_ml("misbehaving", {f"azureml:{MODEL}:4": stage})

    completed = project.run(BATCH, "dev", "4")

    assert completed.returncode == 1
    endpoint = project.batch_endpoint()
    assert endpoint["defaults"]["deployment_name"] == "blue"
    assert list(endpoint["deployments"]) == ["blue"]
    summary = project.summary.read_text()
    assert "FAILED at " + ("creating deployment green" if stage == "create" else "the test job of green") in summary
    assert "Rolled back: blue stays the default; the new deployment green is deleted." in summary
