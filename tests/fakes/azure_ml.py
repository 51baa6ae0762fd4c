"""The fake `az ml` and `az monitor metrics`: a small model of an Azure ML workspace's assets, pipeline jobs,
models, online and batch endpoints with their deployments, traffic and mirrored traffic, batch scoring jobs,
and the endpoint metrics of Azure Monitor. Registered into the fake `az` by fakes/azure_cli.py.

What Azure enforces and the model checks (so that a script which breaks a rule fails here too): traffic
names existing deployments and adds up to 100 (or 0); mirrored traffic goes to a deployment without live
traffic, at most 50 %; a deployment with traffic or mirrored traffic cannot be deleted, nor a batch
endpoint's default deployment; `create` refuses a name that exists.

How a test makes things go wrong, besides the engine's `fail` switch (the Nth matching call fails):
``state["ml"]["misbehaving"][<model reference>]`` is "create" (the deployment ends up Failed), "answer"
(the deployment answers every request with an error) or "job" (its batch scoring jobs fail); and
``state["ml"]["metrics"][<deployment>] = {"requests": N, "errors": E, "latency_ms": L}`` is what Azure
Monitor reports for an online deployment.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from fakes.engine import Answer, Call, Fake, bad_request, done, not_found

ML = "Microsoft.MachineLearningServices"
GOOD_ANSWER = [12.5, 7.25]


# ── the state ─────────────────────────────────────────────────────────────────────────────────────
def ml_state(fake: Fake) -> dict[str, Any]:
    return fake.state.setdefault("ml", {})


def workspace_of(fake: Fake, call: Call) -> dict[str, Any]:
    """The workspace (or, with --registry-name, the registry) a call names."""
    registry = call.get("--registry-name")
    if registry:
        return ml_state(fake).setdefault("registries", {}).setdefault(registry, {})
    group = call.need("--resource-group", "-g")
    workspace = call.need("--workspace-name", "-w")
    key = f"/subscriptions/{fake.state['account']['id']}/resourceGroups/{group}/providers/{ML}/workspaces/{workspace}"
    found = ml_state(fake).setdefault("workspaces", {}).setdefault(key, {})
    found.setdefault("id", key)
    return found


def misbehaving(fake: Fake, model: str | None) -> str:
    return ml_state(fake).get("misbehaving", {}).get(model or "", "")


# ── query and output, as far as the scripts use them ──────────────────────────────────────────────
def _query(value: Any, query: str | None) -> Any:
    if not query:
        return value
    if query == "length(@)":
        return len(value)
    if query.startswith("[]."):
        return [_query(item, query[3:]) for item in value]
    for key in query.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _tsv(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(_tsv(item) for item in value)
    if isinstance(value, dict):
        return "\t".join(_tsv(item) for item in value.values())
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def answer(call: Call, value: Any, changed: bool = False) -> Answer:
    """The value as `--query` and `--output` shape it."""
    value = _query(value, call.get("--query"))
    output = call.get("--output", "-o", default="json")
    if output == "none":
        return done(changed=changed)
    if output == "tsv":
        return done(_tsv(value), changed=changed)
    return done(value, changed=changed)


def _assignments(text: str, what: str) -> dict[str, int]:
    shares = {}
    for item in text.split():
        name, _, share = item.partition("=")
        if not name or not share.isdigit() or not 0 <= int(share) <= 100:
            raise bad_request(f"{what} must be name=percent pairs, got '{item}'")
        shares[name] = int(share)
    return shares


# ── models ────────────────────────────────────────────────────────────────────────────────────────
def model_versions(fake: Fake, call: Call) -> list[dict[str, Any]]:
    return list(workspace_of(fake, call).setdefault("models", {}).get(call.need("--name", "-n"), {}).values())


def model_list(fake: Fake, call: Call) -> None:
    raise answer(call, model_versions(fake, call))


def model_show(fake: Fake, call: Call) -> None:
    versions = model_versions(fake, call)
    wanted = call.get("--version", "-v")
    if call.get("--label", "-l") == "latest" and versions:
        raise answer(call, max(versions, key=lambda item: int(item["version"])))
    found = next((item for item in versions if item["version"] == wanted), None)
    if found is None:
        raise not_found(f"{call.need('--name', '-n')}:{wanted}")
    raise answer(call, found)


# ── online endpoints and deployments ──────────────────────────────────────────────────────────────
def endpoint_of(fake: Fake, call: Call, kind: str, option: str | None = None) -> dict[str, Any]:
    """The online or batch (``kind``) endpoint that --name (or ``option``) names."""
    name = call.need(option) if option else call.need("--name", "-n")
    found = workspace_of(fake, call).setdefault(f"{kind}_endpoints", {}).get(name)
    if found is None:
        raise not_found(name)
    return found


def create_endpoint(fake: Fake, call: Call, kind: str, **fields: Any) -> None:
    if not Path(call.need("--file", "-f")).is_file():
        raise bad_request(f"file {call.get('--file', '-f')} not found")
    name = call.need("--name", "-n")
    endpoints = workspace_of(fake, call).setdefault(f"{kind}_endpoints", {})
    if name in endpoints:
        raise bad_request(f"(Conflict) {kind.capitalize()} endpoint {name} already exists")
    endpoints[name] = {"name": name, "deployments": {}, **fields}
    raise answer(call, endpoints[name], changed=True)


def online_endpoint(fake: Fake, call: Call, option: str | None = None) -> dict[str, Any]:
    return endpoint_of(fake, call, "online", option)


def online_endpoint_show(fake: Fake, call: Call) -> None:
    raise answer(call, online_endpoint(fake, call))


def online_endpoint_create(fake: Fake, call: Call) -> None:
    name = call.need("--name", "-n")
    create_endpoint(
        fake,
        call,
        "online",
        id=f"{workspace_of(fake, call)['id']}/onlineEndpoints/{name}",
        traffic={},
        mirror_traffic={},
        provisioning_state="Succeeded",
        scoring_uri=f"https://{name}.region.inference.ml.azure.com/score",
    )


def online_endpoint_update(fake: Fake, call: Call) -> None:
    endpoint = online_endpoint(fake, call)
    traffic = dict(endpoint["traffic"])
    mirror = dict(endpoint["mirror_traffic"])
    if call.has("--traffic"):
        traffic = _assignments(" ".join(call.all("--traffic")), "--traffic")
    if call.has("--mirror-traffic"):
        mirror |= _assignments(" ".join(call.all("--mirror-traffic")), "--mirror-traffic")
    for name in [*traffic, *mirror]:
        if name not in endpoint["deployments"]:
            raise bad_request(f"(BadRequest) The deployment {name} does not exist in endpoint {endpoint['name']}")
    if sum(traffic.values()) not in (0, 100):
        raise bad_request(f"(BadRequest) Traffic must add up to 100, got {sum(traffic.values())}")
    if sum(mirror.values()) > 50:
        raise bad_request("(BadRequest) Mirror traffic can be at most 50 %")
    both = [name for name in mirror if mirror[name] and traffic.get(name)]
    if both:
        raise bad_request(f"(BadRequest) Deployment {both[0]} cannot receive live and mirror traffic at once")
    endpoint["traffic"] = {name: share for name, share in traffic.items()}
    endpoint["mirror_traffic"] = {name: share for name, share in mirror.items() if share}
    raise answer(call, endpoint, changed=True)


def online_endpoint_invoke(fake: Fake, call: Call) -> None:
    endpoint = online_endpoint(fake, call)
    if not Path(call.need("--request-file", "-r")).is_file():
        raise bad_request(f"file {call.get('--request-file')} not found")
    name = call.get("--deployment-name", "-d")
    if name is None:  # the endpoint routes by its traffic: the largest share decides here
        shares = sorted(endpoint["traffic"].items(), key=lambda item: -item[1])
        name = shares[0][0] if shares and shares[0][1] else None
    deployment = endpoint["deployments"].get(name or "")
    if deployment is None:
        raise bad_request(f"(BadRequest) No deployment {name} to route the request to")
    if misbehaving(fake, deployment["model"]) == "answer":
        raise Answer(1, stderr="ERROR: (UserError) Received bad response from the model: 500 Internal Server Error\n")
    raise done(GOOD_ANSWER)


def online_deployment(fake: Fake, call: Call) -> tuple[dict[str, Any], str]:
    endpoint = online_endpoint(fake, call, "--endpoint-name")
    return endpoint, call.need("--name", "-n")


def online_deployment_show(fake: Fake, call: Call) -> None:
    endpoint, name = online_deployment(fake, call)
    if name not in endpoint["deployments"]:
        raise not_found(f"{endpoint['name']}/{name}")
    raise answer(call, endpoint["deployments"][name])


def online_deployment_list(fake: Fake, call: Call) -> None:
    raise answer(call, list(online_endpoint(fake, call, "--endpoint-name")["deployments"].values()))


def _deployment_from_file(call: Call, endpoint: dict[str, Any], name: str) -> dict[str, Any]:
    file = Path(call.need("--file", "-f"))
    if not file.is_file():
        raise bad_request(f"file {file} not found")
    model = next((item.split("=", 1)[1] for item in call.all("--set") if item.startswith("model=")), None)
    return {
        "name": name,
        "endpoint_name": endpoint["name"],
        "model": model,
        "file": str(file),
        "collects_data": "data_collector:" in file.read_text(),
        "provisioning_state": "Succeeded",
    }


def create_deployment(fake: Fake, call: Call, endpoint: dict[str, Any], name: str, failure: str) -> dict[str, Any]:
    """A new deployment of the endpoint; one whose model misbehaves at "create" stays, Failed, with ``failure``."""
    if name in endpoint["deployments"]:
        raise bad_request(f"(Conflict) Deployment {name} already exists in endpoint {endpoint['name']}")
    deployment = _deployment_from_file(call, endpoint, name)
    endpoint["deployments"][name] = deployment
    if misbehaving(fake, deployment["model"]) == "create":
        deployment["provisioning_state"] = "Failed"
        raise Answer(1, stderr=f"ERROR: {failure}\n", changed=True)
    return deployment


def online_deployment_create(fake: Fake, call: Call) -> None:
    endpoint, name = online_deployment(fake, call)
    deployment = create_deployment(fake, call, endpoint, name, "(ResourceNotReady) User container has crashed.")
    if call.has("--all-traffic"):
        endpoint["traffic"] = {other: 0 for other in endpoint["deployments"]} | {name: 100}
    raise answer(call, deployment, changed=True)


def online_deployment_delete(fake: Fake, call: Call) -> None:
    endpoint, name = online_deployment(fake, call)
    if name not in endpoint["deployments"]:
        raise not_found(f"{endpoint['name']}/{name}")
    if endpoint["traffic"].get(name) or endpoint["mirror_traffic"].get(name):
        raise bad_request(f"(BadRequest) Deployment {name} still has traffic: set it to 0 before deleting it")
    del endpoint["deployments"][name]
    endpoint["traffic"].pop(name, None)
    endpoint["mirror_traffic"].pop(name, None)
    raise done(changed=True)


# ── batch endpoints, deployments and jobs ─────────────────────────────────────────────────────────
def batch_endpoint(fake: Fake, call: Call, option: str | None = None) -> dict[str, Any]:
    return endpoint_of(fake, call, "batch", option)


def batch_endpoint_show(fake: Fake, call: Call) -> None:
    raise answer(call, batch_endpoint(fake, call))


def batch_endpoint_create(fake: Fake, call: Call) -> None:
    create_endpoint(fake, call, "batch", defaults={"deployment_name": None})


def batch_endpoint_update(fake: Fake, call: Call) -> None:
    endpoint = batch_endpoint(fake, call)
    for item in call.all("--set"):
        key, _, value = item.partition("=")
        if key != "defaults.deployment_name":
            raise bad_request(f"fake az: --set {key} is not modelled")
        if value not in endpoint["deployments"]:
            raise bad_request(f"(BadRequest) The deployment {value} does not exist in endpoint {endpoint['name']}")
        endpoint["defaults"]["deployment_name"] = value
    raise answer(call, endpoint, changed=True)


def batch_endpoint_invoke(fake: Fake, call: Call) -> None:
    endpoint = batch_endpoint(fake, call)
    name = call.get("--deployment-name", "-d") or endpoint["defaults"]["deployment_name"]
    deployment = endpoint["deployments"].get(name or "")
    if deployment is None:
        raise bad_request(f"(BadRequest) No deployment {name} in endpoint {endpoint['name']}")
    source = call.need("--input")
    if "://" not in source and not source.startswith("azureml:") and not Path(source).exists():
        raise bad_request(f"input {source} not found")
    jobs = workspace_of(fake, call).setdefault("jobs", {})
    job = f"batchjob-{len(jobs) + 1}"
    jobs[job] = {
        "name": job,
        "status": "Failed" if misbehaving(fake, deployment["model"]) == "job" else "Completed",
        "deployment": name,
        "input": source,
        "services": {"Studio": {"endpoint": f"https://ml.azure.com/runs/{job}"}},
    }
    raise answer(call, jobs[job], changed=True)


def batch_deployment(fake: Fake, call: Call) -> tuple[dict[str, Any], str]:
    return batch_endpoint(fake, call, "--endpoint-name"), call.need("--name", "-n")


def batch_deployment_show(fake: Fake, call: Call) -> None:
    endpoint, name = batch_deployment(fake, call)
    if name not in endpoint["deployments"]:
        raise not_found(f"{endpoint['name']}/{name}")
    raise answer(call, endpoint["deployments"][name])


def batch_deployment_create(fake: Fake, call: Call) -> None:
    endpoint, name = batch_deployment(fake, call)
    deployment = create_deployment(fake, call, endpoint, name, "(BadRequest) The environment could not be built.")
    if call.has("--set-default"):
        endpoint["defaults"]["deployment_name"] = name
    raise answer(call, deployment, changed=True)


def batch_deployment_delete(fake: Fake, call: Call) -> None:
    endpoint, name = batch_deployment(fake, call)
    if name not in endpoint["deployments"]:
        raise not_found(f"{endpoint['name']}/{name}")
    if endpoint["defaults"]["deployment_name"] == name:
        raise bad_request(f"(BadRequest) Deployment {name} is the endpoint's default and cannot be deleted")
    del endpoint["deployments"][name]
    raise done(changed=True)


# ── assets and jobs of the training flow ──────────────────────────────────────────────────────────
def asset_create(fake: Fake, call: Call) -> None:
    """`az ml environment create` / `az ml data create`: recorded with the file they were made from."""
    assets = workspace_of(fake, call).setdefault("assets", [])
    assets.append({"kind": call.words[1], "file": call.need("--file", "-f")})
    raise answer(call, {"name": Path(call.need("--file", "-f")).stem, "version": str(len(assets))}, changed=True)


def job_create(fake: Fake, call: Call) -> None:
    """A pipeline job, recorded with its file and --set overrides; it completes (tests script other states)."""
    jobs = workspace_of(fake, call).setdefault("jobs", {})
    name = f"job-{len(jobs) + 1}"
    jobs[name] = {
        "name": name,
        "status": "Completed",
        "file": call.need("--file", "-f"),
        "set": call.all("--set"),
        "services": {"Studio": {"endpoint": f"https://ml.azure.com/runs/{name}"}},
    }
    raise answer(call, jobs[name], changed=True)


def job_of(fake: Fake, call: Call) -> dict[str, Any]:
    name = call.need("--name", "-n")
    found = workspace_of(fake, call).setdefault("jobs", {}).get(name)
    if found is None:
        raise not_found(name)
    return found


def job_show(fake: Fake, call: Call) -> None:
    raise answer(call, job_of(fake, call))


def job_stream(fake: Fake, call: Call) -> None:
    found = job_of(fake, call)
    raise done(f"RunId: {found['name']}\nExecution Summary\n=================\nStatus: {found['status']}")


def job_download(fake: Fake, call: Call) -> None:
    """Writes the job's named output where az puts it: <download path>/named-outputs/<output>/."""
    found = job_of(fake, call)
    output = call.need("--output-name")
    folder = Path(call.need("--download-path", "-p")) / "named-outputs" / output
    folder.mkdir(parents=True, exist_ok=True)
    for file_name, content in (found.get("outputs") or {}).get(output, {}).items():
        (folder / file_name).write_text(json.dumps(content))
    raise done()


