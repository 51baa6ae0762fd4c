"""The Azure side of bootstrap: resource providers, the CI resource groups and their lock, the managed
identities, their federated credentials, role assignments, the preview role and the Terraform state storage.

Every function reads first and changes only what differs, so a second run changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .commands import Runner
from .design import (
    LOCK_NAME,
    RESOURCE_PROVIDERS,
    TOKEN_AUDIENCE,
    CustomRole,
    Design,
    Grant,
    Identity,
    Trust,
)
from .errors import SetupError
from .project import GUID, Environment

TAGS = ("purpose=ci-identities", "managed-by=bootstrap.py")


@dataclass
class Principal:
    """A managed identity as Azure returned it (stand-in ids with --dry-run)."""

    client_id: str
    principal_id: str
    tenant_id: str


@dataclass
class LockKeeper:
    """The read-only lock on each CI resource group: lifted before bootstrap changes something in the group,
    put back at the end. The deploy identities (Contributor) cannot remove it, so they cannot give
    themselves new federated credentials."""

    runner: Runner
    lifted: set[tuple[str, str]] = field(default_factory=set)
    wanted: dict[tuple[str, str], bool] = field(default_factory=dict)

    def track(self, subscription: str, resource_group: str) -> None:
        key = (subscription, resource_group)
        if key in self.wanted:
            return
        locks = self.runner.read(
            "az", "lock", "list", "--resource-group", resource_group, "--subscription", subscription,
            "--output", "json", missing_ok=True,
        )  # fmt: skip
        present = any(lock.get("name") == LOCK_NAME for lock in (locks.json() if locks else None) or [])
        self.wanted[key] = present

    def lift(self, subscription: str, resource_group: str) -> None:
        key = (subscription, resource_group)
        self.track(subscription, resource_group)
        if self.wanted[key] and key not in self.lifted:
            self.runner.change(
                "az",
                "lock",
                "delete",
                "--name",
                LOCK_NAME,
                "--resource-group",
                resource_group,
                "--subscription",
                subscription,
            )
            self.lifted.add(key)

    def restore(self) -> None:
        for (subscription, resource_group), present in self.wanted.items():
            if present and (subscription, resource_group) not in self.lifted:
                continue
            self.runner.change(
                "az", "lock", "create", "--name", LOCK_NAME, "--lock-type", "ReadOnly",
                "--resource-group", resource_group, "--subscription", subscription,
                "--notes", "CI identities: changed only by infrastructure/bootstrap.py",
                "--output", "none",
            )  # fmt: skip


def signed_in_account(runner: Runner) -> dict:
    """The account `az` is signed in with (fails with the sentence to run `az login`)."""
    result = runner.read("az", "account", "show", "--output", "json")
    return result.json() if result else {}


def subscription(runner: Runner, subscription_id: str) -> dict:
    """A subscription the signed-in account can use, with its tenant; a clear sentence when it cannot."""
    result = runner.read(
        "az", "account", "show", "--subscription", subscription_id, "--output", "json", missing_ok=True
    )
    if result is None:
        raise SetupError(
            f"subscription {subscription_id} is not available to the signed-in account: "
            f"run `az login --tenant <its tenant>` or check the id"
        )
    return result.json()


def registered_providers(runner: Runner, subscription_id: str) -> set[str]:
    """The resource provider namespaces registered in a subscription."""
    listed = runner.read("az", "provider", "list", "--subscription", subscription_id, "--output", "json")
    return {
        item.get("namespace", "") for item in (listed.json() or []) if item.get("registrationState") == "Registered"
    }


def ensure_providers(runner: Runner, subscription_id: str) -> None:
    registered = registered_providers(runner, subscription_id)
    for namespace in RESOURCE_PROVIDERS:
        if namespace not in registered:
            runner.change("az", "provider", "register", "--namespace", namespace, "--subscription", subscription_id)


def ensure_resource_group(
    runner: Runner, subscription_id: str, name: str, location: str, tags: tuple[str, ...]
) -> None:
    if runner.read(
        "az", "group", "show", "--name", name, "--subscription", subscription_id, "--output", "json", missing_ok=True
    ):
        return
    runner.change(
        "az", "group", "create", "--name", name, "--location", location, "--subscription", subscription_id,
        "--tags", *tags, "--output", "none",
    )  # fmt: skip


def ensure_identity(
    runner: Runner, locks: LockKeeper, identity: Identity, subscription_id: str, location: str
) -> Principal:
    scope = ("--resource-group", identity.resource_group, "--subscription", subscription_id)
    found = runner.read("az", "identity", "show", "--name", identity.name, *scope, "--output", "json", missing_ok=True)
    if found is None:
        locks.lift(subscription_id, identity.resource_group)
        found = runner.change(
            "az", "identity", "create", "--name", identity.name, *scope, "--location", location,
            "--tags", *TAGS, f"role={identity.key}", "--output", "json",
            stand_in={"clientId": f"<client id of {identity.name}>", "principalId": f"<object id of {identity.name}>",
                      "tenantId": "<tenant id>"},
        )  # fmt: skip
    data = found.json()
    return Principal(data["clientId"], data["principalId"], data.get("tenantId", ""))


def ensure_trusts(
    runner: Runner, locks: LockKeeper, identity: Identity, subscription_id: str, trusts: list[Trust]
) -> None:
    """Give `identity` exactly the federated credentials of `trusts` (by name; issuer and subject must match)."""
    scope = (
        "--identity-name",
        identity.name,
        "--resource-group",
        identity.resource_group,
        "--subscription",
        subscription_id,
    )
    listed = runner.read("az", "identity", "federated-credential", "list", *scope, "--output", "json", missing_ok=True)
    existing = {item["name"]: item for item in ((listed.json() if listed else None) or [])}
    for trust in trusts:
        current = existing.get(trust.name)
        if current and current.get("issuer") == trust.issuer and current.get("subject") == trust.subject:
            continue
        locks.lift(subscription_id, identity.resource_group)
        verb = "update" if current else "create"
        runner.change(
            "az", "identity", "federated-credential", verb, "--name", trust.name, *scope,
            "--issuer", trust.issuer, "--subject", trust.subject, "--audiences", TOKEN_AUDIENCE, "--output", "none",
        )  # fmt: skip


def role_id(definition_id: str) -> str:
    """The role's GUID from a role definition id (Azure returns it with the subscription in front)."""
    found = GUID.findall(definition_id or "")
    return found[-1].lower() if found else (definition_id or "").lower()


