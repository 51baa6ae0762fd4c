"""infrastructure/bootstrap.py and infrastructure/preflight.py of generated projects, run as a user runs them,
against the fake `az` and `gh` of tests/fakes (a small model of Azure, GitHub and Azure DevOps)."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import types
from collections.abc import Callable
from pathlib import Path

import pytest
from azure_model.operations import infrastructure_inventory
from azure_model.project_code import import_from_project
from fakes.fixture import DEV_SUBSCRIPTION, PROD_SUBSCRIPTION, RECORDED, FakeCli
from mlops_factory.axes import combination_id

GITHUB = {
    "infrastructure_version": "terraform",
    "project_type": "cv",
    "mlops_version": "aml-cli-v2",
    "orchestration": "github-actions",
}
DEVOPS = {
    "infrastructure_version": "bicep",
    "project_type": "classical",
    "mlops_version": "python-sdk-v2",
    "orchestration": "azure-devops",
}
CV_BICEP = {
    "infrastructure_version": "bicep",
    "project_type": "cv",
    "mlops_version": "python-sdk-v2",
    "orchestration": "azure-devops",
}
SUBSCRIPTIONS = ["--dev-subscription", DEV_SUBSCRIPTION, "--prod-subscription", PROD_SUBSCRIPTION]
BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
RBAC_ADMINISTRATOR = "f58310d9-a9f6-439a-9e8d-f62e7b41a168"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
USER_ACCESS_ADMINISTRATOR = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
BLOB_DATA_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
REGISTRY_USER = "1823dd4f-9b8c-4ab6-ab4e-7397a3684615"
COMPUTE_CLUSTERS = "Microsoft.MachineLearningServices/workspaces/computes"


@pytest.fixture
def project(rendered_project, tmp_path: Path, request) -> Path:
    """A copy of a rendered project (bootstrap writes into it); the combination comes from the parametrization."""
    combination = request.param
    destination = tmp_path / combination_id(combination)
    shutil.copytree(rendered_project(combination), destination)
    return destination


def on(combination: dict[str, str]):
    return pytest.mark.parametrize("project", [combination], indirect=True, ids=[combination_id(combination)])


def grouped(combination: dict[str, str]):
    """Share the render with tests/test_matrix.py when the suite runs in parallel."""
    return pytest.mark.xdist_group(combination_id(combination))


def bootstrap(project: Path, *arguments: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "infrastructure/bootstrap.py", *SUBSCRIPTIONS, *arguments],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.fixture(scope="module")
def bootstrapped(rendered_project, tmp_path_factory) -> tuple[Path, FakeCli]:
    """The GitHub project after one bootstrap run, and the fakes' world then: the starting point of the tests
    of second runs and of preflight (one first run for all of them keeps the module fast)."""
    root = tmp_path_factory.mktemp("bootstrapped")
    project = shutil.copytree(rendered_project(GITHUB), root / "project")
    world = FakeCli(root / "fake-cli")
    result = bootstrap(project, env=world.environment())
    assert result.returncode == 0, result.stderr
    return project, world


@pytest.fixture
def after_bootstrap(bootstrapped, fake_cli: FakeCli, tmp_path: Path) -> Path:
    """A copy of the bootstrapped project, with the fakes of this test answering from the world bootstrap left."""
    project, world = bootstrapped
    fake_cli.write("state", world.state)
    return shutil.copytree(project, tmp_path / "project")


def assignments(state: dict, principal: str) -> dict[tuple[str, str], str | None]:
    """(role id, scope) -> condition of every role assignment of `principal`."""
    return {
        (item["roleDefinitionId"].rsplit("/", 1)[1], item["scope"]): item["condition"]
        for item in state["role_assignments"]
        if item["principalId"] == principal
    }


def identity(state: dict, name: str) -> dict:
    return next(item for key, item in state["identities"].items() if key.endswith(f"/{name}"))


def subjects(state: dict, name: str) -> set[str]:
    key = next(key for key in state["identities"] if key.endswith(f"/{name}"))
    return {credential["subject"] for credential in state["federated_credentials"].get(key, {}).values()}


def subscription(name: str) -> str:
    return f"/subscriptions/{name}"


@grouped(GITHUB)
def test_bootstrap_sets_up_github_and_a_second_run_changes_nothing(
    bootstrapped, after_bootstrap: Path, fake_cli: FakeCli
):
    _, world = bootstrapped
    assert len(world.changes()) > 50, "the first run created the identities, roles, state storage and GitHub settings"
    state = world.state
    project = after_bootstrap

    deploy_dev, deploy_prod = (
        identity(state, "id-mymlopspro-0001dev-deploy"),
        identity(state, "id-mymlopspro-0001prod-deploy"),
    )
    plan = identity(state, "id-mymlopspro-0001dev-plan")
    assert subjects(state, "id-mymlopspro-0001dev-deploy") == {"repo:my-org/my-mlops-project:environment:dev"}
    assert subjects(state, "id-mymlopspro-0001prod-deploy") == {"repo:my-org/my-mlops-project:environment:prod"}
    # Pull requests, and jobs of main without an environment: the daily retraining check (read-only).
    assert subjects(state, "id-mymlopspro-0001dev-plan") == {
        "repo:my-org/my-mlops-project:pull_request",
        "repo:my-org/my-mlops-project:ref:refs/heads/main",
    }

    dev_roles = assignments(state, deploy_dev["principalId"])
    assert (
        "@Resource[Microsoft.Storage/storageAccounts:name] StringEquals 'stmymlopspro0001dev'"
        in dev_roles[(BLOB_DATA_CONTRIBUTOR, subscription(DEV_SUBSCRIPTION))]
    )
    delegation = dev_roles[(RBAC_ADMINISTRATOR, subscription(DEV_SUBSCRIPTION))]
    assert "ForAnyOfAnyValues:GuidEquals" in delegation and "ServicePrincipal" in delegation
    assert not {OWNER, USER_ACCESS_ADMINISTRATOR, RBAC_ADMINISTRATOR} & set(GUID.findall(delegation))
    assert dev_roles[(REGISTRY_USER, subscription(PROD_SUBSCRIPTION))] is None
    state_account = (
        f"/subscriptions/{DEV_SUBSCRIPTION}/resourceGroups/rg-mymlopspro-0001dev-tf"
        "/providers/Microsoft.Storage/storageAccounts/stmymlopspro0001devtf"
    )
    assert (BLOB_DATA_CONTRIBUTOR, state_account) in dev_roles
    prod_roles = assignments(state, deploy_prod["principalId"])
    assert {role for role, scope in prod_roles if scope == subscription(DEV_SUBSCRIPTION)} == set()
    assert set(assignments(state, plan["principalId"])) == {
        (READER, subscription(DEV_SUBSCRIPTION)),
        (READER, subscription(PROD_SUBSCRIPTION)),
        (BLOB_DATA_READER, state_account),
        (BLOB_DATA_READER, state_account.replace("dev", "prod").replace(DEV_SUBSCRIPTION, PROD_SUBSCRIPTION)),
    }

    account = state["storage_accounts"][state_account]
    assert (
        account["settings"]["allow-shared-key-access"] == "false"
        and account["blobService"]["enable-versioning"] == "true"
    )
    for group in ("rg-mymlopspro-0001dev-ci", "rg-mymlopspro-0001prod-ci"):
        lock = next(locks for key, locks in state["locks"].items() if key.endswith(group))
        assert [entry["level"] for entry in lock.values()] == ["ReadOnly"]

    repo = state["github"]["repos"]["my-org/my-mlops-project"]
    assert repo["variables"]["AZURE_CLIENT_ID"] == plan["clientId"], (
        "a job without environment must get the read-only identity"
    )
    assert repo["environment_variables"]["dev"]["AZURE_CLIENT_ID"] == deploy_dev["clientId"]
    assert repo["environment_variables"]["prod"]["AZURE_SUBSCRIPTION_ID"] == PROD_SUBSCRIPTION
    prod = repo["environments"]["prod"]
    assert [
        rule["reviewers"][0]["reviewer"]["login"]
        for rule in prod["protection_rules"]
        if rule["type"] == "required_reviewers"
    ] == ["octocat"]
    assert {name: [policy["name"] for policy in policies] for name, policies in repo["branch_policies"].items()} == {
        "dev": ["main"],
        "prod": ["main"],
    }
    record = json.loads((project / "infrastructure" / "azure-setup.json").read_text())
    assert record["identities"]["plan"]["client_id"] == plan["clientId"]

    second = bootstrap(project)
    assert second.returncode == 0, second.stderr
    assert fake_cli.calls() and fake_cli.changes() == []
    assert "Nothing to change" in second.stdout


@grouped(DEVOPS)
@on(DEVOPS)
def test_bootstrap_sets_up_azure_devops_and_a_second_run_changes_nothing(project: Path, fake_cli: FakeCli):
    first = bootstrap(project, "--organization", "contoso", "--prod-approver", "admin@contoso.com")
    assert first.returncode == 0, first.stderr
    state = fake_cli.state
    devops = state["devops"]["https://dev.azure.com/contoso/my-mlops-project"]

    connections = devops["service_endpoints"]
    assert set(connections) == {
        "sc-my-mlops-project-dev",
        "sc-my-mlops-project-prod",
        "sc-my-mlops-project-dev-plan",
        "sc-my-mlops-project-prod-plan",
    }
    assert {c["authorization"]["scheme"] for c in connections.values()} == {"WorkloadIdentityFederation"}
    prod_connection = connections["sc-my-mlops-project-prod"]
    deploy_prod = identity(state, "id-mymlopspro-0001prod-deploy")
    assert prod_connection["authorization"]["parameters"]["serviceprincipalid"] == deploy_prod["clientId"]
    assert prod_connection["data"]["subscriptionId"] == PROD_SUBSCRIPTION
    assert subjects(state, "id-mymlopspro-0001prod-deploy") == {
        prod_connection["authorization"]["parameters"]["workloadIdentityFederationSubject"]
    }
    assert len(subjects(state, "id-mymlopspro-0001dev-plan")) == 2, "one subject per read-only connection"

    environments = devops["environments"]
    checks = {(check["resource"]["type"], check["resource"]["name"]): check for check in devops["checks"]}
    assert checks[("environment", "prod")]["type"]["name"] == "Approval"
    assert ("environment", "dev") not in checks
    assert (
        checks[("endpoint", "sc-my-mlops-project-prod")]["settings"]["inputs"]["allowedBranches"] == "refs/heads/main"
    )
    assert ("endpoint", "sc-my-mlops-project-prod-plan") not in checks

    pipelines = {pipeline["name"]: pipeline["id"] for pipeline in devops["pipelines"].values()}
    validated = {
        policy["settings"]["buildDefinitionId"]: policy["settings"]["filenamePatterns"] for policy in devops["policies"]
    }
    assert validated == {
        pipelines["bicep-ado-deploy-infra"]: ["/infrastructure/*", "/config-infra-dev.yml", "/config-infra-prod.yml"],
        pipelines["pr-gate"]: [],
    }
    allowed = {key: {item["id"] for item in value["pipelines"]} for key, value in devops["permissions"].items()}
    assert allowed[f"environment/{environments['prod']['id']}"] >= {
        pipelines["promote-model"],
        pipelines["bicep-ado-deploy-infra"],
    }
    assert allowed[f"endpoint/{prod_connection['id']}"] >= {pipelines["deploy-model-training-pipeline"]}
    # The daily retraining check reads prod through prod's read-only connection, and only through it; the
    # monitor set-up deploys to prod through the deploy connection, after the prod approval.
    prod_plan = connections["sc-my-mlops-project-prod-plan"]
    assert pipelines["retrain-model"] in allowed[f"endpoint/{prod_plan['id']}"]
    assert pipelines["retrain-model"] not in allowed[f"endpoint/{prod_connection['id']}"]
    assert pipelines["deploy-model-monitor"] in allowed[f"endpoint/{prod_connection['id']}"]
    assert pipelines["deploy-model-monitor"] in allowed[f"environment/{environments['prod']['id']}"]

    what_if = next(
        role for role in state["role_definitions"] if role["roleName"] == "my-mlops-project infrastructure preview"
    )
    plan = identity(state, "id-mymlopspro-0001dev-plan")
    assert (what_if["name"], subscription(PROD_SUBSCRIPTION)) in assignments(state, plan["principalId"])

    fake_cli.clear_log()
    second = bootstrap(project, "--organization", "contoso", "--prod-approver", "admin@contoso.com")
    assert second.returncode == 0, second.stderr
    assert fake_cli.changes() == []


@grouped(GITHUB)
@on(GITHUB)
def test_dry_run_prints_every_call_and_changes_nothing(project: Path, fake_cli: FakeCli):
    fake_cli.change_state(lambda state: state["github"]["repos"].clear())  # not created yet: the push comes later
    result = bootstrap(project, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert fake_cli.changes() == []
    assert not (project / "infrastructure" / "azure-setup.json").exists()
    printed = [
        shlex.split(line.split(": ", 1)[1])
        for line in result.stdout.splitlines()
        if line.startswith(("  would run", "  reads"))
    ]
    made = [[call["tool"], *call["argv"]] for call in fake_cli.calls()]
    assert made and all(argv in printed for argv in made), "a call was made but not printed"
    assert [argv for argv in made if argv not in printed] == []
    commands = [" ".join(argv) for argv in printed]
    assert any(command.startswith("az identity create --name id-mymlopspro-0001prod-deploy") for command in commands)
    assert any(
        command.startswith("az role assignment create --assignee-object-id <object id of") for command in commands
    )
    assert any(
        command.startswith("gh variable set AZURE_CLIENT_ID --body <client id of id-mymlopspro-0001dev-plan>")
        for command in commands
    )
    assert any(command.startswith("gh repo create my-org/my-mlops-project --private") for command in commands)
    assert "change(s) printed above, none made" in result.stdout


@grouped(GITHUB)
@on(GITHUB)
def test_a_failure_stops_with_one_sentence_and_the_next_run_finishes_the_job(project: Path, fake_cli: FakeCli):
    denied = (
        "ERROR: (AuthorizationFailed) The client 'admin@contoso.com' does not have authorization to perform action "
        "'Microsoft.Authorization/roleAssignments/write' over scope '/subscriptions/x'.\n"
    )
    fake_cli.fail("role", "assignment", "create", occurrence=3, stderr=denied)
    failed = bootstrap(project)
    assert failed.returncode == 1
    assert failed.stderr.count("\n") == 1 and "Traceback" not in failed.stderr
    assert failed.stderr.startswith("error: `az role assignment create") and "AuthorizationFailed" in failed.stderr
    locks = [lock for group in fake_cli.state["locks"].values() for lock in group.values()]
    assert len(locks) == 2, "the CI resource groups are locked even when the run stops half-way"

    fake_cli.write("control", {})
    finished = bootstrap(project)
    assert finished.returncode == 0, finished.stderr
    assert len(fake_cli.state["role_assignments"]) == 13, "5 roles of deploy-dev, 4 of deploy-prod, 4 of plan"


@grouped(GITHUB)
def test_a_second_run_repairs_only_what_drifted(after_bootstrap: Path, fake_cli: FakeCli):
    def drift(state: dict) -> None:
        key = next(key for key in state["federated_credentials"] if key.endswith("id-mymlopspro-0001prod-deploy"))
        state["federated_credentials"][key].clear()
        state["github"]["repos"]["my-org/my-mlops-project"]["variables"]["AZURE_CLIENT_ID"] = "someone-else"

    fake_cli.change_state(drift)
    repaired = bootstrap(after_bootstrap)
    assert repaired.returncode == 0, repaired.stderr
    assert [change.split(" --")[0] for change in fake_cli.changes()] == [
        "az lock delete",  # the CI resource group of prod is read-only: lifted for the repair, then put back
        "az identity federated-credential create",
        "gh variable set AZURE_CLIENT_ID",
        "az lock create",
    ]


@grouped(GITHUB)
@on(GITHUB)
def test_an_expired_sign_in_is_one_sentence_that_says_az_login(project: Path, fake_cli: FakeCli):
    fake_cli.expire_login_after(5)
    result = bootstrap(project)
    assert result.returncode == 1
    assert "AADSTS700024" in result.stderr and result.stderr.rstrip().endswith("run `az login`")
    assert "Traceback" not in result.stderr


@grouped(GITHUB)
@on(GITHUB)
def test_a_subscription_the_account_cannot_use_is_named_in_one_sentence(project: Path, fake_cli: FakeCli):
    result = subprocess.run(
        [sys.executable, "infrastructure/bootstrap.py", "--prod-subscription", "99999999-9999-4999-8999-999999999999"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr == (
        "error: subscription 99999999-9999-4999-8999-999999999999 is not available to the signed-in account: "
        "run `az login --tenant <its tenant>` or check the id\n"
    )
    assert fake_cli.changes() == []


@grouped(GITHUB)
@on(GITHUB)
def test_without_az_on_path_it_says_what_to_install(project: Path, tmp_path: Path):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    result = subprocess.run(
        [sys.executable, "infrastructure/bootstrap.py"],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": str(empty)},
        timeout=60,
    )
    assert result.returncode == 1
    assert (
        result.stderr
        == "error: `az` is not on PATH: install the Azure CLI (https://learn.microsoft.com/cli/azure/install-azure-cli)\n"
    )


@grouped(GITHUB)
@on(GITHUB)
def test_prod_in_another_tenant_gets_its_own_read_only_identity_and_no_cross_tenant_role(project: Path):
    setup = import_from_project(project, "azure_setup.design")
    project_files = import_from_project(project, "azure_setup.project")
    rendered = project_files.load_project(project)
    subscriptions = {"dev": DEV_SUBSCRIPTION, "prod": PROD_SUBSCRIPTION}
    plan = setup.design(rendered, project_files.repository(rendered), subscriptions, {"dev": "t1", "prod": "t2"})
    assert any("different tenants" in note for note in plan.notes)
    assert plan.identities["plan-prod"].name == "id-mymlopspro-0001prod-plan"
    assert plan.identity_for("prod", read_only=True).key == "plan-prod"
    assert not [grant for grant in plan.grants if grant.identity == "deploy-dev" and PROD_SUBSCRIPTION in grant.scope]
    assert [t.subject for t in plan.trusts if t.identity == "plan-prod"] == [
        "repo:my-org/my-mlops-project:pull_request",
        "repo:my-org/my-mlops-project:ref:refs/heads/main",
    ]
    github = import_from_project(project, "azure_setup.github")
    principals = {key: types.SimpleNamespace(client_id=f"client-{key}") for key in plan.identities}
    variables = github.wanted_variables(plan, principals, subscriptions, {"dev": "t1", "prod": "t2"})
    assert variables[None]["AZURE_CLIENT_ID_PLAN_PROD"] == "client-plan-prod"
    assert variables[None]["AZURE_TENANT_ID_PROD"] == "t2" and variables["prod"]["AZURE_TENANT_ID"] == "t2"


# ── preflight ─────────────────────────────────────────────────────────────────────────────────────
def preflight(project: Path) -> Callable[..., tuple[int, list[str]]]:
    """Run the project's preflight.main in this process (with a fake DNS and registry), its exit code and lines."""
    module = import_from_project(project, "preflight")

    def run(
        *arguments: str,
        taken_hosts: frozenset[str] = frozenset(),
        missing_images: frozenset[str] = frozenset(),
        capsys=None,
    ):
        code = module.main(
            ["--project-dir", str(project), *arguments],
            resolve=lambda host: host in taken_hosts,
            status=lambda url, headers: 404 if any(image in url for image in missing_images) else 200,
        )
        return code, capsys.readouterr().out.splitlines()

    return run


