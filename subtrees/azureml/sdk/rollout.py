"""The staged rollout of a model version to an endpoint, with rollback: what deploy/online/deploy.py and
deploy/batch/deploy.py do once endpoints.py has built the endpoint and the deployment. The settings come from
mlops/rollout.yml (the one place to tune them).

Online (``roll_out_online``): the new version goes to the deployment of ``deployments`` (blue, green) that serves no
traffic, with 0 %; the sample request goes to it directly; optionally a share of the live traffic is mirrored to
it; the traffic moves to it in steps, each followed by a health check (more sample requests, then Azure Monitor's
server errors and latency of the new deployment since it first got traffic); the previous deployment is deleted
last. Any failure sends the traffic back, deletes the new deployment and returns 1 after a summary. An endpoint
without a live deployment gets the new one with all traffic once its smoke test passes: no request could go
elsewhere, so steps would protect nobody.

Batch (``roll_out_batch``): the new version goes to the deployment name that is not the endpoint's default, a test
job scores the sample data with it, then it becomes the default and the previous one is deleted.

Every call on Azure goes through the MLClient handed in, so tests drive the whole flow with a fake one; Azure
Monitor is read with the Azure CLI (`az monitor metrics list`). Nothing here contacts Azure at import time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import workspace

ROLLOUT_FILE = workspace.PROJECT_ROOT / "mlops" / "rollout.yml"


class RolloutError(Exception):
    """A stage of a rollout failed; the message says why."""


# --- the settings of rollout.yml ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OnlineRollout:
    """How the traffic of an online endpoint moves to a new deployment (one environment of rollout.yml)."""

    traffic_steps: tuple[int, ...]
    step_seconds: int
    smoke_requests: int
    mirror_percent: int
    mirror_seconds: int
    max_error_percent: int
    max_latency_ms: int


ONLINE_RANGES = {
    "step_seconds": (0, 86400),
    "smoke_requests": (1, 100),
    "mirror_percent": (0, 50),
    "mirror_seconds": (0, 86400),
    "max_error_percent": (0, 100),
    "max_latency_ms": (1, 600000),
}


def _settings_problem(message: str) -> SystemExit:
    return SystemExit(f"error: mlops/rollout.yml: {message}")


def deployment_names(path: Path = ROLLOUT_FILE) -> tuple[str, str]:
    """The two deployment names a rollout alternates between (blue and green)."""
    names = _read_rollout(path).get("deployments")
    valid = (
        isinstance(names, list)
        and len(names) == 2
        and len(set(names)) == 2
        and all(isinstance(name, str) and 3 <= len(name) <= 32 and name[:1].isalpha() for name in names)
        and all(name == name.lower() and name.replace("-", "").isalnum() for name in names)
    )
    if not valid:
        raise _settings_problem(
            "deployments must be two different names of 3 to 32 lowercase letters, digits or dashes, such as "
            "[blue, green]"
        )
    return names[0], names[1]


def online_rollout(environment: str, path: Path = ROLLOUT_FILE) -> OnlineRollout:
    """The online rollout settings of ``environment``, each checked; SystemExit names a wrong one."""
    where = f"online.{environment}"
    settings = (_read_rollout(path).get("online") or {}).get(environment)
    if not isinstance(settings, dict):
        raise _settings_problem(f"has no {where}")
    steps = settings.get("traffic_steps")
    if not isinstance(steps, list) or not steps:
        raise _settings_problem(f"{where}.traffic_steps must be a list of percentages ending with 100")
    previous = 0
    for step in steps:
        if not isinstance(step, int) or isinstance(step, bool) or not previous < step <= 100:
            raise _settings_problem(f"{where}.traffic_steps must rise from above 0 to 100 (percent), found '{step}'")
        previous = step
    if previous != 100:
        raise _settings_problem(f"{where}.traffic_steps must end with 100")
    numbers = {}
    for key, (lowest, highest) in ONLINE_RANGES.items():
        value = settings.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not lowest <= value <= highest:
            raise _settings_problem(f"{where}.{key} is '{value}', not a whole number from {lowest} to {highest}")
        numbers[key] = value
    return OnlineRollout(traffic_steps=tuple(steps), **numbers)


def _read_rollout(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise SystemExit("error: mlops/rollout.yml is missing")
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def next_deployment(current: str | None, names: tuple[str, str]) -> str:
    """The deployment name that is not ``current`` (the first one when there is none)."""
    return names[1] if current == names[0] else names[0]


def rollout_wait(seconds: int, why: str) -> None:
    """Every wait of a rollout goes through here. A long rollout can outlive the federated sign-in of CI (about an
    hour): renewing it belongs here."""
    if seconds > 0:
        print(f"Waiting {seconds} s: {why}", flush=True)
        time.sleep(seconds)


def _get_or_none(operation: Callable[..., Any], **names: str) -> Any:
    from azure.core.exceptions import ResourceNotFoundError

    try:
        return operation(**names)
    except ResourceNotFoundError:
        return None


def _ensure_endpoint(operations: Any, name: str, build: Callable[[], Any]) -> Any:
    """The endpoint, created first when it does not exist."""
    endpoint = _get_or_none(operations.get, name=name)
    if endpoint is None:
        print(f"Creating endpoint {name}")
        operations.begin_create_or_update(build()).result()
        endpoint = operations.get(name=name)
    else:
        print(f"Endpoint {name} exists")
    return endpoint


def _summary(line: str) -> None:
    """A line of the run's report, also in the GitHub job summary."""
    print(line, flush=True)
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")


