"""The offline Terraform and Bicep validators catch known mistakes and pass known-good code.

Each test writes a tiny project into tmp_path (only ``infrastructure/``) and runs one validator on it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import write_files
from validation import Finding
from validation.bicep import read_bicepparam, validate_bicep
from validation.terraform import azurerm_schema, extract_schema, validate_terraform


def shown(findings: list[Finding]) -> str:
    return "\n".join(str(finding) for finding in findings) or "(no findings)"


def messages(findings: list[Finding], path: str) -> list[str]:
    return [finding.message for finding in findings if finding.path == path]


def line_of(text: str, fragment: str) -> int:
    """The 1-based line of the first occurrence of ``fragment`` in ``text``."""
    return text[: text.index(fragment)].count("\n") + 1


def has(findings: list[Finding], path: str, line: int | None, *fragments: str) -> bool:
    return any(
        finding.path == path and finding.line == line and all(fragment in finding.message for fragment in fragments)
        for finding in findings
    )


# --------------------------------------------------------------------------------------------------
# Terraform
# --------------------------------------------------------------------------------------------------
GOOD_MAIN_TF = """\
terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.0"
    }
  }
}

provider "azurerm" {
  features {}
}

resource "azurerm_resource_group" "main" {
  name     = var.resource_group_name
  location = var.location
  tags     = merge(var.tags, { managed_by = "terraform" })
}

resource "azurerm_storage_account" "main" {
  name                     = "st${var.name}"
  resource_group_name      = azurerm_resource_group.main.name
  location                 = azurerm_resource_group.main.location
  account_tier             = "Standard"
  account_replication_type = "LRS"

  blob_properties {
    versioning_enabled = true

    delete_retention_policy {
      days = 7
    }
  }

  dynamic "network_rules" {
    for_each = var.allowed_ips == [] ? [] : [1]
    content {
      default_action = "Deny"
      ip_rules       = var.allowed_ips
    }
  }

  lifecycle {
    ignore_changes = [tags]
  }
}

data "azurerm_client_config" "current" {}

# Other providers have no schema here and are left alone.
resource "random_string" "suffix" {
  length  = 4
  special = false
}

module "workspace" {
  source   = "./modules/workspace"
  name     = "mlw-${var.name}"
  location = var.location
}

output "tenant_id" {
  value = data.azurerm_client_config.current.tenant_id
}
"""

GOOD_VARIABLES_TF = """\
variable "resource_group_name" {
  type = string
}

variable "location" {
  type = string
}

variable "name" {
  type = string
}

variable "allowed_ips" {
  type    = list(string)
  default = []
}

variable "tags" {
  type    = map(string)
  default = {}
}
"""

GOOD_WORKSPACE_TF = """\
variable "name" {
  type = string
}

variable "location" {
  type = string
}

variable "sku" {
  type    = string
  default = "Basic"
}