@grouped(GITHUB)
def test_preflight_passes_after_bootstrap_on_a_healthy_subscription(after_bootstrap: Path, fake_cli: FakeCli, capsys):
    project = after_bootstrap
    fake_cli.use_recorded("eastus-quota")
    code, lines = preflight(project)(capsys=capsys)
    failures = [line for line in lines if line.startswith("✘")]
    assert failures == [], lines
    assert code == 0
    joined = "\n".join(lines)
    assert (
        "✔ dev: Standard_NC4as_T4_v3 in eastus: 8 of 8 standardNCASv3_T4Family vCPUs free, 4 per node, up to 2 nodes"
        in joined
    )
    assert "prod: Standard_NC4as_T4_v3" not in joined, "prod has no GPU cluster: it never trains"
    assert (
        "✔ prod: id-mymlopspro-0001prod-deploy trusts exactly repo:my-org/my-mlops-project:environment:prod" in joined
    )
    assert "✔ dev: id-mymlopspro-0001dev-deploy holds Storage Blob Data Contributor on subscription" in joined
    assert "✔ base image mcr.microsoft.com/azureml/openmpi5.0-ubuntu24.04:" in joined


@pytest.mark.parametrize(
    "combination", [pytest.param(c, id=combination_id(c), marks=grouped(c)) for c in (GITHUB, CV_BICEP)]
)
def test_preflight_checks_the_quota_of_exactly_the_clusters_the_infrastructure_creates(rendered_project, combination):
    """Preflight reads the clusters' sizes and node counts from the code on its own (standard library only);
    the inventory of the same code (tests/iac_inventory.py) agrees in each environment: a CPU cluster in
    both, the GPU cluster of a cv project in dev only, since prod never trains."""
    project = rendered_project(combination)
    files = import_from_project(project, "azure_setup.project")
    rendered = files.load_project(project)
    created = {}
    for environment in ("dev", "prod"):
        inventory = infrastructure_inventory(project, environment)
        clusters = [inventory.nodes[key].settings for key in inventory.keys_of(COMPUTE_CLUSTERS)]
        created[environment] = sorted((cluster["vm_size"], cluster["max_nodes"]) for cluster in clusters)
        checked = sorted(
            (cluster.vm_size, cluster.max_nodes) for cluster in files.compute_clusters(rendered, environment)
        )
        assert checked == created[environment], environment
    assert created == {"dev": [("Standard_DS3_v2", 4), ("Standard_NC4as_T4_v3", 2)], "prod": [("Standard_DS3_v2", 4)]}