# ── Azure Monitor ─────────────────────────────────────────────────────────────────────────────────
def metrics_list(fake: Fake, call: Call) -> None:
    resource = call.need("--resource")
    if f"/providers/{ML}/workspaces/" not in resource or "/onlineEndpoints/" not in resource:
        raise not_found(resource)
    wanted = re.search(r"deployment eq '([^']+)'", call.get("--filter") or "")
    figures = ml_state(fake).get("metrics", {}).get(wanted.group(1) if wanted else "", {})
    requests, errors = figures.get("requests", 0), figures.get("errors", 0)
    metric = call.need("--metrics")
    if metric == "RequestsPerMinute":
        series = [
            {"metadatavalues": [{"name": {"value": "statusCodeClass"}, "value": klass}], "data": [{"total": count}]}
            for klass, count in (("2xx", requests - errors), ("5xx", errors))
            if count
        ]
    elif metric == "RequestLatency":
        series = [{"metadatavalues": [], "data": [{"average": figures["latency_ms"]}]}] if requests else []
    else:
        raise bad_request(f"(BadRequest) Failed to find metric configuration for provider: {ML}, name: {metric}")
    raise done({"interval": call.get("--interval"), "value": [{"name": {"value": metric}, "timeseries": series}]})


HANDLERS: dict[tuple[str, ...], Any] = {
    ("ml", "model", "list"): model_list,
    ("ml", "model", "show"): model_show,
    ("ml", "online-endpoint", "show"): online_endpoint_show,
    ("ml", "online-endpoint", "create"): online_endpoint_create,
    ("ml", "online-endpoint", "update"): online_endpoint_update,
    ("ml", "online-endpoint", "invoke"): online_endpoint_invoke,
    ("ml", "online-deployment", "show"): online_deployment_show,
    ("ml", "online-deployment", "list"): online_deployment_list,
    ("ml", "online-deployment", "create"): online_deployment_create,
    ("ml", "online-deployment", "delete"): online_deployment_delete,
    ("ml", "batch-endpoint", "show"): batch_endpoint_show,
    ("ml", "batch-endpoint", "create"): batch_endpoint_create,
    ("ml", "batch-endpoint", "update"): batch_endpoint_update,
    ("ml", "batch-endpoint", "invoke"): batch_endpoint_invoke,
    ("ml", "batch-deployment", "show"): batch_deployment_show,
    ("ml", "batch-deployment", "create"): batch_deployment_create,
    ("ml", "batch-deployment", "delete"): batch_deployment_delete,
    ("ml", "environment", "create"): asset_create,
    ("ml", "data", "create"): asset_create,
    ("ml", "job", "create"): job_create,
    ("ml", "job", "show"): job_show,
    ("ml", "job", "stream"): job_stream,
    ("ml", "job", "download"): job_download,
    ("monitor", "metrics", "list"): metrics_list,
}
