"""Model monitoring of a generated project, built the way its CI builds it, offline, and loaded with azure-ai-ml.

- ``mlops/monitoring.yml`` is read by the project's own ``mlops/monitoring/settings.py`` (a refused setting is a
  finding, with the project's own sentence);
- CLI v2 YAML (cli family and python-sdk-v1): ``mlops/azureml/monitor/monitor.yml`` rendered by that module with
  the settings and a sample deployment (what ``create-monitor.sh`` hands to ``az ml schedule create``), loaded
  with ``load_schedule`` and turned into its REST form (azure-ai-ml 1.35 has no ``_validate()`` for monitors);
- SDK v2: ``build_schedule()`` of ``mlops/azureml/monitor/schedule.py`` must return a MonitorSchedule, which is
  turned into its REST form, dumped to YAML and loaded back; its ``signal_component()`` is validated;
- every threshold of ``mlops/monitoring.yml`` must arrive in the monitor's signals, and every custom signal's
  metrics must be ones ``data-science/src/drift.py`` computes;
- the data assets the monitor reads (``collected_data``) are the ones the online deployment's data collector
  writes (CLI: ``online-deployment.yml``; SDK: ``endpoints.data_collector`` for the model of ``deploy.py``).

The raw YAML files are the azureml validator's (``validation/azureml.py``).
"""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from . import Finding
from .azureml import azure_ai_ml, error_gist, sdk_cause
from .sdk import _imported

VALIDATOR = "monitoring"
CONFIG = Path("mlops/monitoring.yml")
SETTINGS = Path("mlops/monitoring/settings.py")
CLI_SCHEDULE = Path("mlops/azureml/monitor/monitor.yml")
CLI_DEPLOYMENT = Path("mlops/azureml/deploy/online/online-deployment.yml")
SDK_DEPLOY = Path("mlops/azureml/deploy/online/deploy.py")
SDK_SCHEDULE = Path("mlops/azureml/monitor/schedule.py")
DRIFT = Path("data-science/src/drift.py")
SAMPLE = {"endpoint": "endpoint-dev", "deployment": "green", "reference_version": "7", "component_version": "v1"}


def validate_monitoring(project: Path) -> list[Finding]:
    """Findings about the project's monitor (none: it builds, loads and carries every configured threshold)."""
    findings: list[Finding] = []

    def finding(path: Path, message: str) -> None:
        findings.append(Finding(path.as_posix(), None, VALIDATOR, message))

    for required in (CONFIG, SETTINGS):
        if not (project / required).is_file():
            finding(required, "missing: every project has the monitoring settings and their reader")
    if findings:
        return findings
    # azure-ai-ml first: _imported() forgets the modules imported inside it that live outside the interpreter's
    # prefix, which includes the `azure` namespace package when it is first imported there.
    azure_ai_ml()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with _imported(project / SETTINGS) as settings:
            try:
                monitor, _ = settings.load(project / CONFIG)
            except settings.SettingsError as error:
                finding(CONFIG, str(error))
                return findings
            if (project / CLI_SCHEDULE).is_file():
                findings += _cli_schedule(project, settings, monitor)
        written = _collected_by_deployments(project)
        if written != monitor.collected:
            finding(CONFIG, f"monitor.collected_data names {monitor.collected}, the deployments write {written}")
        if (project / SDK_SCHEDULE).is_file():
            findings += _sdk_schedule(project)
        elif not (project / CLI_SCHEDULE).is_file():
            finding(Path("mlops/azureml/monitor"), f"has neither {CLI_SCHEDULE.name} nor {SDK_SCHEDULE.name}")
    return findings


def _collected_by_deployments(project: Path) -> dict[str, str]:
    """The data asset of each collection that the project's online deployments write."""
    if (project / CLI_DEPLOYMENT).is_file():
        deployment = yaml.safe_load((project / CLI_DEPLOYMENT).read_text(encoding="utf-8"))
        collections = (deployment.get("data_collector") or {}).get("collections") or {}
        return {name: (spec.get("data") or {}).get("name") for name, spec in collections.items()}
    with _imported(project / SDK_DEPLOY) as deploy:
        collector = deploy.endpoints.data_collector(deploy.MODEL.name)
    return {name: collection.data.name for name, collection in collector.collections.items()}


