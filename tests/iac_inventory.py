"""What a generated Terraform or Bicep configuration would create for one environment: the Azure
resource types, the name of each, and the roles it assigns, read statically from the code and the
environment's tfvars / bicepparam file.

The reader understands the conventions the infrastructure subtrees follow (names are variables or
parameters passed straight through modules; a conditional resource is `count = var.x ? 1 : 0` in
Terraform and `if (x)` in Bicep; loops run over literal lists). Anything else raises
``InventoryError`` naming the expression, so a change that breaks the conventions fails loudly
instead of slipping past the parity test.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2
from validation.bicep import parse_bicep

# The Azure resource types both tools must create; helper sub-resources that only one tool models as
# a resource (blob service settings, DNS zone groups) are left out.
COMPARED_TYPES = {
    "Microsoft.Resources/resourceGroups",
    "Microsoft.OperationalInsights/workspaces",
    "Microsoft.Insights/components",
    "Microsoft.Storage/storageAccounts",
    "Microsoft.KeyVault/vaults",
    "Microsoft.ContainerRegistry/registries",
    "Microsoft.ManagedIdentity/userAssignedIdentities",
    "Microsoft.MachineLearningServices/workspaces",
    "Microsoft.MachineLearningServices/workspaces/computes",
    "Microsoft.MachineLearningServices/registries",
    "Microsoft.Network/virtualNetworks",
    "Microsoft.Network/privateDnsZones",
    "Microsoft.Network/privateEndpoints",
}
ROLE_ASSIGNMENT = "Microsoft.Authorization/roleAssignments"
DNS_LINK = "Microsoft.Network/privateDnsZones/virtualNetworkLinks"

TERRAFORM_TYPES = {
    "azurerm_resource_group": "Microsoft.Resources/resourceGroups",
    "azurerm_log_analytics_workspace": "Microsoft.OperationalInsights/workspaces",
    "azurerm_application_insights": "Microsoft.Insights/components",
    "azurerm_storage_account": "Microsoft.Storage/storageAccounts",
    "azurerm_key_vault": "Microsoft.KeyVault/vaults",
    "azurerm_container_registry": "Microsoft.ContainerRegistry/registries",
    "azurerm_user_assigned_identity": "Microsoft.ManagedIdentity/userAssignedIdentities",
    "azurerm_role_assignment": ROLE_ASSIGNMENT,
    "azurerm_machine_learning_workspace": "Microsoft.MachineLearningServices/workspaces",
    "azurerm_machine_learning_compute_cluster": "Microsoft.MachineLearningServices/workspaces/computes",
    "azurerm_virtual_network": "Microsoft.Network/virtualNetworks",
    "azurerm_subnet": "Microsoft.Network/virtualNetworks/subnets",
    "azurerm_private_dns_zone": "Microsoft.Network/privateDnsZones",
    "azurerm_private_dns_zone_virtual_network_link": DNS_LINK,
    "azurerm_private_endpoint": "Microsoft.Network/privateEndpoints",
}
ROLE_GUID = re.compile(r"roleDefinitions/([0-9a-fA-F-]{36})")


class InventoryError(Exception):
    """The code uses a construct the inventory reader does not understand."""


@dataclass
class Inventory:
    resources: set[tuple[str, str]] = field(default_factory=set)  # (ARM type, name)
    roles: Counter[str] = field(default_factory=Counter)  # role definition GUID -> assignments
    dns_links: int = 0

    def add(self, arm_type: str, name: Any, role: str | None = None) -> None:
        if arm_type == ROLE_ASSIGNMENT:
            if not role:
                raise InventoryError("a role assignment without a literal role definition GUID")
            self.roles[role.lower()] += 1
        elif arm_type == DNS_LINK:
            self.dns_links += 1
        elif arm_type in COMPARED_TYPES:
            if not isinstance(name, str) or not name:
                raise InventoryError(f"cannot tell the name of a {arm_type}: {name!r}")
            self.resources.add((arm_type, name))


# -- Terraform ---------------------------------------------------------------------------------------
def _unquote(value: Any) -> Any:
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    if isinstance(value, list):
        return [_unquote(item) for item in value]
    if isinstance(value, dict):
        return {_unquote(key): _unquote(item) for key, item in value.items() if key != "__is_block__"}
    return value


class _TerraformScope:
    def __init__(self, variables: dict[str, Any], local_values: dict[str, Any]) -> None:
        self.variables = variables
        self.locals = local_values

    def reference(self, text: str, each: Any = None) -> Any:
        text = text.strip()
        negate = text.startswith("!")
        text = text.lstrip("!").strip()
        if text in {"true", "false"}:
            value: Any = text == "true"
        elif text.startswith('"') and text.endswith('"'):
            value = text[1:-1]
        elif text in {"each.key", "each.value"}:
            value = each
        else:
            parts = re.findall(r"[A-Za-z_][\w-]*|\[\"[^\"]+\"\]", text)
            if not parts or parts[0] not in {"var", "local"} or len(parts) < 2:
                raise InventoryError(f"cannot evaluate the Terraform expression {text!r}")
            value = self.variables if parts[0] == "var" else self.locals
            for part in parts[1:]:
                key = part[2:-2] if part.startswith("[") else part
                if not isinstance(value, dict) or key not in value:
                    raise InventoryError(f"{text!r}: '{key}' is not set")
                value = value[key]
        return (not value) if negate else value

    def expression(self, raw: Any, each: Any = None) -> Any:
        value = _unquote(raw)
        if not isinstance(value, str) or not (value.startswith("${") and value.endswith("}")):
            return value
        inner = value[2:-1].strip()
        conditional = re.fullmatch(r"(.+?)\s*\?\s*(.+?)\s*:\s*(.+)", inner)
        if conditional:
            condition = all(self.reference(part, each) for part in conditional.group(1).split("&&"))
            return self.expression("${" + conditional.group(2 if condition else 3) + "}", each)
        collection = re.fullmatch(r"toset\((.+)\)", inner)
        if collection:
            inner = collection.group(1)
        if inner.startswith("[") or inner.startswith("{"):
            return [item.strip().strip('"') for item in inner.strip("[]{}").split(",") if item.strip()]
        if re.fullmatch(r"\d+", inner):
            return int(inner)
        return self.reference(inner, each)


def _instances(block: dict[str, Any], scope: _TerraformScope) -> list[Any]:
    """The each.key values of a block (``[None]`` for a single instance, ``[]`` when count is 0)."""
    if "count" in block:
        return [None] * int(scope.expression(block["count"]))
    if "for_each" in block:
        values = scope.expression(block["for_each"])
        return list(values.keys() if isinstance(values, dict) else values)
    return [None]


def _terraform_module(directory: Path, variables: dict[str, Any], inventory: Inventory) -> None:
    documents = [hcl2.loads(path.read_text()) for path in sorted(directory.glob("*.tf"))]
    declared: dict[str, Any] = {}
    local_values: dict[str, Any] = {}
    for document in documents:
        for block in document.get("variable", []):
            for name, body in block.items():
                declared[_unquote(name)] = _unquote(body.get("default"))
        for block in document.get("locals", []):
            local_values.update({key: _unquote(value) for key, value in block.items() if key != "__is_block__"})
    scope = _TerraformScope({**declared, **variables}, local_values)
    for document in documents:
        for block in document.get("resource", []):
            for resource_type, instances in block.items():
                resource_type = _unquote(resource_type)
                for body in instances.values():
                    for each in _instances(body, scope):
                        if resource_type == "azapi_resource":
                            arm_type = _unquote(body["type"]).split("@")[0]
                        elif resource_type in TERRAFORM_TYPES:
                            arm_type = TERRAFORM_TYPES[resource_type]
                        else:
                            continue
                        name = scope.expression(body["name"], each) if "name" in body else None
                        role = ROLE_GUID.search(str(body.get("role_definition_id", "")))
                        inventory.add(arm_type, name, role.group(1) if role else None)
        for block in document.get("module", []):
            for body in block.values():
                source = _unquote(body["source"])
                if not source.startswith("."):
                    raise InventoryError(f"module source {source!r} is not local")
                for _ in _instances(body, scope):
                    inputs = {}
                    for key, value in body.items():
                        if key in {"source", "count", "for_each", "depends_on", "providers", "__is_block__"}:
                            continue
                        try:
                            inputs[key] = scope.expression(value)
                        except InventoryError:
                            inputs[key] = None  # an id or output of another resource: not a name
                    _terraform_module((directory / source).resolve(), inputs, inventory)


def terraform_inventory(infrastructure: Path, tfvars: Path) -> Inventory:
    inventory = Inventory()
    variables = {key: _unquote(value) for key, value in hcl2.loads(tfvars.read_text()).items()}
    _terraform_module(infrastructure, variables, inventory)
    return inventory


# -- Bicep ---------------------------------------------------------------------------------------------
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


def bicepparam_values(path: Path) -> dict[str, Any]:
    text = re.sub(r"//[^\n]*", "", path.read_text())
    values = {}
    for match in re.finditer(r"^param\s+(\w+)\s*=\s*(.+?)(?=^param\s|^using\s|\Z)", text, re.S | re.M):
        values[match.group(1)] = _bicep_literal(match.group(2))
    return values


def _text(node: Any) -> str:
    return node.text.decode()


def _properties(node: Any) -> dict[str, Any]:
    return {
        _text(child.named_children[0]).strip("'"): child.named_children[-1]
        for child in node.named_children
        if child.type == "object_property"
    }


class _BicepScope:
    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def evaluate(self, node: Any, loop: dict[str, Any] | None = None) -> Any:
        loop = loop or {}
        kind = node.type
        if kind == "string":
            if any(child.type == "interpolation" for child in node.children):
                raise InventoryError(f"interpolated string {_text(node)}: names must be parameters")
            return _text(node)[1:-1]
        if kind in {"boolean", "true", "false"}:
            return _text(node) == "true"
        if kind == "identifier":
            name = _text(node)
            if name in loop:
                return loop[name]
            if name not in self.values:
                raise InventoryError(f"'{name}' is not a parameter with a value")
            return self.values[name]
        if kind == "member_expression":
            base = self.evaluate(node.named_children[0], loop)
            key = _text(node.named_children[-1])
            if not isinstance(base, dict) or key not in base:
                raise InventoryError(f"cannot evaluate {_text(node)}")
            return base[key]
        if kind == "parenthesized_expression":
            return self.evaluate(node.named_children[0], loop)
        if kind == "unary_expression" and _text(node).startswith("!"):
            return not self.evaluate(node.named_children[-1], loop)
        if kind == "array":
            return [self.evaluate(child, loop) for child in node.named_children if child.type != "comment"]
        raise InventoryError(f"cannot evaluate the Bicep expression {_text(node)!r}")

    def instances(self, body: Any) -> list[tuple[Any, dict[str, Any]]]:
        """(object node, loop variables) for every instance a declaration body creates."""
        if body.type == "object":
            return [(body, {})]
        if body.type == "if_statement":
            condition = self.evaluate(body.named_children[0])
            return [(body.named_children[-1], {})] if condition else []
        if body.type == "for_statement":
            identifiers = [child for child in body.named_children if child.type == "identifier"]
            variable, collection = _text(identifiers[0]), identifiers[1] if len(identifiers) > 1 else None
            items_node = collection or next(child for child in body.named_children if child.type == "array")
            result = []
            for item in self.evaluate(items_node):
                for node, _ in (
                    self.instances(body.named_children[-1])
                    if body.named_children[-1].type == "if_statement"
                    else [(body.named_children[-1], {})]
                ):
                    result.append((node, {variable: item}))
            return result
        raise InventoryError(f"cannot read the declaration body {body.type}")


def _bicep_file(path: Path, values: dict[str, Any], inventory: Inventory) -> None:
    tree = parse_bicep(path.read_bytes())
    declared: dict[str, Any] = {}
    for node in tree.root_node.named_children:
        if node.type == "parameter_declaration":
            name = _text(next(child for child in node.named_children if child.type == "identifier"))
            if any(child.type == "=" for child in node.children):
                try:
                    declared[name] = _BicepScope({}).evaluate(node.named_children[-1])
                except InventoryError:
                    declared[name] = None
    scope = _BicepScope({**declared, **values})
    for node in tree.root_node.named_children:
        if node.type not in {"resource_declaration", "module_declaration"} or b" existing" in node.text.split(b"=")[0]:
            continue
        target = next(child for child in node.named_children if child.type == "string")
        body = node.named_children[-1]
        for instance, loop in scope.instances(body):
            properties = _properties(instance)
            if node.type == "module_declaration":
                params = _properties(properties["params"]) if "params" in properties else {}
                inputs = {}
                for key, value in params.items():
                    try:
                        inputs[key] = scope.evaluate(value, loop)
                    except InventoryError:
                        inputs[key] = None
                _bicep_file((path.parent / _text(target)[1:-1]).resolve(), inputs, inventory)
                continue
            arm_type = _text(target)[1:-1].split("@")[0]
            role = ROLE_GUID.search(_text(properties["properties"])) if "properties" in properties else None
            if role is None and "properties" in properties:
                role_literal = re.search(
                    r"roleDefinitions'\s*,\s*'([0-9a-fA-F-]{36})'", _text(properties["properties"])
                )
                role = role_literal
            name = None
            if arm_type in COMPARED_TYPES:
                name = scope.evaluate(properties["name"], loop)
            inventory.add(arm_type, name, role.group(1) if role else None)


def bicep_inventory(main: Path, bicepparam: Path) -> Inventory:
    inventory = Inventory()
    _bicep_file(main, bicepparam_values(bicepparam), inventory)
    return inventory