def normalized(condition: str | None) -> str:
    return re.sub(r"\s+", " ", condition or "").strip()


class Assignments:
    """The role assignments at each scope, listed once per run for every identity."""

    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self.by_scope: dict[str, list[dict]] = {}

    def at(self, scope: str) -> list[dict]:
        if scope not in self.by_scope:
            listed = self.runner.read(
                "az", "role", "assignment", "list", "--scope", scope, "--subscription", scope.split("/")[2],
                "--output", "json",
            )  # fmt: skip
            self.by_scope[scope] = [
                item for item in (listed.json() or []) if (item.get("scope") or "").lower() == scope.lower()
            ]
        return self.by_scope[scope]


def ensure_grants(
    runner: Runner, existing: Assignments, principal: Principal, grants: list[Grant], role_ids: dict[str, str]
) -> None:
    """Create the role assignments of `grants` for `principal`; update the condition of one that differs."""
    for grant in grants:
        wanted_role = role_ids.get(grant.role, grant.role)
        same_role = [
            item
            for item in existing.at(grant.scope)
            if item.get("principalId") == principal.principal_id
            and role_id(item.get("roleDefinitionId", "")) == wanted_role.lower()
        ]
        if any(normalized(item.get("condition")) == normalized(grant.condition) for item in same_role):
            continue
        if same_role:
            version = "2.0" if grant.condition else None
            updated = dict(same_role[0], condition=grant.condition or None, conditionVersion=version)
            with runner.json_file(updated) as path:
                runner.change("az", "role", "assignment", "update", "--role-assignment", path, "--output", "none")
            continue
        options = ["--condition", grant.condition, "--condition-version", "2.0"] if grant.condition else []
        runner.change(
            "az", "role", "assignment", "create", "--assignee-object-id", principal.principal_id,
            "--assignee-principal-type", "ServicePrincipal", "--role", wanted_role, "--scope", grant.scope,
            "--description", grant.why[:1000], *options, "--output", "none",
        )  # fmt: skip


def ensure_custom_role(runner: Runner, role: CustomRole) -> str:
    """Create or widen the custom role; its id (a stand-in with --dry-run when it is new)."""
    first_scope = role.scopes[0]
    listed = runner.read(
        "az", "role", "definition", "list", "--name", role.name, "--custom-role-only", "true",
        "--scope", first_scope, "--output", "json",
    )  # fmt: skip
    found = (listed.json() or []) if listed else []
    definition = {
        "Name": role.name,
        "IsCustom": True,
        "Description": role.description,
        "Actions": list(role.actions),
        "NotActions": [],
        "AssignableScopes": list(role.scopes),
    }
    if found:
        current = found[0]
        permissions = (current.get("permissions") or [{}])[0]
        scopes = set(current.get("assignableScopes") or [])
        if set(permissions.get("actions") or []) == set(role.actions) and scopes >= set(role.scopes):
            return role_id(current.get("name") or current.get("id", ""))
        definition["Id"] = role_id(current.get("name") or current.get("id", ""))
        definition["AssignableScopes"] = sorted(scopes | set(role.scopes))
        with runner.json_file(definition) as path:
            runner.change("az", "role", "definition", "update", "--role-definition", path, "--output", "none")
        return definition["Id"]
    with runner.json_file(definition) as path:
        created = runner.change(
            "az", "role", "definition", "create", "--role-definition", path, "--output", "json",
            stand_in={"name": f"<id of the role '{role.name}'>"},
        )  # fmt: skip
    return role_id(created.json()["name"]) if not created.dry_run else created.json()["name"]


