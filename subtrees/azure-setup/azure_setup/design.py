"""The CI identities of this project, the subjects each one trusts and the roles each one holds, as data.

bootstrap.py makes Azure and the CI match this design; preflight.py checks that they still do; the
factory's permission model test checks that these roles allow every Azure operation the project's CI
performs, and no more than it needs. docs/identities.md of mlops-factory explains every line.

Three user-assigned managed identities (no app registration, no secret):

- deploy-dev   trusted by CI jobs that run in the environment dev (GitHub environment `dev`, or the
               Azure DevOps service connection of dev); deploys dev, trains, promotes to the registry
- deploy-prod  trusted by CI jobs in the environment prod only, which waits for its reviewers
- plan         trusted by pull requests and by jobs of main without an environment; reads, never writes:
               Terraform plan / Bicep what-if, the daily retraining check that reads the prod monitor's runs
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .project import Environment, Project, Repository

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
TOKEN_AUDIENCE = "api://AzureADTokenExchange"

CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
RBAC_ADMINISTRATOR = "f58310d9-a9f6-439a-9e8d-f62e7b41a168"
BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
BLOB_DATA_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
REGISTRY_USER = "1823dd4f-9b8c-4ab6-ab4e-7397a3684615"

# The roles the infrastructure code assigns to the workspace identity (each on one resource, as Azure ML lists
# them for a user-assigned workspace identity, docs/infrastructure.md). The deploy identities administer role
# assignments only under a condition that allows exactly these roles, to service principals: a deployment can
# never hand out Owner or access administration, and Contributor only to a service principal (the deploy
# identity holds Contributor itself, so that grants nothing it could not already do). What remains: such an
# assignment, to any service principal of the tenant, outlives the deploy identity's federated credentials;
# the condition cannot name the workspace identity instead, which does not exist when bootstrap runs
# (docs/identities.md of mlops-factory).
DELEGABLE_ROLES: dict[str, str] = {
    CONTRIBUTOR: "Contributor",
    BLOB_DATA_CONTRIBUTOR: "Storage Blob Data Contributor",
    "69566ab7-960f-475b-8e7c-b3118f30c6bd": "Storage File Data Privileged Contributor",
    "974c5e8b-45b9-4653-ba55-5f855dd0fb88": "Storage Queue Data Contributor",
    "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3": "Storage Table Data Contributor",
    "00482a5a-887f-4fb3-b363-3b7fe8e74483": "Key Vault Administrator",
    "b556d68e-0be0-4f35-a333-ad7ee1ce17ea": "Azure AI Enterprise Network Connection Approver",
}

BLOB_DATA_ACTIONS = tuple(
    f"Microsoft.Storage/storageAccounts/blobServices/containers/blobs/{action}"
    for action in ("read", "write", "delete", "add/action", "move/action")
)
WHAT_IF_ACTIONS = (
    "Microsoft.Resources/deployments/validate/action",
    "Microsoft.Resources/deployments/whatIf/action",
)
RESOURCE_PROVIDERS = (
    "Microsoft.MachineLearningServices",
    "Microsoft.Storage",
    "Microsoft.KeyVault",
    "Microsoft.ContainerRegistry",
    "Microsoft.ManagedIdentity",
    "Microsoft.Insights",
    "Microsoft.OperationalInsights",
    "Microsoft.Network",
)
LOCK_NAME = "ci-identities-read-only"


def action_matches(action: str) -> str:
    """The condition clause that targets `action`."""
    return "ActionMatches{'" + action + "'}"


def delegation_condition(role_ids: set[str] | dict[str, str]) -> str:
    """The condition that lets an RBAC administrator add or remove assignments of `role_ids` to service
    principals, and nothing else; its form is the one of
    learn.microsoft.com/azure/role-based-access-control/delegate-role-assignments-examples."""
    ids = ", ".join(sorted(role_ids))

    def clause(action: str, source: str) -> str:
        attribute = f"@{source}[Microsoft.Authorization/roleAssignments"
        roles = "{" + ids + "}"
        return (
            f"((!({action_matches('Microsoft.Authorization/roleAssignments/' + action)})) OR "
            f"({attribute}:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {roles} AND "
            f"{attribute}:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase " + "{'ServicePrincipal'}))"
        )

    return f"{clause('write', 'Request')} AND {clause('delete', 'Resource')}"


def storage_account_condition(account: str) -> str:
    """The condition that limits a blob data role to one storage account, by name: it can be assigned before
    the account exists (learn.microsoft.com/azure/storage/blobs/storage-auth-abac-attributes#account-name)."""
    not_these = " AND ".join(f"!({action_matches(action)})" for action in BLOB_DATA_ACTIONS)
    return f"(({not_these}) OR (@Resource[Microsoft.Storage/storageAccounts:name] StringEquals '{account}'))"


@dataclass(frozen=True)
class Identity:
    """A user-assigned managed identity that CI signs in as."""

    key: str
    name: str
    environment: str  # the environment whose subscription and CI resource group hold it
    resource_group: str
    purpose: str


@dataclass(frozen=True)
class Trust:
    """A federated credential: `identity` accepts tokens of `issuer` for `subject`. For an Azure DevOps
    service connection, issuer and subject are the connection's own, known once it exists."""

    identity: str
    name: str
    subject: str = ""
    issuer: str = GITHUB_ISSUER
    service_connection: str = ""


@dataclass(frozen=True)
class Grant:
    """A role assignment: `identity` holds `role` at `scope`, under `condition` when there is one."""

    identity: str
    role: str
    role_name: str
    scope: str
    why: str
    condition: str = ""


@dataclass(frozen=True)
class CustomRole:
    """A role definition bootstrap creates, because no built-in role is narrow enough."""

    name: str
    description: str
    actions: tuple[str, ...]
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class ServiceConnection:
    """An Azure DevOps service connection (workload identity federation) and the identity behind it."""

    name: str
    identity: str
    environment: str
    read_only: bool


@dataclass
class Design:
    """Everything bootstrap sets up in Azure for one project, given its subscriptions and tenants."""

    identities: dict[str, Identity] = field(default_factory=dict)
    trusts: list[Trust] = field(default_factory=list)
    grants: list[Grant] = field(default_factory=list)
    custom_roles: list[CustomRole] = field(default_factory=list)
    service_connections: list[ServiceConnection] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def identity_for(self, environment: str, read_only: bool) -> Identity:
        if not read_only:
            return self.identities[f"deploy-{environment}"]
        return self.identities.get(f"plan-{environment}") or self.identities["plan"]


def subscription_scope(subscription: str) -> str:
    return f"/subscriptions/{subscription}"


def storage_scope(subscription: str, resource_group: str, account: str) -> str:
    group = f"/subscriptions/{subscription}/resourceGroups/{resource_group}"
    return f"{group}/providers/Microsoft.Storage/storageAccounts/{account}"


def what_if_role(project: Project, subscriptions: dict[str, str]) -> CustomRole:
    return CustomRole(
        name=f"{project.name} infrastructure preview",
        description="Validate and what-if of subscription deployments, for pull-request previews (with Reader).",
        actions=WHAT_IF_ACTIONS,
        scopes=tuple(sorted({subscription_scope(subscription) for subscription in subscriptions.values()})),
    )


def design(project: Project, repo: Repository, subscriptions: dict[str, str], tenants: dict[str, str]) -> Design:
    """The identities, trusts and grants of `project` when dev and prod live in `subscriptions` (and `tenants`)."""
    result = Design()
    dev, prod = project.environments["dev"], project.environments["prod"]
    one_tenant = tenants["dev"] == tenants["prod"]
    for env in (dev, prod):
        result.identities[f"deploy-{env.name}"] = Identity(
            f"deploy-{env.name}",
            env.deploy_identity,
            env.name,
            env.ci_resource_group,
            f"deploys {env.name}" + (": infrastructure, training, endpoints, promotion" if env.name == "dev" else ""),
        )
    result.identities["plan"] = Identity(
        "plan", dev.plan_identity, "dev", dev.ci_resource_group, "reads both environments for pull-request previews"
    )
    if not one_tenant:
        # A managed identity belongs to one tenant: prod's previews need an identity of prod's tenant.
        result.identities["plan-prod"] = Identity(
            "plan-prod", prod.plan_identity, "prod", prod.ci_resource_group, "reads prod for pull-request previews"
        )
        result.notes.append(
            "dev and prod are in different tenants: the prod previews use their own identity (variables "
            "AZURE_CLIENT_ID_PLAN_PROD and AZURE_TENANT_ID_PROD), and the dev identity cannot write to the "
            "registry in prod's tenant, so promotion must copy the model with the prod identity"
        )

    _add_trusts(result, project, repo)
    for env in (dev, prod):
        _add_environment_grants(result, project, env, subscriptions[env.name])
    if one_tenant:
        result.grants.append(
            Grant(
                "deploy-dev",
                REGISTRY_USER,
                "AzureML Registry User",
                subscription_scope(subscriptions["prod"]),
                "promotion shares models from the dev workspace into the registry; the prod infrastructure "
                "creates the registry after bootstrap, so the role covers the prod subscription's registries",
            )
        )
    if not project.uses_terraform:
        role = what_if_role(project, subscriptions)
        result.custom_roles.append(role)
        for env in (dev, prod):
            result.grants.append(
                Grant(
                    result.identity_for(env.name, read_only=True).key,
                    role.name,
                    role.name,
                    subscription_scope(subscriptions[env.name]),
                    "pull requests preview the Bicep deployment (what-if with --validation-level ProviderNoRbac)",
                )
            )
    if subscriptions["dev"] == subscriptions["prod"]:
        result.notes.append(
            "dev and prod share one subscription: the dev identity can change prod's resources; give prod its own "
            "subscription to keep the prod approval meaningful"
        )
    return result


def _add_trusts(result: Design, project: Project, repo: Repository) -> None:
    if project.on_github:
        for env in project.environments:
            result.trusts.append(
                Trust(f"deploy-{env}", f"github-environment-{env}", f"repo:{repo.slug}:environment:{env}")
            )
        for key in [key for key in result.identities if key.startswith("plan")]:
            result.trusts.append(Trust(key, "github-pull-request", f"repo:{repo.slug}:pull_request"))
            # Jobs of main without a GitHub environment: the daily retraining check (retrain-model.yml) reads
            # the prod monitor's runs; the identity only reads.
            result.trusts.append(Trust(key, "github-main", f"repo:{repo.slug}:ref:refs/heads/main"))
        return
    for env in project.environments:
        for read_only in (False, True):
            connection = project.plan_service_connection(env) if read_only else project.service_connection(env)
            identity = result.identity_for(env, read_only)
            result.service_connections.append(ServiceConnection(connection, identity.key, env, read_only))
            result.trusts.append(
                Trust(identity.key, credential_name(f"azure-devops-{connection}"), service_connection=connection)
            )


def credential_name(text: str) -> str:
    """A federated credential name Azure accepts (letters, digits, hyphens, underscores; 3-120 characters)."""
    cleaned = "".join(character if character.isalnum() or character in "-_" else "-" for character in text)
    return cleaned.strip("-_")[:120] or "credential"


def _add_environment_grants(result: Design, project: Project, env: Environment, subscription: str) -> None:
    deploy = f"deploy-{env.name}"
    plan = result.identity_for(env.name, read_only=True).key
    scope = subscription_scope(subscription)
    result.grants += [
        Grant(deploy, CONTRIBUTOR, "Contributor", scope, f"creates and changes {env.name}'s resources"),
        Grant(
            deploy,
            RBAC_ADMINISTRATOR,
            "Role Based Access Control Administrator",
            scope,
            "the infrastructure code assigns roles to the workspace identity; the condition allows only those "
            "roles, and only to service principals",
            delegation_condition(DELEGABLE_ROLES),
        ),
        Grant(
            deploy,
            BLOB_DATA_CONTRIBUTOR,
            "Storage Blob Data Contributor",
            scope,
            f"uploads code and data to, and downloads outputs from, the workspace storage {env.storage_account} "
            "(shared keys are off: Azure ML uses the caller's own token); the condition limits it to that account, "
            "which the infrastructure creates later",
            storage_account_condition(env.storage_account),
        ),
        Grant(plan, READER, "Reader", scope, f"pull-request previews read {env.name}'s resources"),
    ]
    state = env.terraform_state
    if state:
        account = storage_scope(subscription, state[0], state[1])
        result.grants += [
            Grant(
                deploy,
                BLOB_DATA_CONTRIBUTOR,
                "Storage Blob Data Contributor",
                account,
                "Terraform reads, writes and locks its state with its Entra ID token",
            ),
            Grant(
                plan,
                BLOB_DATA_READER,
                "Storage Blob Data Reader",
                account,
                "pull-request plans read the state (terraform plan -lock=false: they never write it)",
            ),
        ]
