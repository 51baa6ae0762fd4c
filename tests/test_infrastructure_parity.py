"""Terraform and Bicep of the same answers create the same Azure resources with the same names."""

from __future__ import annotations

import pytest
from iac_inventory import bicep_inventory, terraform_inventory

VARIANTS = {
    "classical-public": {"project_type": "classical", "private_networking": False},
    "cv-private-networking": {"project_type": "cv", "private_networking": True},
}


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


@pytest.mark.parametrize("environment", ["dev", "prod"])
@pytest.mark.parametrize("variant", VARIANTS)
def test_terraform_and_bicep_declare_the_same_resources(projects, variant, environment):
    terraform = terraform_inventory(
        projects[variant, "terraform"] / "infrastructure",
        projects[variant, "terraform"] / f"infrastructure/environments/{environment}.tfvars",
    )
    bicep = bicep_inventory(
        projects[variant, "bicep"] / "infrastructure/main.bicep",
        projects[variant, "bicep"] / f"infrastructure/environments/{environment}.bicepparam",
    )
    assert sorted(terraform.resources - bicep.resources) == [], "only in Terraform"
    assert sorted(bicep.resources - terraform.resources) == [], "only in Bicep"
    assert terraform.roles == bicep.roles
    assert terraform.dns_links == bicep.dns_links


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_the_inventory_follows_the_answers(projects, environment):
    public = terraform_inventory(
        projects["classical-public", "terraform"] / "infrastructure",
        projects["classical-public", "terraform"] / f"infrastructure/environments/{environment}.tfvars",
    )
    private = terraform_inventory(
        projects["cv-private-networking", "terraform"] / "infrastructure",
        projects["cv-private-networking", "terraform"] / f"infrastructure/environments/{environment}.tfvars",
    )
    types = {arm_type for arm_type, _ in public.resources}
    assert ("Microsoft.MachineLearningServices/workspaces", f"mlw-mymlopspro-0001{environment}") in public.resources
    assert ("Microsoft.Storage/storageAccounts", f"stmymlopspro0001{environment}") in public.resources
    assert "Microsoft.Network/privateEndpoints" not in types
    assert ("Microsoft.MachineLearningServices/registries" in types) == (environment == "prod")
    computes = {name for arm_type, name in private.resources if arm_type.endswith("/computes")}
    assert computes == {"cpu-cluster", "gpu-cluster"}
    endpoints = {name for arm_type, name in private.resources if arm_type == "Microsoft.Network/privateEndpoints"}
    assert len(endpoints) == 5 and all(name.startswith(f"pe-mymlopspro-0001{environment}-") for name in endpoints)
    assert sum(public.roles.values()) == 5
