"""The fake `az`: a small model of Azure Resource Manager and Azure DevOps, answering like the real CLI
(`--output json` shapes, exit code 3 and ResourceNotFound for a missing resource)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from fakes.azure_ml import HANDLERS as ML_HANDLERS
from fakes.engine import Answer, Call, Fake, bad_request, done, not_found

DEVOPS_ISSUER = "https://login.microsoftonline.com/{tenant}/v2.0"
SINGLE_VALUED: frozenset[str] = frozenset()  # az options take every value up to the next option


def new_id(*parts: str) -> str:
    """A GUID derived from its inputs, so that a run's ids are the same every time."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))


def subscription_of(fake: Fake, call: Call) -> str:
    return call.get("--subscription") or fake.state["account"]["id"]


def group_id(subscription: str, group: str) -> str:
    return f"/subscriptions/{subscription}/resourceGroups/{group}"


def handle(fake: Fake, call: Call) -> None:
    words = call.words
    for length in (4, 3, 2, 1):
        handler = HANDLERS.get(tuple(words[:length]))
        if handler:
            handler(fake, call)
            return


# ── account, login, providers ─────────────────────────────────────────────────────────────────────
def account_show(fake: Fake, call: Call) -> None:
    if not fake.state.get("signed_in", True):
        raise Answer(1, stderr="ERROR: Please run 'az login' to setup account.\n")
    account = fake.state["account"]
    wanted = call.get("--subscription")
    if wanted is None:
        raise done(account)
    found = fake.state["subscriptions"].get(wanted)
    if found is None:
        raise Answer(
            1, stderr=f"ERROR: Subscription '{wanted}' not found. Check the spelling and casing and try again.\n"
        )
    raise done(dict(found, user=account["user"]))


def login(fake: Fake, call: Call) -> None:
    """`az login`; a CI identity's sign-in (--service-principal) needs its client id, tenant and federated token."""
    if call.has("--service-principal"):
        for option in ("--username", "--tenant", "--federated-token"):
            if not call.get(option, {"--username": "-u", "--tenant": "-t"}.get(option, option)):
                raise bad_request(f"the following arguments are required with --service-principal: {option}")
        token = call.get("--federated-token")
        issued = fake.state.get("issued_tokens")  # the tokens a test's CI token endpoint handed out, if any
        if issued is not None and (token not in issued or token in fake.state.setdefault("used_tokens", [])):
            raise Answer(1, stderr="ERROR: AADSTS700024: Client assertion is not within its valid time range.\n")
        fake.state.setdefault("used_tokens", []).append(token)
        fake.state["login"] = {"username": call.get("--username", "-u"), "tenant": call.get("--tenant", "-t")}
    fake.state["signed_in"] = True
    raise done([fake.state["account"]])


def account_set(fake: Fake, call: Call) -> None:
    wanted = call.need("--subscription", "-s", "--name", "-n")
    if wanted not in fake.state["subscriptions"]:
        raise Answer(1, stderr=f"ERROR: The subscription of '{wanted}' doesn't exist in cloud 'AzureCloud'.\n")
    fake.state["account"] = dict(fake.state["account"], **fake.state["subscriptions"][wanted])
    raise done()


def provider_show(fake: Fake, call: Call) -> None:
    namespace = call.need("--namespace", "-n")
    state = fake.state.setdefault("providers", {}).get(subscription_of(fake, call), {}).get(namespace, "NotRegistered")
    raise done({"namespace": namespace, "registrationState": state})


def provider_list(fake: Fake, call: Call) -> None:
    states = fake.state.setdefault("providers", {}).get(subscription_of(fake, call), {})
    raise done([{"namespace": namespace, "registrationState": state} for namespace, state in sorted(states.items())])


def provider_register(fake: Fake, call: Call) -> None:
    namespace = call.need("--namespace", "-n")
    fake.state.setdefault("providers", {}).setdefault(subscription_of(fake, call), {})[namespace] = "Registered"
    raise done(changed=True)


