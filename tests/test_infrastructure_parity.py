"""Terraform and Bicep of the same answers create the same Azure objects, with the same settings, in
the same order: the inventories of both tools (tests/iac_inventory.py) compared for dev and prod, with
and without private networking; and what a reviewer of the infrastructure checks, read from them,
including that the deploy identities may hand out exactly the roles the infrastructure assigns."""

from __future__ import annotations

import shutil

import pytest
from azure_model.operations import PRINCIPAL_TYPE, ROLE_DEFINITION_ID
from azure_model.project_code import import_from_project
from azure_model.rbac import Condition, Operation
from iac_inventory import ROLE_ASSIGNMENT, Inventory, bicep_inventory, compare, terraform_inventory, writes

VARIANTS = {
    "classical-public": {"project_type": "classical", "private_networking": False},
    "cv-private-networking": {"project_type": "cv", "private_networking": True, "alert_email": "ml-team@contoso.com"},
}
WORKSPACE = "Microsoft.MachineLearningServices/workspaces:mlw-mymlopspro-0001{environment}"
STORAGE = "Microsoft.Storage/storageAccounts:stmymlopspro0001{environment}"
KEY_VAULT = "Microsoft.KeyVault/vaults:kv-mymlopspro-0001{environment}"
CONTAINER_REGISTRY = "Microsoft.ContainerRegistry/registries:crmymlopspro0001{environment}"
APPLICATION_INSIGHTS = "Microsoft.Insights/components:appi-mymlopspro-0001{environment}"
RESOURCE_GROUP = "Microsoft.Resources/resourceGroups:rg-mymlopspro-0001{environment}"
LOG_ANALYTICS = "Microsoft.OperationalInsights/workspaces:log-mymlopspro-0001{environment}"
REGISTRY = "Microsoft.MachineLearningServices/registries:mlr-mymlopspro-0001"
IDENTITY = "<principalId of Microsoft.ManagedIdentity/userAssignedIdentities:id-mymlopspro-0001{environment}>"
CLUSTERS = "Microsoft.MachineLearningServices/workspaces/computes"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
# The workspace identity's roles: what Azure ML lists for a user-assigned workspace identity, the storage
# data roles of identity-based datastores and batch endpoints, and (private networking) the approver of
# the managed network's private endpoints.
IDENTITY_ROLES = [
    (CONTRIBUTOR, WORKSPACE),
    (CONTRIBUTOR, STORAGE),
    (CONTRIBUTOR, KEY_VAULT),
    (CONTRIBUTOR, CONTAINER_REGISTRY),
    (CONTRIBUTOR, APPLICATION_INSIGHTS),
    ("ba92f5b4-2d11-453d-a403-e96b0029c9fe", STORAGE),  # Storage Blob Data Contributor
    ("69566ab7-960f-475b-8e7c-b3118f30c6bd", STORAGE),  # Storage File Data Privileged Contributor
    ("974c5e8b-45b9-4653-ba55-5f855dd0fb88", STORAGE),  # Storage Queue Data Contributor
    ("0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", STORAGE),  # Storage Table Data Contributor
    ("00482a5a-887f-4fb3-b363-3b7fe8e74483", KEY_VAULT),  # Key Vault Administrator
]
NETWORK_APPROVER = ("b556d68e-0be0-4f35-a333-ad7ee1ce17ea", RESOURCE_GROUP)
ACTION_GROUP = "Microsoft.Insights/actionGroups:ag-mymlopspro-0001{environment}"
FAILED_RUNS_ALERT = "Microsoft.Insights/metricAlerts:alert-mymlopspro-0001{environment}-failed-runs"


@pytest.fixture(scope="module")
def projects(copier_template, tmp_path_factory):
    from copier import run_copy

    rendered = {}
    for variant, answers in VARIANTS.items():
        for tool in ("terraform", "bicep"):
            destination = tmp_path_factory.mktemp(f"{variant}-{tool}") / "project"
            run_copy(
                str(copier_template),
                destination,
                data={**answers, "infrastructure_version": tool},
                defaults=True,
                unsafe=True,
                quiet=True,
            )
            rendered[variant, tool] = destination
    return rendered


def read(projects, variant: str, environment: str) -> tuple[Inventory, Inventory]:
    terraform = projects[variant, "terraform"] / "infrastructure"
    bicep = projects[variant, "bicep"] / "infrastructure"
    return (
        terraform_inventory(terraform, terraform / f"environments/{environment}.tfvars"),
        bicep_inventory(bicep / "main.bicep", bicep / f"environments/{environment}.bicepparam"),
    )


@pytest.mark.parametrize("environment", ["dev", "prod"])
@pytest.mark.parametrize("variant", VARIANTS)
def test_terraform_and_bicep_create_the_same_objects_with_the_same_settings(projects, variant, environment):
    terraform, bicep = read(projects, variant, environment)
    assert len(terraform.nodes) > 20
    assert compare(terraform, bicep) == []


