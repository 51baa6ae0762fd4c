"""Model monitoring and retraining of the generated projects (the outer loop after deployment):

- per project type, the project's own drift code, run in-process on small synthetic data at the thresholds of the
  project's mlops/monitoring.yml, flags the shifted data and passes the data that is not shifted;
- every flavour's monitor builds as its CI builds it and loads with azure-ai-ml; a wrong setting or threshold is
  reported in one sentence naming it;
- the monitor follows the deployment that serves the endpoint;
- the daily retraining check decides by the cadence of mlops/monitoring.yml and by the prod monitor's breaches;
- the CI wiring: the retraining check starts the one training workflow/pipeline, the monitor set-up runs after
  the deployments, and the alert e-mail answer reaches every place that e-mails.
"""

from __future__ import annotations

import datetime
import importlib.util
import json
import random
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from mlops_factory.axes import combination_id
from test_matrix import in_group
from validation import report
from validation.azureml import validate_azureml
from validation.monitoring import validate_monitoring

CLASSICAL_CLI = {
    "infrastructure_version": "terraform",
    "project_type": "classical",
    "mlops_version": "aml-cli-v2",
    "orchestration": "github-actions",
}
CV_SDK_V1 = {
    "infrastructure_version": "bicep",
    "project_type": "cv",
    "mlops_version": "python-sdk-v1",
    "orchestration": "azure-devops",
}
NLP_SDK_V2 = {
    "infrastructure_version": "terraform",
    "project_type": "nlp",
    "mlops_version": "python-sdk-v2",
    "orchestration": "github-actions",
}
ONE_PER_TYPE_AND_FLAVOUR = [CLASSICAL_CLI, CV_SDK_V1, NLP_SDK_V2]
SAMPLE_SIZE = 2000


def project_module(project: Path, relative: str, extra_paths: tuple[str, ...] = ()) -> ModuleType:
    """A module of a generated project, imported from its file under a name of its own."""
    path = project / relative
    for folder in (path.parent, *(project / extra for extra in extra_paths)):
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))
    for stale in ("settings", "drift", "make_sample_data", "schedule", "workspace"):  # another project's copy
        sys.modules.pop(stale, None)
    name = f"project_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while they are defined
    spec.loader.exec_module(module)
    return module


def monitoring_config(project: Path) -> dict:
    return yaml.safe_load((project / "mlops" / "monitoring.yml").read_text())


# ── the project's drift code on synthetic data ─────────────────────────────────────────────────────
@pytest.mark.parametrize("combination", [in_group(CLASSICAL_CLI)])
def test_classical_data_drift_flags_the_shifted_features_only(rendered_project, combination):
    """The trips of the project's make_sample_data, then the same trips 50 % longer and slower (traffic moved
    to the airport run): at the data drift threshold of mlops/monitoring.yml, drift.py's Jensen-Shannon
    distance flags distance and duration, and nothing of a fresh unshifted sample."""
    project = rendered_project(combination)
    drift = project_module(project, "data-science/src/drift.py")
    trips = project_module(project, "data-science/src/make_sample_data.py")
    threshold = monitoring_config(project)["monitor"]["thresholds"]["data_drift"]["numerical"][
        "jensen_shannon_distance"
    ]
    numeric = list(trips.COLUMNS[:5])
    reference = [trips.make_trip(random.Random(1)) for _ in range(1)]  # warm-up: the generator's signature
    generators = {name: random.Random(seed) for name, seed in (("reference", 1), ("fresh", 2), ("shifted", 3))}
    samples = {name: [trips.make_trip(rng) for _ in range(SAMPLE_SIZE)] for name, rng in generators.items()}
    samples["shifted"] = [(row[0] * 1.5, row[1] * 1.5, *row[2:]) for row in samples["shifted"]]
    reference = samples["reference"]

    def drifted(sample: list[tuple]) -> set[str]:
        return {
            column
            for index, column in enumerate(numeric)
            if drift.jensen_shannon_distance([r[index] for r in reference], [r[index] for r in sample]) > threshold
        }

    assert drifted(samples["fresh"]) == set()
    assert drifted(samples["shifted"]) == {"distance_km", "duration_min"}