# ── resource groups, locks ────────────────────────────────────────────────────────────────────────
def group_show(fake: Fake, call: Call) -> None:
    key = group_id(subscription_of(fake, call), call.need("--name", "-n", "--resource-group", "-g"))
    group = fake.state.setdefault("groups", {}).get(key)
    if group is None:
        raise Answer(
            3, stderr=f"ERROR: (ResourceGroupNotFound) Resource group '{key.rsplit('/', 1)[1]}' could not be found.\n"
        )
    raise done(group)


def group_create(fake: Fake, call: Call) -> None:
    name = call.need("--name", "-n")
    key = group_id(subscription_of(fake, call), name)
    tags = dict(tag.split("=", 1) for tag in call.all("--tags"))
    fake.state.setdefault("groups", {})[key] = {
        "id": key,
        "name": name,
        "location": call.need("--location", "-l"),
        "tags": tags,
    }
    raise done(fake.state["groups"][key], changed=True)


def _require_group(fake: Fake, call: Call) -> str:
    key = group_id(subscription_of(fake, call), call.need("--resource-group", "-g"))
    if key not in fake.state.setdefault("groups", {}):
        raise Answer(
            3, stderr=f"ERROR: (ResourceGroupNotFound) Resource group '{key.rsplit('/', 1)[1]}' could not be found.\n"
        )
    return key


def _locked(fake: Fake, group: str) -> bool:
    return any(lock["level"] == "ReadOnly" for lock in fake.state.setdefault("locks", {}).get(group, {}).values())


def _refuse_if_locked(fake: Fake, group: str) -> None:
    if _locked(fake, group):
        raise Answer(
            1,
            stderr="ERROR: (ScopeLocked) The scope cannot perform write operation because following scope(s) are "
            f"locked: '{group}'. Please remove the lock and try again.\n",
        )


def lock_list(fake: Fake, call: Call) -> None:
    group = _require_group(fake, call)
    raise done(list(fake.state.setdefault("locks", {}).get(group, {}).values()))


def lock_create(fake: Fake, call: Call) -> None:
    group = _require_group(fake, call)
    name = call.need("--name", "-n")
    lock = {
        "name": name,
        "level": call.need("--lock-type", "-t"),
        "notes": call.get("--notes"),
        "id": f"{group}/providers/Microsoft.Authorization/locks/{name}",
    }
    fake.state.setdefault("locks", {}).setdefault(group, {})[name] = lock
    raise done(lock, changed=True)


def lock_delete(fake: Fake, call: Call) -> None:
    group = _require_group(fake, call)
    fake.state.setdefault("locks", {}).get(group, {}).pop(call.need("--name", "-n"), None)
    raise done(changed=True)


# ── managed identities and federated credentials ──────────────────────────────────────────────────
def _identity_key(fake: Fake, call: Call, name_option: tuple[str, ...] = ("--name", "-n")) -> str:
    group = group_id(subscription_of(fake, call), call.need("--resource-group", "-g"))
    return f"{group}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{call.need(*name_option)}"


def identity_show(fake: Fake, call: Call) -> None:
    key = _identity_key(fake, call)
    found = fake.state.setdefault("identities", {}).get(key)
    if found is None:
        raise not_found(key)
    raise done(found)


def identity_create(fake: Fake, call: Call) -> None:
    group = _require_group(fake, call)
    _refuse_if_locked(fake, group)
    key = _identity_key(fake, call)
    subscription = subscription_of(fake, call)
    identity = {
        "id": key,
        "name": key.rsplit("/", 1)[1],
        "location": call.need("--location", "-l"),
        "clientId": new_id("client", key),
        "principalId": new_id("principal", key),
        "tenantId": fake.state["subscriptions"][subscription]["tenantId"],
        "tags": dict(tag.split("=", 1) for tag in call.all("--tags")),
    }
    fake.state.setdefault("identities", {})[key] = identity
    raise done(identity, changed=True)


