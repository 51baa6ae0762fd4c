"""The permission model of every combination: each CI job, the identity it signs in as and every Azure operation
it performs (control and data plane), checked against the roles that infrastructure/bootstrap.py grants, with
the built-in role definitions vendored in tests/azure_model/built_in_roles.json; what Terraform and Bicep write
comes from tests/iac_inventory.py. The same model shows why the manual one-time setup of earlier projects
failed (items 1, 4 and 5 of the issue "Azure-ready on the first run"), and that taking a role out of the
bootstrap, or assigning a role in the infrastructure that the deploy identities may not hand out, makes the
model fail."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from azure_model.ci_jobs import ci_jobs
from azure_model.operations import SUBSCRIPTION as SUBSCRIPTION_SCOPE
from azure_model.operations import names_of, operations_of
from azure_model.permissions import SUBSCRIPTIONS, Finding, SetUp, bootstrap_setup, findings_of
from azure_model.project_code import import_from_project
from azure_model.rbac import (
    ROLES_FILE,
    Assignment,
    Condition,
    Operation,
    Role,
    built_in_roles,
    decide,
    matches,
    within,
)
from mlops_factory.axes import combination_id, combinations
from test_infrastructure_parity import edit
from test_matrix import in_group

COMBINATIONS = list(combinations())
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
# Contributor, Owner, User Access Administrator, Role Based Access Control Administrator
# Roles that administer access: a deploy identity that could hand them out could make itself (or anyone) owner.
# Contributor is not among them: the infrastructure gives it to the workspace identity on single resources,
# and a deploy identity already holds it, so delegating it grants nothing new (docs/identities.md).
PRIVILEGED = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
}


@pytest.mark.parametrize("combination", [in_group(c) for c in COMBINATIONS])
def test_the_bootstrap_roles_allow_every_operation_of_ci(rendered_project, combination):
    findings = findings_of(rendered_project(combination), combination["orchestration"])
    assert not findings, "\n" + "\n".join(map(str, findings))


MANUAL_SETUP = [
    c
    for c in COMBINATIONS
    if c["project_type"] == "classical" and c["mlops_version"] in ("aml-cli-v2", "python-sdk-v1")
]


@pytest.mark.parametrize("combination", [in_group(c) for c in MANUAL_SETUP])
def test_the_manual_setup_of_earlier_projects_fails_items_1_4_and_5(rendered_project, combination):
    """Item 1: no blob data role, so uploads to the workspace storage are refused. Item 4: one identity trusted by
    pull requests and prod, with unconstrained role administration. Item 5: no registry role for promotion. On
    GitHub the README's single identity holds Contributor on prod too, which hides item 5 behind item 4."""
    findings = findings_of(rendered_project(combination), combination["orchestration"], setup="readme")
    items = {finding.item for finding in findings}
    expected = {"1", "4", "5"} if combination["orchestration"] == "azure-devops" else {"1", "4"}
    assert expected <= items, "\n".join(map(str, findings))
    messages = "\n".join(finding.message for finding in findings)
    assert "blobs/write on stmymlopspro0001dev" in messages
    assert "may assign Owner to anyone in prod" in messages
    if combination["orchestration"] == "github-actions":
        assert "trusted for environment:prod and also for environment:dev, pull_request" in messages
    else:
        assert "registries/assets/write on mlr-mymlopspro-0001" in messages


def _without_call(source: str, marker: str) -> str:
    """`source` without the `Grant(...)` call (balanced parentheses) that contains `marker`."""
    for match in re.finditer(r"Grant\(", source):
        depth = 0
        for index in range(match.end() - 1, len(source)):
            depth += {"(": 1, ")": -1}.get(source[index], 0)
            if depth == 0:
                break
        call = source[match.start() : index + 1]
        if marker in call:
            return source[: match.start()] + source[index + 2 :]
    raise AssertionError(f"no Grant with {marker} in design.py")


GITHUB_CLI = {
    "infrastructure_version": "terraform",
    "project_type": "classical",
    "mlops_version": "aml-cli-v2",
    "orchestration": "github-actions",
}
DEVOPS_SDK = {
    "infrastructure_version": "bicep",
    "project_type": "classical",
    "mlops_version": "python-sdk-v2",
    "orchestration": "azure-devops",
}