@pytest.mark.parametrize("environment", ["dev", "prod"])
@pytest.mark.parametrize("variant", VARIANTS)
def test_the_infrastructure_is_what_the_design_says(projects, variant, environment):
    private = VARIANTS[variant]["private_networking"]
    names = {"environment": environment}
    for inventory in read(projects, variant, environment):
        workspace = inventory.nodes[WORKSPACE.format(**names)].settings
        # Created in identity-based datastore mode in one step, spelled as Microsoft's page spells it.
        assert workspace["system_datastores_auth_mode"] == "identity"
        assert workspace["public_network_access"] == ("Disabled" if private else "Enabled")
        assert workspace["isolation_mode"] == ("AllowInternetOutbound" if private else "Disabled")
        rules = {(rule[0], rule[4]) for rule in workspace["outbound_rules"]}
        expected_rules = {(f"storage-{target}", target) for target in ("blob", "file", "queue", "table")}
        if environment == "prod":
            expected_rules.add(("registry", "amlregistry"))
        assert rules == (expected_rules if private else set())
        # The model monitors run on serverless Spark, which reaches the storage through the blob rule only.
        assert {rule[0] for rule in workspace["outbound_rules"] if rule[5]} == ({"storage-blob"} if private else set())

        # The alert on failed runs (a monitor run that breaches a threshold fails), e-mailing alert_email.
        email = VARIANTS[variant].get("alert_email")
        alert = inventory.nodes[FAILED_RUNS_ALERT.format(**names)].settings
        assert alert["scopes"] == [WORKSPACE.format(**names)]
        assert alert["criteria"] == [
            ("Microsoft.MachineLearningServices/workspaces", "Failed Runs", "Total", "GreaterThan", 0)
        ]
        assert alert["actions"] == ([ACTION_GROUP.format(**names)] if email else [])
        assert (ACTION_GROUP.format(**names) in inventory.nodes) is bool(email)
        if email:
            group = inventory.nodes[ACTION_GROUP.format(**names)].settings
            assert group["email_receivers"] == [("alert-email", email, True)]
            assert len(group["short_name"]) <= 12

        storage = inventory.nodes[STORAGE.format(**names)].settings
        assert storage["sku"] == "Standard_GRS" and storage["infrastructure_encryption"] is True
        assert storage["shared_key_access"] is False
        assert storage["default_action"] == ("Deny" if private else "Allow")
        assert storage["resource_access"] == [REGISTRY]  # the registry copies promoted models from it

        vault = inventory.nodes[KEY_VAULT.format(**names)].settings
        assert vault["purge_protection"] is (environment == "prod")  # the answer's default is on
        assert vault["recovers_soft_deleted"] is True
        assert vault["public_network_access"] is not private

        clusters = {key.rsplit("/", 1)[-1] for key in inventory.keys_of(CLUSTERS)}
        gpu = environment == "dev" and VARIANTS[variant]["project_type"] == "cv"
        assert clusters == ({"cpu-cluster", "gpu-cluster"} if gpu else {"cpu-cluster"})
        assert (REGISTRY in inventory.nodes) is (environment == "prod")

        roles = {key for key in inventory.nodes if key.startswith("roleAssignment:")}
        expected = IDENTITY_ROLES + ([NETWORK_APPROVER] if private else [])
        assert roles == {
            f"roleAssignment:{role} on {scope.format(**names)} for {IDENTITY.format(**names)}"
            for role, scope in expected
        }

        targets = {key.split(" on ")[1].split(":")[0] for key in inventory.keys_of("diagnosticSettings")}
        assert targets == {
            "Microsoft.MachineLearningServices/workspaces",
            "Microsoft.KeyVault/vaults",
            "Microsoft.Storage/storageAccounts/blobServices",
            "Microsoft.ContainerRegistry/registries",
        } | ({"Microsoft.MachineLearningServices/registries"} if environment == "prod" else set())

        endpoints = inventory.keys_of("Microsoft.Network/privateEndpoints")
        assert len(endpoints) == (5 if private else 0)
        # The clusters wait for the workspace and for every role of their identity, never for a private
        # endpoint: they live in the managed network, not in a subnet of ours.
        for cluster in inventory.keys_of(CLUSTERS):
            before = inventory.ancestors(cluster)
            assert WORKSPACE.format(**names) in before and roles <= before
            assert not before & endpoints