def credentials_of(fake: Fake, call: Call) -> tuple[str, dict]:
    key = _identity_key(fake, call, ("--identity-name",))
    if key not in fake.state.setdefault("identities", {}):
        raise not_found(key)
    return key, fake.state.setdefault("federated_credentials", {}).setdefault(key, {})


def credential_list(fake: Fake, call: Call) -> None:
    _, credentials = credentials_of(fake, call)
    raise done(list(credentials.values()))


def credential_write(fake: Fake, call: Call) -> None:
    key, credentials = credentials_of(fake, call)
    _refuse_if_locked(fake, key.split("/providers/")[0])
    name = call.need("--name", "-n")
    if call.words[-1] == "create" and name in credentials:
        raise bad_request(f"(Conflict) Federated identity credential '{name}' already exists.")
    issuer, subject = call.need("--issuer"), call.need("--subject")
    for other in credentials.values():
        if other["name"] != name and (other["issuer"], other["subject"]) == (issuer, subject):
            raise bad_request(
                "(BadRequest) A federated identity credential with this issuer and subject already exists."
            )
    credential = {
        "name": name,
        "issuer": issuer,
        "subject": subject,
        "audiences": call.all("--audiences"),
        "id": f"{key}/federatedIdentityCredentials/{name}",
    }
    credentials[name] = credential
    raise done(credential, changed=True)


def credential_delete(fake: Fake, call: Call) -> None:
    key, credentials = credentials_of(fake, call)
    _refuse_if_locked(fake, key.split("/providers/")[0])
    credentials.pop(call.need("--name", "-n"), None)
    raise done(changed=True)


# ── role assignments and definitions ──────────────────────────────────────────────────────────────
def _role_guid(fake: Fake, role: str) -> str:
    for definition in fake.state.setdefault("role_definitions", []):
        if role in (definition["name"], definition["roleName"]):
            return definition["name"]
    return role.rsplit("/", 1)[-1].lower()


def assignment_list(fake: Fake, call: Call) -> None:
    scope = call.get("--scope")
    assignee = call.get("--assignee")
    found = [
        item
        for item in fake.state.setdefault("role_assignments", [])
        if (scope is None or item["scope"].lower() == scope.lower())
        and (assignee is None or item["principalId"] == assignee)
    ]
    raise done(found)


def assignment_create(fake: Fake, call: Call) -> None:
    scope = call.need("--scope")
    principal = call.need("--assignee-object-id", "--assignee")
    role = _role_guid(fake, call.need("--role"))
    subscription = scope.split("/")[2]
    if call.has("--condition") and call.get("--condition-version") != "2.0":
        raise bad_request("--condition-version 2.0 is required with --condition")
    assignments = fake.state.setdefault("role_assignments", [])
    if any(
        item["scope"] == scope and item["principalId"] == principal and item["roleDefinitionId"].endswith(role)
        for item in assignments
    ):
        raise bad_request("(RoleAssignmentExists) The role assignment already exists.")
    assignment = {
        "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{new_id(scope, principal, role)}",
        "name": new_id(scope, principal, role),
        "principalId": principal,
        "principalType": call.get("--assignee-principal-type", default="ServicePrincipal"),
        "roleDefinitionId": f"/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/{role}",
        "scope": scope,
        "condition": call.get("--condition"),
        "conditionVersion": call.get("--condition-version"),
        "description": call.get("--description"),
    }
    assignments.append(assignment)
    raise done(assignment, changed=True)


def assignment_update(fake: Fake, call: Call) -> None:
    wanted = json.loads(Path(call.need("--role-assignment")).read_text())
    for index, item in enumerate(fake.state.setdefault("role_assignments", [])):
        if item["id"] == wanted["id"]:
            fake.state["role_assignments"][index] = dict(
                item, condition=wanted.get("condition"), conditionVersion=wanted.get("conditionVersion")
            )
            raise done(fake.state["role_assignments"][index], changed=True)
    raise not_found(wanted["id"])


