"""The manifest of a template source: which subtree goes where in the project, under which answers.

A source may carry ``mlops-factory.yml`` at its root. A source without one is read with
``default_manifest()``, the layout of Azure/mlops-project-template. Paths may use the axes as
placeholders (``{project_type}/{mlops_version}/data-science``).

Format versions (docs/template-sources.md): version 1 knows the four axes; version 2 adds the families
of ``axes.FAMILIES`` (``{mlops_family}`` in paths, ``when: {mlops_family: cli}``). A version 1 manifest
is read exactly as before, so forks' manifests keep working.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from .axes import AXES, FAMILIES, with_families
from .paths import path_problem

MANIFEST_FILE = "mlops-factory.yml"
MANIFEST_VERSIONS = (1, 2)
MANIFEST_VERSION = MANIFEST_VERSIONS[-1]  # the newest format
# libyaml's loader when PyYAML was built with it: the pure-Python one takes most of a manifest's parse time.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PART_KEYS = {"what", "from", "to", "when", "exclude", "required"}


class ManifestError(Exception):
    """The manifest is malformed; the message is one sentence about what is wrong."""


@dataclass(frozen=True)
class Part:
    """One subtree of the source as declared in the manifest (paths may hold placeholders)."""

    what: str
    source: str
    target: str
    when: Mapping[str, tuple[str, ...]]
    exclude: tuple[str, ...] = ()
    required: bool = True

    def applies_to(self, combination: Mapping[str, str]) -> bool:
        return all(combination[axis] in values for axis, values in self.when.items())

    def resolve(self, combination: Mapping[str, str]) -> ResolvedPart:
        return ResolvedPart(
            what=self.what.format(**combination),
            source=self.source.format(**combination),
            target=self.target.format(**combination),
            exclude=self.exclude,
            required=self.required,
        )


@dataclass(frozen=True)
class ResolvedPart:
    """A part with its paths filled in for one combination."""

    what: str
    source: str
    target: str
    exclude: tuple[str, ...]
    required: bool


@dataclass(frozen=True)
class Manifest:
    parts: tuple[Part, ...]
    origin: str  # "mlops-factory.yml" or "the built-in default mapping"

    def parts_for(self, combination: Mapping[str, str]) -> list[ResolvedPart]:
        """The parts that apply to the four answers, their paths filled in (families included)."""
        answers = with_families(combination)
        return [part.resolve(answers) for part in self.parts if part.applies_to(answers)]


def safe_relative_path(path: str, what: str) -> str:
    """Check a manifest path (``.`` for the whole source or project, a trailing ``/`` allowed); refuse one
    that is absolute, climbs out with ``..`` or could not be a file name everywhere (paths.py's rules)."""
    if not isinstance(path, str) or not path.strip():
        raise ManifestError(f"{what} must be a non-empty relative path")
    relative = path.removesuffix("/") if path not in ("/", ".") else path
    problem = "" if relative == "." else path_problem(relative)
    if problem:
        raise ManifestError(f"{what} {path!r} {problem}; a path must be relative and made of plain names")
    return relative


def _placeholders(pattern: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(pattern) if field is not None}


def answer_values(version: int) -> dict[str, tuple[str, ...]]:
    """The answers a manifest of format ``version`` may name, with their values: the four axes, and from
    version 2 on the families of ``axes.FAMILIES``."""
    if version < 2:
        return dict(AXES)
    return {**AXES, **{family: tuple(groups) for family, (_, groups) in FAMILIES.items()}}


def _check_pattern(pattern: Any, what: str, names: Mapping[str, tuple[str, ...]]) -> str:
    path = safe_relative_path(pattern, what)
    unknown = _placeholders(path) - set(names)
    if unknown:
        raise ManifestError(
            f"{what} '{path}' uses unknown placeholder(s) {', '.join(sorted(unknown))}; allowed: {', '.join(names)}"
        )
    return path


def _parse_when(raw: Any, index: int, names: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ManifestError(f"part {index}: 'when' must map answers to a value or a list of values")
    when: dict[str, tuple[str, ...]] = {}
    for axis, values in raw.items():
        if axis not in names:
            raise ManifestError(f"part {index}: 'when' names unknown answer '{axis}'; allowed: {', '.join(names)}")
        values = (values,) if isinstance(values, str) else tuple(values or ())
        bad = [value for value in values if value not in names[axis]]
        if bad or not values:
            raise ManifestError(
                f"part {index}: 'when' gives {axis} the value(s) {', '.join(map(str, bad)) or 'none'}; "
                f"allowed: {', '.join(names[axis])}"
            )
        when[axis] = values
    return when


def _parse_part(raw: Any, index: int, names: Mapping[str, tuple[str, ...]]) -> Part:
    if not isinstance(raw, Mapping):
        raise ManifestError(f"part {index} must be a mapping with at least 'from' and 'to'")
    unknown = set(raw) - _PART_KEYS
    if unknown:
        raise ManifestError(
            f"part {index} has unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(_PART_KEYS))}"
        )
    if "from" not in raw or "to" not in raw:
        raise ManifestError(f"part {index} needs both 'from' and 'to'")
    source = _check_pattern(raw["from"], f"part {index} 'from'", names)
    target = _check_pattern(raw["to"], f"part {index} 'to'", names)
    exclude = raw.get("exclude") or []
    if isinstance(exclude, str) or not isinstance(exclude, list):
        raise ManifestError(f"part {index}: 'exclude' must be a list of paths relative to 'from'")
    required = raw.get("required", True)
    if not isinstance(required, bool):
        raise ManifestError(f"part {index}: 'required' must be true or false")
    return Part(
        what=str(raw.get("what") or source),
        source=source,
        target=target,
        when=_parse_when(raw.get("when"), index, names),
        exclude=tuple(safe_relative_path(path, f"part {index} 'exclude'") for path in exclude),
        required=required,
    )


def parse_manifest(text: str, origin: str = MANIFEST_FILE) -> Manifest:
    """Parse and check a manifest; raise ``ManifestError`` naming the first problem."""
    try:
        data = yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ManifestError(f"{origin} is not valid YAML{where}") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("parts"), list) or not data["parts"]:
        raise ManifestError(f"{origin} must be a mapping with a non-empty list 'parts'")
    version = data.get("manifest_version")
    if isinstance(version, bool) or version not in MANIFEST_VERSIONS:
        raise ManifestError(
            f"{origin} declares manifest_version {version!r}; this factory reads versions "
            f"{' and '.join(map(str, MANIFEST_VERSIONS))}"
        )
    names = answer_values(version)
    parts = tuple(_parse_part(raw, index, names) for index, raw in enumerate(data["parts"], 1))
    return Manifest(parts=parts, origin=origin)


# Azure/mlops-project-template's layout, mapped to the project layout sparse_checkout.sh meant to
# produce, with CI folders placed where the pipelines expect them.
DEFAULT_MANIFEST_TEXT = """
manifest_version: 1
parts:
  - what: "{infrastructure_version} infrastructure code"
    from: "infrastructure/{infrastructure_version}"
    to: infrastructure
    exclude: [github-actions, devops-pipelines, pipelines]
  - what: "GitHub Actions workflows for {infrastructure_version} infrastructure"
    from: "infrastructure/{infrastructure_version}/github-actions"
    to: .github/workflows
    when: {orchestration: github-actions}
  - what: "Azure DevOps pipelines for terraform infrastructure"
    from: infrastructure/terraform/devops-pipelines
    to: infrastructure/pipelines
    when: {infrastructure_version: terraform, orchestration: azure-devops}
  - what: "Azure DevOps pipelines for bicep infrastructure"
    from: infrastructure/bicep/pipelines
    to: infrastructure/pipelines
    when: {infrastructure_version: bicep, orchestration: azure-devops}
  - what: "{project_type} data-science code for {mlops_version}"
    from: "{project_type}/{mlops_version}/data-science"
    to: data-science
  - what: "{project_type} sample data for {mlops_version}"
    from: "{project_type}/{mlops_version}/data"
    to: data
    required: false
  - what: "{project_type} Azure ML pipelines for {mlops_version}"
    from: "{project_type}/{mlops_version}/mlops/azureml"
    to: mlops/azureml
  - what: "{project_type} GitHub Actions workflows for {mlops_version}"
    from: "{project_type}/{mlops_version}/mlops/github-actions"
    to: .github/workflows
    when: {orchestration: github-actions}
  - what: "{project_type} Azure DevOps pipelines for {mlops_version}"
    from: "{project_type}/{mlops_version}/mlops/devops-pipelines"
    to: mlops/devops-pipelines
    when: {orchestration: azure-devops}
"""


@functools.cache
def default_manifest() -> Manifest:
    """The mapping for sources without a manifest (parsed on first use, not at extension load)."""
    return parse_manifest(DEFAULT_MANIFEST_TEXT, origin="the built-in default mapping")