@grouped(GITHUB)
def test_preflight_names_each_problem_and_the_command_that_fixes_it(after_bootstrap: Path, fake_cli: FakeCli, capsys):
    project = after_bootstrap
    fake_cli.use_recorded("eastus-no-gpu-quota")

    def break_things(state: dict) -> None:
        state["providers"][PROD_SUBSCRIPTION]["Microsoft.MachineLearningServices"] = "NotRegistered"
        state["taken_names"] = ["crmymlopspro0001prod"]
        state["deleted_vaults"] = ["kv-mymlopspro-0001dev"]
        key = next(key for key in state["federated_credentials"] if key.endswith("id-mymlopspro-0001dev-plan"))
        state["federated_credentials"][key]["github-pull-request"]["subject"] = "repo:someone/else:pull_request"

    fake_cli.change_state(break_things)
    code, lines = preflight(project)(
        taken_hosts=frozenset({"mymlopspro-0001prod-online.eastus.inference.ml.azure.com"}),
        missing_images=frozenset({"openmpi5.0"}),
        capsys=capsys,
    )
    assert code == 1
    failures = "\n".join(line for line in lines if line.startswith("✘"))
    for expected in (
        "prod: resource providers not registered: Microsoft.MachineLearningServices  -> fix: az provider register "
        f"--namespace Microsoft.MachineLearningServices --subscription {PROD_SUBSCRIPTION}",
        "dev: Standard_NC4as_T4_v3 in eastus: 0 of 0 standardNCASv3_T4Family vCPUs free, 4 per node, up to 2 nodes  -> "
        "fix: request 8 vCPUs of standardNCASv3_T4Family in eastus",
        "prod: container registry name crmymlopspro0001prod is taken (AlreadyExists)  -> fix: copier update --trust "
        "-d postfix=",
        "dev: Key Vault kv-mymlopspro-0001dev is soft-deleted  -> fix: az keyvault purge --name kv-mymlopspro-0001dev",
        "prod: online endpoint name mymlopspro-0001prod-online is taken in eastus",
        "dev: id-mymlopspro-0001dev-plan does not trust repo:my-org/my-mlops-project:pull_request  -> fix: python "
        "infrastructure/bootstrap.py",
        "base image mcr.microsoft.com/azureml/openmpi5.0-ubuntu24.04:20260901.v1 not found (HTTP 404)",
    ):
        assert expected in failures, f"missing: {expected}\n{failures}"
    assert lines[-1].endswith("check(s) failed.")