@pytest.mark.parametrize("combination", [in_group(CV_SDK_V1), in_group(NLP_SDK_V2)])
def test_the_confidence_drift_signal_fires_on_shifted_scores_only(rendered_project, combination):
    """The custom signal of cv and nlp: scores of a sure model, a fresh sample of the same, and the scores of a
    model that has become unsure, through drift.py's signal rows at the thresholds of mlops/monitoring.yml."""
    project = rendered_project(combination)
    drift = project_module(project, "data-science/src/drift.py")
    entries = monitoring_config(project)["monitor"]["thresholds"]["confidence_drift"]
    thresholds = {entry["metric_name"]: entry["threshold"] for entry in entries}
    assert set(thresholds) == set(drift.METRICS)
    rng = random.Random(5)
    reference, fresh = ([rng.betavariate(8, 2) for _ in range(SAMPLE_SIZE)] for _ in range(2))
    unsure = [rng.betavariate(4, 3) for _ in range(SAMPLE_SIZE)]

    assert drift.breaches(drift.signal_metrics(reference, fresh, thresholds, "score")) == []
    rows = drift.signal_metrics(reference, unsure, thresholds, "score")
    assert drift.breaches(rows) == [f"score {name}" for name in thresholds]
    assert [list(row) for row in rows] == [list(drift.SIGNAL_COLUMNS)] * len(rows)


# ── the monitor of every flavour ───────────────────────────────────────────────────────────────────
@pytest.mark.parametrize("combination", [in_group(c) for c in ONE_PER_TYPE_AND_FLAVOUR])
def test_every_flavour_s_monitor_builds_and_loads_with_azure_ai_ml(rendered_project, combination):
    project = rendered_project(combination)
    findings = validate_monitoring(project) + [
        finding for finding in validate_azureml(project) if finding.path.startswith("mlops/azureml/monitor/")
    ]
    assert not findings, "\n" + report(findings)
    folder = project / "mlops" / "azureml" / "monitor"
    # SDK v2 builds a MonitorSchedule in Python; the CLI family and SDK v1 (which has no model monitoring of its
    # own, so schedule.py loads the YAML with azure-ai-ml) define the monitor in CLI v2 schedule YAML.
    assert (folder / "monitor.yml").is_file() is (combination["mlops_version"] != "python-sdk-v2")
    assert (folder / "schedule.py").is_file() is (combination["mlops_version"] != "aml-cli-v2")
    assert ((folder / "confidence-drift-signal.yml").is_file()) is (
        combination["project_type"] != "classical" and combination["mlops_version"] != "python-sdk-v2"
    )


def copy_of(rendered_project, combination: dict[str, str], tmp_path: Path) -> Path:
    return shutil.copytree(rendered_project(combination), tmp_path / combination_id(combination))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("combination", "old", "new", "expected"),
    [
        pytest.param(
            CLASSICAL_CLI,
            "    frequency: day\n",
            "    frequency: daily\n",
            "monitor.schedule.frequency is 'daily'; use one of minute, hour, day, week, month",
            id="frequency",
        ),
        pytest.param(
            CLASSICAL_CLI,
            "    data_drift:\n      numerical:",
            "    data_drfit:\n      numerical:",
            "monitor.thresholds names data_drfit, which the monitor definition does not have",
            id="unknown-signal",
        ),
        pytest.param(
            CLASSICAL_CLI,
            "        null_value_rate: 0.05\n        data_type_error_rate",
            "        null_rate: 0.05\n        data_type_error_rate",
            "null_rate: Unknown field",
            id="unknown-metric",
        ),
        pytest.param(
            NLP_SDK_V2,
            "      - metric_name: population_stability_index",
            "      - metric_name: wasserstein_distance",
            "custom signal confidence_drift: data-science/src/drift.py computes no metric wasserstein_distance",
            id="custom-metric-drift-py-lacks",
        ),
    ],
)
def test_a_wrong_monitoring_setting_is_reported_naming_it(rendered_project, tmp_path, combination, old, new, expected):
    project = copy_of(rendered_project, combination, tmp_path)
    edit(project / "mlops" / "monitoring.yml", old, new)
    messages = [finding.message for finding in validate_monitoring(project)]
    assert any(expected in message for message in messages), messages