output "name" {
  value = "${var.name}-${var.sku}"
}
"""

GOOD_TFVARS = """\
resource_group_name = "rg-demo-dev"
location            = "westeurope"
name                = "demo"
"""


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    """The azurerm schema from @cdktf/provider-azurerm (extracted on the first run, then cached)."""
    return azurerm_schema()


def terraform_project(root: Path, files: dict[str, str]) -> Path:
    write_files(root, {f"infrastructure/{name}": text for name, text in files.items()})
    return root


def good_terraform(root: Path, **overrides: str) -> Path:
    files = {
        "main.tf": GOOD_MAIN_TF,
        "variables.tf": GOOD_VARIABLES_TF,
        "modules/workspace/main.tf": GOOD_WORKSPACE_TF,
        "environments/dev.tfvars": GOOD_TFVARS,
    }
    return terraform_project(root, {**files, **overrides})


def test_schema_lists_arguments_but_not_computed_attributes(schema: dict[str, Any]) -> None:
    storage = schema["resource"]["azurerm_storage_account"]["arguments"]
    assert storage["account_tier"] == {"required": True, "block": False}
    assert storage["access_tier"] == {"required": False, "block": False}
    assert storage["blob_properties"]["block"] is True
    assert "versioning_enabled" in storage["blob_properties"]["arguments"]
    assert "primary_access_key" not in storage  # computed only
    assert schema["resource"]["azurerm_kubernetes_cluster"]["arguments"]["default_node_pool"]["required"] is True
    assert "azurerm_client_config" in schema["data"]
    assert "features" in schema["provider"]
    # Names whose camelCase does not convert back mechanically come from the registry anchors.
    assert (
        "use_32_bit_worker" in schema["resource"]["azurerm_linux_function_app"]["arguments"]["site_config"]["arguments"]
    )


def test_schema_is_cached_per_package_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "provider-azurerm"
    package.mkdir()
    (package / "package.json").write_text('{"version": "0.0.1"}')
    jsii = {
        "version": "0.0.1",
        "types": {
            "p.thing.Thing": {
                "kind": "class",
                "base": "cdktf.TerraformResource",
                "docs": {"summary": "Represents a {@link https://x/docs/resources/thing azurerm_thing}."},
                "initializer": {"parameters": [{"name": "config", "type": {"fqn": "p.thing.ThingConfig"}}]},
            },
            "p.thing.ThingConfig": {
                "kind": "interface",
                "datatype": True,
                "properties": [
                    {
                        "name": "name",
                        "type": {"primitive": "string"},
                        "docs": {"summary": "{@link https://x#name T#name}."},
                    },
                    {
                        "name": "use32Bit",
                        "optional": True,
                        "type": {"primitive": "boolean"},
                        "docs": {"summary": "{@link https://x#use_32_bit T#use_32_bit}."},
                    },
                ],
            },
        },
    }
    (package / ".jsii").write_text(json.dumps(jsii))
    monkeypatch.setenv("MLOPS_FACTORY_TEST_CACHE", str(tmp_path / "cache"))
    expected = {"name": {"required": True, "block": False}, "use_32_bit": {"required": False, "block": False}}
    assert extract_schema(package / ".jsii")["resource"]["azurerm_thing"]["arguments"] == expected

    first = azurerm_schema(package)
    assert (tmp_path / "cache" / "azurerm-schema-0.0.1-v1.json").is_file()
    (package / ".jsii").write_text("not json any more: a second run must not read it")
    azurerm_schema.cache_clear()
    try:
        assert azurerm_schema(package) == first
    finally:
        azurerm_schema.cache_clear()


def test_good_terraform_has_no_findings(tmp_path: Path, schema: dict[str, Any]) -> None:
    findings = validate_terraform(good_terraform(tmp_path), schema)
    assert findings == [], shown(findings)


def test_misspelled_argument(tmp_path: Path, schema: dict[str, Any]) -> None:
    main = GOOD_MAIN_TF.replace("  location = var.location", "  locaton  = var.location")
    findings = validate_terraform(good_terraform(tmp_path, **{"main.tf": main}), schema)
    assert has(
        findings,
        "infrastructure/main.tf",
        line_of(main, "locaton"),
        "unknown argument 'locaton'",
        "did you mean 'location'",
    ), shown(findings)
    # ... and the resource group now lacks its location.
    assert has(
        findings,
        "infrastructure/main.tf",
        line_of(main, 'resource "azurerm_resource_group"'),
        "missing required argument 'location'",
    ), shown(findings)


def test_misspelled_argument_in_nested_and_dynamic_blocks(tmp_path: Path, schema: dict[str, Any]) -> None:
    main = GOOD_MAIN_TF.replace("versioning_enabled =", "versioning_enabld  =").replace(
        "ip_rules       =", "ip_rulez       ="
    )
    findings = validate_terraform(good_terraform(tmp_path, **{"main.tf": main}), schema)
    assert has(
        findings,
        "infrastructure/main.tf",
        line_of(main, "versioning_enabld"),
        "blob_properties: unknown argument 'versioning_enabld'",
    )
    assert has(
        findings, "infrastructure/main.tf", line_of(main, "ip_rulez"), "network_rules: unknown argument 'ip_rulez'"
    ), shown(findings)


def test_computed_attribute_is_not_an_argument(tmp_path: Path, schema: dict[str, Any]) -> None:
    main = GOOD_MAIN_TF.replace(
        '  account_tier             = "Standard"\n',
        '  account_tier             = "Standard"\n  primary_access_key       = "x"\n',
    )
    findings = validate_terraform(good_terraform(tmp_path, **{"main.tf": main}), schema)
    assert has(
        findings, "infrastructure/main.tf", line_of(main, "primary_access_key"), "unknown argument 'primary_access_key'"
    ), shown(findings)


def test_unknown_resource_type(tmp_path: Path, schema: dict[str, Any]) -> None:
    extra = 'resource "azurerm_storage_acount" "typo" {\n  name = "x"\n}\n'
    findings = validate_terraform(good_terraform(tmp_path, **{"extra.tf": extra}), schema)
    assert has(findings, "infrastructure/extra.tf", 1, "unknown azurerm resource type 'azurerm_storage_acount'"), shown(
        findings
    )
    assert "did you mean 'azurerm_storage_account'" in shown(findings)


def test_missing_required_argument(tmp_path: Path, schema: dict[str, Any]) -> None:
    main = GOOD_MAIN_TF.replace('  account_tier             = "Standard"\n', "")
    findings = validate_terraform(good_terraform(tmp_path, **{"main.tf": main}), schema)
    assert messages(findings, "infrastructure/main.tf") == [
        "azurerm_storage_account.main: missing required argument 'account_tier'"
    ], shown(findings)
    assert findings[0].line == line_of(main, 'resource "azurerm_storage_account"')


def test_missing_required_block(tmp_path: Path, schema: dict[str, Any]) -> None:
    aks = """\