def assignment_delete(fake: Fake, call: Call) -> None:
    ids = call.all("--ids")
    fake.state["role_assignments"] = [
        item for item in fake.state.setdefault("role_assignments", []) if item["id"] not in ids
    ]
    raise done(changed=True)


def definition_list(fake: Fake, call: Call) -> None:
    name = call.get("--name", "-n")
    found = [
        item for item in fake.state.setdefault("role_definitions", []) if name in (None, item["roleName"], item["name"])
    ]
    raise done(found)


def definition_write(fake: Fake, call: Call) -> None:
    body = json.loads(Path(call.need("--role-definition")).read_text())
    definitions = fake.state.setdefault("role_definitions", [])
    existing = next((item for item in definitions if item["roleName"] == body["Name"]), None)
    if call.words[-1] == "create" and existing:
        raise bad_request(
            f"(RoleDefinitionWithSameNameExists) A custom role with the same name '{body['Name']}' already exists."
        )
    if call.words[-1] == "update" and not existing:
        raise not_found(body["Name"])
    guid = existing["name"] if existing else new_id("role", body["Name"])
    definition = {
        "name": guid,
        "id": f"/providers/Microsoft.Authorization/roleDefinitions/{guid}",
        "roleName": body["Name"],
        "roleType": "CustomRole",
        "description": body.get("Description"),
        "assignableScopes": body["AssignableScopes"],
        "permissions": [
            {
                "actions": body["Actions"],
                "notActions": body.get("NotActions", []),
                "dataActions": [],
                "notDataActions": [],
            }
        ],
    }
    if existing:
        definitions.remove(existing)
    definitions.append(definition)
    raise done(definition, changed=True)


# ── storage (Terraform state), names ──────────────────────────────────────────────────────────────
def _storage_key(fake: Fake, call: Call, option: tuple[str, ...] = ("--name", "-n")) -> str:
    group = group_id(subscription_of(fake, call), call.need("--resource-group", "-g"))
    return f"{group}/providers/Microsoft.Storage/storageAccounts/{call.need(*option)}"


def storage_show(fake: Fake, call: Call) -> None:
    key = _storage_key(fake, call)
    found = fake.state.setdefault("storage_accounts", {}).get(key)
    if found is None:
        raise not_found(key)
    raise done(found)


def storage_create(fake: Fake, call: Call) -> None:
    _require_group(fake, call)
    key = _storage_key(fake, call)
    name = key.rsplit("/", 1)[1]
    if name in fake.state.get("taken_names", []):
        raise bad_request(f"(StorageAccountAlreadyTaken) The storage account named {name} is already taken.")
    options = {
        option.lstrip("-"): (values[0] if len(values) == 1 else values) for option, values in call.options.items()
    }
    fake.state.setdefault("storage_accounts", {})[key] = {
        "id": key,
        "name": name,
        "settings": options,
        "blobService": {},
    }
    raise done(fake.state["storage_accounts"][key], changed=True)


def blob_service_update(fake: Fake, call: Call) -> None:
    key = _storage_key(fake, call, ("--account-name", "-n"))
    account = fake.state.setdefault("storage_accounts", {}).get(key)
    if account is None:
        raise not_found(key)
    account["blobService"] = {option.lstrip("-"): values[0] for option, values in call.options.items() if values}
    raise done(account["blobService"], changed=True)


def container_show(fake: Fake, call: Call) -> None:
    key = (
        _storage_key(fake, call, ("--storage-account",))
        + "/blobServices/default/containers/"
        + call.need("--name", "-n")
    )
    found = fake.state.setdefault("containers", {}).get(key)
    if found is None:
        raise not_found(key)
    raise done(found)


