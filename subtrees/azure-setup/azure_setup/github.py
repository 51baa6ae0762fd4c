"""The GitHub side of bootstrap, through `gh`: the environments dev and prod (deployments from main only,
required reviewers on prod) and the variables the workflows sign in with.

Variables: at repository level the read-only identity, so that a job without an environment (a pull
request) can only read; in each environment its deploy identity, which overrides the repository value
(docs.github.com/actions/learn-github-actions/variables#configuration-variable-precedence).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .azure import Principal
from .commands import Runner
from .design import Design
from .errors import SetupError
from .project import ENVIRONMENTS, Repository

DEPLOYMENT_BRANCH = "main"


@dataclass(frozen=True)
class Reviewer:
    type: str  # "User" or "Team"
    id: int
    name: str


def check_access(runner: Runner, repo: Repository) -> None:
    """The repository exists and the signed-in GitHub account administers it (environments need admin)."""
    runner.read("gh", "auth", "status")
    result = runner.read("gh", "api", f"repos/{repo.slug}", missing_ok=True)
    if result is None:
        raise SetupError(
            f"github.com/{repo.slug} does not exist or is not visible to `gh`: push the project first, or pass --repo"
        )
    if not (result.json().get("permissions") or {}).get("admin"):
        raise SetupError(
            f"the signed-in GitHub account is not an administrator of {repo.slug}: ask one to run bootstrap"
        )


def resolve_reviewers(runner: Runner, names: list[str]) -> list[Reviewer]:
    """`login` is a user, `org/team-slug` a team; no names: the signed-in user."""
    if not names:
        me = runner.read("gh", "api", "user").json()
        return [Reviewer("User", int(me["id"]), me["login"])]
    reviewers = []
    for name in names:
        if "/" in name:
            org, slug = name.split("/", 1)
            found = runner.read("gh", "api", f"orgs/{org}/teams/{slug}", missing_ok=True)
            kind = "Team"
        else:
            found = runner.read("gh", "api", f"users/{name}", missing_ok=True)
            kind = "User"
        if found is None:
            raise SetupError(f"--prod-reviewer {name}: no such GitHub {kind.lower()} (a login, or org/team-slug)")
        reviewers.append(Reviewer(kind, int(found.json()["id"]), name))
    return reviewers


def environment_settings(name: str, reviewers: list[Reviewer]) -> dict:
    """The body of PUT /repos/{owner}/{repo}/environments/{name} (docs.github.com/rest/deployments/environments)."""
    policy = {"protected_branches": False, "custom_branch_policies": True}
    body: dict = {"deployment_branch_policy": policy}
    if name == "prod":
        body["reviewers"] = [{"type": reviewer.type, "id": reviewer.id} for reviewer in reviewers]
    return body


def _current_reviewers(environment: dict) -> set[tuple[str, int]]:
    reviewers = set()
    for rule in environment.get("protection_rules") or []:
        if rule.get("type") == "required_reviewers":
            for entry in rule.get("reviewers") or []:
                reviewers.add((entry.get("type"), int((entry.get("reviewer") or {}).get("id", 0))))
    return reviewers


def ensure_environment(runner: Runner, repo: Repository, name: str, reviewers: list[Reviewer]) -> None:
    path = f"repos/{repo.slug}/environments/{name}"
    found = runner.read("gh", "api", path, missing_ok=True)
    wanted = environment_settings(name, reviewers)
    current = found.json() if found else None
    up_to_date = (
        current is not None and (current.get("deployment_branch_policy") or {}) == wanted["deployment_branch_policy"]
    )
    if up_to_date and name == "prod":
        up_to_date = _current_reviewers(current) == {(reviewer.type, reviewer.id) for reviewer in reviewers}
    if not up_to_date:
        runner.change("gh", "api", "--method", "PUT", path, "--input", "-", stdin=json.dumps(wanted, sort_keys=True))
    policies = runner.read("gh", "api", f"{path}/deployment-branch-policies", missing_ok=True)
    names = {
        policy.get("name") for policy in ((policies.json() if policies else None) or {}).get("branch_policies", [])
    }
    if DEPLOYMENT_BRANCH not in names:
        runner.change(
            "gh", "api", "--method", "POST", f"{path}/deployment-branch-policies",
            "-f", f"name={DEPLOYMENT_BRANCH}", "-f", "type=branch",
        )  # fmt: skip


def wanted_variables(
    plan: Design, principals: dict[str, Principal], subscriptions: dict[str, str], tenants: dict[str, str]
) -> dict[str | None, dict[str, str]]:
    """The variables to set: None is the repository level, otherwise the environment's name."""
    plan_identity = principals[plan.identity_for("dev", read_only=True).key]
    repository_level = {
        "AZURE_CLIENT_ID": plan_identity.client_id,
        "AZURE_TENANT_ID": tenants["dev"],
        "AZURE_SUBSCRIPTION_ID": subscriptions["dev"],
        "AZURE_SUBSCRIPTION_ID_DEV": subscriptions["dev"],
        "AZURE_SUBSCRIPTION_ID_PROD": subscriptions["prod"],
    }
    if "plan-prod" in plan.identities:
        repository_level["AZURE_CLIENT_ID_PLAN_PROD"] = principals["plan-prod"].client_id
        repository_level["AZURE_TENANT_ID_PROD"] = tenants["prod"]
    variables: dict[str | None, dict[str, str]] = {None: repository_level}
    for env in ENVIRONMENTS:
        variables[env] = {
            "AZURE_CLIENT_ID": principals[f"deploy-{env}"].client_id,
            "AZURE_TENANT_ID": tenants[env],
            "AZURE_SUBSCRIPTION_ID": subscriptions[env],
        }
    return variables


def ensure_variables(runner: Runner, repo: Repository, environment: str | None, wanted: dict[str, str]) -> None:
    scope = ["--repo", repo.slug] + (["--env", environment] if environment else [])
    listed = runner.read("gh", "variable", "list", *scope, "--json", "name,value", missing_ok=True)
    current = {item["name"]: item.get("value") for item in ((listed.json() if listed else None) or [])}
    for name, value in wanted.items():
        if current.get(name) != value:
            runner.change("gh", "variable", "set", name, "--body", value, *scope)


def set_up_github(
    runner: Runner,
    repo: Repository,
    plan: Design,
    principals: dict[str, Principal],
    subscriptions: dict[str, str],
    tenants: dict[str, str],
    reviewer_names: list[str],
) -> None:
    """Environments (prod with its reviewers), deployment branch policies and variables of `repo`."""
    check_access(runner, repo)
    reviewers = resolve_reviewers(runner, reviewer_names)
    for env in ENVIRONMENTS:
        ensure_environment(runner, repo, env, reviewers)
    for environment, values in wanted_variables(plan, principals, subscriptions, tenants).items():
        ensure_variables(runner, repo, environment, values)
