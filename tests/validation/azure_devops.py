"""Azure DevOps pipelines and templates against check-jsonschema's vendored ``azure-pipelines`` schema.

The ``check-jsonschema --builtin-schema vendor.azure-pipelines`` CLI is not usable here: it reads YAML with YAML 1.2
types, so a valid unquoted ``timeoutInMinutes: 60`` or ``enabled: false`` (the schema wants strings there, because
Azure DevOps reads every scalar as a string) is rejected, and its default regex engine crashes on the schema. So,
as DESIGN.md section 4 says:

1. every ``*.yml``/``*.yaml`` under ``mlops/devops-pipelines/`` and ``infrastructure/pipelines/`` is loaded with
   ``yaml.BaseLoader`` semantics (every scalar a string), remembering lines;
2. check-jsonschema's azure-pipelines transform unnests ``${{ if }}`` / ``${{ each }}`` template expressions;
3. a Draft 7 validator checks the result.

The schema is the one the Azure Pipelines VS Code extension uses, and it relies on that extension's own semantics
in places; the validator implements them rather than report valid files:

- task inputs are typed ``boolean``/``integer`` in the schema but are strings in YAML: ``"true"``, ``"60"`` and
  macros/expressions (``$(flag)``, ``${{ parameters.flag }}``) count as booleans/integers;
- ``ignoreCase`` makes enum and pattern matches (task names, ``scriptType: Bash``) case-insensitive, and task input
  names case-insensitive; task input ``aliases`` (``connectedServiceNameARM`` for ``azureSubscription``) are allowed;
- the schema's root describes pipelines only; templates are checked against its template definitions. A file that
  another file includes with ``template:`` is a template (``extends: template:`` gives an extends template); a file
  that only declares ``variables``/``parameters`` is a variables template wherever it is.

Includes are also resolved: a ``template:`` in this repository that points to no file is a finding.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from check_jsonschema.builtin_schemas import get_builtin_schema
from check_jsonschema.transforms import TRANSFORM_LIBRARY
from check_jsonschema.transforms.azure_pipelines import AzurePipelinesDataError

from . import Finding
from .yaml_files import LineStr, StringsWithLinesLoader, error_line, error_message, relative, schema_findings

PIPELINE_FOLDERS = ("mlops/devops-pipelines", "infrastructure/pipelines")
VALIDATOR = "azure-pipelines"

# Which definition of the schema a file is checked against (None: the schema's root, a pipeline).
PIPELINE = None
VARIABLES_TEMPLATE = "variablesTemplate"
EXTENDS_TEMPLATE = "extendsTemplate"
TEMPLATE = "parametersTemplate"  # a steps, jobs or stages template
TEMPLATE_ONLY_KEYS = frozenset({"parameters", "variables"})

_MACRO = re.compile(r"\$\(|\$\{\{|\$\[")  # $(variable), ${{ template expression }}, $[ runtime expression ]


def pipeline_files(project: Path) -> list[Path]:
    """Every Azure DevOps YAML file of the project (pipelines and their templates)."""
    found: set[Path] = set()
    for folder in PIPELINE_FOLDERS:
        found.update(path for path in (project / folder).rglob("*.y*ml") if path.suffix in (".yml", ".yaml"))
    return sorted(path for path in found if path.is_file())


# --- the validator, with the Azure Pipelines extension's semantics --------------------------------------------


def _ado_boolean(_checker: Any, instance: Any) -> bool:
    if isinstance(instance, bool):
        return True
    return isinstance(instance, str) and (
        instance.strip().lower() in ("true", "false") or bool(_MACRO.search(instance))
    )


def _ado_integer(_checker: Any, instance: Any) -> bool:
    if jsonschema.Draft7Validator.TYPE_CHECKER.is_type(instance, "integer"):
        return True
    return isinstance(instance, str) and bool(re.fullmatch(r"\s*[+-]?\d+\s*", instance) or _MACRO.search(instance))


def _ado_number(_checker: Any, instance: Any) -> bool:
    if jsonschema.Draft7Validator.TYPE_CHECKER.is_type(instance, "number"):
        return True
    number = r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*"
    return isinstance(instance, str) and bool(re.fullmatch(number, instance) or _MACRO.search(instance))


def _ignores_value_case(schema: dict[str, Any]) -> bool:
    return schema.get("ignoreCase") in ("value", "all")


def _key_matches(key: str, name: str, subschema: Any) -> bool:
    """Whether mapping key ``key`` is property ``name`` (or one of its aliases), with the schema's key case rule."""
    names = [name, *(subschema.get("aliases", []) if isinstance(subschema, dict) else [])]
    if key in names:
        return True
    ignore_case = isinstance(subschema, dict) and subschema.get("ignoreCase") in ("key", "all")
    return ignore_case and key.lower() in (candidate.lower() for candidate in names)


def _enum(validator: Any, enums: Any, instance: Any, schema: dict[str, Any]) -> Iterator[jsonschema.ValidationError]:
    folded = instance.lower() if _ignores_value_case(schema) and isinstance(instance, str) else None
    if folded is not None and any(isinstance(value, str) and value.lower() == folded for value in enums):
        return
    yield from jsonschema.Draft7Validator.VALIDATORS["enum"](validator, enums, instance, schema)