@grouped(GITHUB)
@pytest.mark.parametrize(("environment", "other"), [("dev", PROD_SUBSCRIPTION), ("prod", DEV_SUBSCRIPTION)])
def test_preflight_of_one_environment_reads_only_its_subscription_as_ci_runs_it(
    after_bootstrap: Path, fake_cli: FakeCli, capsys, environment: str, other: str
):
    """CI runs `preflight.py --environment <env>` as the deploy identity of that environment, which may read its
    own subscription only: every role assignment with a scope there is checked (the dev identity's registry
    role lies in prod's), nothing of the other subscription is read, and quota in use now is no failure."""
    signed_in = DEV_SUBSCRIPTION if environment == "dev" else PROD_SUBSCRIPTION  # the job's identity's subscription
    fake_cli.change_state(lambda state: state["account"].update(state["subscriptions"][signed_in]))
    fake_cli.use_recorded("eastus-quota")
    usages = json.loads((RECORDED / "eastus-quota.json").read_text())["answers"][-1]
    for usage in usages["stdout"]["value"]:
        usage["currentValue"] = usage["limit"]  # every node busy: a job would wait, not fail
    fake_cli.script(*usages["match"], stdout=usages["stdout"])
    code, lines = preflight(after_bootstrap)("--environment", environment, capsys=capsys)
    assert code == 0, "\n".join(lines)
    assert all(other not in " ".join(call["argv"]) for call in fake_cli.calls("az")), "read the other subscription"
    joined = "\n".join(lines)
    assert "vCPUs free, 4 per node, up to 4 nodes (in use now: jobs wait for nodes to free)" in joined
    registry_role = (
        "✔ prod: id-mymlopspro-0001dev-deploy holds AzureML Registry User on subscription " + PROD_SUBSCRIPTION
    )
    assert (registry_role in joined) == (environment == "prod")


