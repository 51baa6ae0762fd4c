"""The daily retraining check of CI: is a retraining due, by the cadence of mlops/monitoring.yml or because the
prod monitor breached a threshold since the previous check?

    python mlops/monitoring/retraining.py --environment prod          # signed in with `az login`
    python mlops/monitoring/retraining.py --environment prod --force  # retrain whatever the check says

It only reads: `az ml job list` in the workspace of config-infra-<environment>.yml, so the read-only CI
identity runs it. A monitor run that finds a signal above its threshold fails and carries the run tag
azureml_modelmonitor_threshold_breached (Azure ML's "Integrate model monitoring with Event Grid"); the check
looks for such runs of this project's monitor created in the last LOOKBACK_HOURS. The CI step after it starts
the training workflow (or pipeline) when the answer is yes: the same evaluation gate, promotion and rollout as
any training run.

The answer goes to the next CI steps as `retrain` (true/false) and `reason`: a step output on GitHub Actions,
an output variable on Azure DevOps; and to the job summary.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import settings  # noqa: E402  (mlops/monitoring/settings.py: the settings of mlops/monitoring.yml)

PROJECT_ROOT = settings.PROJECT_ROOT
BREACH_TAG = "azureml_modelmonitor_threshold_breached"
# The check runs once a day; a little more than a day catches a run that finished while the last check ran.
LOOKBACK_HOURS = 26
MAX_JOBS = 200

Runner = Callable[[Sequence[str]], str]


@dataclass(frozen=True)
class Decision:
    retrain: bool
    reason: str


def due_by_schedule(schedule: str, today: datetime.date) -> bool:
    """Whether the cadence of `retraining.schedule` retrains on ``today`` (UTC)."""
    return {
        "daily": True,
        "weekly": today.weekday() == 0,
        "monthly": today.day == 1,
        "off": False,
    }[schedule]


def _created_at(job: Mapping[str, Any]) -> datetime.datetime | None:
    text = str((job.get("creation_context") or {}).get("created_at") or "")
    try:
        created = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return created if created.tzinfo else created.replace(tzinfo=datetime.UTC)


def breaches(jobs: Iterable[Mapping[str, Any]], monitor: str, since: datetime.datetime) -> list[str]:
    """What the runs of ``monitor`` created since ``since`` say about breached thresholds (newest first)."""
    found = []
    for job in jobs:
        tags = job.get("tags") or {}
        created = _created_at(job)
        if BREACH_TAG not in tags or created is None or created < since:
            continue
        if monitor not in json.dumps(job):  # another monitor of the workspace
            continue
        found.append((created, f"{job.get('name', '?')}: {tags[BREACH_TAG]}"))
    return [text for _, text in sorted(found, reverse=True)]


def az(arguments: Sequence[str]) -> str:
    """Run the Azure CLI and return its standard output; a failure stops the check with its message."""
    executable = shutil.which("az") or shutil.which("az.cmd") or "az"
    completed = subprocess.run([executable, *arguments], capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"error: az {' '.join(arguments[:3])} failed: {completed.stderr.strip()}")
    return completed.stdout


def decide(
    retraining: settings.RetrainingSettings,
    monitor: settings.MonitorSettings,
    now: datetime.datetime,
    list_jobs: Callable[[], list[dict[str, Any]]],
    force: bool = False,
) -> Decision:
    """Retrain or not, and why."""
    if force:
        return Decision(True, "retraining was asked for by hand")
    if due_by_schedule(retraining.schedule, now.date()):
        return Decision(True, f"the {retraining.schedule} retraining of mlops/monitoring.yml is due")
    if not retraining.on_alert:
        return Decision(False, f"no retraining due ({retraining.schedule}) and retraining on alerts is off")
    found = breaches(list_jobs(), monitor.name, now - datetime.timedelta(hours=LOOKBACK_HOURS))
    if found:
        return Decision(True, f"the monitor {monitor.name} breached a threshold: {found[0]}")
    return Decision(
        False, f"no retraining due ({retraining.schedule}) and no breach of {monitor.name} since the last check"
    )


def publish(decision: Decision) -> None:
    """Hand the decision to the next CI steps and write it to the job summary."""
    value = "true" if decision.retrain else "false"
    reason = decision.reason.replace("\n", " ")
    if os.environ.get("GITHUB_OUTPUT"):
        with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as output:
            output.write(f"retrain={value}\nreason={reason}\n")
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as summary:
            summary.write(f"Retraining: {'yes' if decision.retrain else 'no'}, {reason}\n")
    if os.environ.get("TF_BUILD"):
        print(f"##vso[task.setvariable variable=retrain;isoutput=true]{value}")
        print(f"##vso[task.setvariable variable=reason;isoutput=true]{reason}")
    print(f"Retraining: {'yes' if decision.retrain else 'no'}, {reason}")


def main(argv: Sequence[str] | None = None, runner: Runner = az) -> int:
    """Decide whether to retrain, for the CI step that runs this script."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--environment", choices=("dev", "prod"), default="prod", help="whose monitor to read")
    parser.add_argument("--force", action="store_true", help="retrain whatever the check says")
    parser.add_argument("--today", type=datetime.date.fromisoformat, help="the date to check (default: today, UTC)")
    args = parser.parse_args(argv)
    try:
        monitor, retraining = settings.load()
    except settings.SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    now = datetime.datetime.now(datetime.UTC)
    if args.today:
        now = datetime.datetime.combine(args.today, now.timetz())
    config = yaml_config(args.environment)

    def list_jobs() -> list[dict[str, Any]]:
        listed = runner(
            [
                "ml",
                "job",
                "list",
                "--resource-group",
                config["resource_group"],
                "--workspace-name",
                config["aml_workspace"],
                "--max-results",
                str(MAX_JOBS),
                "--output",
                "json",
                "--only-show-errors",
            ]
        )
        jobs = json.loads(listed or "[]")
        return jobs if isinstance(jobs, list) else []

    publish(decide(retraining, monitor, now, list_jobs, args.force))
    return 0


def yaml_config(environment: str) -> dict[str, str]:
    """The Azure names of config-infra-<environment>.yml that the check needs."""
    import yaml

    path = PROJECT_ROOT / f"config-infra-{environment}.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    missing = [key for key in ("resource_group", "aml_workspace") if not (data or {}).get(key)]
    if missing:
        raise SystemExit(f"error: config-infra-{environment}.yml has no {', '.join(missing)}")
    return data


if __name__ == "__main__":
    raise SystemExit(main())
