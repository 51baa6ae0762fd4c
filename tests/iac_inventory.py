"""What a generated Terraform or Bicep configuration creates for one environment, and how.

An inventory holds every Azure object the code declares (resources, role assignments, diagnostic
settings, private DNS links), each under a key both tools share, with its settings in one vocabulary
for both tools (SKU, redundancy, encryption, network access, retention, address spaces, outbound
rules, ...) and the objects it waits for. It is read statically from the code and the environment's
``.tfvars`` / ``.bicepparam`` file by two small evaluators, one for the subset of HCL and one for the
subset of Bicep that the infrastructure subtrees use. Anything outside that subset raises
``InventoryError`` naming the construct, so a change that breaks the conventions fails loudly instead
of slipping past the parity test. ``compare`` lists every difference between two inventories, one
sentence each.

Keys: ``<ARM type>:<name>`` (a child's name is ``parent/child``, as in its resource ID); a role
assignment is ``roleAssignment:<role GUID> on <scope key> for <principal>``, a diagnostic setting
``diagnosticSettings:<name> on <target key>``. Values only Azure knows are ``Unknown`` (subscription,
tenant, generated GUIDs) or ``Attribute`` (an identity's principal ID, say), so that both tools can
still be compared on what they pass where. Child resources that one tool declares inside their parent
(a storage account's blob service, a private endpoint's DNS zone group, a network's subnets) are
``parts`` of the parent's node.

``writes`` turns an inventory into what Azure authorizes when the configuration is applied (the
permission model of tests/azure_model reads the infrastructure through it).
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lark import Token, Tree
from validation.bicep import parse_bicep
from validation.terraform import Block, parse_hcl

RESOURCE_GROUP = "Microsoft.Resources/resourceGroups"
ROLE_ASSIGNMENT = "Microsoft.Authorization/roleAssignments"
DIAGNOSTIC_SETTING = "Microsoft.Insights/diagnosticSettings"
ROLE_GUID = re.compile(r"roleDefinitions/([0-9a-fA-F-]{36})")
ROLE_KEY = re.compile(r"roleAssignment:(?P<role>[0-9a-f-]{36}) on (?P<scope>\S+) for (?P<principal>.+)")
DIAGNOSTICS_KEY = re.compile(r"diagnosticSettings:(?P<name>\S+) on (?P<target>\S+)")
SUBNETS = "Microsoft.Network/virtualNetworks/subnets"
BLOB_SERVICE = "Microsoft.Storage/storageAccounts/blobServices"
DNS_ZONE_GROUP = "Microsoft.Network/privateEndpoints/privateDnsZoneGroups"


class InventoryError(Exception):
    """The code uses a construct the inventory reader does not understand."""


# --------------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Unknown:
    """A value only Azure knows that belongs to no object of the inventory (a subscription ID)."""

    what: str

    def __str__(self) -> str:
        return f"<{self.what}>"


@dataclass(frozen=True)
class Attribute:
    """A value only Azure knows of an object of the inventory, e.g. an identity's principal ID."""

    key: str
    name: str

    def __str__(self) -> str:
        return f"<{self.name} of {self.key}>"


@dataclass(frozen=True)
class EnvironmentVariable:
    """``readEnvironmentVariable(name, default)`` in a .bicepparam file: decided when a deployment runs."""

    name: str
    default: Any


def arm_id(
    arm_type: str,
    names: tuple[str, ...],
    resource_group: str = "<resource group>",
    subscription: str = "<subscription>",
) -> str:
    """The resource ID of an object of this type and names (subscription unknown unless given)."""
    if arm_type == RESOURCE_GROUP:
        return f"/subscriptions/{subscription}/resourceGroups/{names[0]}"
    namespace, *types = arm_type.split("/")
    if len(types) != len(names):
        raise InventoryError(f"{arm_type} needs {len(types)} names, got {names}")
    path = "/".join(f"{kind}/{name}" for kind, name in zip(types, names, strict=True))
    return f"/subscriptions/{subscription}/resourceGroups/{resource_group}/providers/{namespace}/{path}"


def key_of(value: Any) -> str | None:
    """The inventory key of a resource ID (``None`` stays ``None``); subscription and group are dropped."""
    if value is None or value == "":
        return None
    text = str(value)
    provider = re.search(r"/providers/([^/]+)/(.+)$", text)
    if provider:
        parts = provider.group(2).split("/")
        if len(parts) % 2:
            raise InventoryError(f"not a resource ID: {text!r}")
        return f"{provider.group(1)}/{'/'.join(parts[0::2])}:{'/'.join(parts[1::2])}"
    group = re.fullmatch(r".*/resource[gG]roups/([^/]+)", text)
    if group:
        return f"{RESOURCE_GROUP}:{group.group(1)}"
    raise InventoryError(f"not a resource ID: {text!r}")


def _name_parts(key: str) -> tuple[str, tuple[str, ...]]:
    arm_type, _, names = key.partition(":")
    return arm_type, tuple(names.split("/"))