@grouped(GITHUB)
def test_preflight_falls_back_to_plain_words_where_the_console_cannot_print_marks(
    after_bootstrap: Path, fake_cli: FakeCli
):
    project = after_bootstrap
    fake_cli.use_recorded("eastus-quota")
    result = subprocess.run(
        [sys.executable, "infrastructure/preflight.py", "--environment", "dev"],
        cwd=project,
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "ascii"},
        timeout=300,
    )
    output = result.stdout.decode("ascii")
    assert "OK   dev: 8 resource providers registered" in output
    assert "✔" not in output and "Traceback" not in result.stderr.decode()


# ── the fakes' switches, for the tests of token renewal and staged roll-outs to come ─────────────
def test_the_fake_az_expires_its_sign_in_fails_on_cue_and_plays_scripted_answers(fake_cli: FakeCli, monkeypatch):
    monkeypatch.setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "a-secret-value")
    monkeypatch.setenv("ARM_CLIENT_ID", "client")

    def az(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["az", *arguments], capture_output=True, text=True, timeout=60)

    fake_cli.expire_login_after(2)
    assert az("account", "show").returncode == 0 and az("account", "show").returncode == 0
    expired = az("account", "show")
    assert expired.returncode == 1 and "AADSTS700024" in expired.stderr
    login = ("login", "--service-principal", "--username", "client", "--tenant", "tenant", "--federated-token")
    assert az(*login, "<token>").returncode == 0
    assert az("account", "show").returncode == 0, "a new sign-in renews the session"

    fake_cli.write("control", {})
    fake_cli.fail("group", "create", occurrence=2, stderr="ERROR: (Conflict) injected\n")
    assert az("group", "create", "--name", "a", "--location", "eastus").returncode == 0
    assert "injected" in az("group", "create", "--name", "b", "--location", "eastus").stderr
    assert az("group", "create", "--name", "c", "--location", "eastus").returncode == 0

    fake_cli.script("ml", "job", "show", stdout={"status": "Running"}, times=2)
    fake_cli.script("ml", "job", "show", stdout={"status": "Completed"})
    states = [json.loads(az("ml", "job", "show", "--name", "j").stdout)["status"] for _ in range(3)]
    assert states == ["Running", "Running", "Completed"]
    unknown = az("ml", "workspace", "sync-keys", "--name", "w")
    assert unknown.returncode == 2 and "no handler" in unknown.stderr

    log = fake_cli.calls("az")
    assert [entry["argv"][:2] for entry in log[:3]] == [["account", "show"]] * 3
    assert log[3]["argv"][-1] == "<set>", "a federated token given to az login is recorded as set, never its value"
    assert log[3]["env"].get("FAKE_CLI_HOME") is None, "the fake's own settings are not part of the record"
    assert log[0]["env"]["ARM_CLIENT_ID"] == "client"
    assert log[0]["env"]["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] == "<set>", "a token is recorded as set, never its value"
    assert [entry["changed"] for entry in log if entry["argv"][:2] == ["group", "create"]] == [True, False, True]