def ensure_state_storage(runner: Runner, env: Environment, subscription_id: str) -> None:
    """Terraform's state storage of `env`: Entra ID only (no shared key), versioned, soft delete on.
    Created here, by an administrator, not by a pipeline that a pull request can reach."""
    state = env.terraform_state
    if not state:
        return
    resource_group, account, container = state
    ensure_resource_group(runner, subscription_id, resource_group, env.location, ("purpose=terraform-state",))
    scope = ("--resource-group", resource_group, "--subscription", subscription_id)
    if not runner.read(
        "az", "storage", "account", "show", "--name", account, *scope, "--output", "json", missing_ok=True
    ):
        runner.change(
            "az", "storage", "account", "create", "--name", account, *scope, "--location", env.location,
            "--kind", "StorageV2", "--sku", "Standard_GRS", "--allow-shared-key-access", "false",
            "--allow-blob-public-access", "false", "--min-tls-version", "TLS1_2", "--https-only", "true",
            "--tags", "purpose=terraform-state", "--output", "none",
        )  # fmt: skip
        runner.change(
            "az", "storage", "account", "blob-service-properties", "update", "--account-name", account, *scope,
            "--enable-versioning", "true", "--enable-delete-retention", "true", "--delete-retention-days", "30",
            "--enable-container-delete-retention", "true", "--container-delete-retention-days", "30",
            "--output", "none",
        )  # fmt: skip
    if not runner.read(
        "az", "storage", "container-rm", "show", "--name", container, "--storage-account", account, *scope,
        "--output", "json", missing_ok=True,
    ):  # fmt: skip
        runner.change(
            "az", "storage", "container-rm", "create", "--name", container, "--storage-account", account, *scope,
            "--output", "none",
        )  # fmt: skip


class AzureSetup:
    """Makes Azure match a design: `run` before the CI side, `add_service_connection_trusts` once Azure DevOps
    has issued the connections' subjects, `finish` last (it puts the locks back)."""

    def __init__(
        self, runner: Runner, environments: dict[str, Environment], plan: Design, subscriptions: dict[str, str]
    ) -> None:
        self.runner = runner
        self.environments = environments
        self.plan = plan
        self.subscriptions = subscriptions
        self.locks = LockKeeper(runner)

    def run(self) -> dict[str, Principal]:
        """Providers, CI resource groups, identities with their GitHub trusts, state storage, roles; the
        identities as Azure knows them, by key."""
        for subscription_id in dict.fromkeys(self.subscriptions.values()):
            ensure_providers(self.runner, subscription_id)
        principals: dict[str, Principal] = {}
        groups: set[tuple[str, str]] = set()
        for identity in self.plan.identities.values():
            env = self.environments[identity.environment]
            subscription_id = self.subscriptions[identity.environment]
            if (subscription_id, identity.resource_group) not in groups:
                ensure_resource_group(self.runner, subscription_id, identity.resource_group, env.location, TAGS)
                groups.add((subscription_id, identity.resource_group))
            self.locks.track(subscription_id, identity.resource_group)
            principals[identity.key] = ensure_identity(self.runner, self.locks, identity, subscription_id, env.location)
            github = [trust for trust in self.plan.trusts if trust.identity == identity.key and trust.subject]
            if github:
                ensure_trusts(self.runner, self.locks, identity, subscription_id, github)
        for env in self.environments.values():
            ensure_state_storage(self.runner, env, self.subscriptions[env.name])
        role_ids = {role.name: ensure_custom_role(self.runner, role) for role in self.plan.custom_roles}
        existing = Assignments(self.runner)
        for key, principal in principals.items():
            grants = [grant for grant in self.plan.grants if grant.identity == key]
            ensure_grants(self.runner, existing, principal, grants, role_ids)
        return principals

    def add_service_connection_trusts(self, trusts: list[Trust]) -> None:
        """Federated credentials for Azure DevOps service connections, whose issuer and subject exist only now."""
        for key in sorted({trust.identity for trust in trusts}):
            identity = self.plan.identities[key]
            mine = [trust for trust in trusts if trust.identity == key]
            ensure_trusts(self.runner, self.locks, identity, self.subscriptions[identity.environment], mine)

    def finish(self) -> None:
        """Put the read-only locks back on the CI resource groups."""
        self.locks.restore()