def _text(value: Any) -> str:
    """A value inside a string template."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        raise InventoryError("null inside a string template")
    return str(value)


# --------------------------------------------------------------------------------------------------
# The inventory
# --------------------------------------------------------------------------------------------------
@dataclass
class Node:
    """One object the configuration creates."""

    key: str
    settings: dict[str, Any]
    waits_for: set[str] = field(default_factory=set)
    parts: set[str] = field(default_factory=set)  # ARM types of children declared with it


@dataclass
class Inventory:
    """Every object of one environment, by key."""

    nodes: dict[str, Node] = field(default_factory=dict)

    def add(self, key: str, settings: dict[str, Any], waits_for: set[str], parts: frozenset[str] = frozenset()) -> None:
        if key in self.nodes:
            raise InventoryError(f"{key} is declared twice")
        self.nodes[key] = Node(key, settings, set(waits_for) - {key}, set(parts))

    def merge(self, key: str, settings: dict[str, Any], part: str) -> None:
        """Settings that one tool declares on a child object of type ``part`` (a storage account's blob
        service), kept on the parent, as the other tool declares them."""
        if key not in self.nodes:
            raise InventoryError(f"settings for {key}, which is not declared (yet)")
        self.nodes[key].settings.update(settings)
        self.nodes[key].parts.add(part)

    def keys_of(self, arm_type: str) -> set[str]:
        return {key for key in self.nodes if key.startswith(arm_type + ":")}

    def ancestors(self, key: str) -> set[str]:
        """Every object ``key`` waits for, directly or not."""
        seen: set[str] = set()
        pending = list(self.nodes[key].waits_for)
        while pending:
            current = pending.pop()
            if current in seen or current not in self.nodes:
                continue
            seen.add(current)
            pending.extend(self.nodes[current].waits_for)
        return seen


# What the order of creation is compared on: the workspaces and clusters, and which of these they wait
# for (the rest follows from references both tools need anyway).
ORDERED = ("Microsoft.MachineLearningServices/workspaces:", "Microsoft.MachineLearningServices/workspaces/computes:")
ORDERING = (
    "roleAssignment:",
    "Microsoft.MachineLearningServices/workspaces:",
    "Microsoft.MachineLearningServices/registries:",
    "Microsoft.Network/privateEndpoints:",
)


def compare(terraform: Inventory, bicep: Inventory) -> list[str]:
    """Every difference between the two inventories, one sentence each (empty when they agree)."""
    differences = [f"only in Terraform: {key}" for key in sorted(terraform.nodes.keys() - bicep.nodes.keys())]
    differences += [f"only in Bicep: {key}" for key in sorted(bicep.nodes.keys() - terraform.nodes.keys())]
    for key in sorted(terraform.nodes.keys() & bicep.nodes.keys()):
        ours, theirs = terraform.nodes[key].settings, bicep.nodes[key].settings
        for part in sorted(terraform.nodes[key].parts ^ bicep.nodes[key].parts):
            tool = "Terraform" if part in terraform.nodes[key].parts else "Bicep"
            differences.append(f"{key}: declares a child {part} in {tool} only")
        for setting in sorted(ours.keys() | theirs.keys()):
            if ours.get(setting, "(not set)") != theirs.get(setting, "(not set)"):
                differences.append(
                    f"{key}: {setting} is {ours.get(setting, '(not set)')!r} in Terraform, "
                    f"{theirs.get(setting, '(not set)')!r} in Bicep"
                )
        if key.startswith(ORDERED):
            before_ours = {a for a in terraform.ancestors(key) if a.startswith(ORDERING)}
            before_theirs = {a for a in bicep.ancestors(key) if a.startswith(ORDERING)}
            for missing in sorted(before_ours - before_theirs):
                differences.append(f"{key} waits for {missing} in Terraform only")
            for missing in sorted(before_theirs - before_ours):
                differences.append(f"{key} waits for {missing} in Bicep only")
    return differences


# --------------------------------------------------------------------------------------------------
# What applying the configuration writes, as Azure authorizes it
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Write:
    """One object that applying the configuration creates or changes: the ARM type written, the resource
    ID the write is authorized at (for a role assignment or diagnostic setting, the ID of what it is on),
    and for a role assignment the role definition GUID and principal type a delegation condition tests."""

    arm_type: str
    scope: str
    role: str = ""
    principal_type: str = ""


def writes(inventory: Inventory, subscription: str) -> list[Write]:
    """Every write of an environment's inventory, with resource IDs in ``subscription`` and in the one
    resource group the environment declares (everything else lives in it)."""
    groups = inventory.keys_of(RESOURCE_GROUP)
    if len(groups) != 1:
        raise InventoryError(f"an environment declares one resource group, this one {sorted(groups)}")
    group = _name_parts(groups.pop())[1][0]

    def resource_id(key: str) -> str:
        arm_type, names = _name_parts(key)
        return arm_id(arm_type, names, group, subscription)

    found = []
    for key, node in inventory.nodes.items():
        role, diagnostics = ROLE_KEY.fullmatch(key), DIAGNOSTICS_KEY.fullmatch(key)
        if role:
            principal_type = node.settings.get("principal_type") or ""
            found.append(Write(ROLE_ASSIGNMENT, resource_id(role["scope"]), role["role"], principal_type))
        elif diagnostics:
            found.append(Write(DIAGNOSTIC_SETTING, resource_id(diagnostics["target"])))
        else:
            found.append(Write(_name_parts(key)[0], resource_id(key)))
            found += [Write(part, resource_id(key)) for part in sorted(node.parts)]
    return found


# --------------------------------------------------------------------------------------------------
# Settings in one vocabulary: from ARM-shaped objects (Bicep, azapi) and from azurerm arguments
# --------------------------------------------------------------------------------------------------
def _first(items: Any) -> dict[str, Any]:
    """The first (only) instance of a nested Terraform block, or an empty dict."""
    return items[0] if isinstance(items, list) and items else {}


def _identity(identity: dict[str, Any]) -> dict[str, Any]:
    ids = identity.get("identity_ids") or list((identity.get("userAssignedIdentities") or {}).keys())
    return {"identity_type": identity.get("type"), "identities": sorted(key_of(i) for i in ids)}


def _ml_workspace(resource: dict[str, Any]) -> dict[str, Any]:
    properties = resource.get("properties", {})
    network = properties.get("managedNetwork") or {}
    rules = sorted(
        (
            name,
            rule.get("type"),
            rule.get("category"),
            key_of(rule["destination"].get("serviceResourceId")),
            rule["destination"].get("subresourceTarget"),
            rule["destination"].get("sparkEnabled"),
        )
        for name, rule in (network.get("outboundRules") or {}).items()
    )
    return {
        "sku": (resource.get("sku") or {}).get("name"),
        **_identity(resource.get("identity") or {}),
        "primary_identity": key_of(properties.get("primaryUserAssignedIdentity")),
        "storage_account": key_of(properties.get("storageAccount")),
        "key_vault": key_of(properties.get("keyVault")),
        "container_registry": key_of(properties.get("containerRegistry")),
        "application_insights": key_of(properties.get("applicationInsights")),
        "system_datastores_auth_mode": properties.get("systemDatastoresAuthMode"),
        "public_network_access": properties.get("publicNetworkAccess"),
        "image_build_compute": properties.get("imageBuildCompute"),
        "high_business_impact": properties.get("hbiWorkspace"),
        "v1_legacy_mode": properties.get("v1LegacyMode"),
        "isolation_mode": network.get("isolationMode"),
        "outbound_rules": rules,
        "provision_network_now": properties.get("provisionNetworkNow"),
    }


def _ml_registry(resource: dict[str, Any]) -> dict[str, Any]:
    properties = resource.get("properties", {})
    regions = properties.get("regionDetails") or [{}]
    acr = _first(regions[0].get("acrDetails")).get("systemCreatedAcrAccount", {})
    storage = _first(regions[0].get("storageAccountDetails")).get("systemCreatedStorageAccount", {})
    return {
        **_identity(resource.get("identity") or {}),
        "public_network_access": properties.get("publicNetworkAccess"),
        "container_registry_sku": acr.get("acrAccountSku"),
        "storage_type": storage.get("storageAccountType"),
        "storage_hierarchical_namespace": storage.get("storageAccountHnsEnabled"),
        "storage_blob_public_access": storage.get("allowBlobPublicAccess"),
    }


def _bypass(value: Any) -> list[str]:
    items = value if isinstance(value, list) else str(value).split(",")
    return sorted(item.strip() for item in items)


def _compute(properties: dict[str, Any]) -> dict[str, Any]:
    """Shared vocabulary of a compute cluster, from Bicep's properties.properties."""
    scale = properties.get("scaleSettings", {})
    return {
        "vm_size": properties.get("vmSize"),
        "vm_priority": properties.get("vmPriority"),
        "min_nodes": scale.get("minNodeCount"),
        "max_nodes": scale.get("maxNodeCount"),
        "idle_before_scale_down": scale.get("nodeIdleTimeBeforeScaleDown"),
        "node_public_ip": properties.get("enableNodePublicIp", True),
        "ssh_public_access": properties.get("remoteLoginPortPublicAccess", "Enabled") != "Disabled",
        "subnet": key_of((properties.get("subnet") or {}).get("id")),
    }


def _role_key(role_definition: Any, scope: Any, principal: Any) -> str:
    guid = ROLE_GUID.search(str(role_definition))
    if not guid:
        raise InventoryError(f"a role assignment without a literal role definition GUID: {role_definition}")
    return f"roleAssignment:{guid.group(1).lower()} on {key_of(scope)} for {principal}"


