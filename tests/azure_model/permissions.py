"""The permission model of a generated project: its CI jobs, the identity each signs in as, the operations each
performs, and whether the roles of an identity set-up allow them; plus the checks of the identity design that
no single job shows (who a pull request can become, who may hand out roles).

Two set-ups can be modelled: the project's own infrastructure/bootstrap.py design, and the manual one-time
setup that projects had before it (main_readme_setup.json). Findings name the item of mlops-factory's issue
"Azure-ready on the first run" they belong to: 1 (data-plane access to the workspace storage), 4 (pull
requests and prod), 5 (promotion to the registry), or "other". The model also checks that the workspace,
storage account and registry the CI works on (config-infra-<env>.yml) are the ones the infrastructure code
creates, since the roles are scoped by those names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from iac_inventory import writes

from azure_model.ci_jobs import Job, ci_jobs
from azure_model.operations import (
    ML,
    PRINCIPAL_TYPE,
    REGISTRY,
    ROLE_DEFINITION_ID,
    SUBSCRIPTION,
    WORKSPACE,
    WORKSPACE_STORAGE,
    Names,
    infrastructure_inventory,
    names_of,
    operations_of,
)
from azure_model.project_code import import_from_project
from azure_model.rbac import Assignment, Operation, Role, built_in_roles, decide

SUBSCRIPTIONS = {"dev": "0d0d0d0d-0000-4000-8000-00000000de50", "prod": "0f0f0f0f-0000-4000-8000-0000000f0d00"}
TENANTS = {"dev": "7e7e7e7e-0000-4000-8000-000000000001", "prod": "7e7e7e7e-0000-4000-8000-000000000001"}
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
MAIN_README = Path(__file__).resolve().parent / "main_readme_setup.json"


@dataclass(frozen=True)
class Finding:
    item: str  # "1", "4", "5" or "other"
    where: str
    message: str

    def __str__(self) -> str:
        return f"[item {self.item}] {self.where}: {self.message}"


@dataclass
class SetUp:
    """An identity set-up: who trusts what, who holds which role, how CI finds the identity."""

    assignments: list[Assignment]
    roles: dict[str, Role]
    trusts: dict[str, set[str]]  # identity -> GitHub subjects (without the repo: "environment:dev", "pull_request")
    repository_variables: dict[str, str] = field(default_factory=dict)  # name -> identity
    environment_variables: dict[str, dict[str, str]] = field(default_factory=dict)
    service_connections: dict[str, str] = field(default_factory=dict)  # connection name -> identity
    main_only_connections: set[str] = field(default_factory=set)  # connections with a branch control on main

    def identity_for(self, job: Job, login: str | None = None) -> str | None:
        """The identity behind a job's sign-in (by default the job's; Terraform's may differ)."""
        login = login or job.login
        repository_only = login.startswith("repository:")
        login = login.removeprefix("repository:")
        if login.startswith("vars."):
            # `vars.A || vars.B`: the first variable that is set, as GitHub evaluates the expression
            scoped = {} if repository_only else self.environment_variables.get(job.environment or "", {})
            for alternative in login.split("||"):
                name = alternative.strip().split(".", 1)[1]
                found = scoped.get(name) or self.repository_variables.get(name)
                if found:
                    return found
            return None
        return self.service_connections.get(login)

    def allows(self, identity: str, operation: Operation) -> bool:
        return decide(self.assignments, self.roles, identity, operation).allowed


def bootstrap_setup(project: Path) -> SetUp:
    """The set-up that the project's infrastructure/bootstrap.py creates (its design, evaluated offline)."""
    files = import_from_project(project, "azure_setup.project")
    rendered = files.load_project(project)
    repo = (
        files.repository(rendered, None, None, None)
        if rendered.on_github
        else files.Repository("azure-devops", "org", rendered.name, rendered.name)
    )
    design = import_from_project(project, "azure_setup.design")
    plan = design.design(rendered, repo, SUBSCRIPTIONS, TENANTS)
    roles = dict(built_in_roles())
    for custom in plan.custom_roles:
        roles[custom.name] = Role(custom.name, custom.name, tuple(custom.actions))
    assignments = [
        Assignment(grant.identity, grant.role, grant.scope, grant.condition, grant.why) for grant in plan.grants
    ]
    prefix = f"repo:{repo.slug}:"
    trusts = {
        key: {t.subject.removeprefix(prefix) for t in plan.trusts if t.identity == key and t.subject}
        for key in plan.identities
    }
    setup = SetUp(assignments, roles, trusts)
    if rendered.on_github:
        github = import_from_project(project, "azure_setup.github")
        principals = {key: _Principal(key) for key in plan.identities}
        variables = github.wanted_variables(plan, principals, SUBSCRIPTIONS, TENANTS)
        setup.repository_variables = dict(variables[None])
        setup.environment_variables = {env: values for env, values in variables.items() if env}
    else:
        setup.service_connections = {connection.name: connection.identity for connection in plan.service_connections}
        setup.main_only_connections = {c.name for c in plan.service_connections if not c.read_only}
    return setup