def test_the_deploy_identities_may_hand_out_exactly_the_roles_the_infrastructure_assigns(projects):
    """Both tools, both environments, with and without private networking (the only answer that changes
    which roles are assigned): the roles assigned are the design's DELEGABLE_ROLES, no more and no fewer;
    its delegation condition allows every assignment as the infrastructure makes it; and the project's
    preflight, which reads the code on its own, sees every role (and passes)."""
    assigned: set[str] = set()
    for (variant, tool), project in projects.items():
        design = import_from_project(project, "azure_setup.design")
        condition = Condition(design.delegation_condition(design.DELEGABLE_ROLES))
        roles = set()
        for environment in ("dev", "prod"):
            for write in writes(read(projects, variant, environment)[tool == "bicep"], "<subscription>"):
                if write.arm_type != ROLE_ASSIGNMENT:
                    continue
                roles.add(write.role)
                attributes = ((ROLE_DEFINITION_ID, write.role), (PRINCIPAL_TYPE, write.principal_type))
                operation = Operation(f"{ROLE_ASSIGNMENT}/write", write.scope, attributes=attributes)
                assert condition.holds(operation), f"{variant} {tool} {environment}: {write} is refused"
        preflight = import_from_project(project, "preflight")
        seen_by_preflight = preflight.load_project(project)
        assert roles <= preflight.assigned_role_ids(seen_by_preflight), f"{variant} {tool}"
        checks = list(preflight.Preflight(None, seen_by_preflight, {}, None, None).delegable_roles())
        assert [check.ok for check in checks] == [True], checks
        assigned |= roles
    assert assigned == set(design.DELEGABLE_ROLES)


@pytest.fixture
def public_copies(projects, tmp_path):
    """Editable copies of the classical-public infrastructure of both tools."""
    copies = {}
    for tool in ("terraform", "bicep"):
        copies[tool] = shutil.copytree(projects["classical-public", tool] / "infrastructure", tmp_path / tool)
    return copies


def compare_copies(copies, environment: str = "dev") -> list[str]:
    return compare(
        terraform_inventory(copies["terraform"], copies["terraform"] / f"environments/{environment}.tfvars"),
        bicep_inventory(copies["bicep"] / "main.bicep", copies["bicep"] / f"environments/{environment}.bicepparam"),
    )


def edit(path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_a_setting_changed_in_one_tool_is_reported(public_copies):
    edit(
        public_copies["bicep"] / "modules/monitoring.bicep",
        "param retentionInDays int = 90",
        "param retentionInDays int = 30",
    )
    edit(
        public_copies["terraform"] / "modules/storage/main.tf",
        'account_replication_type = "GRS"',
        'account_replication_type = "LRS"',
    )
    # The blob service (soft delete) is a child resource that Terraform declares inside the account.
    edit(
        public_copies["terraform"] / "modules/storage/main.tf",
        "  blob_properties {\n    delete_retention_policy {\n      days = 7\n    }\n"
        "    container_delete_retention_policy {\n      days = 7\n    }\n  }\n",
        "",
    )
    differences = compare_copies(public_copies)
    dev = {"environment": "dev"}
    assert f"{LOG_ANALYTICS.format(**dev)}: retention_days is 90 in Terraform, 30 in Bicep" in differences
    assert f"{STORAGE.format(**dev)}: sku is 'Standard_LRS' in Terraform, 'Standard_GRS' in Bicep" in differences
    blob_service = "Microsoft.Storage/storageAccounts/blobServices"
    assert f"{STORAGE.format(**dev)}: declares a child {blob_service} in Bicep only" in differences


def test_an_object_left_out_of_a_for_each_map_is_reported(public_copies):
    # Terraform declares the identity's role assignments from one for_each map.
    edit(
        public_copies["terraform"] / "modules/identity/main.tf",
        'key_vault_administrator                  = { scope = var.key_vault_id, role = "00482a5a-887f-4fb3-b363-'
        '3b7fe8e74483" }',
        "",
    )
    differences = compare_copies(public_copies)
    dev = {"environment": "dev"}
    administrator = f"roleAssignment:00482a5a-887f-4fb3-b363-3b7fe8e74483 on {KEY_VAULT.format(**dev)}"
    assert f"only in Bicep: {administrator} for {IDENTITY.format(**dev)}" in differences


def test_an_order_changed_in_one_tool_is_reported(public_copies):
    # The clusters no longer wait for the workspace's role on its identity in Bicep.
    edit(
        public_copies["bicep"] / "main.bicep",
        "    workspaceName: workspace.outputs.name\n    cpuClusterName",
        "    workspaceName: workspaceName\n    cpuClusterName",
    )
    differences = compare_copies(public_copies)
    cluster = f"{CLUSTERS}:mlw-mymlopspro-0001dev/cpu-cluster"
    assert any(
        line.startswith(f"{cluster} waits for roleAssignment:{CONTRIBUTOR} on {WORKSPACE.format(environment='dev')}")
        and line.endswith("in Terraform only")
        for line in differences
    ), differences


def test_an_alert_changed_in_one_tool_is_reported(public_copies):
    edit(
        public_copies["terraform"] / "modules/alerts/main.tf",
        'window_size         = "PT1H"',
        'window_size         = "PT5M"',
    )
    edit(public_copies["bicep"] / "modules/alerts.bicep", "threshold: 0", "threshold: 3")
    differences = compare_copies(public_copies)
    alert = FAILED_RUNS_ALERT.format(environment="dev")
    assert f"{alert}: window is 'PT5M' in Terraform, 'PT1H' in Bicep" in differences
    assert any(line.startswith(f"{alert}: criteria is ") and ", 3)]" in line for line in differences), differences