def container_create(fake: Fake, call: Call) -> None:
    account = _storage_key(fake, call, ("--storage-account",))
    if account not in fake.state.setdefault("storage_accounts", {}):
        raise not_found(account)
    key = account + "/blobServices/default/containers/" + call.need("--name", "-n")
    fake.state.setdefault("containers", {})[key] = {"id": key, "name": key.rsplit("/", 1)[1]}
    raise done(fake.state["containers"][key], changed=True)


def check_name(fake: Fake, call: Call) -> None:
    name = call.need("--name", "-n")
    taken = name in fake.state.get("taken_names", [])
    raise done({"nameAvailable": not taken, "reason": "AlreadyExists" if taken else None, "message": None})


def resource_show(fake: Fake, call: Call) -> None:
    """Resources the infrastructure code would create (a container registry, a Key Vault, an online endpoint):
    a test puts their ids into state["resources"] to say they exist."""
    kinds = {"acr": "Microsoft.ContainerRegistry/registries", "keyvault": "Microsoft.KeyVault/vaults"}
    if call.words[0] == "resource":
        key = call.need("--ids")
    else:
        group = group_id(subscription_of(fake, call), call.need("--resource-group", "-g"))
        key = f"{group}/providers/{kinds[call.words[0]]}/{call.need('--name', '-n')}"
    found = fake.state.get("resources", {}).get(key)
    if found is None:
        raise not_found(key)
    raise done(found)


def deleted_vaults(fake: Fake, call: Call) -> None:
    raise done(
        [
            {"name": name, "properties": {"scheduledPurgeDate": "2026-12-01T00:00:00Z"}}
            for name in fake.state.get("deleted_vaults", [])
        ]
    )


def extension_add(fake: Fake, call: Call) -> None:
    name = call.need("--name", "-n")
    extensions = fake.state.setdefault("extensions", [])
    if name not in extensions:
        extensions.append(name)
    fake.state.setdefault("extension_versions", {})[name] = call.get("--version", default="latest")
    raise done(changed=True)


def extension_show(fake: Fake, call: Call) -> None:
    name = call.need("--name", "-n")
    if name not in fake.state.get("extensions", []):
        raise Answer(1, stderr=f"ERROR: The extension {name} is not installed.\n")
    raise done({"name": name, "version": "1.0.0"})


# ── Azure DevOps ──────────────────────────────────────────────────────────────────────────────────
def devops_project(fake: Fake, call: Call) -> dict:
    organization = (call.get("--organization", "--org") or "").rstrip("/")
    name = call.need("--project", "-p")
    project = fake.state.setdefault("devops", {}).get(f"{organization}/{name}")
    if project is None:
        raise Answer(1, stderr=f"ERROR: TF200016: The following project does not exist: {name}.\n")
    return project


def project_show(fake: Fake, call: Call) -> None:
    project = devops_project(fake, call)
    raise done({"id": project["id"], "name": project["name"]})


def endpoint_list(fake: Fake, call: Call) -> None:
    raise done(list(devops_project(fake, call).setdefault("service_endpoints", {}).values()))


def endpoint_write(fake: Fake, call: Call) -> None:
    project = devops_project(fake, call)
    body = json.loads(Path(call.need("--service-endpoint-configuration")).read_text())
    endpoints = project.setdefault("service_endpoints", {})
    if call.words[-1] == "create" and body["name"] in endpoints:
        raise bad_request(f"Service connection with name {body['name']} already exists.")
    endpoint_id = new_id("endpoint", project["id"], body["name"])
    organization_id = project["organization_id"]
    parameters = dict(
        body["authorization"]["parameters"],
        workloadIdentityFederationIssuer=DEVOPS_ISSUER.format(tenant=body["authorization"]["parameters"]["tenantid"]),
        workloadIdentityFederationSubject=f"/eid1/c/pub/t/{organization_id}/a/ado/sc/{organization_id}/{endpoint_id}",
    )
    endpoint = dict(
        body, id=endpoint_id, authorization={"scheme": body["authorization"]["scheme"], "parameters": parameters}
    )
    endpoints[body["name"]] = endpoint
    raise done(endpoint, changed=True)


