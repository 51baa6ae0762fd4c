"""What Azure RBAC decides, as the role-based access control docs describe it: a principal may perform an
operation at a scope when one of its role assignments, at that scope or above it, has a role whose actions
(or dataActions) match the operation and whose notActions (notDataActions) do not, and the assignment's
condition, if any, holds for the operation.

- learn.microsoft.com/azure/role-based-access-control/role-definitions (actions, notActions, wildcards,
  dataActions are separate from actions, matching is case-insensitive)
- learn.microsoft.com/azure/role-based-access-control/scope-overview (assignments are inherited by child scopes)
- learn.microsoft.com/azure/role-based-access-control/conditions-format (the condition grammar; the subset
  implemented here is the one the generated projects use: ActionMatches, @Request / @Resource attributes,
  StringEquals[IgnoreCase], ForAnyOfAnyValues:GuidEquals / StringEqualsIgnoreCase, AND, OR, NOT, parentheses)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

ROLES_FILE = Path(__file__).resolve().parent / "built_in_roles.json"


@dataclass(frozen=True)
class Role:
    """A role definition: what it allows, from built_in_roles.json or a custom role of the design."""

    id: str
    name: str
    actions: tuple[str, ...]
    not_actions: tuple[str, ...] = ()
    data_actions: tuple[str, ...] = ()
    not_data_actions: tuple[str, ...] = ()

    def allows(self, action: str, data: bool) -> bool:
        allowed, denied = (self.data_actions, self.not_data_actions) if data else (self.actions, self.not_actions)
        return any(matches(pattern, action) for pattern in allowed) and not any(
            matches(pattern, action) for pattern in denied
        )


@cache
def built_in_roles() -> dict[str, Role]:
    """The vendored built-in roles, by id."""
    roles = {}
    for entry in json.loads(ROLES_FILE.read_text())["roles"]:
        roles[entry["id"]] = Role(
            entry["id"],
            entry["roleName"],
            tuple(entry["actions"]),
            tuple(entry["notActions"]),
            tuple(entry["dataActions"]),
            tuple(entry["notDataActions"]),
        )
    return roles


def matches(pattern: str, action: str) -> bool:
    """An action pattern (`*` stands for any characters, across `/` too) against an operation, ignoring case."""
    expression = "".join(".*" if part == "*" else re.escape(part) for part in re.split(r"(\*)", pattern))
    return re.fullmatch(expression, action, re.IGNORECASE) is not None


def within(scope: str, target: str) -> bool:
    """Whether an assignment at `scope` covers `target` (the same scope or a child of it)."""
    scope, target = scope.rstrip("/").lower(), target.rstrip("/").lower()
    return target == scope or target.startswith(scope + "/")


@dataclass(frozen=True)
class Operation:
    """An operation a CI job performs: an action (or data action) at a scope, with the attributes a condition
    may test (for example Microsoft.Storage/storageAccounts:name, or the RoleDefinitionId of a role assignment)."""

    action: str
    scope: str
    data: bool = False
    attributes: tuple[tuple[str, str], ...] = ()
    why: str = ""
    doc: str = ""
    tool: str = "cli"  # "terraform": performed by Terraform, which may sign in as another identity

    def attribute(self, name: str) -> str | None:
        return dict((key.lower(), value) for key, value in self.attributes).get(name.lower())


@dataclass(frozen=True)
class Assignment:
    """A role assignment: `principal` holds `role` at `scope`, under `condition` when there is one."""

    principal: str
    role: str
    scope: str
    condition: str = ""
    source: str = ""


@dataclass
class Decision:
    allowed: bool
    by: list[Assignment] = field(default_factory=list)


def decide(assignments: list[Assignment], roles: dict[str, Role], principal: str, operation: Operation) -> Decision:
    """Whether `principal` may perform `operation`, and the assignments that allow it."""
    by = [
        assignment
        for assignment in assignments
        if assignment.principal == principal
        and within(assignment.scope, operation.scope)
        and assignment.role in roles
        and roles[assignment.role].allows(operation.action, operation.data)
        and (not assignment.condition or Condition(assignment.condition).holds(operation))
    ]
    return Decision(bool(by), by)


TOKEN = re.compile(
    r"""\s*(?:
        (?P<open>\() | (?P<close>\)) | (?P<not>!) | (?P<logic>AND|OR)\b
      | ActionMatches\{'(?P<action>[^']*)'\}
      | @(?P<source>Request|Resource|Principal|Environment)\[(?P<attribute>[^\]]+)\]\s+(?P<operator>[\w:]+)\s+
        (?P<value>\{[^}]*\}|'[^']*')
    )""",
    re.VERBOSE,
)


OPERATORS = ("GuidEquals", "StringEquals", "StringEqualsIgnoreCase")


class Condition:
    """A role assignment condition, parsed once and evaluated against operations."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[re.Match[str]] = []
        position = 0
        text = text.strip()
        while position < len(text):
            match = TOKEN.match(text, position)
            if not match or match.end() == position:
                raise ValueError(f"condition not understood at: {text[position : position + 60]!r}")
            operator = match.group("operator")
            if operator and operator.split(":")[-1] not in OPERATORS:
                raise ValueError(f"condition operator {operator} is not modelled")
            self.tokens.append(match)
            position = match.end()
            while position < len(text) and text[position].isspace():
                position += 1

    def holds(self, operation: Operation) -> bool:
        self.position = 0
        result = self._or(operation)
        if self.position != len(self.tokens):
            raise ValueError(f"condition has trailing tokens: {self.text!r}")
        return result

    def _peek(self, group: str) -> re.Match[str] | None:
        if self.position < len(self.tokens) and self.tokens[self.position].group(group):
            return self.tokens[self.position]
        return None

    def _or(self, operation: Operation) -> bool:
        result = self._and(operation)
        while (token := self._peek("logic")) and token.group("logic") == "OR":
            self.position += 1
            right = self._and(operation)
            result = result or right
        return result

    def _and(self, operation: Operation) -> bool:
        result = self._not(operation)
        while (token := self._peek("logic")) and token.group("logic") == "AND":
            self.position += 1
            right = self._not(operation)
            result = result and right
        return result

    def _not(self, operation: Operation) -> bool:
        if self._peek("not"):
            self.position += 1
            return not self._not(operation)
        return self._atom(operation)

    def _atom(self, operation: Operation) -> bool:
        if self._peek("open"):
            self.position += 1
            result = self._or(operation)
            if not self._peek("close"):
                raise ValueError(f"unbalanced parentheses in condition: {self.text!r}")
            self.position += 1
            return result
        token = self.tokens[self.position]
        self.position += 1
        if token.group("action") is not None:
            return matches(token.group("action"), operation.action)
        return compare(operation.attribute(token.group("attribute")), token.group("operator"), token.group("value"))


def compare(actual: str | None, operator: str, value: str) -> bool:
    """One attribute comparison; an attribute the operation lacks makes it false (as Azure evaluates it)."""
    if actual is None:
        return False
    values = (
        [item.strip().strip("'") for item in value.strip("{}").split(",")]
        if value.startswith("{")
        else [value.strip("'")]
    )
    name = operator.split(":")[-1]
    if name == "GuidEquals":
        return actual.lower() in {item.lower() for item in values}
    if name == "StringEqualsIgnoreCase":
        return actual.lower() in {item.lower() for item in values}
    if name == "StringEquals":
        return actual in values
    raise ValueError(f"condition operator {operator} is not modelled")