@pytest.mark.parametrize(
    ("combination", "edit", "item"),
    [
        pytest.param(GITHUB_CLI, lambda s: _without_call(s, "storage_account_condition("), "1", id="blob-data-role"),
        pytest.param(
            DEVOPS_SDK,
            lambda s: s.replace("if one_tenant:\n        result.grants", "if False:\n        result.grants"),
            "5",
            id="registry-role",
        ),
        pytest.param(
            GITHUB_CLI, lambda s: s.replace("delegation_condition(DELEGABLE_ROLES),", '"",'), "4", id="rbac-condition"
        ),
        pytest.param(
            GITHUB_CLI,
            lambda s: s.replace('f"repo:{repo.slug}:environment:{env}"', 'f"repo:{repo.slug}:pull_request"'),
            "4",
            id="deploy-identity-trusts-pull-requests",
        ),
    ],
)
def test_taking_a_role_or_a_limit_out_of_the_bootstrap_fails_the_model(
    rendered_project, tmp_path: Path, combination, edit, item
):
    project = shutil.copytree(rendered_project(combination), tmp_path / combination_id(combination))
    design = project / "infrastructure" / "azure_setup" / "design.py"
    changed = edit(design.read_text())
    assert changed != design.read_text()
    design.write_text(changed)
    findings = findings_of(project, combination["orchestration"])
    assert item in {finding.item for finding in findings}, "\n".join(map(str, findings))


@pytest.mark.xdist_group(combination_id(GITHUB_CLI))
def test_the_retraining_check_signs_in_read_only_because_the_plan_identity_trusts_main(rendered_project, tmp_path):
    """retrain-model.yml's check runs on main without a GitHub environment (no prod approval every day): its
    token's subject is ref:refs/heads/main, which the read-only identity trusts and nothing else does. Without
    that trust the check cannot sign in; with it, it reads the prod monitor's runs and may not write."""
    project = shutil.copytree(rendered_project(GITHUB_CLI), tmp_path / "project")
    check = "retrain-model.yml::check"
    setup = bootstrap_setup(project)
    assert [identity for identity, subjects in setup.trusts.items() if "ref:refs/heads/main" in subjects] == ["plan"]
    assert not [finding for finding in findings_of(project, "github-actions") if finding.where == check]
    design = project / "infrastructure" / "azure_setup" / "design.py"
    edit(design, 'f"repo:{repo.slug}:ref:refs/heads/main"', 'f"repo:{repo.slug}:ref:refs/heads/other"')
    found = [finding.message for finding in findings_of(project, "github-actions") if finding.where == check]
    assert found == ["sign-in fails: plan does not trust ref:refs/heads/main"]


OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
KEY_VAULT_ADMINISTRATOR = "00482a5a-887f-4fb3-b363-3b7fe8e74483"


def copy_of(rendered_project, combination: dict[str, str], tmp_path: Path) -> Path:
    return shutil.copytree(rendered_project(combination), tmp_path / combination_id(combination))


@pytest.mark.xdist_group(combination_id(DEVOPS_SDK))
def test_a_role_the_deploy_identities_may_not_hand_out_fails_the_model_and_preflight(rendered_project, tmp_path):
    """The model reads the role of every assignment from the infrastructure code (tests/iac_inventory.py), and
    the project's preflight reads the same code: the Key Vault role turned into Owner fails both."""
    project = copy_of(rendered_project, DEVOPS_SDK, tmp_path)
    edit(project / "infrastructure/modules/key-vault.bicep", f"'{KEY_VAULT_ADMINISTRATOR}'", f"'{OWNER}'")
    messages = [finding.message for finding in findings_of(project, DEVOPS_SDK["orchestration"])]
    for environment in ("dev", "prod"):
        refused = (
            f"deploy-{environment} may not Microsoft.Authorization/roleAssignments/write (role {OWNER}: Owner) "
            f"on kv-mymlopspro-0001{environment} "
        )
        assert any(message.startswith(refused) for message in messages), "\n".join(messages)
    preflight = import_from_project(project, "preflight")
    checks = list(preflight.Preflight(None, preflight.load_project(project), {}, None, None).delegable_roles())
    assert [(check.ok, OWNER in check.what) for check in checks] == [(False, True)]


@pytest.mark.xdist_group(combination_id(GITHUB_CLI))
def test_a_registry_that_the_prod_infrastructure_does_not_create_fails_the_model(rendered_project, tmp_path):
    """Promotion and prod deployments work on the registry config-infra-prod.yml names; the prod infrastructure
    code must create that one (the role for promotion covers any registry of the prod subscription)."""
    project = copy_of(rendered_project, GITHUB_CLI, tmp_path)
    edit(project / "config-infra-prod.yml", "model_registry: mlr-mymlopspro-0001\n", "model_registry: mlr-other\n")
    findings = findings_of(project, GITHUB_CLI["orchestration"])
    expected = Finding(
        "5",
        "config-infra-prod.yml",
        "the CI works on the registry mlr-other, which the prod infrastructure code does not create",
    )
    assert expected in findings, "\n".join(map(str, findings))


