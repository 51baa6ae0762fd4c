"""A fake azure-ai-ml MLClient for the SDK flavour of the rollout (mlops/azureml/rollout.py): the same model of
online and batch endpoints as the fake `az` (fakes/azure_ml.py) and the same rules, in process.

Each operation group has the methods the project's scripts call (get, begin_create_or_update, begin_delete,
invoke; jobs.stream and get; models.get), getters hand out copies, as Azure does, and every call that changes
something is logged in ``calls``. How a test makes things go wrong: ``fail("online_endpoints.begin_create_or_update",
occurrence=2)`` (the second traffic change fails), or ``misbehaving[<model reference>] = "create" | "answer" |
"job"`` as in the fake `az`.
"""

from __future__ import annotations

import copy
import json
from types import SimpleNamespace
from typing import Any

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

WORKSPACE_ID = (
    "/subscriptions/11111111-1111-4111-8111-111111111111/resourceGroups/rg-test"
    "/providers/Microsoft.MachineLearningServices/workspaces/mlw-test"
)


class Poller:
    """What begin_* returns: the work happens on result(), as with Azure's pollers."""

    def __init__(self, work) -> None:
        self.work = work

    def result(self) -> Any:
        return self.work()


class FakeMLClient:
    """The workspace: models, online and batch endpoints, jobs; the answer every healthy deployment gives."""

    def __init__(self, answer: Any, models: dict[str, list[int]] | None = None) -> None:
        self.answer = json.dumps(answer)
        self.model_versions = models or {}
        self.online: dict[str, dict[str, Any]] = {}
        self.batch: dict[str, dict[str, Any]] = {}
        self.job_states: dict[str, str] = {}
        self.misbehaving: dict[str, str] = {}
        self.failures: dict[str, int] = {}
        self.counts: dict[str, int] = {}
        self.calls: list[str] = []
        self.online_endpoints = _Group(self, "online_endpoints", _OnlineEndpoints)
        self.online_deployments = _Group(self, "online_deployments", _OnlineDeployments)
        self.batch_endpoints = _Group(self, "batch_endpoints", _BatchEndpoints)
        self.batch_deployments = _Group(self, "batch_deployments", _BatchDeployments)
        self.jobs = _Group(self, "jobs", _Jobs)
        self.models = _Group(self, "models", _Models)

    def fail(self, operation: str, occurrence: int = 1) -> None:
        """The `occurrence`-th call of `operation` (e.g. "online_deployments.begin_create_or_update") fails."""
        self.failures[operation] = occurrence


class _Group:
    """An operation group that counts its calls and fails the one a test chose."""

    def __init__(self, client: FakeMLClient, name: str, implementation: type) -> None:
        self._client = client
        self._name = name
        self._implementation = implementation(client)

    def __getattr__(self, method: str):
        operation = f"{self._name}.{method}"
        implementation = getattr(self._implementation, method)

        def call(*args: Any, **kwargs: Any) -> Any:
            client = self._client
            client.counts[operation] = client.counts.get(operation, 0) + 1
            if client.failures.get(operation) == client.counts[operation]:
                raise HttpResponseError(message=f"(InternalServerError) injected failure of {operation}")
            return implementation(*args, **kwargs)

        return call


def _not_found(what: str) -> ResourceNotFoundError:
    return ResourceNotFoundError(message=f"(ResourceNotFound) {what} was not found")


def _bad(message: str) -> HttpResponseError:
    return HttpResponseError(message=f"(BadRequest) {message}")


class _OnlineEndpoints:
    def __init__(self, client: FakeMLClient) -> None:
        self.client = client

    def get(self, name: str, **_: Any) -> Any:
        if name not in self.client.online:
            raise _not_found(f"online endpoint {name}")
        found = self.client.online[name]
        return SimpleNamespace(
            name=name,
            id=f"{WORKSPACE_ID}/onlineEndpoints/{name}",
            traffic=dict(found["traffic"]),
            mirror_traffic=dict(found["mirror_traffic"]),
            scoring_uri=f"https://{name}.inference.ml.azure.com/score",
        )

    def begin_create_or_update(self, endpoint: Any) -> Poller:
        def work() -> Any:
            if endpoint.name not in self.client.online:
                self.client.calls.append(f"create online endpoint {endpoint.name}")
            found = self.client.online.setdefault(
                endpoint.name, {"traffic": {}, "mirror_traffic": {}, "deployments": {}}
            )
            traffic = dict(endpoint.traffic or {})
            mirror = {name: share for name, share in (endpoint.mirror_traffic or {}).items() if share}
            for name in [*traffic, *mirror]:
                if name not in found["deployments"]:
                    raise _bad(f"the deployment {name} does not exist")
            if sum(traffic.values()) not in (0, 100):
                raise _bad(f"traffic must add up to 100, got {sum(traffic.values())}")
            if sum(mirror.values()) > 50 or any(traffic.get(name) for name in mirror):
                raise _bad("mirror traffic: at most 50 %, to a deployment without live traffic")
            if found["deployments"]:
                self.client.calls.append(f"online traffic {traffic} mirror {mirror}")
            found["traffic"], found["mirror_traffic"] = traffic, mirror
            return self.get(endpoint.name)

        return Poller(work)

    def invoke(self, endpoint_name: str, deployment_name: str, request_file: str, **_: Any) -> str:
        deployment = self.client.online[endpoint_name]["deployments"][deployment_name]
        self.client.calls.append(f"invoke {deployment_name}")
        if self.client.misbehaving.get(deployment.model) == "answer":
            raise HttpResponseError(message="(UserError) Received bad response from the model: 500")
        return self.client.answer