def devops_user_show(fake: Fake, call: Call) -> None:
    user = call.need("--user")
    found = fake.state.setdefault("devops_users", {}).get(user.lower())
    if found is None:
        raise Answer(1, stderr=f"ERROR: User {user} not found.\n")
    raise done(found)


def repos_show(fake: Fake, call: Call) -> None:
    project = devops_project(fake, call)
    name = call.need("--repository", "-r")
    repository = project.setdefault("repositories", {}).get(name)
    if repository is None:
        raise Answer(1, stderr=f"ERROR: TF401019: The Git repository with name or identifier {name} does not exist.\n")
    raise done(repository)


def policy_list(fake: Fake, call: Call) -> None:
    raise done(devops_project(fake, call).setdefault("policies", []))


def policy_build_create(fake: Fake, call: Call) -> None:
    project = devops_project(fake, call)
    policy = {
        "id": len(project.setdefault("policies", [])) + 1,
        "type": {"displayName": "Build"},
        "isBlocking": call.get("--blocking") == "true",
        "isEnabled": call.get("--enabled") == "true",
        "settings": {
            "buildDefinitionId": int(call.need("--build-definition-id")),
            "displayName": call.get("--display-name"),
            "filenamePatterns": (call.get("--path-filter") or "").split(";") if call.get("--path-filter") else [],
            "validDuration": float(call.get("--valid-duration", default="0")),
            "scope": [{"repositoryId": call.need("--repository-id"), "refName": f"refs/heads/{call.need('--branch')}"}],
        },
    }
    project["policies"].append(policy)
    raise done(policy, changed=True)


def pipelines_list(fake: Fake, call: Call) -> None:
    raise done(list(devops_project(fake, call).setdefault("pipelines", {}).values()))


def pipelines_create(fake: Fake, call: Call) -> None:
    project = devops_project(fake, call)
    pipelines = project.setdefault("pipelines", {})
    name = call.need("--name")
    if name in pipelines:
        raise bad_request(f"Pipeline with name {name} already exists.")
    pipelines[name] = {
        "id": len(pipelines) + 1,
        "name": name,
        "path": call.need("--yaml-path"),
        "queueStatus": "enabled",
    }
    raise done(pipelines[name], changed=True)


def rest(fake: Fake, call: Call) -> None:
    url = urlparse(call.need("--url", "--uri", "-u"))
    method = call.get("--method", "-m", default="get").lower()
    body_text = call.get("--body", "-b")
    if body_text and body_text.startswith("@"):
        body_text = Path(body_text[1:]).read_text()
    body = json.loads(body_text) if body_text else None
    if url.netloc != "dev.azure.com":
        raise Answer(2, stderr=f"fake az: no model for {method.upper()} {url.geturl()} (add a recorded answer)\n")
    if call.get("--resource") != "499b84ac-1321-427f-aa17-267ca6975798":
        raise Answer(
            1,
            stderr="ERROR: Unauthorized: az rest needs --resource 499b84ac-1321-427f-aa17-267ca6975798\n",
        )
    parts = url.path.strip("/").split("/")
    organization, project_name, api = parts[0], parts[1], parts[3:]
    project = fake.state.setdefault("devops", {}).get(f"https://dev.azure.com/{organization}/{project_name}")
    if project is None:
        raise Answer(1, stderr=f"ERROR: Not Found({url.geturl()})\n")
    query = {key: values[0] for key, values in parse_qs(url.query).items()}
    if api[:2] == ["distributedtask", "environments"]:
        environments = project.setdefault("environments", {})
        if method == "get":
            raise done(
                {
                    "count": 1,
                    "value": [env for env in environments.values() if query.get("name") in (None, env["name"])],
                }
            )
        environments[body["name"]] = {
            "id": len(environments) + 1,
            "name": body["name"],
            "description": body.get("description"),
        }
        raise done(environments[body["name"]], changed=True)
    if api[:3] == ["pipelines", "checks", "configurations"]:
        checks = project.setdefault("checks", [])
        if method == "get":
            found = [
                c
                for c in checks
                if c["resource"]["type"] == query.get("resourceType") and c["resource"]["id"] == query.get("resourceId")
            ]
            raise done({"count": len(found), "value": found})
        check = dict(body, id=len(checks) + 1)
        checks.append(check)
        raise done(check, changed=True)
    if api[:2] == ["pipelines", "pipelinepermissions"]:
        key = "/".join(api[2:4])
        permissions = project.setdefault("permissions", {}).setdefault(
            key, {"resource": {"type": api[2], "id": api[3]}, "pipelines": []}
        )
        if method == "get":
            raise done(permissions)
        known = {item["id"] for item in permissions["pipelines"]}
        permissions["pipelines"] += [item for item in body["pipelines"] if item["id"] not in known]
        raise done(permissions, changed=True)
    raise Answer(2, stderr=f"fake az: no model for {method.upper()} {url.path}\n")