BICEP_GITHUB = {
    "infrastructure_version": "bicep",
    "project_type": "classical",
    "mlops_version": "aml-cli-v2",
    "orchestration": "github-actions",
}
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"


@pytest.mark.xdist_group(combination_id(BICEP_GITHUB))
def test_the_key_vault_create_mode_script_lists_deleted_vaults_as_the_identity_of_its_job(rendered_project):
    """infrastructure/scripts/key-vault-create-mode.sh runs `az keyvault list-deleted` before every Bicep
    validation, what-if and deployment: Microsoft.KeyVault/deletedVaults/read on the subscription, as the
    read-only identity in pull-request previews (its Reader covers it) and as the deploy identities."""
    project = rendered_project(BICEP_GITHUB)
    names, setup = names_of(project, SUBSCRIPTIONS), bootstrap_setup(project)
    without_reader = SetUp([grant for grant in setup.assignments if grant.role != READER], setup.roles, setup.trusts)
    readers = {}
    for job in ci_jobs(project, BICEP_GITHUB["orchestration"]).jobs:
        for operation in operations_of(project, job, names):
            if operation.action == "Microsoft.KeyVault/deletedVaults/read":
                identity = setup.identity_for(job)
                assert operation.scope == names.scope(SUBSCRIPTION_SCOPE, job.target)[0]
                assert setup.allows(identity, operation), job.label
                readers[job.name] = identity
    assert readers == {
        "preview[dev]": "plan",
        "preview[prod]": "plan",
        "deploy-dev": "deploy-dev",
        "deploy-prod": "deploy-prod",
        "train": "deploy-dev",  # preflight before training looks for a soft-deleted vault of the same name too
    }
    listing = Operation("Microsoft.KeyVault/deletedVaults/read", names.scope(SUBSCRIPTION_SCOPE, "dev")[0])
    assert not without_reader.allows("plan", listing)


TERRAFORM_DEVOPS = {
    "infrastructure_version": "terraform",
    "project_type": "classical",
    "mlops_version": "python-sdk-v2",
    "orchestration": "azure-devops",
}
TF_GITHUB_WORKFLOW = ".github/workflows/tf-gha-deploy-infra.yml"
DEPLOY_DEV_IDENTITY = (
    '      # The deploy identity of dev: variables of the GitHub environment "dev".\n'
    "      ARM_CLIENT_ID: ${{ vars.AZURE_CLIENT_ID }}\n"
)


def _arm_client_id_at_workflow_level(project: Path) -> None:
    edit(project / TF_GITHUB_WORKFLOW, DEPLOY_DEV_IDENTITY, "")
    edit(
        project / TF_GITHUB_WORKFLOW,
        '  ARM_USE_AZUREAD: "true"\n',
        '  ARM_USE_AZUREAD: "true"\n  ARM_CLIENT_ID: ${{ vars.AZURE_CLIENT_ID }}\n',
    )