@dataclass(frozen=True)
class _Principal:
    """A stand-in for the identity Azure would create: its client id is its key in the design."""

    client_id: str


def main_readme_setup(project: Path, orchestration: str, names: Names) -> SetUp:
    """The manual one-time setup of the README before bootstrap.py existed (main_readme_setup.json)."""
    data = json.loads(MAIN_README.read_text())[orchestration]
    roles = built_in_roles()
    by_name = {role.name: role.id for role in roles.values()}
    assignments = []
    for grant in data["grants"]:
        kind = SUBSCRIPTION if grant["scope"] == "subscription" else grant["scope"]
        if kind == "state storage" and "terraform_state_storage_account" not in names.configs[grant["environment"]]:
            continue
        scope, _ = names.scope(kind, grant["environment"])
        assignments.append(Assignment(grant["identity"], by_name[grant["role"]], scope, "", "README one-time setup"))
    setup = SetUp(assignments, dict(roles), {key: set(subjects) for key, subjects in data["identities"].items()})
    setup.repository_variables = dict(data.get("variables", {}).get("repository", {}))
    connections = import_from_project(project, "azure_setup.project").load_project(project)
    for environment, identity in data.get("service_connections", {}).items():
        setup.service_connections[connections.service_connection(environment)] = identity
    return setup


def validated_pipelines(project: Path) -> set[str]:
    """The Azure DevOps pipelines that bootstrap puts under build validation (those with a `pr:` trigger)."""
    devops = import_from_project(project, "azure_setup.devops")
    rendered = import_from_project(project, "azure_setup.project").load_project(project)
    return {pipeline.name for pipeline in devops.pipelines(rendered) if pipeline.pr_paths is not None}


def item_of(operation: Operation, names: Names) -> str:
    storages = {names.scope(WORKSPACE_STORAGE, env)[0].lower() for env in ("dev", "prod")}
    if operation.data and operation.scope.lower() in storages:
        return "1"
    if operation.scope.lower() == names.scope(REGISTRY, "prod")[0].lower():
        return "5"
    return "other"


def check_jobs(project: Path, orchestration: str, jobs: list[Job], setup: SetUp, names: Names) -> list[Finding]:
    """Every job signs in and may perform every operation it performs."""
    findings = []
    for job in jobs:
        identity = setup.identity_for(job)
        if identity is None:
            findings.append(Finding("other", job.label, f"signs in with {job.login}, which names no identity"))
            continue
        if orchestration == "github-actions":
            subject = (
                f"environment:{job.environment}"
                if job.environment
                else ("pull_request" if job.pull_request else "ref:refs/heads/main")
            )
            if subject not in setup.trusts.get(identity, set()):
                findings.append(
                    Finding(
                        "4" if job.pull_request else "other",
                        job.label,
                        f"sign-in fails: {identity} does not trust {subject}",
                    )
                )
                continue
        elif job.pull_request and job.login in setup.main_only_connections:
            findings.append(
                Finding(
                    "4", job.label, f"runs on pull requests with {job.login}, whose branch control admits main only"
                )
            )
            continue
        terraform_identity = setup.identity_for(job, job.terraform_login) if job.terraform_login else identity
        for operation in operations_of(project, job, names):
            actor = (terraform_identity if operation.tool == "terraform" else identity) or "(nobody)"
            if setup.allows(actor, operation):
                continue
            role = operation.attribute(ROLE_DEFINITION_ID)
            assigning = (
                f" (role {role}: {setup.roles[role].name if role in setup.roles else 'not vendored'})" if role else ""
            )
            who = (
                actor if actor == identity else f"Terraform, signed in as {actor} by the workflow-level ARM_CLIENT_ID,"
            )
            findings.append(
                Finding(
                    item_of(operation, names),
                    job.label,
                    f"{who} may not {operation.action}{assigning} on {operation.scope.rsplit('/', 1)[-1]} "
                    f"({operation.why}; {operation.doc})",
                )
            )
    return findings