@pytest.mark.xdist_group(combination_id(CV_SDK_V1))
def test_the_monitor_follows_the_deployment_that_serves_the_endpoint(rendered_project):
    project = rendered_project(CV_SDK_V1)
    settings = project_module(project, "mlops/monitoring/settings.py")
    monitor, _ = settings.load(project / "mlops" / "monitoring.yml")
    schedule = yaml.safe_load((project / "mlops/azureml/monitor/monitor.yml").read_text())
    target = settings.Target("cv-prod-online", "green", None, "v0123456789ab")
    rendered = settings.render(schedule, monitor, target)["create_monitor"]
    assert rendered["monitoring_target"]["endpoint_deployment_id"] == "azureml:cv-prod-online:green"
    signal = rendered["monitoring_signals"]["confidence_drift"]
    assert signal["component_id"] == "azureml:image_classifier_confidence_drift:v0123456789ab"
    paths = {spec["input_data"]["path"] for spec in signal["input_data"].values()}
    assert paths == {"azureml:image-classifier-outputs:1"}, "the asset both deployments of a rollout write"
    assert "alert_notification" not in rendered, "no e-mail answer: no e-mail receivers"
    assert rendered["compute"] == {"instance_type": "standard_e4s_v3", "runtime_version": "3.4"}

    # The component's version follows its code: a changed drift.py is a new version, an unchanged one is not.
    spec = project / "mlops/azureml/monitor/confidence-drift-signal.yml"
    before = settings.component_version(spec)
    assert settings.component_version(spec) == before
    drift = project / "data-science/src/drift.py"
    original = drift.read_text()
    try:
        drift.write_text(original + "\n# changed\n")
        assert settings.component_version(spec) != before
    finally:
        drift.write_text(original)

    create = project_module(project, "mlops/azureml/monitor/create_monitor.py", ("mlops/azureml",))
    assert create.live_deployment({"blue": 90, "green": 10}) == "blue"
    assert create.live_deployment({"blue": 0}) is None
    assert create.live_deployment(None) is None


# ── the daily retraining check ─────────────────────────────────────────────────────────────────────
MONDAY = datetime.datetime(2026, 11, 2, 5, 30, tzinfo=datetime.UTC)
TUESDAY = MONDAY + datetime.timedelta(days=1)


def monitor_run(name: str, hours_ago: float, monitor: str, breached: bool, now: datetime.datetime) -> dict:
    created = (now - datetime.timedelta(hours=hours_ago)).isoformat()
    tags = {"azureml_modelmonitor_threshold_breached": f"{monitor}_data_drift has failed due to one or more "
            "features violating metric thresholds"} if breached else {}  # fmt: skip
    return {"name": name, "display_name": monitor, "tags": tags, "creation_context": {"created_at": created}}


@pytest.mark.xdist_group(combination_id(CLASSICAL_CLI))
@pytest.mark.parametrize(
    ("schedule", "on_alert", "now", "runs", "retrain", "words"),
    [
        ("weekly", True, MONDAY, [], True, "weekly retraining"),
        ("weekly", True, TUESDAY, [], False, "no breach"),
        ("weekly", True, TUESDAY, [("run-1", 3, "MONITOR", True)], True, "run-1"),
        ("weekly", True, TUESDAY, [("run-1", 30, "MONITOR", True)], False, "no breach"),  # seen the day before
        ("weekly", True, TUESDAY, [("run-1", 3, "MONITOR", False)], False, "no breach"),
        ("weekly", True, TUESDAY, [("run-1", 3, "another-monitor", True)], False, "no breach"),
        ("daily", True, TUESDAY, [], True, "daily retraining"),
        ("monthly", True, MONDAY, [], False, "no breach"),
        ("off", False, TUESDAY, [("run-1", 3, "MONITOR", True)], False, "retraining on alerts is off"),
    ],
)
def test_the_retraining_check_decides_by_cadence_and_by_breaches(
    rendered_project, schedule, on_alert, now, runs, retrain, words
):
    project = rendered_project(CLASSICAL_CLI)
    retraining = project_module(project, "mlops/monitoring/retraining.py")
    monitor, _ = retraining.settings.load()
    jobs = [
        monitor_run(name, hours, who.replace("MONITOR", monitor.name), breached, now)
        for name, hours, who, breached in runs
    ]
    decision = retraining.decide(retraining.settings.RetrainingSettings(schedule, on_alert), monitor, now, lambda: jobs)
    assert decision.retrain is retrain and words in decision.reason, decision


