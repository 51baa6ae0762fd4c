"""The fake `gh`: repositories with their environments, deployment branch policies and variables, answering
the REST paths of docs.github.com/rest/deployments/environments like `gh api` does (HTTP 404 on stderr)."""

from __future__ import annotations

import json
from typing import Any

from fakes.engine import Answer, Call, Fake, done

# gh options that take one value; words after them are positional (gh api <path>, gh variable set <name>).
SINGLE_VALUED = frozenset(
    [
        "--method",
        "-X",
        "--input",
        "-f",
        "-F",
        "--raw-field",
        "--field",
        "-H",
        "--header",
        "--jq",
        "-q",
        "--repo",
        "-R",
        "--env",
        "-e",
        "--body",
        "-b",
        "--json",
        "--hostname",
    ]
)


def missing(path: str) -> Answer:
    return Answer(1, {"message": "Not Found", "status": "404"}, "gh: Not Found (HTTP 404)\n")


def handle(fake: Fake, call: Call) -> None:
    github = fake.state.setdefault("github", {})
    if call.words[:2] == ["auth", "status"]:
        if not github.get("signed_in", True):
            raise Answer(1, stderr="You are not logged into any GitHub hosts. To log in, run: gh auth login\n")
        raise done("github.com\n  Logged in to github.com account " + github["user"]["login"])
    if call.words[:1] == ["api"]:
        api(fake, github, call)
    if call.words[:2] == ["variable", "list"]:
        raise done([{"name": name, "value": value} for name, value in sorted(variables(github, call).items())])
    if call.words[:2] == ["variable", "set"]:
        variables(github, call)[call.words[2]] = call.need("--body", "-b")
        raise done(changed=True)
    if call.words[:2] == ["repo", "create"]:
        slug = call.words[2]
        if slug in github.setdefault("repos", {}):
            raise Answer(1, stderr="GraphQL: Name already exists on this account (createRepository)\n")
        visibility = next((v for v in ("private", "public", "internal") if call.has(f"--{v}")), None)
        if visibility is None:
            raise Answer(1, stderr="X one of --public, --private, or --internal is required\n")
        github["repos"][slug] = {"permissions": {"admin": True}, "visibility": visibility}
        raise done(f"https://github.com/{slug}", changed=True)


def repository(github: dict, slug: str) -> dict:
    found = github.setdefault("repos", {}).get(slug)
    if found is None:
        raise missing(slug)
    return found


def variables(github: dict, call: Call) -> dict:
    repo = repository(github, call.need("--repo", "-R"))
    environment = call.get("--env", "-e")
    if environment is None:
        return repo.setdefault("variables", {})
    if environment not in repo.setdefault("environments", {}):
        raise missing(environment)
    return repo.setdefault("environment_variables", {}).setdefault(environment, {})


def api(fake: Fake, github: dict, call: Call) -> None:
    path = call.words[1].strip("/")
    method = (call.get("--method", "-X") or "GET").upper()
    body: dict[str, Any] = json.loads(call.stdin) if call.get("--input") == "-" and call.stdin else {}
    for field in call.all("-f") + call.all("--raw-field") + call.all("-F"):
        key, _, value = field.partition("=")
        body[key] = value
    parts = path.split("/")
    if path == "user":
        raise done(github["user"])
    if parts[0] == "users" and len(parts) == 2:
        user = github.setdefault("users", {}).get(parts[1])
        raise done(user) if user else missing(path)
    if parts[0] == "orgs" and len(parts) == 4 and parts[2] == "teams":
        team = github.setdefault("teams", {}).get(f"{parts[1]}/{parts[3]}")
        raise done(team) if team else missing(path)
    if parts[0] != "repos" or len(parts) < 3:
        raise missing(path)
    repo = repository(github, f"{parts[1]}/{parts[2]}")
    if len(parts) == 3:
        raise done({"full_name": f"{parts[1]}/{parts[2]}", "permissions": repo.get("permissions", {})})
    if parts[3] != "environments" or len(parts) < 5:
        raise missing(path)
    environments = repo.setdefault("environments", {})
    name = parts[4]
    if len(parts) == 5:
        if method == "PUT":
            environments[name] = environment(github, name, body)
            raise done(environments[name], changed=True)
        raise done(environments[name]) if name in environments else missing(path)
    if parts[5] == "deployment-branch-policies" and name in environments:
        policies = repo.setdefault("branch_policies", {}).setdefault(name, [])
        if method == "POST":
            if not environments[name]["deployment_branch_policy"] or not environments[name][
                "deployment_branch_policy"
            ].get("custom_branch_policies"):
                raise Answer(1, stderr="gh: Custom branch policies are not enabled for this environment (HTTP 422)\n")
            policy = {"id": len(policies) + 1, "name": body["name"], "type": body.get("type", "branch")}
            policies.append(policy)
            raise done(policy, changed=True)
        raise done({"total_count": len(policies), "branch_policies": policies})
    raise missing(path)


def environment(github: dict, name: str, body: dict) -> dict:
    """An environment as GET returns it, after PUT with `body`."""
    rules = []
    if body.get("reviewers"):
        reviewers = []
        for reviewer in body["reviewers"]:
            known = {entry["id"]: entry for entry in list(github.get("users", {}).values()) + [github["user"]]}
            reviewers.append({"type": reviewer["type"], "reviewer": known.get(reviewer["id"], {"id": reviewer["id"]})})
        rules.append(
            {
                "type": "required_reviewers",
                "prevent_self_review": bool(body.get("prevent_self_review")),
                "reviewers": reviewers,
            }
        )
    if body.get("deployment_branch_policy"):
        rules.append({"type": "branch_policy"})
    return {"name": name, "protection_rules": rules, "deployment_branch_policy": body.get("deployment_branch_policy")}