resource "azurerm_kubernetes_cluster" "main" {
  name                = "aks"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "aks"
}
"""
    findings = validate_terraform(good_terraform(tmp_path, **{"aks.tf": aks}), schema)
    assert has(findings, "infrastructure/aks.tf", 1, "missing required block 'default_node_pool'"), shown(findings)


def test_undeclared_variable(tmp_path: Path, schema: dict[str, Any]) -> None:
    main = GOOD_MAIN_TF.replace('"st${var.name}"', '"st${var.nmae}"')
    findings = validate_terraform(good_terraform(tmp_path, **{"main.tf": main}), schema)
    assert messages(findings, "infrastructure/main.tf") == [
        'var.nmae is used but no `variable "nmae"` is declared in this module'
    ], shown(findings)
    assert findings[0].line == line_of(main, "var.nmae")


def test_undeclared_variable_in_heredoc_and_duplicate_declaration(tmp_path: Path, schema: dict[str, Any]) -> None:
    extra = (
        'locals {\n  script = <<-EOT\n    echo ${var.scirpt_arg}\n  EOT\n}\n\nvariable "name" {\n  type = string\n}\n'
    )
    findings = validate_terraform(good_terraform(tmp_path, **{"extra.tf": extra}), schema)
    assert [str(finding) for finding in findings] == [
        'infrastructure/extra.tf:3: [terraform] var.scirpt_arg is used but no `variable "scirpt_arg"` is declared '
        "in this module",
        'infrastructure/variables.tf:9: [terraform] variable "name" is declared more than once in this module',
    ]


def test_missing_module_source(tmp_path: Path, schema: dict[str, Any]) -> None:
    main = GOOD_MAIN_TF.replace('"./modules/workspace"', '"./modules/worksapce"')
    findings = validate_terraform(good_terraform(tmp_path, **{"main.tf": main}), schema)
    assert has(
        findings, "infrastructure/main.tf", line_of(main, "worksapce"), "source './modules/worksapce' does not exist"
    ), shown(findings)


def test_module_source_without_tf_files(tmp_path: Path, schema: dict[str, Any]) -> None:
    project = good_terraform(tmp_path)
    (project / "infrastructure/modules/workspace/main.tf").rename(project / "infrastructure/modules/workspace/x.txt")
    findings = validate_terraform(project, schema)
    assert has(findings, "infrastructure/main.tf", line_of(GOOD_MAIN_TF, "source   ="), "holds no .tf files"), shown(
        findings
    )


def test_module_variables(tmp_path: Path, schema: dict[str, Any]) -> None:
    main = GOOD_MAIN_TF.replace('  name     = "mlw-${var.name}"\n', '  sku_name = "Basic"\n')
    findings = validate_terraform(good_terraform(tmp_path, **{"main.tf": main}), schema)
    assert has(findings, "infrastructure/main.tf", line_of(main, "sku_name"), "declares no variable 'sku_name'"), shown(
        findings
    )
    assert has(findings, "infrastructure/main.tf", line_of(main, 'module "workspace"'), "required variable 'name'"), (
        shown(findings)
    )


def test_unformatted_file(tmp_path: Path, schema: dict[str, Any]) -> None:
    variables = GOOD_VARIABLES_TF.replace("  type = string", "type=string")
    findings = validate_terraform(good_terraform(tmp_path, **{"variables.tf": variables}), schema)
    assert [str(finding) for finding in findings] == [
        "infrastructure/variables.tf: [terraform] not formatted as `terraform fmt` would format it "
        "(run `terraform fmt`)"
    ]


def test_syntax_error(tmp_path: Path, schema: dict[str, Any]) -> None:
    broken = 'resource "azurerm_resource_group" "main" {\n  name = \n}\n'
    findings = validate_terraform(good_terraform(tmp_path, **{"broken.tf": broken}), schema)
    assert has(findings, "infrastructure/broken.tf", 2, "Invalid expression"), shown(findings)


def test_tfvars_sets_undeclared_and_misses_required_variables(tmp_path: Path, schema: dict[str, Any]) -> None:
    tfvars = GOOD_TFVARS.replace('name                = "demo"\n', 'nmae                = "demo"\n')
    findings = validate_terraform(good_terraform(tmp_path, **{"environments/dev.tfvars": tfvars}), schema)
    path = "infrastructure/environments/dev.tfvars"
    assert has(findings, path, line_of(tfvars, "nmae"), "sets 'nmae'", "does not declare", "did you mean 'name'"), (
        shown(findings)
    )
    assert has(findings, path, None, "does not set 'name'"), shown(findings)


# --------------------------------------------------------------------------------------------------
# Bicep
# --------------------------------------------------------------------------------------------------
GOOD_MAIN_BICEP = """\
targetScope = 'subscription'

