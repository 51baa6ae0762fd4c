"""Terraform and Bicep of the same answers create the same Azure objects, with the same settings, in
the same order: the inventories of both tools (tests/iac_inventory.py) compared for dev and prod, with
and without private networking; and what a reviewer of the infrastructure checks, read from them."""

from __future__ import annotations

import shutil

import pytest
from iac_inventory import Inventory, bicep_inventory, compare, terraform_inventory

VARIANTS = {
    "classical-public": {"project_type": "classical", "private_networking": False},
    "cv-private-networking": {"project_type": "cv", "private_networking": True},
}
WORKSPACE = "Microsoft.MachineLearningServices/workspaces:mlw-mymlopspro-0001{environment}"
STORAGE = "Microsoft.Storage/storageAccounts:stmymlopspro0001{environment}"
REGISTRY = "Microsoft.MachineLearningServices/registries:mlr-mymlopspro-0001"
IDENTITY = "<principalId of Microsoft.ManagedIdentity/userAssignedIdentities:id-mymlopspro-0001{environment}>"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"


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

        storage = inventory.nodes[STORAGE.format(**names)].settings
        assert storage["sku"] == "Standard_GRS" and storage["infrastructure_encryption"] is True
        assert storage["shared_key_access"] is False
        assert storage["default_action"] == ("Deny" if private else "Allow")
        assert storage["resource_access"] == [REGISTRY]  # the registry copies promoted models from it

        vault = inventory.nodes[f"Microsoft.KeyVault/vaults:kv-mymlopspro-0001{environment}"].settings
        assert vault["purge_protection"] is (environment == "prod")  # the answer's default is on
        assert vault["recovers_soft_deleted"] is True
        assert vault["public_network_access"] is not private

        clusters = {key.rsplit("/", 1)[-1] for key in inventory.keys_of("Microsoft.MachineLearningServices/workspaces/computes")}
        gpu = environment == "dev" and VARIANTS[variant]["project_type"] == "cv"
        assert clusters == ({"cpu-cluster", "gpu-cluster"} if gpu else {"cpu-cluster"})
        assert (REGISTRY in inventory.nodes) is (environment == "prod")

        roles = {key for key in inventory.nodes if key.startswith("roleAssignment:")}
        scopes = {(key.split(":")[1].split(" on ")[0], key.split(" on ")[1].split(" for ")[0].split(":")[0]) for key in roles}
        assert (CONTRIBUTOR, "Microsoft.Resources/resourceGroups") not in scopes  # no Contributor on the group
        assert all(key.endswith(IDENTITY.format(**names)) for key in roles)
        assert len(roles) == (11 if private else 10)

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
        for cluster in inventory.keys_of("Microsoft.MachineLearningServices/workspaces/computes"):
            before = inventory.ancestors(cluster)
            assert WORKSPACE.format(**names) in before and roles <= before
            assert not before & endpoints


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
    edit(public_copies["bicep"] / "modules/monitoring.bicep", "param retentionInDays int = 90", "param retentionInDays int = 30")
    edit(public_copies["terraform"] / "modules/storage/main.tf", 'account_replication_type = "GRS"', 'account_replication_type = "LRS"')
    differences = compare_copies(public_copies)
    assert "Microsoft.OperationalInsights/workspaces:log-mymlopspro-0001dev: retention_days is 90 in Terraform, 30 in Bicep" in differences
    assert f"{STORAGE.format(environment='dev')}: sku is 'Standard_LRS' in Terraform, 'Standard_GRS' in Bicep" in differences


def test_an_order_changed_in_one_tool_is_reported(public_copies):
    # The clusters no longer wait for the workspace's role on its identity in Bicep.
    edit(public_copies["bicep"] / "main.bicep", "    workspaceName: workspace.outputs.name\n    cpuClusterName", "    workspaceName: workspaceName\n    cpuClusterName")
    differences = compare_copies(public_copies)
    cluster = "Microsoft.MachineLearningServices/workspaces/computes:mlw-mymlopspro-0001dev/cpu-cluster"
    assert any(
        line.startswith(f"{cluster} waits for roleAssignment:{CONTRIBUTOR} on {WORKSPACE.format(environment='dev')}")
        and line.endswith("in Terraform only")
        for line in differences
    ), differences