def _diagnostics(name: str, target: Any, destination: Any, logs: list[dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    entries = sorted(
        ("category group", log["category_group"]) if log.get("category_group") else ("category", log["category"])
        for log in logs
    )
    return f"diagnosticSettings:{name} on {key_of(target)}", {"destination": key_of(destination), "logs": entries}


# Bicep and azapi: resources in ARM's own shape ------------------------------------------------------
def _arm_settings(arm_type: str, resource: dict[str, Any]) -> dict[str, Any]:
    """The settings that matter of an ARM-shaped resource (a Bicep declaration, an azapi body)."""
    properties = resource.get("properties") or {}
    if arm_type == RESOURCE_GROUP:
        return {"location": resource.get("location")}
    if arm_type == "Microsoft.OperationalInsights/workspaces":
        return {"sku": properties["sku"]["name"], "retention_days": properties.get("retentionInDays")}
    if arm_type == "Microsoft.Insights/components":
        return {
            "kind": properties.get("Application_Type"),
            "retention_days": properties.get("RetentionInDays", 90),
            "log_analytics": key_of(properties.get("WorkspaceResourceId")),
        }
    if arm_type == "Microsoft.Storage/storageAccounts":
        acls = properties.get("networkAcls") or {}
        return {
            "sku": resource["sku"]["name"],
            "kind": resource.get("kind"),
            "access_tier": properties.get("accessTier"),
            "https_only": properties.get("supportsHttpsTrafficOnly", True),
            "min_tls_version": properties.get("minimumTlsVersion"),
            "shared_key_access": properties.get("allowSharedKeyAccess", True),
            "entra_id_by_default": properties.get("defaultToOAuthAuthentication", False),
            "anonymous_blob_access": properties.get("allowBlobPublicAccess", False),
            "cross_tenant_replication": properties.get("allowCrossTenantReplication", False),
            "infrastructure_encryption": (properties.get("encryption") or {}).get(
                "requireInfrastructureEncryption", False
            ),
            "hierarchical_namespace": properties.get("isHnsEnabled", False),
            "local_users": properties.get("isLocalUserEnabled", True),
            "sftp": properties.get("isSftpEnabled", False),
            "public_network_access": properties.get("publicNetworkAccess", "Enabled") == "Enabled",
            "default_action": acls.get("defaultAction", "Allow"),
            "bypass": _bypass(acls.get("bypass", "AzureServices")),
            "resource_access": sorted(key_of(rule["resourceId"]) for rule in acls.get("resourceAccessRules") or []),
            "sas_expiration_period": (properties.get("sasPolicy") or {}).get("sasExpirationPeriod"),
        }
    if arm_type == "Microsoft.KeyVault/vaults":
        acls = properties.get("networkAcls") or {}
        return {
            "sku": properties["sku"]["name"],
            "rbac_authorization": properties.get("enableRbacAuthorization", False),
            "soft_delete_days": properties.get("softDeleteRetentionInDays", 90),
            "purge_protection": bool(properties.get("enablePurgeProtection")),
            "public_network_access": properties.get("publicNetworkAccess", "Enabled") == "Enabled",
            "default_action": acls.get("defaultAction", "Allow"),
            "bypass": _bypass(acls.get("bypass", "AzureServices")),
            # Recreating an environment: chosen when the deployment runs, from the soft-deleted vaults.
            "recovers_soft_deleted": isinstance(properties.get("createMode"), EnvironmentVariable),
        }
    if arm_type == "Microsoft.ContainerRegistry/registries":
        return {
            "sku": resource["sku"]["name"],
            "admin_user": properties.get("adminUserEnabled", False),
            "anonymous_pull": properties.get("anonymousPullEnabled", False),
            "public_network_access": properties.get("publicNetworkAccess", "Enabled") == "Enabled",
            "bypass": properties.get("networkRuleBypassOptions", "AzureServices"),
            "data_endpoint": properties.get("dataEndpointEnabled", False),
            "zone_redundancy": properties.get("zoneRedundancy", "Disabled") == "Enabled",
        }
    if arm_type == "Microsoft.ManagedIdentity/userAssignedIdentities":
        return {}
    if arm_type == "Microsoft.MachineLearningServices/workspaces":
        return _ml_workspace(resource)
    if arm_type == "Microsoft.MachineLearningServices/registries":
        return _ml_registry(resource)
    if arm_type == "Microsoft.MachineLearningServices/workspaces/computes":
        return {
            **_compute(properties.get("properties") or {}),
            **_identity(resource.get("identity") or {}),
            "compute_type": properties.get("computeType"),
            "local_auth": not properties.get("disableLocalAuth", False),
        }
    if arm_type == "Microsoft.Network/virtualNetworks":
        return {
            "address_space": sorted(properties["addressSpace"]["addressPrefixes"]),
            "subnets": sorted(
                (
                    subnet["name"],
                    subnet["properties"]["addressPrefix"],
                    subnet["properties"].get("privateEndpointNetworkPolicies", "Disabled"),
                    subnet["properties"].get("defaultOutboundAccess", True),
                )
                for subnet in properties.get("subnets", [])
            ),
        }
    if arm_type == "Microsoft.Network/privateDnsZones":
        return {}
    if arm_type == "Microsoft.Network/privateDnsZones/virtualNetworkLinks":
        return {
            "registration": properties.get("registrationEnabled", False),
            "virtual_network": key_of(properties["virtualNetwork"]["id"]),
        }
    if arm_type == "Microsoft.Insights/actionGroups":
        return {
            "location": resource.get("location"),
            "short_name": properties.get("groupShortName"),
            "enabled": properties.get("enabled", True),
            "email_receivers": sorted(
                (receiver["name"], receiver["emailAddress"], receiver.get("useCommonAlertSchema", False))
                for receiver in properties.get("emailReceivers") or []
            ),
        }
    if arm_type == "Microsoft.Insights/metricAlerts":
        return {
            "scopes": sorted(key_of(scope) for scope in properties.get("scopes") or []),
            "severity": properties.get("severity"),
            "enabled": properties.get("enabled", True),
            "frequency": properties.get("evaluationFrequency"),
            "window": properties.get("windowSize"),
            "auto_mitigate": properties.get("autoMitigate", True),
            "criteria": sorted(
                (
                    criterion.get("metricNamespace"),
                    criterion["metricName"],
                    criterion["timeAggregation"],
                    criterion["operator"],
                    criterion["threshold"],
                )
                for criterion in (properties.get("criteria") or {}).get("allOf") or []
            ),
            "actions": sorted(key_of(action["actionGroupId"]) for action in properties.get("actions") or []),
        }
    if arm_type == "Microsoft.Network/privateEndpoints":
        connection = properties["privateLinkServiceConnections"][0]["properties"]
        return {
            "subnet": key_of(properties["subnet"]["id"]),
            "target": key_of(connection["privateLinkServiceId"]),
            "group_ids": sorted(connection["groupIds"]),
            "manual_approval": bool(properties.get("manualPrivateLinkServiceConnections")),
        }
    raise InventoryError(f"no settings are read for {arm_type}: add it to iac_inventory")


# azurerm arguments --------------------------------------------------------------------------------
def _terraform_settings(resource_type: str, body: dict[str, Any], features: dict[str, Any]) -> dict[str, Any]:
    """The settings that matter of an azurerm resource, in the vocabulary of ``_arm_settings``."""
    if resource_type == "azurerm_resource_group":
        return {"location": body["location"]}
    if resource_type == "azurerm_log_analytics_workspace":
        return {"sku": body["sku"], "retention_days": body.get("retention_in_days")}
    if resource_type == "azurerm_application_insights":
        return {
            "kind": body["application_type"],
            "retention_days": body.get("retention_in_days", 90),
            "log_analytics": key_of(body.get("workspace_id")),
        }
    if resource_type == "azurerm_storage_account":
        rules = _first(body.get("network_rules"))
        blob = _first(body.get("blob_properties"))
        return {
            "sku": f"{body['account_tier']}_{body['account_replication_type']}",
            "kind": body.get("account_kind", "StorageV2"),
            "access_tier": body.get("access_tier", "Hot"),
            "https_only": body.get("https_traffic_only_enabled", True),
            "min_tls_version": body.get("min_tls_version"),
            "shared_key_access": body.get("shared_access_key_enabled", True),
            "entra_id_by_default": body.get("default_to_oauth_authentication", False),
            "anonymous_blob_access": body.get("allow_nested_items_to_be_public", False),
            "cross_tenant_replication": body.get("cross_tenant_replication_enabled", False),
            "infrastructure_encryption": body.get("infrastructure_encryption_enabled", False),
            "hierarchical_namespace": body.get("is_hns_enabled", False),
            "local_users": body.get("local_user_enabled", True),
            "sftp": body.get("sftp_enabled", False),
            "public_network_access": body.get("public_network_access_enabled", True),
            "default_action": rules.get("default_action", "Allow"),
            "bypass": _bypass(rules.get("bypass", ["AzureServices"])),
            "resource_access": sorted(
                key_of(rule["endpoint_resource_id"]) for rule in rules.get("private_link_access", [])
            ),
            "sas_expiration_period": _first(body.get("sas_policy")).get("expiration_period"),
            "blob_soft_delete_days": _first(blob.get("delete_retention_policy")).get("days"),
            "container_soft_delete_days": _first(blob.get("container_delete_retention_policy")).get("days"),
        }
    if resource_type == "azurerm_key_vault":
        acls = _first(body.get("network_acls"))
        return {
            "sku": body["sku_name"],
            "rbac_authorization": body.get("rbac_authorization_enabled", False),
            "soft_delete_days": body.get("soft_delete_retention_days", 90),
            "purge_protection": bool(body.get("purge_protection_enabled")),
            "public_network_access": body.get("public_network_access_enabled", True),
            "default_action": acls.get("default_action", "Allow"),
            "bypass": _bypass(acls.get("bypass", "AzureServices")),
            "recovers_soft_deleted": bool(
                _first(features.get("key_vault")).get("recover_soft_deleted_key_vaults", True)
            ),
        }
    if resource_type == "azurerm_container_registry":
        return {
            "sku": body["sku"],
            "admin_user": body.get("admin_enabled", False),
            "anonymous_pull": body.get("anonymous_pull_enabled", False),
            "public_network_access": body.get("public_network_access_enabled", True),
            "bypass": body.get("network_rule_bypass_option", "AzureServices"),
            "data_endpoint": body.get("data_endpoint_enabled", False),
            "zone_redundancy": body.get("zone_redundancy_enabled", False),
        }
    if resource_type == "azurerm_user_assigned_identity":
        return {}
    if resource_type == "azurerm_machine_learning_compute_cluster":
        scale = _first(body.get("scale_settings"))
        return {
            "vm_size": body["vm_size"],
            "vm_priority": body["vm_priority"],
            "min_nodes": scale.get("min_node_count"),
            "max_nodes": scale.get("max_node_count"),
            "idle_before_scale_down": scale.get("scale_down_nodes_after_idle_duration"),
            "node_public_ip": body.get("node_public_ip_enabled", True),
            "ssh_public_access": body.get("ssh_public_access_enabled", False),
            "subnet": key_of(body.get("subnet_resource_id")),
            **_identity(_first(body.get("identity"))),
            "compute_type": "AmlCompute",
            "local_auth": body.get("local_auth_enabled", True),
        }
    if resource_type == "azurerm_virtual_network":
        return {
            "address_space": sorted(body["address_space"]),
            "subnets": sorted(
                (
                    subnet["name"],
                    subnet["address_prefixes"][0],
                    subnet.get("private_endpoint_network_policies", "Disabled"),
                    subnet.get("default_outbound_access_enabled", True),
                )
                for subnet in body.get("subnet", [])
            ),
        }
    if resource_type == "azurerm_private_dns_zone":
        return {}
    if resource_type == "azurerm_private_dns_zone_virtual_network_link":
        return {
            "registration": body.get("registration_enabled", False),
            "virtual_network": key_of(body["virtual_network_id"]),
        }
    if resource_type == "azurerm_monitor_action_group":
        return {
            "location": body.get("location"),
            "short_name": body["short_name"],
            "enabled": body.get("enabled", True),
            "email_receivers": sorted(
                (receiver["name"], receiver["email_address"], receiver.get("use_common_alert_schema", False))
                for receiver in body.get("email_receiver", [])
            ),
        }
    if resource_type == "azurerm_monitor_metric_alert":
        return {
            "scopes": sorted(key_of(scope) for scope in body["scopes"]),
            "severity": body.get("severity", 3),
            "enabled": body.get("enabled", True),
            "frequency": body.get("frequency", "PT1M"),
            "window": body.get("window_size", "PT5M"),
            "auto_mitigate": body.get("auto_mitigate", True),
            "criteria": sorted(
                (
                    criterion["metric_namespace"],
                    criterion["metric_name"],
                    criterion["aggregation"],
                    criterion["operator"],
                    criterion["threshold"],
                )
                for criterion in body.get("criteria", [])
            ),
            "actions": sorted(key_of(action["action_group_id"]) for action in body.get("action", [])),
        }
    if resource_type == "azurerm_private_endpoint":
        connection = _first(body["private_service_connection"])
        return {
            "subnet": key_of(body["subnet_id"]),
            "target": key_of(connection["private_connection_resource_id"]),
            "group_ids": sorted(connection["subresource_names"]),
            "manual_approval": connection.get("is_manual_connection", False),
            "dns_zones": sorted(
                key_of(zone) for zone in _first(body.get("private_dns_zone_group"))["private_dns_zone_ids"]
            ),
        }
    raise InventoryError(f"no settings are read for {resource_type}: add it to iac_inventory")


TERRAFORM_TYPES = {
    "azurerm_resource_group": RESOURCE_GROUP,
    "azurerm_log_analytics_workspace": "Microsoft.OperationalInsights/workspaces",
    "azurerm_application_insights": "Microsoft.Insights/components",
    "azurerm_storage_account": "Microsoft.Storage/storageAccounts",
    "azurerm_key_vault": "Microsoft.KeyVault/vaults",
    "azurerm_container_registry": "Microsoft.ContainerRegistry/registries",
    "azurerm_user_assigned_identity": "Microsoft.ManagedIdentity/userAssignedIdentities",
    "azurerm_machine_learning_compute_cluster": "Microsoft.MachineLearningServices/workspaces/computes",
    "azurerm_virtual_network": "Microsoft.Network/virtualNetworks",
    "azurerm_private_dns_zone": "Microsoft.Network/privateDnsZones",
    "azurerm_private_dns_zone_virtual_network_link": "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
    "azurerm_private_endpoint": "Microsoft.Network/privateEndpoints",
    "azurerm_monitor_action_group": "Microsoft.Insights/actionGroups",
    "azurerm_monitor_metric_alert": "Microsoft.Insights/metricAlerts",
    "azurerm_role_assignment": ROLE_ASSIGNMENT,
    "azurerm_monitor_diagnostic_setting": DIAGNOSTIC_SETTING,
}
# Nested blocks whose instances are resources of their own, with an ID Terraform exposes.
NESTED_RESOURCES = {("azurerm_virtual_network", "subnet"): SUBNETS}
# Nested blocks that Azure receives as child resources of their own (parts of the node).
TERRAFORM_PARTS = {
    **NESTED_RESOURCES,
    ("azurerm_storage_account", "blob_properties"): BLOB_SERVICE,
    ("azurerm_private_endpoint", "private_dns_zone_group"): DNS_ZONE_GROUP,
}
RESOURCE_META = {"count", "for_each", "depends_on", "provider", "lifecycle", "timeouts"}


def _index(base: Any, index: Any) -> Any:
    if isinstance(base, list) and isinstance(index, int) and 0 <= index < len(base):
        return base[index]
    if isinstance(base, dict) and index in base:
        return base[index]
    raise InventoryError(f"cannot index {base!r} with {index!r}")


def _merge(objects: list[Any]) -> dict[str, Any]:
    """Terraform's merge() and Bicep's union() of objects: later keys win."""
    if not all(isinstance(item, dict) for item in objects):
        raise InventoryError(f"only objects are merged, got {objects!r}")
    merged: dict[str, Any] = {}
    for item in objects:
        merged.update(item)
    return merged


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


# --------------------------------------------------------------------------------------------------
# Terraform: a small evaluator for python-hcl2's lark trees
# --------------------------------------------------------------------------------------------------
@dataclass
class _Context:
    """Where an evaluation stands: loop variables in scope, and the objects it touched."""

    bindings: dict[str, Any] = field(default_factory=dict)
    touched: set[str] = field(default_factory=set)


def _references(evaluate: Callable[[_Context], Any], context: _Context) -> None:
    """What the branch of a condition that is not taken refers to: both tools order creation by every
    reference in an expression, taken or not (a reference to nothing deployed orders nothing)."""
    other = _Context(context.bindings)
    # e.g. the outputs of a module that is not deployed: what was touched before still counts
    with contextlib.suppress(InventoryError):
        evaluate(other)
    context.touched |= other.touched


@dataclass
class _TerraformFiles:
    variables: dict[str, Block]
    locals: dict[str, Any]
    resources: dict[tuple[str, str], Block]
    modules: dict[str, Block]
    outputs: dict[str, Block]
    providers: dict[str, Block]


@functools.lru_cache(maxsize=256)
def _parsed_hcl(text: str) -> Block:
    """python-hcl2's reading of a file's text, once per text: the projects the tests render share most of
    their Terraform files word for word (the trees are only read, never changed)."""
    return parse_hcl(text)


@functools.cache
def _load_terraform(directory: Path, _stamp: tuple[tuple[str, int], ...]) -> _TerraformFiles:
    files = _TerraformFiles({}, {}, {}, {}, {}, {})
    for path in sorted(directory.glob("*.tf")):
        for block in _parsed_hcl(path.read_text(encoding="utf-8")).blocks:
            if block.type == "variable":
                files.variables[block.labels[0]] = block
            elif block.type == "locals":
                files.locals.update({name: attribute.expression for name, attribute in block.attributes.items()})
            elif block.type == "resource":
                files.resources[(block.labels[0], block.labels[1])] = block
            elif block.type == "module":
                files.modules[block.labels[0]] = block
            elif block.type == "output":
                files.outputs[block.labels[0]] = block
            elif block.type == "provider":
                files.providers[block.labels[0]] = block
    return files


def _terraform_files(directory: Path) -> _TerraformFiles:
    stamp = tuple((path.name, path.stat().st_mtime_ns) for path in sorted(directory.glob("*.tf")))
    return _load_terraform(directory.resolve(), stamp)


def _children(tree: Tree) -> list[Any]:
    """The meaningful children: trees and literal tokens, without punctuation and new lines."""
    return [
        child
        for child in tree.children
        if isinstance(child, Tree)
        and child.data != "new_line_or_comment"
        or isinstance(child, Token)
        and child.type in {"NAME", "STRING_CHARS", "INT_LITERAL", "FLOAT_LITERAL"}
    ]


class _Namespace:
    """``var``, ``local``, ``module``, ``data`` or a resource type: resolved by the next attribute."""

    def __init__(self, resolve: Callable[[str, _Context], Any]) -> None:
        self.resolve = resolve


class _TerraformResource:
    """One instance of a resource block: its arguments, and what Azure would report about it."""

    def __init__(
        self, module: _TerraformModule, resource_type: str, block: Block, each: _Context | None = None
    ) -> None:
        self.module = module
        self.resource_type = resource_type
        self.block = block
        # for_each: ``each`` bound to this instance's key and value, and what the for_each expression read
        self.each = each or _Context()
        self._body: dict[str, Any] | None = None
        self.touched: set[str] = set()
        self.key = ""

    def body(self) -> dict[str, Any]:
        if self._body is None:
            context = _Context(dict(self.each.bindings), set(self.each.touched))
            self._body = self.module.evaluate_body(self.block, context, self.resource_type)
            self.touched = context.touched
            self.key = self.module.inventory_key(self.resource_type, self._body)
        return self._body

    def attribute(self, name: str, context: _Context) -> Any:
        body = self.body()
        context.touched.add(self.key)
        if name == "id":
            return self.module.resource_id(self.key)
        if name in body:
            return body[name]
        return Attribute(self.key, _camel(name))


class _TerraformModule:
    """One instance of a module: its variables bound, its resources and outputs evaluated on demand."""

    def __init__(self, directory: Path, inputs: dict[str, tuple[Any, set[str]]]) -> None:
        self.directory = directory
        self.files = _terraform_files(directory)
        self.inputs = inputs
        self._locals: dict[str, tuple[Any, set[str]]] = {}
        self._resources: dict[tuple[str, str], Any] = {}  # an instance, a list (count) or a map (for_each)
        self._modules: dict[str, list[_TerraformModule]] = {}
        self._outputs: dict[str, tuple[Any, set[str]]] = {}
        for name, block in self.files.variables.items():
            if name not in inputs:
                default = block.attributes.get("default")
                if default is None:
                    raise InventoryError(f"{directory.name}: variable {name!r} has no value")
                self.inputs[name] = (self.evaluate(default.expression, _Context()), set())

    # -- names of things -------------------------------------------------------------------------
    def inventory_key(self, resource_type: str, body: dict[str, Any]) -> str:
        if resource_type == "azurerm_role_assignment":
            return _role_key(body["role_definition_id"], body["scope"], body["principal_id"])
        if resource_type == "azurerm_monitor_diagnostic_setting":
            return _diagnostics(body["name"], body["target_resource_id"], None, [])[0]
        if resource_type == "azapi_resource":
            parent = key_of(body["parent_id"])
            arm_type = body["type"].split("@")[0]
            if parent.startswith(RESOURCE_GROUP + ":"):
                return f"{arm_type}:{body['name']}"
            return f"{arm_type}:{_name_parts(parent)[1][-1]}/{body['name']}"
        arm_type = TERRAFORM_TYPES.get(resource_type)
        if arm_type is None:
            raise InventoryError(f"resource type {resource_type} is not known to iac_inventory")
        if resource_type == "azurerm_machine_learning_compute_cluster":
            workspace = _name_parts(key_of(body["machine_learning_workspace_id"]))[1][0]
            return f"{arm_type}:{workspace}/{body['name']}"
        if resource_type == "azurerm_private_dns_zone_virtual_network_link":
            return f"{arm_type}:{body['private_dns_zone_name']}/{body['name']}"
        return f"{arm_type}:{body['name']}"

    @staticmethod
    def resource_id(key: str) -> Any:
        arm_type, names = _name_parts(key)
        if "/" not in arm_type:  # a role assignment or diagnostic setting: nothing refers to its ID
            return Unknown(f"ID of {key}")
        return arm_id(arm_type, names)

    # -- declarations ----------------------------------------------------------------------------
    def count(self, block: Block) -> int | None:
        """The ``count`` of a block; ``None`` without one (one instance, referred to as such, not as a list)."""
        if "count" not in block.attributes:
            return None
        value = self.evaluate(block.attributes["count"].expression, _Context())
        if not isinstance(value, int):
            raise InventoryError(f"{self.directory.name}: count must be a number, got {value!r}")
        return value

    def for_each(self, block: Block) -> dict[str, _Context]:
        """Each instance of a ``for_each`` block by key: ``each`` bound, and what the expression read."""
        context = _Context()
        items = self.evaluate(block.attributes["for_each"].expression, context)
        if not isinstance(items, dict):
            raise InventoryError(f"{self.directory.name}: only maps are read as for_each, got {items!r}")
        return {
            key: _Context({"each": {"key": key, "value": value}}, set(context.touched)) for key, value in items.items()
        }

    def resources(
        self, resource_type: str, label: str
    ) -> _TerraformResource | list[_TerraformResource] | dict[str, _TerraformResource]:
        """The instance of a resource block; a list of them with ``count``, a map by key with ``for_each``."""
        address = (resource_type, label)
        block = self.files.resources[address]
        if address not in self._resources:
            count = self.count(block)
            if "for_each" in block.attributes:
                self._resources[address] = {
                    key: _TerraformResource(self, resource_type, block, each)
                    for key, each in self.for_each(block).items()
                }
            elif count is None:
                self._resources[address] = _TerraformResource(self, resource_type, block)
            else:
                self._resources[address] = [_TerraformResource(self, resource_type, block) for _ in range(count)]
        return self._resources[address]

    def module(self, label: str) -> _TerraformModule | list[_TerraformModule]:
        block = self.files.modules[label]
        count = self.count(block)
        if label not in self._modules:
            source = self.evaluate(block.attributes["source"].expression, _Context())
            if not isinstance(source, str) or not source.startswith("."):
                raise InventoryError(f"module source {source!r} is not local")
            if "depends_on" in block.attributes or "for_each" in block.attributes:
                raise InventoryError(f"module {label}: depends_on and for_each on a module are not read")
            instances = []
            for _ in range(1 if count is None else count):
                inputs = {}
                for name, attribute in block.attributes.items():
                    if name in {"source", "count", "for_each", "providers"}:
                        continue
                    context = _Context()
                    inputs[name] = (self.evaluate(attribute.expression, context), context.touched)
                instances.append(_TerraformModule((self.directory / source).resolve(), inputs))
            self._modules[label] = instances
        return self._modules[label][0] if count is None else self._modules[label]

    def output(self, name: str, context: _Context) -> Any:
        if name not in self._outputs:
            block = self.files.outputs[name]
            inner = _Context()
            value = self.evaluate(block.attributes["value"].expression, inner)
            if "depends_on" in block.attributes:
                self.wait_for(self.evaluate(block.attributes["depends_on"].expression, inner), inner)
            self._outputs[name] = (value, inner.touched)
        value, touched = self._outputs[name]
        context.touched |= touched
        return value

    def local(self, name: str, context: _Context) -> Any:
        if name not in self._locals:
            inner = _Context()
            self._locals[name] = (self.evaluate(self.files.locals[name], inner), inner.touched)
        value, touched = self._locals[name]
        context.touched |= touched
        return value

    def variable(self, name: str, context: _Context) -> Any:
        if name not in self.inputs:
            raise InventoryError(f"{self.directory.name}: var.{name} is not declared")
        value, touched = self.inputs[name]
        context.touched |= touched
        return value

    @staticmethod
    def wait_for(items: Any, context: _Context) -> None:
        """``depends_on``: every resource listed (an instance, or all instances of a counted or for_each one)."""
        for item in items if isinstance(items, list) else [items]:
            if isinstance(item, dict):
                _TerraformModule.wait_for(list(item.values()), context)
            elif isinstance(item, list):
                _TerraformModule.wait_for(item, context)
            elif isinstance(item, _TerraformResource):
                item.attribute("id", context)
            else:
                raise InventoryError(f"depends_on lists {item!r}: only resources are read")

    def walk(self) -> Iterator[_TerraformResource]:
        """Every resource instance of this module and of the modules it calls."""
        for resource_type, label in self.files.resources:
            found = self.resources(resource_type, label)
            yield from found.values() if isinstance(found, dict) else found if isinstance(found, list) else [found]
        for label in self.files.modules:
            found = self.module(label)
            for module in found if isinstance(found, list) else [found]:
                yield from module.walk()

    # -- expressions -----------------------------------------------------------------------------
    def evaluate_body(self, block: Block, context: _Context, resource_type: str = "") -> dict[str, Any]:
        body: dict[str, Any] = {}
        for name, attribute in block.attributes.items():
            if name not in RESOURCE_META:
                body[name] = self.evaluate(attribute.expression, context)
        if "depends_on" in block.attributes:
            self.wait_for(self.evaluate(block.attributes["depends_on"].expression, context), context)
        for nested in block.blocks:
            if nested.type in RESOURCE_META:
                continue
            if nested.type == "dynamic":
                self._dynamic(nested, context, body)
                continue
            item = self.evaluate_body(nested, context)
            nested_type = NESTED_RESOURCES.get((resource_type, nested.type))
            if nested_type:
                item["id"] = arm_id(nested_type, (body["name"], item["name"]))
            body.setdefault(nested.type, []).append(item)
        return body

    def _dynamic(self, block: Block, context: _Context, body: dict[str, Any]) -> None:
        """`dynamic "x" { for_each = list; content {...} }`: one nested block x per item, `x.value` bound."""
        label = block.labels[0]
        items = self.evaluate(block.attributes["for_each"].expression, context)
        content = next((nested for nested in block.blocks if nested.type == "content"), None)
        if not isinstance(items, list) or content is None:
            raise InventoryError(f"{self.directory.name}: dynamic {label!r} needs a list for_each and a content block")
        for index, item in enumerate(items):
            inner = _Context({**context.bindings, label: {"key": index, "value": item}}, context.touched)
            body.setdefault(label, []).append(self.evaluate_body(content, inner))

    def evaluate(self, tree: Any, context: _Context) -> Any:  # noqa: C901, PLR0911, PLR0912 - one case per construct
        if isinstance(tree, Token):
            return str(tree)
        kind = tree.data
        parts = _children(tree)
        if kind in {"expr_term", "object_elem_key"} and len(parts) == 1:
            return self.evaluate(parts[0], context)
        if kind == "expr_term":  # ( expression )
            return self.evaluate(parts[0], context)
        if kind == "literal_value":
            return {"true": True, "false": False, "null": None}[str(tree.children[0])]
        if kind == "int_lit":
            return int(str(tree.children[0]))
        if kind == "string":
            return self._string(tree, context)
        if kind == "identifier":
            return self._identifier(str(tree.children[0]), context)
        if kind == "tuple":
            return [self.evaluate(part, context) for part in parts]
        if kind == "object":
            return {self._key(element): self.evaluate(_children(element)[-1], context) for element in parts}
        if kind == "conditional":
            condition = self.evaluate(parts[0], context)
            if not isinstance(condition, bool):
                raise InventoryError(f"a condition that is not known: {condition!r}")
            _references(lambda other: self.evaluate(parts[2] if condition else parts[1], other), context)
            return self.evaluate(parts[1] if condition else parts[2], context)
        if kind == "unary_op":
            operator, operand = str(tree.children[0]), self.evaluate(parts[-1], context)
            if operator != "!" or not isinstance(operand, bool):
                raise InventoryError(f"cannot evaluate {operator}{operand!r}")
            return not operand
        if kind == "binary_op":
            return self._binary(parts, context)
        if kind == "get_attr_expr_term":
            return self._attribute(self.evaluate(parts[0], context), str(_children(parts[1])[0].children[0]), context)
        if kind == "index_expr_term":
            step = _children(parts[1])[0]
            index = self.evaluate(step, context) if parts[1].data == "braces_index" else int(str(step))
            return _index(self.evaluate(parts[0], context), index)
        if kind in {"full_splat_expr_term", "attr_splat_expr_term"}:
            base = self.evaluate(parts[0], context)
            items = base if isinstance(base, list) else [base]
            names = [str(_children(step)[0].children[0]) for step in _children(parts[1])]
            results = []
            for item in items:
                for name in names:
                    item = self._attribute(item, name, context)
                results.append(item)
            return results
        if kind == "function_call":
            name = str(parts[0].children[0])
            arguments = [self.evaluate(part, context) for part in _children(parts[1])] if len(parts) > 1 else []
            return self._function(name, arguments)
        if kind == "for_object_expr":
            return self._for(parts, context, as_object=True)
        if kind == "for_tuple_expr":
            return self._for(parts, context, as_object=False)
        raise InventoryError(f"cannot evaluate the Terraform construct {kind}")

    def _key(self, element: Tree) -> str:
        key = _children(element)[0]
        inner = _children(key)[0]
        while isinstance(inner, Tree) and inner.data == "expr_term" and len(_children(inner)) == 1:
            inner = _children(inner)[0]
        if isinstance(inner, Tree) and inner.data == "identifier":
            return str(inner.children[0])
        value = self.evaluate(inner, _Context())
        if not isinstance(value, str):
            raise InventoryError(f"an object key that is not a string: {value!r}")
        return value

    def _string(self, tree: Tree, context: _Context) -> Any:
        pieces = []
        for part in tree.children:
            if not isinstance(part, Tree):
                continue
            inner = part.children[0]
            if isinstance(inner, Token):
                pieces.append(str(inner))
            elif inner.data == "interpolation":
                value = self.evaluate(_children(inner)[0], context)
                if len(tree.children) == 3:  # "${x}" alone keeps x as it is
                    return value
                pieces.append(_text(value))
            else:
                raise InventoryError(f"string directives are not read: {inner.data}")
        return "".join(pieces)

    def _identifier(self, name: str, context: _Context) -> Any:
        if name in context.bindings:
            return context.bindings[name]
        if name == "var":
            return _Namespace(lambda attribute, ctx: self.variable(attribute, ctx))
        if name == "local":
            return _Namespace(lambda attribute, ctx: self.local(attribute, ctx))
        if name == "module":
            return _Namespace(lambda attribute, ctx: self.module(attribute))
        if name == "data":  # data.<type>.<label>.<attribute>: only Azure knows
            return _Namespace(lambda _type, _ctx: _Namespace(lambda _label, _c: _Namespace(lambda a, _: Unknown(a))))
        if any(resource_type == name for resource_type, _ in self.files.resources):
            return _Namespace(lambda label, ctx: self.resources(name, label))
        raise InventoryError(f"{self.directory.name}: cannot resolve {name!r}")

    def _attribute(self, base: Any, name: str, context: _Context) -> Any:
        if isinstance(base, _Namespace):
            return base.resolve(name, context)
        if isinstance(base, _TerraformResource):
            return base.attribute(name, context)
        if isinstance(base, _TerraformModule):
            return base.output(name, context)
        if isinstance(base, dict) and name in base:
            return base[name]
        raise InventoryError(f"cannot read .{name} of {base!r}")

    def _binary(self, parts: list[Any], context: _Context) -> Any:
        left = self.evaluate(parts[0], context)
        term = parts[1]
        operator = str(_children(term)[0].children[0])
        right = self.evaluate(_children(term)[-1], context)
        if operator == "==":
            return left == right
        if operator == "!=":
            return left != right
        if operator in {"&&", "||"} and isinstance(left, bool) and isinstance(right, bool):
            return (left and right) if operator == "&&" else (left or right)
        raise InventoryError(f"cannot evaluate {left!r} {operator} {right!r}")

    @staticmethod
    def _function(name: str, arguments: list[Any]) -> Any:
        if name == "merge":
            return _merge(arguments)
        if name == "one" and len(arguments) == 1 and isinstance(arguments[0], list) and len(arguments[0]) <= 1:
            return arguments[0][0] if arguments[0] else None
        if name == "coalesce":
            return next(argument for argument in arguments if argument not in (None, ""))
        if name == "concat" and all(isinstance(argument, list) for argument in arguments):
            return [item for argument in arguments for item in argument]
        raise InventoryError(f"the Terraform function {name}() is not read")

    def _for(self, parts: list[Any], context: _Context, as_object: bool) -> Any:
        intro = parts[0]
        names = [
            str(part.children[0]) for part in _children(intro) if isinstance(part, Tree) and part.data == "identifier"
        ]
        collection = self.evaluate(_children(intro)[-1], context)
        if len(names) != 1 or not isinstance(collection, list) or len(parts) != (3 if as_object else 2):
            raise InventoryError("only `for x in list` expressions without a condition are read")
        results: Any = {} if as_object else []
        for item in collection:
            inner = _Context({**context.bindings, names[0]: item}, context.touched)
            if as_object:
                results[self.evaluate(parts[1], inner)] = self.evaluate(parts[2], inner)
            else:
                results.append(self.evaluate(parts[1], inner))
        return results


class _TerraformReader:
    """The root module with the values of one environment's .tfvars file."""

    def __init__(self, infrastructure: Path, tfvars: Path) -> None:
        values = _parsed_hcl(tfvars.read_text(encoding="utf-8"))
        literals = _TerraformModule(tfvars.parent, {})  # holds no .tf files: literals only
        inputs = {
            name: (literals.evaluate(item.expression, _Context()), set()) for name, item in values.attributes.items()
        }
        self.root = _TerraformModule(infrastructure, inputs)

    def inventory(self) -> Inventory:
        features = self._features()
        inventory = Inventory()
        for resource in self.root.walk():
            body = resource.body()
            waits_for = resource.touched
            if resource.resource_type == "azapi_resource":
                arm_type = body["type"].split("@")[0]
                shaped = {**body.get("body", {}), "identity": _first(body.get("identity"))}
                inventory.add(resource.key, _arm_settings(arm_type, shaped), waits_for)
            elif resource.resource_type == "azurerm_role_assignment":
                inventory.add(resource.key, {"principal_type": body.get("principal_type")}, waits_for)
            elif resource.resource_type == "azurerm_monitor_diagnostic_setting":
                key, settings = _diagnostics(
                    body["name"],
                    body["target_resource_id"],
                    body["log_analytics_workspace_id"],
                    body.get("enabled_log", []),
                )
                inventory.add(key, settings, waits_for)
            else:
                parts = frozenset(
                    part
                    for (kind, block), part in TERRAFORM_PARTS.items()
                    if kind == resource.resource_type and body.get(block)
                )
                settings = _terraform_settings(resource.resource_type, body, features)
                inventory.add(resource.key, settings, waits_for, parts)
        return inventory

    def _features(self) -> dict[str, Any]:
        provider = self.root.files.providers.get("azurerm")
        if provider is None:
            return {}
        features = next((block for block in provider.blocks if block.type == "features"), None)
        return self.root.evaluate_body(features, _Context()) if features else {}


def terraform_inventory(infrastructure: Path, tfvars: Path) -> Inventory:
    """The inventory of the Terraform configuration in ``infrastructure`` with the values of ``tfvars``."""
    return _TerraformReader(infrastructure, tfvars).inventory()


# --------------------------------------------------------------------------------------------------
# Bicep: a small evaluator for tree-sitter-bicep's trees
# --------------------------------------------------------------------------------------------------
def _named(node: Any) -> list[Any]:
    return [child for child in node.named_children if child.type != "comment"]


def _source(node: Any) -> str:
    return node.text.decode()


def _string_literal(node: Any) -> str:
    if node.type != "string" or any(child.type == "interpolation" for child in node.named_children):
        raise InventoryError(f"expected a plain string, got {_source(node)}")
    return "".join(_source(child) for child in node.named_children)


class _BicepResource:
    """A symbolic resource: declared here (a node of the inventory) or ``existing``."""

    def __init__(
        self,
        module: _BicepModule,
        symbol: str,
        arm_type: str,
        body: dict[str, Any],
        existing: bool,
    ) -> None:
        self.module = module
        self.symbol = symbol
        self.arm_type = arm_type
        self.body = body
        self.existing = existing
        parent = body.get("parent")
        names = (*parent.names, body["name"]) if isinstance(parent, _BicepResource) else (body["name"],)
        self.names: tuple[str, ...] = names
        self.key = f"{arm_type}:{'/'.join(map(str, names))}"

    def member(self, name: str, context: _Context) -> Any:
        if not self.existing:
            context.touched.add(self.key)
        if name == "id":
            return arm_id(self.arm_type, self.names, self.module.resource_group or "<resource group>")
        if name == "name":
            return self.names[-1]
        if name == "properties":
            return {"__attributes_of__": self.key}
        raise InventoryError(f"cannot read .{name} of the resource {self.symbol}")


def _identifier_of(node: Any) -> str:
    """The name a declaration declares (decorators come before it)."""
    return _source(next(child for child in _named(node) if child.type == "identifier"))


class _BicepModule:
    """One deployment of a .bicep file: its parameters bound, its declarations evaluated on first use."""

    def __init__(
        self,
        inventory: Inventory,
        path: Path,
        params: dict[str, tuple[Any, set[str]]],
        resource_group: str | None,
        waits_for: set[str],
    ) -> None:
        self.inventory = inventory
        self.path = path
        self.resource_group = resource_group
        self.waits_for = waits_for  # what the whole deployment of this file waits for
        self.created: set[str] = set()  # every node of this deployment and of the modules it deploys
        declarations = _named(parse_bicep(path.read_bytes()).root_node)
        self.variables = {
            _identifier_of(node): _named(node)[-1] for node in declarations if node.type == "variable_declaration"
        }
        self.outputs = {
            _identifier_of(node): _named(node)[-1] for node in declarations if node.type == "output_declaration"
        }
        self.pending = {
            _identifier_of(node): node
            for node in declarations
            if node.type in {"resource_declaration", "module_declaration"}
        }
        self.symbols: dict[str, Any] = {}
        self._variable_cache: dict[str, tuple[Any, set[str]]] = {}
        self.params: dict[str, tuple[Any, set[str]]] = {}
        for node in declarations:
            if node.type != "parameter_declaration":
                continue
            name = _identifier_of(node)
            if name in params:
                self.params[name] = params[name]
            elif any(child.type == "=" for child in node.children):
                self.params[name] = (self.evaluate(_named(node)[-1], _Context()), set())
            else:
                raise InventoryError(f"{path.name}: parameter {name!r} has no value")
        unknown = set(params) - set(self.params)
        if unknown:
            raise InventoryError(f"{path.name}: no parameters {sorted(unknown)}")
        for symbol in list(self.pending):
            self._symbol(symbol)

    # -- declarations ----------------------------------------------------------------------------
    def _symbol(self, symbol: str) -> Any:
        if symbol not in self.symbols:
            node = self.pending.pop(symbol, None)
            if node is None:
                raise InventoryError(f"{self.path.name}: {symbol} refers to itself")
            self.symbols[symbol] = self._declare(node)
        return self.symbols[symbol]

    def _instances(self, body: Any) -> list[tuple[Any, dict[str, Any]]]:
        if body.type == "object":
            return [(body, {})]
        if body.type == "if_statement":
            condition = self.evaluate(_named(body)[0], _Context())
            if not isinstance(condition, bool):
                raise InventoryError(f"{self.path.name}: a condition that is not known: {condition!r}")
            return [(_named(body)[-1], {})] if condition else []
        if body.type == "for_statement":
            parts = _named(body)
            variable, collection, item = _source(parts[0]), self.evaluate(parts[1], _Context()), parts[-1]
            if item.type != "object" or not isinstance(collection, list):
                raise InventoryError(f"{self.path.name}: only `for x in list: {{...}}` loops are read")
            return [(item, {variable: value}) for value in collection]
        raise InventoryError(f"{self.path.name}: cannot read the declaration body {body.type}")

    def _declare(self, node: Any) -> Any:
        symbol = _identifier_of(node)
        target = _string_literal(next(child for child in _named(node) if child.type == "string"))
        body = _named(node)[-1]
        existing = any(child.type == "existing" for child in node.children)
        declared: list[Any] = []
        for instance, loop in self._instances(body):
            context = _Context(dict(loop))
            if node.type == "module_declaration":
                declared.append(self._module(target, instance, context))
                continue
            evaluated = self.evaluate(instance, context)
            resource = _BicepResource(self, symbol, target.split("@")[0], evaluated, existing)
            declared.append(resource)
            if not existing:
                self._record(resource, context.touched | self.waits_for)
        if body.type == "for_statement":
            return declared
        return declared[0] if declared else _Absent(symbol)

    def _module(self, target: str, body: Any, context: _Context) -> _BicepModule:
        """Deploy a module: what it waits for is what its scope, dependsOn and each parameter touch."""
        properties = {_source(_named(item)[0]): _named(item)[-1] for item in _named(body)}
        scope = self.evaluate(properties["scope"], context) if "scope" in properties else None
        if "dependsOn" in properties:
            self.evaluate(properties["dependsOn"], context)
        params = {}
        for item in _named(properties["params"]) if "params" in properties else []:
            inner = _Context(context.bindings)
            params[_source(_named(item)[0])] = (self.evaluate(_named(item)[-1], inner), inner.touched)
        waits_for = set(context.touched) | self.waits_for
        for _, touched in params.values():
            waits_for |= touched
        resource_group = scope.names[0] if isinstance(scope, _BicepResource) else self.resource_group
        module = _BicepModule(self.inventory, (self.path.parent / target).resolve(), params, resource_group, waits_for)
        self.created |= module.created
        return module

    def _record(self, resource: _BicepResource, waits_for: set[str]) -> None:
        """Add a declared resource to the inventory (or its settings to its parent's, for the child
        resources that Terraform declares inside the parent: blob service, DNS zone group)."""
        arm_type, body = resource.arm_type, resource.body
        properties = body.get("properties") or {}
        if arm_type == BLOB_SERVICE:
            retention = {
                "blob_soft_delete_days": _retention(properties.get("deleteRetentionPolicy")),
                "container_soft_delete_days": _retention(properties.get("containerDeleteRetentionPolicy")),
            }
            self.inventory.merge(body["parent"].key, retention, arm_type)
            return
        if arm_type == DNS_ZONE_GROUP:
            zones = [config["properties"]["privateDnsZoneId"] for config in properties["privateDnsZoneConfigs"]]
            self.inventory.merge(body["parent"].key, {"dns_zones": sorted(key_of(zone) for zone in zones)}, arm_type)
            return
        if arm_type == ROLE_ASSIGNMENT:
            scope = body.get("scope")
            if isinstance(scope, _BicepResource):
                scope_id = scope.member("id", _Context())
            else:  # the resource group the module is deployed to
                scope_id = arm_id(RESOURCE_GROUP, (self.resource_group,))
            key = _role_key(properties["roleDefinitionId"], scope_id, properties["principalId"])
            settings: dict[str, Any] = {"principal_type": properties.get("principalType")}
        elif arm_type == DIAGNOSTIC_SETTING:
            logs = [
                {"category_group": log.get("categoryGroup"), "category": log.get("category")}
                for log in properties.get("logs", [])
                if log.get("enabled", False)
            ]
            target = body["scope"].member("id", _Context())
            key, settings = _diagnostics(body["name"], target, properties["workspaceId"], logs)
        else:
            key, settings = resource.key, _arm_settings(arm_type, body)
        # A network's subnets are declared inline, as Terraform's subnet blocks.
        inline = arm_type == "Microsoft.Network/virtualNetworks" and properties.get("subnets")
        self.inventory.add(key, settings, waits_for, frozenset({SUBNETS}) if inline else frozenset())
        self.created.add(key)

    # -- expressions -----------------------------------------------------------------------------
    def evaluate(self, node: Any, context: _Context) -> Any:  # noqa: C901, PLR0911, PLR0912
        kind = node.type
        if kind == "string":
            return self._string(node, context)
        if kind == "number":
            return int(_source(node))
        if kind in {"boolean", "true", "false"}:
            return _source(node) == "true"
        if kind == "null":
            return None
        if kind == "identifier":
            return self._identifier(_source(node), context)
        if kind == "parenthesized_expression":
            return self.evaluate(_named(node)[0], context)
        if kind == "array":
            return [self.evaluate(item, context) for item in _named(node)]
        if kind == "object":
            result = {}
            for item in _named(node):
                key_node, value_node = _named(item)[0], _named(item)[-1]
                key = _source(key_node) if key_node.type == "identifier" else _text(self._string(key_node, context))
                result[key] = self.evaluate(value_node, context)
            return result
        if kind == "ternary_expression":
            condition, yes, no = _named(node)
            value = self.evaluate(condition, context)
            if not isinstance(value, bool):
                raise InventoryError(f"{self.path.name}: a condition that is not known: {_source(condition)}")
            _references(lambda other: self.evaluate(no if value else yes, other), context)
            return self.evaluate(yes if value else no, context)
        if kind == "unary_expression":
            operand = self.evaluate(_named(node)[0], context)
            if node.children[0].type != "!" or not isinstance(operand, bool):
                raise InventoryError(f"cannot evaluate {_source(node)}")
            return not operand
        if kind == "binary_expression":
            left, right = (self.evaluate(part, context) for part in _named(node))
            operator = node.children[1].type
            if operator == "==":
                return left == right
            if operator == "!=":
                return left != right
            if operator in {"&&", "||"} and isinstance(left, bool) and isinstance(right, bool):
                return (left and right) if operator == "&&" else (left or right)
            raise InventoryError(f"cannot evaluate {_source(node)}")
        if kind == "member_expression":
            base_node, member = _named(node)
            return self._member(self.evaluate(base_node, context), _source(member), context)
        if kind == "subscript_expression":
            base, index = (self.evaluate(part, context) for part in _named(node))
            return _index(base, index)
        if kind == "call_expression":
            name = _source(_named(node)[0])
            arguments = [self.evaluate(argument, context) for argument in _named(_named(node)[1])]
            return self._function(name, arguments)
        raise InventoryError(f"{self.path.name}: cannot evaluate the Bicep construct {kind}: {_source(node)[:60]}")

    def _string(self, node: Any, context: _Context) -> Any:
        pieces = []
        for child in _named(node):
            if child.type == "string_content":
                pieces.append(_source(child))
            elif child.type == "escape_sequence":
                pieces.append(_source(child)[1:])
            elif child.type == "interpolation":
                value = self.evaluate(_named(child)[0], context)
                if len(_named(node)) == 1:
                    return value
                pieces.append(_text(value))
        return "".join(pieces)

    def _identifier(self, name: str, context: _Context) -> Any:
        if name in context.bindings:
            return context.bindings[name]
        if name in self.params:
            value, touched = self.params[name]
            context.touched |= touched
            return value
        if name in self.variables:
            if name not in self._variable_cache:
                inner = _Context()
                self._variable_cache[name] = (self.evaluate(self.variables[name], inner), inner.touched)
            value, touched = self._variable_cache[name]
            context.touched |= touched
            return value
        if name in self.symbols or name in self.pending:
            found = self._symbol(name)
            if isinstance(found, _BicepModule):
                context.touched |= found.created
            elif isinstance(found, _BicepResource):
                found.member("name", context)  # a reference: the resource is waited for
            return found
        raise InventoryError(f"{self.path.name}: cannot resolve {name!r}")

    def _member(self, base: Any, name: str, context: _Context) -> Any:
        if isinstance(base, _Absent):
            raise InventoryError(f"{self.path.name}: {base.symbol} is not deployed, .{name} cannot be read")
        if isinstance(base, _BicepResource):
            return base.member(name, context)
        if isinstance(base, _BicepModule):
            if name != "outputs":
                raise InventoryError(f"cannot read .{name} of a module")
            return {output: base.output(output) for output in base.outputs}
        if isinstance(base, dict) and "__attributes_of__" in base:
            return Attribute(base["__attributes_of__"], name)
        if isinstance(base, dict) and name in base:
            return base[name]
        raise InventoryError(f"cannot read .{name} of {base!r}")

    def output(self, name: str) -> Any:
        return self.evaluate(self.outputs[name], _Context())

    def _function(self, name: str, arguments: list[Any]) -> Any:  # noqa: PLR0911 - one case per function
        if name == "resourceId":
            position = next(
                (
                    index
                    for index, argument in enumerate(arguments)
                    if isinstance(argument, str) and re.fullmatch(r"[A-Za-z]+\.[A-Za-z.]+(/[A-Za-z]+)+", argument)
                ),
                None,
            )
            if position is None:
                raise InventoryError(f"resourceId() without a resource type: {arguments}")
            scope, arm_type, names = arguments[:position], arguments[position], tuple(arguments[position + 1 :])
            return arm_id(arm_type, names, scope[-1] if scope else self.resource_group or "<resource group>")
        if name == "subscriptionResourceId":
            arm_type, *names = arguments
            return f"/subscriptions/<subscription>/providers/{arm_type}/{'/'.join(map(str, names))}"
        if name == "guid":
            return Unknown("guid")
        if name == "subscription":
            return {"subscriptionId": Unknown("subscription"), "tenantId": Unknown("tenant")}
        if name == "resourceGroup":
            return {"id": arm_id(RESOURCE_GROUP, (self.resource_group,)), "name": self.resource_group}
        if name == "union":
            return _merge(arguments)
        if name == "empty" and len(arguments) == 1:
            return not arguments[0]
        raise InventoryError(f"the Bicep function {name}() is not read")


@dataclass(frozen=True)
class _Absent:
    """A conditional declaration whose condition is false."""

    symbol: str


def _retention(policy: dict[str, Any] | None) -> int | None:
    return policy["days"] if policy and policy.get("enabled") else None


def bicepparam_values(path: Path) -> dict[str, Any]:
    """The values a .bicepparam file sets (literals, and readEnvironmentVariable() calls)."""
    text = re.sub(r"//[^\n]*", "", path.read_text(encoding="utf-8"))
    values = {}
    for match in re.finditer(r"^param\s+(\w+)\s*=\s*(.+?)(?=^param\s|^using\s|\Z)", text, re.S | re.M):
        expression = match.group(2).strip()
        variable = re.fullmatch(r"readEnvironmentVariable\('([^']+)'(?:\s*,\s*(.+))?\)", expression)
        if variable:
            default = _bicep_literal(variable.group(2)) if variable.group(2) else None
            values[match.group(1)] = EnvironmentVariable(variable.group(1), default)
        else:
            values[match.group(1)] = _bicep_literal(expression)
    return values


def _bicep_literal(text: str) -> Any:
    """A Bicep literal (string, number, bool, null, object, array) as Python, as in a .bicepparam file."""
    tokens = re.findall(r"'(?:[^'\\]|\\.)*'|[{}\[\]:]|[A-Za-z_][\w.-]*|-?\d+(?:\.\d+)?|\n", text)
    position = 0

    def skip_newlines() -> None:
        nonlocal position
        while position < len(tokens) and tokens[position] == "\n":
            position += 1

    def value() -> Any:
        nonlocal position
        skip_newlines()
        token = tokens[position]
        position += 1
        if token == "{":
            result = {}
            skip_newlines()
            while tokens[position] != "}":
                key = tokens[position].strip("'")
                position += 2  # key and ':'
                result[key] = value()
                skip_newlines()
            position += 1
            return result
        if token == "[":
            items = []
            skip_newlines()
            while tokens[position] != "]":
                items.append(value())
                skip_newlines()
            position += 1
            return items
        if token.startswith("'"):
            return token[1:-1]
        if token in {"true", "false"}:
            return token == "true"
        if token == "null":
            return None
        if re.fullmatch(r"-?\d+", token):
            return int(token)
        raise InventoryError(f"cannot read the Bicep value {token!r}")

    return value()


def bicep_inventory(main: Path, bicepparam: Path) -> Inventory:
    """The inventory of ``main`` (a subscription-scope .bicep file) with the values of ``bicepparam``."""
    inventory = Inventory()
    params = {name: (value, set()) for name, value in bicepparam_values(bicepparam).items()}
    _BicepModule(inventory, main, params, None, set())
    return inventory