@pytest.mark.parametrize(
    ("combination", "change", "where", "message"),
    [
        pytest.param(
            GITHUB_CLI,
            lambda p: edit(p / TF_GITHUB_WORKFLOW, '-lock=false -out="', '-lock-timeout=10m -out="'),
            "::plan[dev]",
            "plan may not Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write on stmymlopspro0001dev",
            id="terraform-plan-locks-the-state",
        ),
        pytest.param(
            GITHUB_CLI,
            lambda p: edit(
                p / TF_GITHUB_WORKFLOW,
                "      - name: Terraform init\n",
                (
                    "      - name: Create the Terraform state storage\n"
                    '        run: bash scripts/ensure-state-storage.sh "$ENVIRONMENT"\n\n'
                    "      - name: Terraform init\n"
                ),
            ),
            "::plan[dev]",
            "plan may not Microsoft.Authorization/roleAssignments/write",
            id="pull-requests-create-the-state-storage",
        ),
        pytest.param(
            GITHUB_CLI,
            _arm_client_id_at_workflow_level,
            "::apply-dev",
            "Terraform, signed in as plan by the workflow-level ARM_CLIENT_ID, may not",
            id="workflow-level-arm-client-id",
        ),
        pytest.param(
            BICEP_GITHUB,
            lambda p: edit(
                p / ".github/workflows/bicep-gha-deploy-infra.yml", "          --validation-level ProviderNoRbac\n", ""
            ),
            "::preview[dev]",
            "no --validation-level ProviderNoRbac",
            id="what-if-checks-write-access",
        ),
        pytest.param(
            TERRAFORM_DEVOPS,
            lambda p: edit(p / "infrastructure/pipelines/tf-ado-deploy-infra.yml", "apply: false", "apply: true"),
            "::Plan.PlanDev",
            "plan may not Microsoft.MachineLearningServices/workspaces/write",
            id="plan-stage-applies",
        ),
        pytest.param(
            TERRAFORM_DEVOPS,
            lambda p: edit(
                p / "infrastructure/pipelines/tf-ado-deploy-infra.yml",
                "$(ado_service_connection_dev_plan)",
                "$(ado_service_connection_dev)",
            ),
            "::Plan.PlanDev",
            "runs on pull requests with sc-my-mlops-project-dev, whose branch control admits main only",
            id="plan-stage-uses-the-deploy-connection",
        ),
        pytest.param(
            GITHUB_CLI,
            lambda p: edit(
                p / ".github/workflows/deploy-model-training-pipeline.yml",
                "preflight.py --environment dev",
                "preflight.py",
            ),
            "deploy-model-training-pipeline.yml::train",
            "deploy-dev may not Microsoft.Authorization/roleAssignments/read on 0f0f0f0f-0000-4000-8000-0000000f0d00",
            id="preflight-of-both-environments-as-the-dev-identity",
        ),
    ],
)
def test_undoing_a_fix_of_the_ci_fails_the_model(rendered_project, tmp_path, combination, change, where, message):
    """Each CI change that the identity design asks for is load-bearing: undo it in a copy of a project and the
    model names the job and what its identity may no longer do."""
    project = copy_of(rendered_project, combination, tmp_path)
    assert not findings_of(project, combination["orchestration"])
    change(project)
    findings = findings_of(project, combination["orchestration"])
    assert any(where in finding.where and message in finding.message for finding in findings), "\n".join(
        map(str, findings)
    )


# ── the evaluator ─────────────────────────────────────────────────────────────────────────────────
SUBSCRIPTION = "/subscriptions/0d0d0d0d-0000-4000-8000-00000000de50"
ACCOUNT = f"{SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/stworkspace"
BLOB_WRITE = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write"


def test_actions_match_with_wildcards_and_any_case_and_not_actions_subtract():
    contributor = built_in_roles()[CONTRIBUTOR]
    assert contributor.allows("microsoft.machinelearningservices/workspaces/jobs/WRITE", data=False)
    assert not contributor.allows("Microsoft.Authorization/roleAssignments/write", data=False)
    assert not contributor.allows(BLOB_WRITE, data=True), "Contributor has no data actions"
    reader = built_in_roles()["acdd72a7-3385-48ef-bd42-f606fba81ae7"]
    assert reader.allows("Microsoft.Storage/storageAccounts/read", data=False)
    assert not reader.allows("Microsoft.Storage/storageAccounts/write", data=False)
    assert matches(
        "Microsoft.MachineLearningServices/workspaces/*/read", "Microsoft.MachineLearningServices/workspaces/jobs/read"
    )
    narrowed = Role(
        "x", "x", (), (), ("Microsoft.KeyVault/vaults/*",), ("Microsoft.KeyVault/vaults/secrets/getSecret/action",)
    )
    assert narrowed.allows("Microsoft.KeyVault/vaults/keys/read", data=True)
    assert not narrowed.allows("Microsoft.KeyVault/vaults/secrets/getSecret/action", data=True)


def test_assignments_cover_their_scope_and_everything_below_it_only():
    assert within(SUBSCRIPTION, ACCOUNT)
    assert within(ACCOUNT, ACCOUNT + "/blobServices/default/containers/c")
    assert not within(ACCOUNT, SUBSCRIPTION)
    assert not within("/subscriptions/0d0d", SUBSCRIPTION), "a scope is a path, not a prefix of the text"


@pytest.mark.xdist_group(combination_id(GITHUB_CLI))
def test_the_storage_account_condition_of_the_design_limits_data_actions_to_that_account(rendered_project):
    design = import_from_project(rendered_project(GITHUB_CLI), "azure_setup.design")
    condition = design.storage_account_condition("stworkspace")
    assignment = Assignment("ci", design.BLOB_DATA_CONTRIBUTOR, SUBSCRIPTION, condition)
    roles = built_in_roles()

    def write(account: str) -> Operation:
        attributes = (("Microsoft.Storage/storageAccounts:name", account),)
        return Operation(BLOB_WRITE, ACCOUNT.replace("stworkspace", account), True, attributes)

    assert decide([assignment], roles, "ci", write("stworkspace")).allowed
    assert not decide([assignment], roles, "ci", write("stterraformstate")).allowed
    assert not decide([assignment], roles, "someone-else", write("stworkspace")).allowed
    container = Operation("Microsoft.Storage/storageAccounts/blobServices/containers/write", ACCOUNT)
    assert decide([assignment], roles, "ci", container).allowed, "the condition targets data actions only"