@description('Name of the resource group.')
param resourceGroupName string
param location string
param tags object = {}
param suffix string?

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: resourceGroupName
  location: location
  tags: tags
}

module workspace 'modules/workspace.bicep' = {
  name: 'workspace'
  scope: rg
  params: {
    name: 'mlw-${resourceGroupName}'
    location: location
  }
}

module clusters './modules/workspace.bicep' = [for i in range(0, 2): {
  name: 'cluster${i}'
  scope: rg
  params: {
    name: 'c${i}'
    location: location
    'sku': 'Basic'
  }
}]

module registry 'br/public:avm/res/container-registry/registry:0.1.0' = {
  name: 'registry'
  scope: rg
}

output resourceGroupName string = rg.name
"""

GOOD_WORKSPACE_BICEP = """\
param name string
param location string
param sku string = 'Basic'

output id string = '${name}-${location}-${sku}'
"""

GOOD_BICEPPARAM = """\
// Values of the dev environment.
using '../main.bicep'

param resourceGroupName = 'rg-demo-dev'
param location = 'westeurope'
param tags = {
  project: 'demo'
  // param notAStatement = 1
  note: '''
param alsoNot = 2
'''
  interpolated: 'x-${'nested'}-y'
}
"""


def good_bicep(root: Path, **overrides: str) -> Path:
    files = {
        "main.bicep": GOOD_MAIN_BICEP,
        "modules/workspace.bicep": GOOD_WORKSPACE_BICEP,
        "environments/dev.bicepparam": GOOD_BICEPPARAM,
    }
    write_files(root, {f"infrastructure/{name}": text for name, text in {**files, **overrides}.items()})
    return root


def test_good_bicep_has_no_findings(tmp_path: Path) -> None:
    findings = validate_bicep(good_bicep(tmp_path))
    assert findings == [], shown(findings)


def test_bicepparam_reader_sees_only_top_level_statements() -> None:
    params = read_bicepparam(GOOD_BICEPPARAM)
    assert params.using == ("../main.bicep", 2)
    assert params.params == {"resourceGroupName": 4, "location": 5, "tags": 6}
    assert params.syntax_errors == [] and params.problems == []


def test_bicep_syntax_error(tmp_path: Path) -> None:
    main = GOOD_MAIN_BICEP.replace("  location: location\n  tags: tags", "  location: location,,\n  tags: tags")
    findings = validate_bicep(good_bicep(tmp_path, **{"main.bicep": main}))
    assert any(
        f.path == "infrastructure/main.bicep" and f.line == line_of(main, ",,") and "syntax error" in f.message
        for f in findings
    ), shown(findings)


def test_bicep_missing_token(tmp_path: Path) -> None:
    findings = validate_bicep(good_bicep(tmp_path, **{"modules/workspace.bicep": "param name string =\n"}))
    assert [f.path for f in findings if "syntax error" in f.message] == ["infrastructure/modules/workspace.bicep"]


def test_bicepparam_syntax_error(tmp_path: Path) -> None:
    params = GOOD_BICEPPARAM.replace("param location = 'westeurope'", "param location = 'westeurope' +")
    findings = validate_bicep(good_bicep(tmp_path, **{"environments/dev.bicepparam": params}))
    assert any("syntax error" in f.message and f.path.endswith("dev.bicepparam") for f in findings), shown(findings)


def test_bicepparam_sets_undeclared_param(tmp_path: Path) -> None:
    params = GOOD_BICEPPARAM + "param locaton = 'eastus'\n"
    findings = validate_bicep(good_bicep(tmp_path, **{"environments/dev.bicepparam": params}))
    assert [str(finding) for finding in findings] == [
        f"infrastructure/environments/dev.bicepparam:{line_of(params, 'locaton')}: [bicep] "
        "sets 'locaton', which '../main.bicep' does not declare"
    ]


def test_bicepparam_misses_required_param(tmp_path: Path) -> None:
    params = GOOD_BICEPPARAM.replace("param location = 'westeurope'\n", "")
    findings = validate_bicep(good_bicep(tmp_path, **{"environments/dev.bicepparam": params}))
    assert [str(finding) for finding in findings] == [
        "infrastructure/environments/dev.bicepparam:2: [bicep] does not set 'location', which '../main.bicep' "
        "requires (it has no default)"
    ]


def test_bicepparam_using_missing_template(tmp_path: Path) -> None:
    params = GOOD_BICEPPARAM.replace("'../main.bicep'", "'../mian.bicep'")
    findings = validate_bicep(good_bicep(tmp_path, **{"environments/dev.bicepparam": params}))
    assert has(findings, "infrastructure/environments/dev.bicepparam", 2, "'../mian.bicep', which does not exist")


def test_bicep_module_path_missing(tmp_path: Path) -> None:
    main = GOOD_MAIN_BICEP.replace("module workspace 'modules/workspace.bicep'", "module workspace 'modules/ws.bicep'")
    findings = validate_bicep(good_bicep(tmp_path, **{"main.bicep": main}))
    assert [str(finding) for finding in findings] == [
        "infrastructure/main.bicep:15: [bicep] module workspace: 'modules/ws.bicep' does not exist"
    ]


def test_bicep_module_params(tmp_path: Path) -> None:
    main = GOOD_MAIN_BICEP.replace("    name: 'mlw-${resourceGroupName}'\n", "    nmae: 'mlw'\n")
    findings = validate_bicep(good_bicep(tmp_path, **{"main.bicep": main}))
    assert has(findings, "infrastructure/main.bicep", line_of(main, "nmae"), "declares no parameter 'nmae'"), shown(
        findings
    )
    assert has(findings, "infrastructure/main.bicep", line_of(main, "module workspace"), "required parameter 'name'"), (
        shown(findings)
    )


def test_bicepparam_extends_a_base_file(tmp_path: Path) -> None:
    base = "using none\n\nparam location = 'westeurope'\n"
    params = GOOD_BICEPPARAM.replace("param location = 'westeurope'\n", "").replace(
        "using '../main.bicep'\n", "using '../main.bicep'\nextends 'base.bicepparam'\n"
    )
    project = good_bicep(tmp_path, **{"environments/base.bicepparam": base, "environments/dev.bicepparam": params})
    findings = validate_bicep(project)
    assert findings == [], shown(findings)
