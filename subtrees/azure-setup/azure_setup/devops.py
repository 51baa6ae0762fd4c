"""The Azure DevOps side of bootstrap, through `az devops`, `az pipelines`, `az repos` and `az rest`:

- one workload-identity service connection per identity and environment, with the names of the answers
  (learn.microsoft.com/azure/devops/pipelines/release/configure-workload-identity); the read-only ones
  end in -plan;
- the environments dev and prod, created here so that prod never exists without its approval check;
- a branch-control check on the deploy connections: only runs of main may use them;
- the pipelines of the project's YAML files, allowed to use the connections and environments they name
  (no "needs permission" prompt on the first run);
- build validation on main for the pipelines with a `pr:` trigger (Azure Repos ignores `pr:`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .azure import Principal
from .commands import Runner
from .design import Design, ServiceConnection, Trust
from .errors import SetupError
from .project import ENVIRONMENTS, Project, Repository

DEVOPS_RESOURCE = "499b84ac-1321-427f-aa17-267ca6975798"  # Azure DevOps, as an Entra ID resource for az rest
API = "api-version=7.1-preview.1"
APPROVAL_CHECK = "8C6F20A7-A545-4486-9777-F762FAFE0D4D"
TASK_CHECK = "fe1de3ee-a436-41b4-bb20-f6eb4cb879a7"
BRANCH_CONTROL = {"id": "86b05a0c-73e6-4f7d-b3cf-e38f3b39a75b", "name": "evaluatebranchProtection", "version": "0.0.1"}
MAIN = "refs/heads/main"


@dataclass(frozen=True)
class Pipeline:
    """A pipeline YAML file of the project and what it uses."""

    name: str
    path: str  # relative to the project root, with forward slashes
    connections: frozenset[str]
    environments: frozenset[str]
    pr_paths: tuple[str, ...] | None  # None: no pull-request trigger
    # Read-only connections the pipeline names itself ($(ado_service_connection_<env>)-plan): the daily
    # retraining check reads prod's monitor runs through one.
    plan_connections: frozenset[str] = frozenset()


def top_level_block(text: str, key: str) -> list[str]:
    """The lines of the top-level `key:` of a YAML text (the key's own line first)."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.startswith(f"{key}:"):
            block = [line]
            for following in lines[index + 1 :]:
                if following and not following[0].isspace() and not following.startswith("#"):
                    break
                block.append(following)
            return block
    return []


def pull_request_paths(text: str) -> tuple[str, ...] | None:
    """The path filter of a pipeline's `pr:` trigger: () for all paths, None without a pull-request trigger."""
    block = top_level_block(text, "pr")
    if not block or block[0].split(":", 1)[1].strip() == "none":
        return None
    paths, in_paths, in_include = [], False, False
    for line in block[1:]:
        stripped = line.strip()
        if stripped.startswith("paths:"):
            in_paths, in_include = True, False
        elif in_paths and stripped.startswith("include:"):
            in_include = True
            inline = stripped.split(":", 1)[1].strip()
            if inline.startswith("["):
                paths += [item.strip() for item in inline.strip("[]").split(",") if item.strip()]
        elif in_include and stripped.startswith("- "):
            paths.append(stripped[2:].strip())
        elif stripped and not stripped.startswith("- "):
            in_include = stripped.startswith("include:") and in_paths
    return tuple(paths)


TEMPLATE = re.compile(r"template:\s*([\w./-]+\.ya?ml)")


def text_with_templates(path: Path, seen: set[Path] | None = None) -> str:
    """A pipeline file and every template it includes, recursively."""
    seen = seen if seen is not None else set()
    if path in seen or not path.is_file():
        return ""
    seen.add(path)
    text = path.read_text(encoding="utf-8")
    return text + "".join(text_with_templates(path.parent / name, seen) for name in TEMPLATE.findall(text))


def pipelines(project: Project) -> list[Pipeline]:
    """Every pipeline of the project: a YAML file with a top-level `trigger:`, outside templates/."""
    found = []
    for folder in (project.root / "infrastructure" / "pipelines", project.root / "mlops" / "devops-pipelines"):
        for path in sorted(folder.glob("*.yml")):
            text = path.read_text(encoding="utf-8")
            if not top_level_block(text, "trigger"):
                continue
            everything = text_with_templates(path)
            per_environment = re.search(r"ado_service_connection_\$\{", everything) is not None
            connections = {
                env
                for env in ENVIRONMENTS
                if re.search(rf"\$\(ado_service_connection_{env}\)(?!-plan)", everything) or per_environment
            }
            plan_connections = {env for env in ENVIRONMENTS if f"$(ado_service_connection_{env})-plan" in everything}
            environments = set(re.findall(r"^\s*environment:\s*(dev|prod)\s*$", everything, re.MULTILINE))
            if re.search(r"^\s*environment:\s*\$\{\{", everything, re.MULTILINE):
                environments |= set(ENVIRONMENTS)
            found.append(
                Pipeline(
                    path.stem,
                    path.relative_to(project.root).as_posix(),
                    frozenset(project.service_connection(env) for env in connections),
                    frozenset(environments),
                    pull_request_paths(text),
                    frozenset(project.plan_service_connection(env) for env in plan_connections),
                )
            )
    return found


class DevOps:
    """Calls to one Azure DevOps organization and project."""

    def __init__(self, runner: Runner, repo: Repository) -> None:
        self.runner = runner
        self.repo = repo
        self.scope = ("--organization", repo.organization_url, "--project", repo.project)

    def url(self, path: str, query: str = "") -> str:
        return f"{self.repo.organization_url}/{self.repo.project}/_apis/{path}?{query + '&' if query else ''}{API}"

    def rest_get(self, path: str, query: str = "") -> dict:
        result = self.runner.read(
            "az", "rest", "--method", "get", "--url", self.url(path, query), "--resource", DEVOPS_RESOURCE
        )
        return result.json() or {}

    def rest_change(self, method: str, path: str, body: dict, stand_in: dict | None = None) -> dict:
        with self.runner.json_file(body) as file:
            result = self.runner.change(
                "az", "rest", "--method", method, "--url", self.url(path), "--resource", DEVOPS_RESOURCE,
                "--body", f"@{file}", "--headers", "Content-Type=application/json", stand_in=stand_in or {},
            )  # fmt: skip
        return result.json() or {}

    def project_id(self) -> str:
        found = self.runner.read(
            "az", "devops", "project", "show", "--project", self.repo.project,
            "--organization", self.repo.organization_url, "--output", "json", missing_ok=True,
        )  # fmt: skip
        if found is None:
            raise SetupError(
                f"Azure DevOps project {self.repo.project} not found in {self.repo.organization_url}: pass --project"
            )
        return found.json()["id"]

    def repository_id(self) -> str:
        found = self.runner.read(
            "az", "repos", "show", "--repository", self.repo.name, *self.scope, "--output", "json", missing_ok=True
        )
        if found is None:
            raise SetupError(
                f"repository {self.repo.name} not found in {self.repo.project}: "
                "push the project first, or pass --repository"
            )
        return found.json()["id"]


def connection_configuration(
    connection: ServiceConnection, principal: Principal, subscription: dict, project_id: str, project_name: str
) -> dict:
    """The --service-endpoint-configuration of a workload identity federation connection to a managed identity."""
    return {
        "name": connection.name,
        "type": "azurerm",
        "url": "https://management.azure.com/",
        "description": f"{'read-only previews of' if connection.read_only else 'deploys'} {connection.environment} "
        "(workload identity federation; created by infrastructure/bootstrap.py)",
        "authorization": {
            "scheme": "WorkloadIdentityFederation",
            "parameters": {"tenantid": subscription["tenantId"], "serviceprincipalid": principal.client_id},
        },
        "data": {
            "environment": "AzureCloud",
            "scopeLevel": "Subscription",
            "subscriptionId": subscription["id"],
            "subscriptionName": subscription.get("name", subscription["id"]),
            "creationMode": "Manual",
            "identityType": "ManagedIdentity",
        },
        "isShared": False,
        "isReady": True,
        "serviceEndpointProjectReferences": [
            {"projectReference": {"id": project_id, "name": project_name}, "name": connection.name}
        ],
    }


def stand_in_connection(name: str) -> dict:
    """What --dry-run pretends a new connection looks like: its issuer and subject are known only once it exists."""
    parameters = {
        "workloadIdentityFederationIssuer": "<issuer of the organization>",
        "workloadIdentityFederationSubject": f"<subject of {name}>",
    }
    authorization = {"parameters": parameters}
    return {"id": f"<id of {name}>", "authorization": authorization}


def ensure_connections(
    devops: DevOps, plan: Design, principals: dict[str, Principal], subscriptions: dict[str, dict]
) -> tuple[dict[str, str], list[Trust]]:
    """The service connections (name -> id) and the federated credentials their identities need."""
    runner = devops.runner
    project_id = devops.project_id()
    listed = runner.read("az", "devops", "service-endpoint", "list", *devops.scope, "--output", "json")
    existing = {item["name"]: item for item in (listed.json() or [])}
    ids, trusts = {}, []
    for connection in plan.service_connections:
        principal = principals[connection.identity]
        subscription = subscriptions[connection.environment]
        current = existing.get(connection.name)
        parameters = ((current or {}).get("authorization") or {}).get("parameters") or {}
        matches = (
            current is not None
            and parameters.get("serviceprincipalid") == principal.client_id
            and (current.get("data") or {}).get("subscriptionId") == subscription["id"]
        )
        if not matches:
            configuration = connection_configuration(
                connection, principal, subscription, project_id, devops.repo.project
            )
            with runner.json_file(configuration) as file:
                if current:
                    result = runner.change(
                        "az", "devops", "service-endpoint", "update", "--id", current["id"],
                        "--service-endpoint-configuration", file, *devops.scope, "--output", "json",
                    )  # fmt: skip
                else:
                    result = runner.change(
                        "az", "devops", "service-endpoint", "create", "--service-endpoint-configuration", file,
                        *devops.scope, "--output", "json",
                        stand_in=stand_in_connection(connection.name),
                    )  # fmt: skip
            current = result.json()
            parameters = (current.get("authorization") or {}).get("parameters") or {}
        ids[connection.name] = current["id"]
        trust = next(t for t in plan.trusts if t.service_connection == connection.name)
        trusts.append(
            Trust(
                trust.identity,
                trust.name,
                subject=parameters.get("workloadIdentityFederationSubject", ""),
                issuer=parameters.get("workloadIdentityFederationIssuer", ""),
                service_connection=connection.name,
            )
        )
    missing = [trust.service_connection for trust in trusts if not trust.subject or not trust.issuer]
    if missing:
        raise SetupError(
            f"Azure DevOps returned no workload identity issuer or subject for {', '.join(missing)}: "
            "check that the organization allows workload identity federation"
        )
    return ids, trusts


def ensure_environments(devops: DevOps) -> dict[str, int]:
    ids = {}
    for name in ENVIRONMENTS:
        found = devops.rest_get("distributedtask/environments", f"name={name}").get("value") or []
        if found:
            ids[name] = found[0]["id"]
            continue
        created = devops.rest_change(
            "post",
            "distributedtask/environments",
            {"name": name, "description": f"{name}: deployment jobs of this project (created by bootstrap.py)"},
            stand_in={"id": f"<id of environment {name}>"},
        )
        ids[name] = created["id"]
    return ids


def resolve_approvers(runner: Runner, repo: Repository, names: list[str]) -> list[dict]:
    """Azure DevOps identities of the prod approvers (e-mail addresses); none given: the signed-in user."""
    if not names:
        account = runner.read("az", "account", "show", "--output", "json").json()
        names = [account["user"]["name"]]
    approvers = []
    for name in names:
        found = runner.read(
            "az", "devops", "user", "show", "--user", name, "--organization", repo.organization_url, "--output", "json",
            missing_ok=True,
        )  # fmt: skip
        if found is None:
            raise SetupError(f"--prod-approver {name}: not a user of {repo.organization_url}")
        approvers.append({"id": found.json()["id"]})
    return approvers


def ensure_check(devops: DevOps, resource_type: str, resource_id: object, resource_name: str, check: dict) -> None:
    """Add `check` (an Approval or a branch control) to a resource unless one of its kind is there."""
    listed = devops.rest_get(
        "pipelines/checks/configurations", f"resourceType={resource_type}&resourceId={resource_id}&$expand=settings"
    )
    kind = check["type"]["name"]
    for existing in listed.get("value") or []:
        if (existing.get("type") or {}).get("name") != kind:
            continue
        if kind == "Approval" and {a.get("id") for a in existing["settings"].get("approvers", [])} == {
            a["id"] for a in check["settings"]["approvers"]
        }:
            return
        if (
            kind == "Task Check"
            and (existing["settings"].get("definitionRef") or {}).get("name") == BRANCH_CONTROL["name"]
        ):
            return
    body = dict(check, resource={"type": resource_type, "id": str(resource_id), "name": resource_name})
    devops.rest_change("post", "pipelines/checks/configurations", body)


def approval_check(approvers: list[dict]) -> dict:
    return {
        "type": {"id": APPROVAL_CHECK, "name": "Approval"},
        "settings": {
            "approvers": approvers,
            "executionOrder": "anyOrder",
            "minRequiredApprovers": 1,
            "instructions": "Approve to deploy to prod.",
            "blockedApprovers": [],
        },
        "timeout": 43200,
    }


def branch_control_check() -> dict:
    return {
        "type": {"id": TASK_CHECK, "name": "Task Check"},
        "settings": {
            "definitionRef": BRANCH_CONTROL,
            "displayName": "Branch control: main only",
            "inputs": {
                "allowedBranches": MAIN,
                "ensureProtectionOfBranch": "false",
                "allowUnknownStatusBranch": "false",
            },
            "retryInterval": 5,
        },
        "timeout": 1440,
    }


def ensure_pipelines(devops: DevOps, project: Project) -> dict[str, int]:
    """Pipeline definitions for the project's YAML files (name -> id). None is run on creation: the push of
    infrastructure/azure-setup.json, which preflight in CI reads, starts the infrastructure pipeline."""
    runner = devops.runner
    listed = runner.read("az", "pipelines", "list", *devops.scope, "--output", "json")
    existing = {item["name"]: item["id"] for item in (listed.json() or [])}
    ids = {}
    for pipeline in pipelines(project):
        if pipeline.name in existing:
            ids[pipeline.name] = existing[pipeline.name]
            continue
        result = runner.change(
            "az", "pipelines", "create", "--name", pipeline.name, "--yaml-path", pipeline.path,
            "--repository", devops.repo.name, "--repository-type", "tfsgit", "--branch", "main",
            "--skip-first-run", "true", *devops.scope, "--output", "json",
            stand_in={"id": f"<id of pipeline {pipeline.name}>"},
        )  # fmt: skip
        ids[pipeline.name] = result.json()["id"]
    return ids


def ensure_build_validation(devops: DevOps, project: Project, pipeline_ids: dict[str, int]) -> None:
    runner = devops.runner
    repository_id = devops.repository_id()
    listed = runner.read(
        "az", "repos", "policy", "list", "--repository-id", repository_id, "--branch", "main", *devops.scope,
        "--output", "json",
    )  # fmt: skip
    validated = {
        (item.get("settings") or {}).get("buildDefinitionId")
        for item in (listed.json() or [])
        if ((item.get("type") or {}).get("displayName") or "") == "Build"
    }
    for pipeline in pipelines(project):
        if pipeline.pr_paths is None or pipeline_ids[pipeline.name] in validated:
            continue
        path_filter = ";".join(
            f"/{path.strip('/')}" + ("/*" if "." not in path.rsplit("/", 1)[-1] else "") for path in pipeline.pr_paths
        )
        runner.change(
            "az", "repos", "policy", "build", "create", "--repository-id", repository_id, "--branch", "main",
            "--build-definition-id", str(pipeline_ids[pipeline.name]), "--display-name", pipeline.name,
            "--blocking", "true", "--enabled", "true", "--manual-queue-only", "false",
            "--queue-on-source-update-only", "false", "--valid-duration", "720",
            *(["--path-filter", path_filter] if path_filter else []), *devops.scope, "--output", "none",
        )  # fmt: skip


def ensure_permissions(devops: DevOps, resource_type: str, resource_id: object, pipeline_ids: list[int]) -> None:
    """Allow exactly these pipelines to use a connection or environment (no 'needs permission' on the first run)."""
    current = devops.rest_get(f"pipelines/pipelinepermissions/{resource_type}/{resource_id}")
    allowed = {item.get("id") for item in current.get("pipelines") or [] if item.get("authorized")}
    missing = [pipeline for pipeline in pipeline_ids if pipeline not in allowed]
    if missing:
        devops.rest_change(
            "patch",
            f"pipelines/pipelinepermissions/{resource_type}/{resource_id}",
            {"pipelines": [{"id": pipeline, "authorized": True} for pipeline in missing]},
        )


def set_up_devops(
    runner: Runner,
    project: Project,
    repo: Repository,
    plan: Design,
    principals: dict[str, Principal],
    subscriptions: dict[str, dict],
    approver_names: list[str],
) -> list[Trust]:
    """Everything on the Azure DevOps side; the federated credentials the connections need in Azure."""
    runner.read("az", "extension", "show", "--name", "azure-devops", "--output", "json")
    devops = DevOps(runner, repo)
    connection_ids, trusts = ensure_connections(devops, plan, principals, subscriptions)
    environment_ids = ensure_environments(devops)
    ensure_check(
        devops,
        "environment",
        environment_ids["prod"],
        "prod",
        approval_check(resolve_approvers(runner, repo, approver_names)),
    )
    for connection in plan.service_connections:
        if not connection.read_only:
            ensure_check(devops, "endpoint", connection_ids[connection.name], connection.name, branch_control_check())
    pipeline_ids = ensure_pipelines(devops, project)
    ensure_build_validation(devops, project, pipeline_ids)
    found = pipelines(project)
    for connection in plan.service_connections:
        if connection.read_only:
            users = [
                pipeline_ids[p.name]
                for p in found
                if (p.pr_paths is not None and p.connections) or connection.name in p.plan_connections
            ]
        else:
            users = [pipeline_ids[p.name] for p in found if connection.name in p.connections]
        if users:
            ensure_permissions(devops, "endpoint", connection_ids[connection.name], users)
    for env, environment_id in environment_ids.items():
        users = [pipeline_ids[p.name] for p in found if env in p.environments]
        if users:
            ensure_permissions(devops, "environment", environment_id, users)
    return trusts
