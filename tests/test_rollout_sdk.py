"""The staged rollout of a generated SDK project (mlops/azureml/deploy/{online,batch}/deploy.py on rollout.py and
endpoints.py), run in process through the scripts' main() against a fake MLClient (tests/fakes/ml_client.py) and,
for Azure Monitor, the fake `az`: the same stages and the same rollback as the CLI flavour (tests/test_rollout.py).
python-sdk-v1 projects deploy with this same code.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from fakes.fixture import FakeCli
from fakes.ml_client import FakeMLClient

SDK_PROJECT = {
    "infrastructure_version": "bicep",
    "project_type": "classical",
    "mlops_version": "python-sdk-v2",
    "orchestration": "azure-devops",
}
MODEL = "taxi-fare-model"
GENERATED_MODULES = ("endpoints", "rollout", "workspace")


class Scripts:
    """The deploy scripts of one rendered project, run with a fake MLClient."""

    def __init__(self, project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        self.project = project
        self.monkeypatch = monkeypatch
        self.summary = tmp_path / "summary.md"
        self.outputs = tmp_path / "outputs.txt"
        self.client = FakeMLClient(answer=[10.5, 7.25, 8.0], models={MODEL: [3, 4]})
        self.waits: list[int] = []
        self.config = yaml.safe_load((project / "config-infra-dev.yml").read_text())
        for name in GENERATED_MODULES:
            monkeypatch.delitem(sys.modules, name, raising=False)
        monkeypatch.syspath_prepend(str(project / "mlops/azureml"))
        self.workspace = importlib.import_module("workspace")
        self.rollout = importlib.import_module("rollout")
        monkeypatch.setattr(self.workspace, "ml_client", lambda *args, **kwargs: self.client)
        monkeypatch.setattr(self.workspace, "current_subscription", lambda: "11111111-1111-4111-8111-111111111111")
        monkeypatch.setattr(self.rollout, "rollout_wait", lambda seconds, why: self.waits.append(seconds))
        for name in ("GITHUB_ACTIONS", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "TF_BUILD"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(self.summary))
        monkeypatch.setenv("GITHUB_OUTPUT", str(self.outputs))
        self.summary.write_text("")
        self.outputs.write_text("")

    def script(self, kind: str) -> ModuleType:
        path = self.project / f"mlops/azureml/deploy/{kind}/deploy.py"
        spec = importlib.util.spec_from_file_location(f"deploy_{kind}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    def deploy(self, kind: str, *args: str) -> int:
        return self.script(kind).main(["--environment", "dev", *args])

    def settings(self, **values) -> None:
        path = self.project / "mlops/rollout.yml"
        data = yaml.safe_load(path.read_text())
        data["online"]["dev"].update(values)
        path.write_text(yaml.safe_dump(data))

    def online(self) -> dict:
        return self.client.online[self.config["online_endpoint"]]

    def published(self) -> dict[str, str]:
        return dict(line.split("=", 1) for line in self.outputs.read_text().splitlines())


@pytest.fixture
def scripts(rendered_project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Scripts]:
    project = tmp_path / "project"
    source = rendered_project(SDK_PROJECT)
    for relative in (
        "mlops/azureml",
        "mlops/rollout.yml",
        "config-infra-dev.yml",
        "config-infra-prod.yml",
        "data",
        "data-science",
    ):
        target = project / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if (source / relative).is_dir():
            shutil.copytree(source / relative, target)
        else:
            target.write_bytes((source / relative).read_bytes())
    yield Scripts(project, monkeypatch, tmp_path)
    for name in GENERATED_MODULES:  # the next project imported in this process must not find this one's
        sys.modules.pop(name, None)


def live_blue(scripts: Scripts) -> None:
    """The endpoint as a finished rollout of version 3 left it: blue with all traffic."""
    assert scripts.deploy("online", "--model-version", "3") == 0
    scripts.client.calls.clear()
    scripts.summary.write_text("")
    scripts.outputs.write_text("")


def test_the_first_rollout_serves_from_blue_and_collects_production_data(scripts: Scripts):
    assert scripts.deploy("online") == 0

    endpoint = scripts.online()
    assert endpoint["traffic"] == {"blue": 100}
    deployment = endpoint["deployments"]["blue"]
    assert deployment.model == f"azureml:{MODEL}:4"
    collector = deployment.entity.data_collector
    assert {name: item.data.name for name, item in collector.collections.items()} == {
        "model_inputs": f"{MODEL}-inputs",
        "model_outputs": f"{MODEL}-outputs",
    }
    assert deployment.entity.code_configuration.scoring_script == "score.py"
    assert scripts.client.calls == [
        f"create online endpoint {scripts.config['online_endpoint']}",
        f"create online blue azureml:{MODEL}:4",
        "invoke blue",
        "invoke blue",
        "online traffic {'blue': 100} mirror {}",
    ]
    assert scripts.published() == {"deployment": "blue", "model_version": "4"}


def test_a_new_version_reaches_the_traffic_in_steps_and_the_old_deployment_goes_last(
    scripts: Scripts, fake_cli: FakeCli
):
    live_blue(scripts)
    scripts.settings(step_seconds=60, mirror_percent=20, mirror_seconds=120)
    fake_cli.change_state(
        lambda state: state.setdefault("ml", {}).update(
            metrics={"green": {"requests": 90, "errors": 0, "latency_ms": 40}}
        )
    )

    assert scripts.deploy("online", "--model-version", "4") == 0

    assert [call for call in scripts.client.calls if not call.startswith("invoke")] == [
        f"create online green azureml:{MODEL}:4",
        "online traffic {'blue': 100} mirror {'green': 20}",
        "online traffic {'blue': 90, 'green': 10} mirror {}",
        "online traffic {'blue': 50, 'green': 50} mirror {}",
        "online traffic {'blue': 0, 'green': 100} mirror {}",
        "delete online blue",
    ]
    assert scripts.waits == [120, 60, 60, 60]
    metrics = [entry["argv"] for entry in fake_cli.calls("az") if entry["argv"][:3] == ["monitor", "metrics", "list"]]
    assert len(metrics) == 8 and all("deployment eq 'green'" in " ".join(argv) for argv in metrics)
    assert (
        "serves azureml:taxi-fare-model:4 from green after the traffic steps 10,50,100 %" in scripts.summary.read_text()
    )


FAILURES = {
    "create": ("creating deployment green", "creating the deployment failed"),
    "smoke": ("the smoke test of green", "sample request 1 of 2 to green failed"),
    "step 10": ("10 % of the traffic on green", "injected failure of online_endpoints.begin_create_or_update"),
    "step 100": ("100 % of the traffic on green", "injected failure of online_endpoints.begin_create_or_update"),
    "wrong answer": (
        "the smoke test of green",
        "green answered sample request 1 of 2 wrongly: 2 predictions for 3 rows",
    ),
    "azure monitor": ("10 % of the traffic on green", "green answered in 900 ms on average (more than 500 ms)"),
}


@pytest.mark.parametrize("stage", list(FAILURES))
def test_a_failed_stage_rolls_back(scripts: Scripts, fake_cli: FakeCli, stage: str):
    live_blue(scripts)
    new_model = f"azureml:{MODEL}:4"
    if stage in ("create", "smoke"):
        scripts.client.misbehaving[new_model] = {"create": "create", "smoke": "answer"}[stage]
    elif stage.startswith("step"):  # the first traffic change is the 10 % step, the third the 100 % one
        scripts.client.fail("online_endpoints.begin_create_or_update", occurrence=1 if stage == "step 10" else 3)
        scripts.client.counts.clear()
    elif stage == "wrong answer":
        scripts.client.answer = json.dumps([1.0, 2.0])
    else:
        scripts.settings(step_seconds=60, max_latency_ms=500)
        fake_cli.change_state(
            lambda state: state.setdefault("ml", {}).update(
                metrics={"green": {"requests": 50, "errors": 0, "latency_ms": 900}}
            )
        )

    assert scripts.deploy("online", "--model-version", "4") == 1

    endpoint = scripts.online()
    assert endpoint["traffic"] == {"blue": 100} and endpoint["mirror_traffic"] == {}
    assert list(endpoint["deployments"]) == ["blue"]
    assert endpoint["deployments"]["blue"].model == f"azureml:{MODEL}:3"
    where, why = FAILURES[stage]
    summary = scripts.summary.read_text()
    assert (
        f"Rollout of {new_model} to the online endpoint {scripts.config['online_endpoint']} (dev) FAILED at {where}:"
        in summary
    )
    assert why in summary
    assert "Rolled back: all traffic is back on blue; the new deployment green is deleted." in summary
    assert scripts.published() == {}


def test_the_batch_rollout_switches_the_default_after_a_test_job(scripts: Scripts):
    assert scripts.deploy("batch", "--model-version", "3") == 0
    scripts.client.calls.clear()

    assert scripts.deploy("batch", "--model-version", "4", "--invoke", "--wait") == 0

    calls = scripts.client.calls
    assert calls[0] == f"create batch green azureml:{MODEL}:4"
    assert calls[1].startswith("invoke batch green ") and calls[1].endswith("/data/taxi-trips.csv")
    assert calls[2:] == ["batch default green", "delete batch blue"]
    assert scripts.published()["deployment"] == "green"


def test_a_failed_batch_test_job_leaves_the_default_alone(scripts: Scripts):
    assert scripts.deploy("batch", "--model-version", "3") == 0
    scripts.client.misbehaving[f"azureml:{MODEL}:4"] = "job"

    assert scripts.deploy("batch", "--model-version", "4") == 1

    endpoint = scripts.client.batch[scripts.config["batch_endpoint"]]
    assert endpoint["defaults"]["deployment_name"] == "blue" and list(endpoint["deployments"]) == ["blue"]
    assert "Rolled back: blue stays the default; the new deployment green is deleted." in scripts.summary.read_text()


def test_wrong_rollout_settings_are_one_sentence_before_azure_is_touched(scripts: Scripts):
    scripts.settings(traffic_steps=[10, 50])

    with pytest.raises(SystemExit, match=r"^error: mlops/rollout.yml: online.dev.traffic_steps must end with 100$"):
        scripts.deploy("online")
    assert scripts.client.calls == []


# ── each type's checks of the smoke test: its request, and the answer its score.py gives ──────────────────────────
# One correct prediction of each type's score.py, and what the count message calls a part of the request.
ONE_PREDICTION = {
    "classical": (10.5, "rows"),
    "cv": ({"label": "circle", "probability_circle": 0.9}, "images"),
    "nlp": ({"label": "positive", "score": 0.75}, "texts"),
}


@pytest.mark.parametrize("project_type", sorted(ONE_PREDICTION))
def test_each_type_checks_its_sample_request_and_names_what_is_wrong_with_an_answer(
    rendered_project, monkeypatch: pytest.MonkeyPatch, project_type: str
):
    project = rendered_project({**SDK_PROJECT, "project_type": project_type})
    for name in GENERATED_MODULES:
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.syspath_prepend(str(project / "mlops/azureml"))
    spec = importlib.util.spec_from_file_location("deploy_online", project / "mlops/azureml/deploy/online/deploy.py")
    script = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(script)
        request = json.loads(script.SAMPLE_REQUEST.read_text(encoding="utf-8"))
        prediction, unit = ONE_PREDICTION[project_type]
        count = len(request["images"]) if project_type == "cv" else len(request["input_data"]["data"])

        assert script.request_problems(request) == []
        assert script.prediction_problems(json.dumps([prediction] * count), request) == []
        assert script.prediction_problems(json.dumps({"predictions": [prediction] * count}), request) == []
        assert script.prediction_problems(json.dumps([prediction]), request) == [f"1 predictions for {count} {unit}"]
        assert script.prediction_problems("upstream busy", request) == ["the answer is not JSON: upstream busy"]
        assert script.prediction_problems('{"error": 1}', request) == [
            'the answer is not a list of predictions: {"error": 1}'
        ]
        if project_type != "cv":  # the "input_data" table of score.py
            columns = request["input_data"]["columns"]
            ragged = {"input_data": {"columns": columns, "data": [[*request["input_data"]["data"][0], "extra"]]}}
            width = f"every row of data must have {len(columns)} values, one per column"
            assert script.request_problems(ragged) == [width]
            assert script.request_problems({"data": []}) == [
                'the request has no "input_data" object with a "columns" list and a non-empty "data" list'
            ]
    finally:
        for name in GENERATED_MODULES:
            sys.modules.pop(name, None)
