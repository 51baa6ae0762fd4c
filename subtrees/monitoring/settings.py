"""The settings of mlops/monitoring.yml, checked, and what they change in a model monitor definition.

mlops/monitoring.yml is the one place for the monitor's schedule, compute, e-mails and thresholds and for
the retraining cadence. The monitor definitions (the CLI v2 schedule YAML in mlops/azureml/monitor/, or
the MonitorSchedule that mlops/azureml/monitor/schedule.py builds) hold the structure: which signals, on
which data. ``render`` applies the settings, and what only the deployment knows (the endpoint and the
deployment that serves it, the versions of the reference data and of the custom signal component), to a
schedule in the YAML form; the CLI flavour runs it from mlops/scripts/create-monitor.sh:

    python mlops/monitoring/settings.py render --schedule mlops/azureml/monitor/monitor.yml \\
        --endpoint <online_endpoint> --deployment <deployment> --output monitor-rendered.yml
    python mlops/monitoring/settings.py component-version mlops/azureml/monitor/confidence-drift-signal.yml

A setting that is missing or wrong stops with one line naming the key and what is allowed.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONFIG = PROJECT_ROOT / "mlops" / "monitoring.yml"
FREQUENCIES = ("minute", "hour", "day", "week", "month")
RETRAINING_SCHEDULES = ("weekly", "daily", "monthly", "off")
SPARK_RUNTIMES = ("3.4", "3.5")
# What the online deployments' data collector collects (the collections of its data_collector), each into the
# data asset that monitor.collected_data names: both deployments of a rollout write to the same two.
COLLECTIONS = ("model_inputs", "model_outputs")
ASSET = re.compile(r"azureml:(?P<name>[^:@/]+)[:@](?P<version>[^:@/]+)")
ASSET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,254}")


class SettingsError(ValueError):
    """A setting of mlops/monitoring.yml that is missing or not allowed."""


@dataclass(frozen=True)
class MonitorSettings:
    """The `monitor` section: when and on what the monitor runs, who it e-mails, its thresholds."""

    name: str
    frequency: str
    interval: int
    hour: int
    minute: int
    instance_type: str
    runtime_version: str
    alert_emails: tuple[str, ...]
    collected: dict[str, str] = field(default_factory=dict)
    thresholds: dict[str, Any] = field(default_factory=dict)

    def collected_data(self, collection: str) -> str:
        """The data asset of what the deployments' data collector collected in ``collection`` (``azureml:<name>:1``)."""
        return f"azureml:{self.collected[collection]}:1"

    def trigger(self) -> dict[str, Any]:
        """The schedule's recurrence trigger (UTC), in the CLI v2 YAML form."""
        trigger: dict[str, Any] = {"type": "recurrence", "frequency": self.frequency, "interval": self.interval}
        if self.frequency in ("day", "week", "month"):
            pattern: dict[str, Any] = {"hours": [self.hour], "minutes": [self.minute]}
            if self.frequency == "week":
                pattern["week_days"] = ["monday"]
            if self.frequency == "month":
                pattern["month_days"] = [1]
            trigger["schedule"] = pattern
        return trigger


@dataclass(frozen=True)
class RetrainingSettings:
    """The `retraining` section: the cadence of scheduled retraining, and whether an alert retrains."""

    schedule: str
    on_alert: bool


@dataclass(frozen=True)
class Target:
    """What only the deployment knows: the endpoint, the deployment that serves it, asset versions."""

    endpoint: str
    deployment: str
    reference_version: str | None = None
    component_version: str | None = None


def schedule_builder(build: Callable[[MonitorSettings, Target], Any]) -> Callable[..., Any]:
    """The build_schedule() of mlops/azureml/monitor/schedule.py, which create_monitor.py calls: ``build(monitor,
    target)`` with the settings of mlops/monitoring.yml (read from the file when not given) and the deployment's
    target."""

    def build_schedule(
        monitor_settings: MonitorSettings | None = None,
        *,
        endpoint: str = "endpoint",
        deployment: str = "blue",
        reference_version: str | None = None,
        component_version: str | None = None,
    ) -> Any:
        """The monitor of the deployment as an azure-ai-ml MonitorSchedule, built offline."""
        target = Target(endpoint, deployment, reference_version, component_version)
        return build(monitor_settings or load()[0], target)

    return build_schedule