@pytest.mark.xdist_group(combination_id(GITHUB_CLI))
def test_the_delegation_condition_of_the_design_allows_its_roles_to_service_principals_only(rendered_project):
    design = import_from_project(rendered_project(GITHUB_CLI), "azure_setup.design")
    parsed = Condition(design.delegation_condition(design.DELEGABLE_ROLES))

    def assign(role: str, principal_type: str, action: str = "write") -> Operation:
        return Operation(
            f"Microsoft.Authorization/roleAssignments/{action}",
            SUBSCRIPTION,
            attributes=(
                ("Microsoft.Authorization/roleAssignments:RoleDefinitionId", role),
                ("Microsoft.Authorization/roleAssignments:PrincipalType", principal_type),
            ),
        )

    for role in design.DELEGABLE_ROLES:
        assert parsed.holds(assign(role.upper(), "ServicePrincipal"))
        assert parsed.holds(assign(role, "ServicePrincipal", "delete"))
        assert not parsed.holds(assign(role, "User")), "never to a person or a group"
    for privileged in PRIVILEGED:
        assert not parsed.holds(assign(privileged, "ServicePrincipal"))
        assert not parsed.holds(assign(privileged, "ServicePrincipal", "delete"))
    assert parsed.holds(Operation("Microsoft.Resources/subscriptions/resourceGroups/write", SUBSCRIPTION))
    with pytest.raises(ValueError, match="operator Bogus is not modelled"):
        Condition("@Request[x] Bogus 'y'")
    with pytest.raises(ValueError, match="condition not understood"):
        Condition("ActionMatches{'x'} XOR ActionMatches{'y'}")


@pytest.mark.xdist_group(combination_id(GITHUB_CLI))
def test_every_vendored_role_says_where_it_comes_from_and_the_design_uses_vendored_roles(rendered_project):
    roles = built_in_roles()
    for entry in json.loads(ROLES_FILE.read_text())["roles"]:
        assert entry["source"]["page"].startswith(
            "https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/"
        )
    design = import_from_project(rendered_project(GITHUB_CLI), "azure_setup.design")
    granted = {
        design.CONTRIBUTOR,
        design.READER,
        design.RBAC_ADMINISTRATOR,
        design.REGISTRY_USER,
        design.BLOB_DATA_READER,
    }
    assert granted <= set(roles)
    # The data roles the infrastructure hands to the workspace identity are never held by a CI identity: the
    # model need not know their actions.
    held_by_ci = {design.CONTRIBUTOR, design.BLOB_DATA_CONTRIBUTOR}
    assert held_by_ci <= set(design.DELEGABLE_ROLES) and held_by_ci <= set(roles)
    assert not PRIVILEGED & set(design.DELEGABLE_ROLES), "a deploy identity must never hand out a privileged role"


@pytest.mark.parametrize(
    "combination",
    [
        in_group(c)
        for c in COMBINATIONS
        if c["project_type"] == "classical"
        and c["infrastructure_version"] == "terraform"
        and c["mlops_version"] in ("aml-cli-v2", "python-sdk-v2")
    ],
)
def test_the_staged_rollout_is_in_the_model_and_allowed_to_the_prod_deploy_identity(rendered_project, combination):
    """The rollout reads and deletes deployments, reads Azure Monitor's figures of the endpoint and, through the data
    collector, registers data assets: operations of the deploy jobs that the model checks against the roles."""
    project = rendered_project(combination)
    names, setup = names_of(project, SUBSCRIPTIONS), bootstrap_setup(project)
    wanted = {
        "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments/delete",
        "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments/read",
        "Microsoft.MachineLearningServices/workspaces/batchEndpoints/deployments/delete",
        "Microsoft.MachineLearningServices/workspaces/data/versions/write",
        "Microsoft.Insights/metrics/read",
    }
    found: dict[str, set[str]] = {}
    for job in ci_jobs(project, combination["orchestration"]).jobs:
        if job.target != "prod" or not job.environment:
            continue
        for operation in operations_of(project, job, names):
            if operation.action in wanted:
                assert setup.allows(setup.identity_for(job), operation), f"{job.label}: {operation}"
                found.setdefault(operation.action, set()).add(job.label)
    assert set(found) == wanted, f"not in the model: {sorted(wanted - set(found))}"