def _cli_schedule(project: Path, settings: Any, monitor: Any) -> list[Finding]:
    load_schedule = azure_ai_ml().entities._load_functions.load_schedule
    raw = yaml.safe_load((project / CLI_SCHEDULE).read_text(encoding="utf-8"))
    try:
        rendered = settings.render(raw, monitor, settings.Target(**SAMPLE))
    except settings.SettingsError as error:
        return [Finding(CONFIG.as_posix(), None, VALIDATOR, str(error))]
    with tempfile.TemporaryDirectory(prefix="monitor-") as folder:
        path = Path(folder) / "monitor.yml"
        path.write_text(yaml.safe_dump(rendered, sort_keys=False), encoding="utf-8")
        try:
            load_schedule(path)._to_rest_object()
        except Exception as error:
            message = f"rendered with {CONFIG}: {error_gist(sdk_cause(error))}"
            return [Finding(CLI_SCHEDULE.as_posix(), None, VALIDATOR, message)]
    return _threshold_findings(project, CLI_SCHEDULE, monitor.thresholds, rendered)


def _sdk_schedule(project: Path) -> list[Finding]:
    ml = azure_ai_ml()
    load_schedule = ml.entities._load_functions.load_schedule

    def finding(message: str) -> list[Finding]:
        return [Finding(SDK_SCHEDULE.as_posix(), None, VALIDATOR, message)]

    try:
        with _imported(project / SDK_SCHEDULE) as module:
            schedule = module.build_schedule(**SAMPLE)
            component = module.signal_component()
            reference = module.reference_data()
            monitor = module.settings.load()[0]
    except Exception as error:
        return finding(f"build_schedule() raised {error_gist(sdk_cause(error))}")
    if not isinstance(schedule, ml.entities.MonitorSchedule):
        return finding(f"build_schedule() returned {type(schedule).__name__}, not a MonitorSchedule")
    findings: list[Finding] = []
    if component is not None:
        result = component._validate()._to_dict()
        findings += [finding(f"signal_component(): {item.get('message')}")[0] for item in result.get("errors", [])]
    if reference is not None and not (project / "data" / "MLTable").is_file():
        findings += finding("reference_data() uploads data/, which has no MLTable file")
    with tempfile.TemporaryDirectory(prefix="monitor-") as folder:
        path = Path(folder) / "monitor.yml"
        try:
            schedule._to_rest_object()
            schedule.dump(path)
            load_schedule(path)._to_rest_object()
        except Exception as error:
            return findings + finding(f"the built monitor does not load back: {error_gist(sdk_cause(error))}")
        dumped = yaml.safe_load(path.read_text(encoding="utf-8"))
    return findings + _threshold_findings(project, SDK_SCHEDULE, monitor.thresholds, dumped)


def _threshold_findings(
    project: Path, where: Path, thresholds: Mapping[str, Any], schedule: Mapping[str, Any]
) -> list[Finding]:
    """Every configured threshold is in the monitor; custom signals use metrics drift.py computes."""
    signals = (schedule.get("create_monitor") or {}).get("monitoring_signals") or {}
    findings = []
    for name, expected in thresholds.items():
        actual = (signals.get(name) or {}).get("metric_thresholds")
        if not _contains(actual, expected):
            findings.append(
                Finding(where.as_posix(), None, VALIDATOR, f"the thresholds of {name} in {CONFIG} do not reach it")
            )
    drift_source = (project / DRIFT).read_text(encoding="utf-8") if (project / DRIFT).is_file() else ""
    for name, signal in signals.items():
        if signal.get("type") != "custom":
            continue
        for item in signal.get("metric_thresholds") or []:
            if f'"{item["metric_name"]}"' not in drift_source:
                message = f"custom signal {name}: {DRIFT} computes no metric {item['metric_name']}"
                findings.append(Finding(where.as_posix(), None, VALIDATOR, message))
    return findings


def _contains(actual: Any, expected: Any) -> bool:
    """Whether ``actual`` holds every value of ``expected`` (numbers compared as floats)."""
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and all(_contains(actual.get(key), value) for key, value in expected.items())
    if isinstance(expected, list):
        return isinstance(actual, list) and len(actual) == len(expected) and all(map(_contains, actual, expected))
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return float(actual) == float(expected)
    return actual == expected