def _section(data: Any, key: str) -> dict[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, dict):
        raise SettingsError(f"mlops/monitoring.yml has no section {key}: restore it (README.md, The outer loop)")
    return value


def _integer(section: Mapping[str, Any], key: str, where: str, low: int, high: int) -> int:
    value = section.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SettingsError(
            f"mlops/monitoring.yml: {where}.{key} is {value!r}; use a whole number from {low} to {high}"
        )
    return value


def _choice(value: Any, where: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise SettingsError(f"mlops/monitoring.yml: {where} is {value!r}; use one of {', '.join(allowed)}")
    return str(value)


def parse(data: Any) -> tuple[MonitorSettings, RetrainingSettings]:
    """The settings of the parsed mlops/monitoring.yml ``data``; SettingsError names the first bad key."""
    monitor, retraining = _section(data, "monitor"), _section(data, "retraining")
    schedule, compute = _section(monitor, "schedule"), _section(monitor, "compute")
    name = monitor.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,254}", name):
        raise SettingsError(f"mlops/monitoring.yml: monitor.name is {name!r}; use letters, digits, - and _")
    emails = monitor.get("alert_emails") or []
    if not isinstance(emails, list) or not all(isinstance(email, str) and "@" in email for email in emails):
        raise SettingsError(
            "mlops/monitoring.yml: monitor.alert_emails must be a list of e-mail addresses ([] for none)"
        )
    collected = monitor.get("collected_data")
    if (
        not isinstance(collected, dict)
        or sorted(collected) != sorted(COLLECTIONS)
        or not all(isinstance(name, str) and ASSET_NAME.fullmatch(name) for name in collected.values())
    ):
        raise SettingsError(
            "mlops/monitoring.yml: monitor.collected_data must name the data asset of "
            f"{' and '.join(COLLECTIONS)} (the names in the online deployment's data_collector)"
        )
    thresholds = monitor.get("thresholds") or {}
    if not isinstance(thresholds, dict):
        raise SettingsError("mlops/monitoring.yml: monitor.thresholds must map signal names to their thresholds")
    on_alert = retraining.get("on_alert", True)
    if not isinstance(on_alert, bool):
        raise SettingsError(f"mlops/monitoring.yml: retraining.on_alert is {on_alert!r}; use true or false")
    schedule_value = retraining.get("schedule")
    if schedule_value is False:  # YAML 1.1 reads an unquoted off as false
        schedule_value = "off"
    return (
        MonitorSettings(
            name=name,
            frequency=_choice(schedule.get("frequency"), "monitor.schedule.frequency", FREQUENCIES),
            interval=_integer(schedule, "interval", "monitor.schedule", 1, 1000),
            hour=_integer(schedule, "hour", "monitor.schedule", 0, 23),
            minute=_integer(schedule, "minute", "monitor.schedule", 0, 59),
            instance_type=str(compute.get("instance_type") or "standard_e4s_v3"),
            runtime_version=_choice(
                str(compute.get("runtime_version")), "monitor.compute.runtime_version", SPARK_RUNTIMES
            ),
            alert_emails=tuple(emails),
            collected=dict(collected),
            thresholds=thresholds,
        ),
        RetrainingSettings(
            schedule=_choice(schedule_value, "retraining.schedule", RETRAINING_SCHEDULES), on_alert=on_alert
        ),
    )


def load(path: Path = CONFIG) -> tuple[MonitorSettings, RetrainingSettings]:
    """The settings of mlops/monitoring.yml (or ``path``)."""
    import yaml

    if not path.is_file():
        raise SettingsError(f"{path.name} is missing: it holds the thresholds and schedules of the monitors")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise SettingsError(f"{path.name} is not valid YAML: {str(error).splitlines()[0]}") from None
    return parse(data)


def _with_version(reference: str, version: str | None) -> str:
    match = ASSET.fullmatch(reference)
    return f"azureml:{match['name']}:{version}" if match and version else reference


