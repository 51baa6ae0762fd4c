"""The four choices that select a project's subtrees, in questionnaire order, and the families they fall into.

A family is a group of values of one axis that share their content: the MLOps versions of one Azure ML
family share their Azure ML definitions and their CI/CD, and differ only where a version adds something
(the Responsible AI dashboard) or pins other packages (SDK v1). Families are named here and nowhere else:
the manifest (``{mlops_family}``, ``when: {mlops_family: cli}``), the computed answer ``mlops_family``
that templates read, and the tests all take them from this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import product
from typing import Any

AXES: dict[str, tuple[str, ...]] = {
    "infrastructure_version": ("terraform", "bicep"),
    "project_type": ("classical", "cv", "nlp"),
    "mlops_version": ("aml-cli-v2", "python-sdk-v1", "python-sdk-v2", "rai-aml-cli-v2"),
    "orchestration": ("github-actions", "azure-devops"),
}

# The Azure ML family of each MLOps version: "cli" defines pipelines and endpoints in Azure ML CLI v2 YAML
# and runs them with `az ml`; "sdk" builds them in Python scripts (azure-ai-ml; SDK v1 only for training).
MLOPS_FAMILIES: dict[str, tuple[str, ...]] = {
    "cli": ("aml-cli-v2", "rai-aml-cli-v2"),
    "sdk": ("python-sdk-v1", "python-sdk-v2"),
}
# Answers derived from an axis, usable like the axes in manifests and templates: name -> (axis, families).
FAMILIES: dict[str, tuple[str, dict[str, tuple[str, ...]]]] = {
    "mlops_family": ("mlops_version", MLOPS_FAMILIES),
}

Combination = dict[str, str]


def combinations() -> Iterator[Combination]:
    """Every combination of the four axes (2 x 3 x 4 x 2 = 48), in a stable order."""
    for values in product(*AXES.values()):
        yield dict(zip(AXES, values, strict=True))


def combination_of(answers: Mapping[str, Any], axes: Iterable[str] = AXES) -> Combination:
    """The answers to ``axes`` (all four by default) as text, keyed by axis: what the manifest is asked about."""
    return {axis: str(answers[axis]) for axis in axes}


def combination_id(combination: Mapping[str, str]) -> str:
    """``terraform-classical-aml-cli-v2-github-actions``: a readable key for one combination."""
    return "-".join(combination[axis] for axis in AXES)


def completions(fixed: Mapping[str, str]) -> Iterator[Combination]:
    """Every combination that agrees with the axes already fixed."""
    for combination in combinations():
        if all(combination[axis] == value for axis, value in fixed.items()):
            yield combination


def axes_before(axis: str) -> tuple[str, ...]:
    names = tuple(AXES)
    return names[: names.index(axis)]


def mlops_family(mlops_version: str) -> str:
    """The Azure ML family (``cli`` or ``sdk``) of an MLOps version; "" for a value that is not one."""
    return family_of("mlops_family", mlops_version)


def family_of(family: str, value: str) -> str:
    """The family in ``FAMILIES[family]`` that holds ``value`` of its axis; "" when none does."""
    _, groups = FAMILIES[family]
    return next((name for name, members in groups.items() if value in members), "")


def with_families(combination: Mapping[str, str]) -> Combination:
    """The combination plus every family its values fall into (``mlops_family``)."""
    derived = {family: family_of(family, combination.get(axis, "")) for family, (axis, _) in FAMILIES.items()}
    return {**combination, **derived}