def _error(line: str) -> None:
    """An error line, as an annotation on GitHub Actions and Azure DevOps."""
    if os.environ.get("GITHUB_ACTIONS"):
        line = f"::error::{line}"
    elif os.environ.get("TF_BUILD"):
        line = f"##vso[task.logissue type=error]{line}"
    print(line, file=sys.stderr, flush=True)


# --- Azure Monitor --------------------------------------------------------------------------------------------------


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def deployment_health(endpoint_id: str, deployment: str, since: str) -> tuple[int, int, int | None]:
    """Requests, server errors (5xx) and average latency in ms (None without requests) of an online deployment since
    ``since``, from the endpoint's Azure Monitor metrics, read with the Azure CLI (`az monitor metrics list`)."""
    until = utc_now()

    def metric(name: str, aggregation: str, extra_filter: str = "") -> list[dict[str, Any]]:
        completed = subprocess.run(
            [
                "az",
                "monitor",
                "metrics",
                "list",
                "--resource",
                endpoint_id,
                "--metrics",
                name,
                "--aggregation",
                aggregation,
                "--interval",
                "PT1M",
                "--start-time",
                since,
                "--end-time",
                until,
                "--filter",
                f"deployment eq '{deployment}'{extra_filter}",
                "--output",
                "json",
                "--only-show-errors",
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        if completed.returncode != 0:
            raise RolloutError(f"Azure Monitor's metrics of {deployment} could not be read: {completed.stderr.strip()}")
        return [series for value in json.loads(completed.stdout).get("value", []) for series in value["timeseries"]]

    def status_class(series: dict[str, Any]) -> str | None:
        return next(
            (
                item["value"]
                for item in series.get("metadatavalues", [])
                if item["name"]["value"].lower() == "statuscodeclass"
            ),
            None,
        )

    def total(series: dict[str, Any]) -> float:
        return sum(point.get("total") or 0 for point in series.get("data", []))

    counts = metric("RequestsPerMinute", "Total", " and statusCodeClass eq '*'")
    requests = int(sum(total(series) for series in counts))
    errors = int(sum(total(series) for series in counts if status_class(series) == "5xx"))
    averages = [
        point["average"]
        for series in metric("RequestLatency", "Average")
        for point in series.get("data", [])
        if point.get("average") is not None
    ]
    return requests, errors, int(sum(averages) / len(averages)) if averages else None


# --- the online rollout -----------------------------------------------------------------------------------------


@dataclass
class _OnlineRun:
    """One rollout to an online endpoint: where it stands, for the health checks and the rollback."""

    client: Any
    endpoint: str
    environment: str
    model: str
    new: str
    live: str | None
    settings: OnlineRollout
    smoke: Callable[[Any, str], list[str]]
    health: Callable[[str, str, str], tuple[int, int, int | None]]
    phase: str = ""
    serving_since: str = ""
    endpoint_id: str = ""

    def set_traffic(self, traffic: dict[str, int], mirror: dict[str, int] | None = None) -> None:
        """Route the traffic; mirrored traffic to the new deployment stops unless ``mirror`` says otherwise."""
        endpoint = self.client.online_endpoints.get(name=self.endpoint)
        endpoint.traffic = traffic
        endpoint.mirror_traffic = mirror or {self.new: 0}
        self.client.online_endpoints.begin_create_or_update(endpoint).result()

    def deployment_exists(self, name: str) -> bool:
        """Whether the deployment exists; when Azure cannot say, it is taken to exist (a rollback then cleans up)."""
        try:
            found = _get_or_none(self.client.online_deployments.get, name=name, endpoint_name=self.endpoint)
        except Exception:  # the rollback must go on: trying to clean up a deployment that is gone is harmless
            return True
        return found is not None

    def delete(self, name: str) -> None:
        self.client.online_deployments.begin_delete(name=name, endpoint_name=self.endpoint).result()

    def smoke_test(self) -> None:
        count = self.settings.smoke_requests
        for attempt in range(1, count + 1):
            try:
                problems = self.smoke(self.client, self.new)
            except Exception as error:  # any failure of the request is the deployment's
                raise RolloutError(f"sample request {attempt} of {count} to {self.new} failed: {error}") from None
            if problems:
                raise RolloutError(
                    f"{self.new} answered sample request {attempt} of {count} wrongly: {'; '.join(problems)}"
                )
        print(f"Smoke test of {self.endpoint}/{self.new}: {count} of {count} sample requests answered", flush=True)

    def health_check(self, served_seconds: int) -> None:
        self.smoke_test()
        if served_seconds <= 0:
            return
        requests, errors, latency = self.health(self.endpoint_id, self.new, self.serving_since)
        shown = "-" if latency is None else latency
        print(
            f"Azure Monitor since {self.serving_since}: {requests} requests to {self.new}, {errors} server errors, "
            f"average latency {shown} ms",
            flush=True,
        )
        if requests == 0:
            print(f"warning: no request to {self.new} is in Azure Monitor yet: the check relies on the smoke requests")
            return
        if errors * 100 > requests * self.settings.max_error_percent:
            raise RolloutError(
                f"{errors} of {requests} requests to {self.new} ended in a server error "
                f"(more than {self.settings.max_error_percent} %)"
            )
        if latency is not None and latency > self.settings.max_latency_ms:
            raise RolloutError(
                f"{self.new} answered in {latency} ms on average (more than {self.settings.max_latency_ms} ms)"
            )

    def rollback(self, what: str) -> int:
        """Traffic back to the live deployment, the new one deleted, a summary; the exit code 1."""
        _error(f"rollout of {self.model} to {self.endpoint}/{self.new} failed at {self.phase}: {what}")
        if not self.deployment_exists(self.new):
            restored = f"all traffic stayed on {self.live}" if self.live else "the endpoint serves nothing, as before"
            removed = f"the new deployment {self.new} was not created"
        else:
            restored, removed = self._restore(), self._remove_new()
        _summary(
            f"Rollout of {self.model} to the online endpoint {self.endpoint} ({self.environment}) FAILED at "
            f"{self.phase}: {what}."
        )
        kept = f" {self.live} still serves the version it served before." if self.live else ""
        _summary(f"Rolled back: {restored}; {removed}.{kept}")
        return 1

    def _restore(self) -> str:
        try:
            if self.live is None:
                self.set_traffic({self.new: 0})
                return "no traffic is routed: the endpoint had no deployment before"
            self.set_traffic({self.live: 100, self.new: 0})
            return f"all traffic is back on {self.live}"
        except Exception as error:  # the summary must say it, whatever went wrong
            return f"the traffic could NOT be moved back ({error}): set it to {self.live}=100 by hand"

    def _remove_new(self) -> str:
        try:
            self.delete(self.new)
            return f"the new deployment {self.new} is deleted"
        except Exception as error:
            return f"the new deployment {self.new} could NOT be deleted ({error}): delete it by hand"


def roll_out_online(
    client: Any,
    *,
    endpoint: str,
    environment: str,
    model: str,
    build_endpoint: Callable[[], Any],
    build_deployment: Callable[[str], Any],
    smoke: Callable[[Any, str], list[str]],
    settings: OnlineRollout,
    names: tuple[str, str],
    health: Callable[[str, str, str], tuple[int, int, int | None]] | None = None,
) -> int:
    """Roll ``model`` out to the online endpoint ``endpoint`` in stages; the exit code. ``build_deployment(name)``
    builds the new deployment; ``smoke(client, deployment)`` sends the sample request and names what is wrong."""
    current = _ensure_endpoint(client.online_endpoints, endpoint, build_endpoint)
    shares = sorted(
        ((share, name) for name, share in (current.traffic or {}).items() if share), key=lambda s: (-s[0], s[1])
    )
    live = shares[0][1] if shares else None
    run = _OnlineRun(
        client,
        endpoint,
        environment,
        model,
        next_deployment(live, names),
        live,
        settings,
        smoke,
        health or deployment_health,
    )
    print(
        f"Rolling {model} out to {endpoint} ({environment}): new deployment {run.new}, live deployment {live or 'none'}"
    )
    if _get_or_none(client.online_deployments.get, name=run.new, endpoint_name=endpoint) is not None:
        print(f"warning: {endpoint}/{run.new} is left from an earlier rollout that did not finish: deleting it first")
        if live and ((current.traffic or {}).get(run.new) or (current.mirror_traffic or {}).get(run.new)):
            run.set_traffic({live: 100, run.new: 0})
        run.delete(run.new)

    try:
        run.phase = f"creating deployment {run.new}"
        try:
            client.online_deployments.begin_create_or_update(build_deployment(run.new)).result()
        except Exception as error:  # Azure's message goes into the summary
            raise RolloutError(f"creating the deployment failed: {error}") from None
        run.phase = f"the smoke test of {run.new}"
        run.smoke_test()
        if live is None:
            run.phase = f"routing all traffic to {run.new}"
            run.set_traffic({run.new: 100})
            _summary(f"Online endpoint {endpoint} ({environment}) serves {model} from its first deployment, {run.new}")
            workspace.publish(deployment=run.new)
            return 0
        run.endpoint_id = client.online_endpoints.get(name=endpoint).id
        run.serving_since = utc_now()
        if settings.mirror_percent:
            run.phase = f"mirroring {settings.mirror_percent} % of the traffic to {run.new}"
            run.set_traffic({live: 100}, mirror={run.new: settings.mirror_percent})
            rollout_wait(
                settings.mirror_seconds, f"{run.new} answers a copy of {settings.mirror_percent} % of the requests"
            )
            run.health_check(settings.mirror_seconds)
        for step in settings.traffic_steps:
            run.phase = f"{step} % of the traffic on {run.new}"
            run.set_traffic({live: 100 - step, run.new: step})
            print(f"Traffic of {endpoint}: {live} {100 - step} %, {run.new} {step} %", flush=True)
            rollout_wait(settings.step_seconds, f"{run.new} serves {step} % of the requests")
            run.health_check(settings.step_seconds)
    except Exception as error:  # any failure of a stage rolls back
        return run.rollback(str(error))

    try:
        run.delete(live)
        removed = f"deleted the previous deployment {live}"
    except Exception as error:  # the rollout succeeded; the next one deletes it
        print(f"warning: the previous deployment {live} could not be deleted ({error}); the next rollout deletes it")
        removed = f"the previous deployment {live} is still there (no traffic)"
    steps = ",".join(str(step) for step in settings.traffic_steps)
    _summary(
        f"Online endpoint {endpoint} ({environment}) serves {model} from {run.new} after "
        f"the traffic steps {steps} %; {removed}"
    )
    workspace.publish(deployment=run.new)
    return 0


# --- the batch rollout ---------------------------------------------------------------------------------------------


def roll_out_batch(
    client: Any,
    *,
    endpoint: str,
    environment: str,
    model: str,
    build_endpoint: Callable[[], Any],
    build_deployment: Callable[[str], Any],
    test_input: Any,
    names: tuple[str, str],
) -> int:
    """Roll ``model`` out to the batch endpoint ``endpoint``: a new deployment, a test job with it, then the
    default; the exit code."""
    current = _ensure_endpoint(client.batch_endpoints, endpoint, build_endpoint)
    previous = getattr(current.defaults, "deployment_name", None) if current.defaults else None
    if isinstance(current.defaults, dict):
        previous = current.defaults.get("deployment_name")
    new = next_deployment(previous, names)
    print(
        f"Rolling {model} out to {endpoint} ({environment}): new deployment {new}, "
        f"default deployment {previous or 'none'}"
    )
    deployments = client.batch_deployments
    if _get_or_none(deployments.get, name=new, endpoint_name=endpoint) is not None:
        print(f"warning: {endpoint}/{new} is left from an earlier rollout that did not finish: deleting it first")
        deployments.begin_delete(name=new, endpoint_name=endpoint).result()

    stage = f"creating deployment {new}"
    try:
        try:
            deployments.begin_create_or_update(build_deployment(new)).result()
        except Exception as error:
            raise RolloutError(f"creating the deployment failed: {error}") from None
        stage = f"the test job of {new}"
        job = client.batch_endpoints.invoke(endpoint_name=endpoint, deployment_name=new, input=test_input)
        print(f"Test job {job.name} scores the sample data with {new}", flush=True)
        try:
            completed = workspace.wait_for_job(client, job.name, "Batch scoring job")
        except Exception as error:  # jobs.stream raises when the job fails
            raise RolloutError(f"the scoring job {job.name} failed: {error}") from None
        if not completed:
            raise RolloutError(f"the scoring job {job.name} did not complete")
        stage = f"making {new} the default"
        endpoint_entity = client.batch_endpoints.get(name=endpoint)
        endpoint_entity.defaults = {"deployment_name": new}
        client.batch_endpoints.begin_create_or_update(endpoint_entity).result()
    except Exception as error:  # any failure of a stage rolls back
        _error(f"rollout of {model} to {endpoint}/{new} failed at {stage}: {error}")
        removed = f"the new deployment {new} was not created"
        if _get_or_none(deployments.get, name=new, endpoint_name=endpoint) is not None:
            try:
                deployments.begin_delete(name=new, endpoint_name=endpoint).result()
                removed = f"the new deployment {new} is deleted"
            except Exception as problem:
                removed = f"the new deployment {new} could NOT be deleted ({problem}): delete it by hand"
        _summary(f"Rollout of {model} to the batch endpoint {endpoint} ({environment}) FAILED at {stage}: {error}.")
        _summary(f"Rolled back: {previous or 'no deployment'} stays the default; {removed}.")
        return 1

    removed = "it is the endpoint's first deployment"
    if previous and previous != new:
        try:
            deployments.begin_delete(name=previous, endpoint_name=endpoint).result()
            removed = f"deleted the previous deployment {previous}"
        except Exception as error:
            print(
                f"warning: the previous deployment {previous} could not be deleted ({error}); "
                "the next rollout deletes it"
            )
            removed = f"the previous deployment {previous} is still there"
    _summary(
        f"Batch endpoint {endpoint} ({environment}) scores with {model} from {new} (test job {job.name} "
        f"completed); {removed}"
    )
    _summary(f"Predictions of the test job: az ml job download --name {job.name} --output-name score")
    workspace.publish(job_name=job.name, deployment=new)
    return 0