def _data_specs(signal: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every data specification of a signal: production_data, reference_data, the input_data of a custom one."""
    specs = [signal.get(key) for key in ("production_data", "reference_data")]
    specs += list((signal.get("input_data") or {}).values())
    return [spec for spec in specs if isinstance(spec, dict) and isinstance(spec.get("input_data"), dict)]


def render(schedule: Mapping[str, Any], settings: MonitorSettings, target: Target) -> dict[str, Any]:
    """A copy of the CLI v2 monitor schedule ``schedule`` with the settings and the target applied."""
    rendered = copy.deepcopy(dict(schedule))
    rendered["name"] = settings.name
    rendered["trigger"] = settings.trigger()
    monitor = rendered.setdefault("create_monitor", {})
    monitor["compute"] = {"instance_type": settings.instance_type, "runtime_version": settings.runtime_version}
    monitor.setdefault("monitoring_target", {})["endpoint_deployment_id"] = (
        f"azureml:{target.endpoint}:{target.deployment}"
    )
    if settings.alert_emails:
        monitor["alert_notification"] = {"emails": list(settings.alert_emails)}
    else:
        monitor.pop("alert_notification", None)
    signals = monitor.get("monitoring_signals") or {}
    unknown = sorted(set(settings.thresholds) - set(signals))
    if unknown:
        raise SettingsError(
            f"mlops/monitoring.yml: monitor.thresholds names {', '.join(unknown)}, which the monitor definition "
            f"does not have (its signals: {', '.join(signals) or 'none'})"
        )
    for name, signal in signals.items():
        if name in settings.thresholds:
            signal["metric_thresholds"] = copy.deepcopy(settings.thresholds[name])
        for spec in _data_specs(signal):
            data = spec["input_data"]
            if spec.get("data_context") in COLLECTIONS:
                data["path"] = settings.collected_data(spec["data_context"])
            elif isinstance(data.get("path"), str):
                data["path"] = _with_version(data["path"], target.reference_version)
        if signal.get("type") == "custom" and isinstance(signal.get("component_id"), str):
            signal["component_id"] = _with_version(signal["component_id"], target.component_version)
    return rendered


def files_version(*files: Path) -> str:
    """A version derived from the content of ``files``: a changed component gets a new version, an unchanged
    one keeps its version and is not registered again."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    return "v" + digest.hexdigest()[:12]


def signal_files(spec: Path) -> tuple[Path, ...]:
    """A component specification and the entry script it runs (`code` / `entry.file`)."""
    import yaml

    component = yaml.safe_load(spec.read_text(encoding="utf-8"))
    entry = spec.parent / str(component.get("code", ".")) / str((component.get("entry") or {}).get("file", ""))
    return (spec, entry) if entry.is_file() else (spec,)


def component_version(spec: Path) -> str:
    """The version of the component that ``spec`` specifies: derived from it and its entry script."""
    return files_version(*signal_files(spec))


def main(argv: Sequence[str] | None = None) -> int:
    """`render` a monitor schedule for a deployment, or print a signal component's `component-version`."""
    import yaml

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    rendering = commands.add_parser("render", help="apply mlops/monitoring.yml and a deployment to a schedule")
    rendering.add_argument("--schedule", type=Path, required=True, help="the CLI v2 monitor schedule YAML")
    rendering.add_argument("--endpoint", required=True, help="the online endpoint")
    rendering.add_argument("--deployment", required=True, help="the deployment that serves it")
    rendering.add_argument("--reference-version", help="version of the reference data asset")
    rendering.add_argument("--component-version", help="version of the custom signal component")
    rendering.add_argument("--config", type=Path, default=CONFIG, help="default: mlops/monitoring.yml")
    rendering.add_argument("--output", type=Path, required=True, help="where to write the rendered schedule")
    versions = commands.add_parser("component-version", help="the version of a custom signal component")
    versions.add_argument("spec", type=Path, help="the component's YAML specification")
    args = parser.parse_args(argv)
    try:
        if args.command == "component-version":
            print(component_version(args.spec))
            return 0
        monitor, _ = load(args.config)
        target = Target(args.endpoint, args.deployment, args.reference_version, args.component_version)
        schedule = yaml.safe_load(args.schedule.read_text(encoding="utf-8"))
        args.output.write_text(yaml.safe_dump(render(schedule, monitor, target), sort_keys=False), encoding="utf-8")
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
