"""The four choices that select a project's subtrees, in questionnaire order."""

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