def _pattern(
    validator: Any, pattern: str, instance: Any, schema: dict[str, Any]
) -> Iterator[jsonschema.ValidationError]:
    if _ignores_value_case(schema) and isinstance(instance, str) and re.search(pattern, instance, re.IGNORECASE):
        return
    yield from jsonschema.Draft7Validator.VALIDATORS["pattern"](validator, pattern, instance, schema)


def _additional_properties(
    validator: Any, additional: Any, instance: Any, schema: dict[str, Any]
) -> Iterator[jsonschema.ValidationError]:
    """Draft 7 ``additionalProperties``, where a key that is a known property by case or alias is not additional."""
    if not validator.is_type(instance, "object"):
        return
    properties = schema.get("properties", {})
    patterns = schema.get("patternProperties", {})
    extras = [
        key
        for key in instance
        if not any(_key_matches(key, name, subschema) for name, subschema in properties.items())
        and not any(re.search(pattern, key) for pattern in patterns)
    ]
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif additional is False and extras:
        listed = ", ".join(repr(str(extra)) for extra in sorted(extras))
        verb = "was" if len(extras) == 1 else "were"
        yield jsonschema.ValidationError(f"Additional properties are not allowed ({listed} {verb} unexpected)")


def _required(
    validator: Any, required: Any, instance: Any, schema: dict[str, Any]
) -> Iterator[jsonschema.ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    properties = schema.get("properties", {})
    for name in required:
        subschema = properties.get(name, {})
        if not any(_key_matches(key, name, subschema) for key in instance):
            yield jsonschema.ValidationError(f"{name!r} is a required property")


AzurePipelinesValidator = jsonschema.validators.extend(
    jsonschema.Draft7Validator,
    validators={
        "enum": _enum,
        "pattern": _pattern,
        "additionalProperties": _additional_properties,
        "required": _required,
    },
    type_checker=jsonschema.Draft7Validator.TYPE_CHECKER.redefine_many(
        {"boolean": _ado_boolean, "integer": _ado_integer, "number": _ado_number}
    ),
)


@cache
def _validator(definition: str | None) -> Any:
    schema = get_builtin_schema(f"vendor.{VALIDATOR}")
    if definition is not None:  # the same document, entered at one of its definitions
        schema = {
            "$schema": schema["$schema"],
            "definitions": schema["definitions"],
            "$ref": f"#/definitions/{definition}",
        }
    return AzurePipelinesValidator(schema)


# --- templates: who includes whom ----------------------------------------------------------------------------


def _includes(node: Any, under_extends: bool = False) -> Iterator[tuple[LineStr, bool]]:
    """Every ``template:`` reference in a loaded document, and whether it is the template of an ``extends``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "template" and isinstance(value, LineStr):
                yield value, under_extends
            else:
                yield from _includes(value, key == "extends")
    elif isinstance(node, list):
        for item in node:
            yield from _includes(item)


def _resolve(reference: str, including: Path, project: Path) -> Path | None:
    """The file an include points to, or None when it is not a path in this repository."""
    target, _, repository = reference.partition("@")
    if (repository and repository != "self") or _MACRO.search(target):
        return None  # another repository's template, or a path computed at queue time
    base = project if target.startswith("/") else including.parent
    return Path(os.path.normpath(base / target.lstrip("/")))


def _definition(document: Any, kind: str | None) -> str | None:
    keys = set(document) if isinstance(document, dict) else set()
    if kind == EXTENDS_TEMPLATE:
        return EXTENDS_TEMPLATE
    if keys and keys <= TEMPLATE_ONLY_KEYS and "variables" in keys:
        return VARIABLES_TEMPLATE
    return kind


def validate_azure_devops(project: Path) -> list[Finding]:
    """Schema findings for every Azure DevOps pipeline and template, and includes that point to no file."""
    findings: list[Finding] = []
    documents: dict[Path, Any] = {}
    for path in pipeline_files(project):
        name = relative(path, project)
        try:
            document = yaml.load(path.read_text(encoding="utf-8"), Loader=StringsWithLinesLoader)
        except UnicodeDecodeError as error:
            findings.append(Finding(name, None, "yaml", f"not UTF-8: {error}"))
            continue
        except yaml.YAMLError as error:
            findings.append(Finding(name, error_line(error), "yaml", error_message(error)))
            continue
        if not isinstance(document, dict):
            findings.append(Finding(name, None, VALIDATOR, "the file is not a mapping (an empty file or a list)"))
            continue
        documents[path] = document

    kinds: dict[Path, str | None] = {}
    for path, document in documents.items():
        for reference, is_extends in _includes(document):
            target = _resolve(reference, path, project)
            if target is None:
                continue
            if not target.is_file():
                message = f"template {str(reference)!r} not found (looked for {os.path.relpath(target, project)})"
                findings.append(Finding(relative(path, project), reference.line, VALIDATOR, message))
            elif kinds.get(target) != EXTENDS_TEMPLATE:
                kinds[target] = EXTENDS_TEMPLATE if is_extends else TEMPLATE

    for path, document in documents.items():
        name = relative(path, project)
        try:
            transformed = TRANSFORM_LIBRARY["azure-pipelines"].on_data(document)
        except AzurePipelinesDataError as error:
            findings.append(Finding(name, None, VALIDATOR, str(error)))
            continue
        errors = _validator(_definition(transformed, kinds.get(path, PIPELINE))).iter_errors(transformed)
        findings.extend(schema_findings(errors, transformed, name, VALIDATOR))
    return findings