class _OnlineDeployments:
    def __init__(self, client: FakeMLClient) -> None:
        self.client = client

    def get(self, name: str, endpoint_name: str, **_: Any) -> Any:
        found = self.client.online.get(endpoint_name, {}).get("deployments", {}).get(name)
        if found is None:
            raise _not_found(f"deployment {endpoint_name}/{name}")
        return copy.deepcopy(found)

    def begin_create_or_update(self, deployment: Any) -> Poller:
        def work() -> Any:
            endpoint = self.client.online[deployment.endpoint_name]
            model = str(deployment.model)
            record = SimpleNamespace(name=deployment.name, model=model, entity=deployment, state="Succeeded")
            endpoint["deployments"][deployment.name] = record
            self.client.calls.append(f"create online {deployment.name} {model}")
            if self.client.misbehaving.get(model) == "create":
                record.state = "Failed"
                raise HttpResponseError(message="(ResourceNotReady) User container has crashed or terminated")
            return record

        return Poller(work)

    def begin_delete(self, name: str, endpoint_name: str, **_: Any) -> Poller:
        def work() -> None:
            endpoint = self.client.online[endpoint_name]
            if name not in endpoint["deployments"]:
                raise _not_found(f"deployment {endpoint_name}/{name}")
            if endpoint["traffic"].get(name) or endpoint["mirror_traffic"].get(name):
                raise _bad(f"deployment {name} still has traffic")
            del endpoint["deployments"][name]
            endpoint["traffic"].pop(name, None)
            self.client.calls.append(f"delete online {name}")

        return Poller(work)


class _BatchEndpoints:
    def __init__(self, client: FakeMLClient) -> None:
        self.client = client

    def get(self, name: str, **_: Any) -> Any:
        if name not in self.client.batch:
            raise _not_found(f"batch endpoint {name}")
        return SimpleNamespace(name=name, defaults=SimpleNamespace(**self.client.batch[name]["defaults"]))

    def begin_create_or_update(self, endpoint: Any) -> Poller:
        def work() -> Any:
            if endpoint.name not in self.client.batch:
                self.client.calls.append(f"create batch endpoint {endpoint.name}")
            found = self.client.batch.setdefault(
                endpoint.name, {"defaults": {"deployment_name": None}, "deployments": {}}
            )
            defaults = endpoint.defaults
            wanted = (
                defaults.get("deployment_name")
                if isinstance(defaults, dict)
                else getattr(defaults, "deployment_name", None)
            )
            if wanted and wanted not in found["deployments"]:
                raise _bad(f"the deployment {wanted} does not exist")
            if wanted != found["defaults"]["deployment_name"]:
                self.client.calls.append(f"batch default {wanted}")
            found["defaults"]["deployment_name"] = wanted
            return self.get(endpoint.name)

        return Poller(work)

    def invoke(self, endpoint_name: str, deployment_name: str, input: Any, **_: Any) -> Any:  # noqa: A002 (the SDK's name)
        deployment = self.client.batch[endpoint_name]["deployments"][deployment_name]
        name = f"batchjob-{len(self.client.job_states) + 1}"
        failed = self.client.misbehaving.get(deployment.model) == "job"
        self.client.job_states[name] = "Failed" if failed else "Completed"
        self.client.calls.append(f"invoke batch {deployment_name} {input.path}")
        return SimpleNamespace(name=name)


class _BatchDeployments:
    def __init__(self, client: FakeMLClient) -> None:
        self.client = client

    def get(self, name: str, endpoint_name: str, **_: Any) -> Any:
        found = self.client.batch.get(endpoint_name, {}).get("deployments", {}).get(name)
        if found is None:
            raise _not_found(f"deployment {endpoint_name}/{name}")
        return copy.deepcopy(found)

    def begin_create_or_update(self, deployment: Any) -> Poller:
        def work() -> Any:
            model = str(deployment.model)
            record = SimpleNamespace(name=deployment.name, model=model, entity=deployment)
            self.client.batch[deployment.endpoint_name]["deployments"][deployment.name] = record
            self.client.calls.append(f"create batch {deployment.name} {model}")
            if self.client.misbehaving.get(model) == "create":
                raise HttpResponseError(message="(BadRequest) The environment could not be built")
            return record

        return Poller(work)

    def begin_delete(self, name: str, endpoint_name: str, **_: Any) -> Poller:
        def work() -> None:
            endpoint = self.client.batch[endpoint_name]
            if endpoint["defaults"]["deployment_name"] == name:
                raise _bad(f"deployment {name} is the endpoint's default")
            del endpoint["deployments"][name]
            self.client.calls.append(f"delete batch {name}")

        return Poller(work)


class _Jobs:
    def __init__(self, client: FakeMLClient) -> None:
        self.client = client

    def stream(self, name: str) -> None:
        if self.client.job_states[name] != "Completed":
            raise RuntimeError(f"Job {name} failed: the scoring script raised")  # the SDK raises JobException

    def get(self, name: str) -> Any:
        return SimpleNamespace(name=name, status=self.client.job_states[name])


class _Models:
    def __init__(self, client: FakeMLClient) -> None:
        self.client = client

    def get(self, name: str, version: str | None = None, label: str | None = None) -> Any:
        versions = self.client.model_versions.get(name, [])
        if not versions:
            raise _not_found(f"model {name}")
        return SimpleNamespace(name=name, version=str(max(versions) if label == "latest" else version))