def pull_request_identities(orchestration: str, jobs: list[Job], setup: SetUp) -> set[str]:
    """The identities a pull request can sign in as."""
    if orchestration == "github-actions":
        return {identity for identity, subjects in setup.trusts.items() if "pull_request" in subjects}
    return {
        setup.service_connections[job.login]
        for job in jobs
        if job.pull_request and job.login in setup.service_connections and job.login not in setup.main_only_connections
    }


def check_design(orchestration: str, jobs: list[Job], setup: SetUp, names: Names) -> list[Finding]:
    """What a pull request can become, who the prod identity trusts, and whether role administration is bounded."""
    findings = []
    identities = {assignment.principal for assignment in setup.assignments} | set(setup.trusts)
    for identity in sorted(pull_request_identities(orchestration, jobs, setup)):
        for env in ("dev", "prod"):
            probes = [
                Operation("Microsoft.Resources/subscriptions/resourceGroups/write", names.scope(SUBSCRIPTION, env)[0]),
                Operation(
                    "Microsoft.Authorization/roleAssignments/write",
                    names.scope(SUBSCRIPTION, env)[0],
                    attributes=(
                        (ROLE_DEFINITION_ID, "acdd72a7-3385-48ef-bd42-f606fba81ae7"),
                        (PRINCIPAL_TYPE, "ServicePrincipal"),
                    ),
                ),
                Operation(
                    f"{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs'}/write",
                    *names.scope(WORKSPACE_STORAGE, env)[:1],
                    True,
                    names.scope(WORKSPACE_STORAGE, env)[1],
                ),
            ]
            for probe in probes:
                if setup.allows(identity, probe):
                    findings.append(
                        Finding(
                            "4",
                            f"identity {identity}",
                            f"a pull request can sign in as it, and it may {probe.action} in {env}",
                        )
                    )
    if orchestration == "github-actions":
        for identity, subjects in setup.trusts.items():
            if "environment:prod" in subjects and subjects != {"environment:prod"}:
                others = ", ".join(sorted(subjects - {"environment:prod"}))
                findings.append(
                    Finding(
                        "4",
                        f"identity {identity}",
                        f"trusted for environment:prod and also for {others}: prod's reviewers can be bypassed",
                    )
                )
    for identity in sorted(identities):
        for env in ("dev", "prod"):
            owner = Operation(
                "Microsoft.Authorization/roleAssignments/write",
                names.scope(SUBSCRIPTION, env)[0],
                attributes=((ROLE_DEFINITION_ID, OWNER), (PRINCIPAL_TYPE, "User")),
            )
            if setup.allows(identity, owner):
                findings.append(
                    Finding(
                        "4",
                        f"identity {identity}",
                        f"may assign Owner to anyone in {env}: its role administration is unconstrained",
                    )
                )
    return findings


# What the CI works on, the ARM type the infrastructure creates it as, and the item a mismatch belongs to.
TARGETS = (
    (WORKSPACE, f"{ML}/workspaces", "other", ("dev", "prod")),
    (WORKSPACE_STORAGE, "Microsoft.Storage/storageAccounts", "1", ("dev", "prod")),
    (REGISTRY, f"{ML}/registries", "5", ("prod",)),
)


def check_targets(project: Path, names: Names) -> list[Finding]:
    """The workspace, storage account and registry the CI works on are created by the infrastructure code:
    the storage role's condition and the operations name them as config-infra-<env>.yml does."""
    findings = []
    for environment in ("dev", "prod"):
        created = {
            (write.arm_type, write.scope.lower())
            for write in writes(infrastructure_inventory(project, environment), names.subscriptions[environment])
        }
        for kind, arm_type, item, environments in TARGETS:
            scope, _ = names.scope(kind, environment)
            if environment in environments and (arm_type, scope.lower()) not in created:
                findings.append(
                    Finding(
                        item,
                        f"config-infra-{environment}.yml",
                        f"the CI works on the {kind} {scope.rsplit('/', 1)[-1]}, "
                        f"which the {environment} infrastructure code does not create",
                    )
                )
    return findings


def findings_of(project: Path, orchestration: str, setup: str = "bootstrap") -> list[Finding]:
    """All findings for `project` with the bootstrap design (`setup="bootstrap"`) or the README's manual setup."""
    names = names_of(project, SUBSCRIPTIONS)
    chosen = bootstrap_setup(project) if setup == "bootstrap" else main_readme_setup(project, orchestration, names)
    jobs = ci_jobs(project, orchestration, validated_pipelines(project)).jobs
    return (
        check_jobs(project, orchestration, jobs, chosen, names)
        + check_design(orchestration, jobs, chosen, names)
        + check_targets(project, names)
    )