@pytest.mark.xdist_group(combination_id(CLASSICAL_CLI))
def test_the_retraining_check_reads_the_prod_monitor_and_hands_its_answer_to_ci(
    rendered_project, tmp_path, monkeypatch
):
    project = copy_of(rendered_project, CLASSICAL_CLI, tmp_path)
    retraining = project_module(project, "mlops/monitoring/retraining.py")
    # Unquoted, as a person may write it: YAML reads off as false, which still means off.
    edit(project / "mlops/monitoring.yml", 'schedule: "weekly"', "schedule: off")
    monitor, _ = retraining.settings.load()
    now = datetime.datetime.now(datetime.UTC)
    calls = []

    def az(arguments):
        calls.append(list(arguments))
        return json.dumps([monitor_run("run-7", 2, monitor.name, True, now)])

    output = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    monkeypatch.delenv("TF_BUILD", raising=False)
    assert retraining.main(["--environment", "prod"], runner=az) == 0
    assert calls == [
        [
            "ml", "job", "list", "--resource-group", "rg-mymlopspro-0001prod", "--workspace-name",
            "mlw-mymlopspro-0001prod", "--max-results", "200", "--output", "json", "--only-show-errors",
        ]
    ]  # fmt: skip
    written = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert written["retrain"] == "true" and "run-7" in written["reason"]

    edit(project / "mlops/monitoring.yml", "schedule: off", "schedule: fortnightly")
    assert retraining.main(["--environment", "prod"], runner=az) == 1


# ── CI wiring and the alert e-mail answer ─────────────────────────────────────────────────────────
@pytest.mark.xdist_group(combination_id(NLP_SDK_V2))
def test_github_retrains_through_the_training_workflow_and_monitors_after_deployments(rendered_project):
    workflows = rendered_project(NLP_SDK_V2) / ".github" / "workflows"
    loaded = {path.name: yaml.safe_load(path.read_text()) for path in workflows.glob("*.yml")}
    triggers = {name: workflow.get("on", workflow.get(True)) for name, workflow in loaded.items()}
    retrain = loaded["retrain-model.yml"]["jobs"]["retrain"]
    assert retrain["uses"] == "./.github/workflows/deploy-model-training-pipeline.yml"
    assert "workflow_call" in triggers["deploy-model-training-pipeline.yml"]
    assert retrain["if"] == "needs.check.outputs.retrain == 'true'"
    assert "environment" not in loaded["retrain-model.yml"]["jobs"]["check"], "the check signs in read-only"
    names = {workflow["name"] for workflow in loaded.values()}
    assert set(triggers["deploy-model-monitor.yml"]["workflow_run"]["workflows"]) <= names
    monitor_jobs = loaded["deploy-model-monitor.yml"]["jobs"]
    assert [monitor_jobs[job]["environment"] for job in ("monitor-dev", "monitor-prod")] == ["dev", "prod"]


@pytest.mark.xdist_group(combination_id(CV_SDK_V1))
def test_azure_devops_retrains_through_a_completion_trigger_and_monitors_after_deployments(rendered_project):
    pipelines = rendered_project(CV_SDK_V1) / "mlops" / "devops-pipelines"
    training = yaml.safe_load((pipelines / "deploy-model-training-pipeline.yml").read_text())
    retrain = yaml.safe_load((pipelines / "retrain-model.yml").read_text())
    resource = {item["source"]: item for item in training["resources"]["pipelines"]}["retrain-model"]
    assert resource["trigger"]["stages"] == ["Retrain"]
    stages = {stage["stage"]: stage for stage in retrain["stages"]}
    assert "Check.check.retrain" in stages["Retrain"]["condition"]
    assert retrain["schedules"][0]["always"] is True
    monitor = yaml.safe_load((pipelines / "deploy-model-monitor.yml").read_text())
    sources = {item["source"] for item in monitor["resources"]["pipelines"]}
    assert {f"{source}.yml" for source in sources} <= {path.name for path in pipelines.glob("*.yml")}


def test_the_alert_email_answer_reaches_the_monitors_and_the_action_groups(copier, tmp_path):
    project = copier.copy(tmp_path / "project", alert_email="ml-team@contoso.com", retraining_schedule="monthly").path
    config = monitoring_config(project)
    assert config["monitor"]["alert_emails"] == ["ml-team@contoso.com"]
    assert config["retraining"]["schedule"] == "monthly"
    for environment in ("dev", "prod"):
        assert (
            'alert_email = "ml-team@contoso.com"'
            in (project / f"infrastructure/environments/{environment}.tfvars").read_text()
        )
    assert "e-mails ml-team@contoso.com" in (project / "README.md").read_text()