HANDLERS: dict[tuple[str, ...], Any] = {
    ("account", "show"): account_show,
    ("login",): login,
    ("account", "set"): account_set,
    ("extension", "add"): extension_add,
    ("provider", "show"): provider_show,
    ("provider", "list"): provider_list,
    ("provider", "register"): provider_register,
    ("group", "show"): group_show,
    ("group", "create"): group_create,
    ("lock", "list"): lock_list,
    ("lock", "create"): lock_create,
    ("lock", "delete"): lock_delete,
    ("identity", "show"): identity_show,
    ("identity", "create"): identity_create,
    ("identity", "federated-credential", "list"): credential_list,
    ("identity", "federated-credential", "create"): credential_write,
    ("identity", "federated-credential", "update"): credential_write,
    ("identity", "federated-credential", "delete"): credential_delete,
    ("role", "assignment", "list"): assignment_list,
    ("role", "assignment", "create"): assignment_create,
    ("role", "assignment", "update"): assignment_update,
    ("role", "assignment", "delete"): assignment_delete,
    ("role", "definition", "list"): definition_list,
    ("role", "definition", "create"): definition_write,
    ("role", "definition", "update"): definition_write,
    ("storage", "account", "show"): storage_show,
    ("storage", "account", "create"): storage_create,
    ("storage", "account", "check-name"): check_name,
    ("storage", "account", "blob-service-properties", "update"): blob_service_update,
    ("storage", "container-rm", "show"): container_show,
    ("storage", "container-rm", "create"): container_create,
    ("acr", "check-name"): check_name,
    ("acr", "show"): resource_show,
    ("keyvault", "show"): resource_show,
    ("keyvault", "list-deleted"): deleted_vaults,
    ("resource", "show"): resource_show,
    ("keyvault", "check-name"): check_name,
    ("extension", "show"): extension_show,
    ("devops", "project", "show"): project_show,
    ("devops", "service-endpoint", "list"): endpoint_list,
    ("devops", "service-endpoint", "create"): endpoint_write,
    ("devops", "service-endpoint", "update"): endpoint_write,
    ("devops", "user", "show"): devops_user_show,
    ("repos", "show"): repos_show,
    ("repos", "policy", "list"): policy_list,
    ("repos", "policy", "build", "create"): policy_build_create,
    ("pipelines", "list"): pipelines_list,
    ("pipelines", "create"): pipelines_create,
    ("rest",): rest,
}
HANDLERS.update(ML_HANDLERS)  # az ml (assets, jobs, models, endpoints) and az monitor metrics: fakes/azure_ml.py
