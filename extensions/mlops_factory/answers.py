"""Checks of every answer, each giving one sentence that names the field and what is allowed.

The same checks serve Copier's validators at the prompt and the final check before rendering (which
also covers ``--data`` and ``--defaults`` answers), so the two can never disagree.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import re
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import naming
from .axes import AXES, Combination, combination_of, completions
from .errors import FactoryError
from .git import GIT_MISSING
from .regions import AZURE_ML_REGIONS
from .sources import (
    BUILTIN,
    GitSource,
    TemplateSource,
    credentials_problem,
    ref_problem,
    source_url_problem,
    template_source,
)

DEFAULT_POSTFIX = "0001"
_PROJECT_NAME = re.compile(r"[a-z](?:[a-z0-9]|-(?=[a-z0-9])){2,39}")
_GITHUB_OWNER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}")
_SERVICE_CONNECTION = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}")


# -- one check per question ------------------------------------------------------------------------
def _project_name(value: str, answers: Mapping[str, Any], root: Path) -> str:
    if _PROJECT_NAME.fullmatch(value):
        return ""
    return (
        f"use 3-40 lowercase letters, digits and single hyphens; begin with a letter: '{value}' is not allowed "
        "as project_name (nor may it end with a hyphen)"
    )


def _github_org_name(value: str, answers: Mapping[str, Any], root: Path) -> str:
    if _GITHUB_OWNER.fullmatch(value):
        return ""
    return (
        f"use 1-39 letters, digits and single hyphens, no hyphen at either end: '{value}' is not allowed as "
        "github_org_name (a GitHub organisation or user name)"
    )


def _source_url(value: str, answers: Mapping[str, Any], root: Path) -> str:
    problem = source_url_problem(value)
    if problem or value == BUILTIN:
        return problem
    if shutil.which("git") is None:
        return GIT_MISSING
    source = template_source({"project_template_github_url": value}, root)
    if not isinstance(source, GitSource):
        return ""
    problem = source.reachability_problem()
    if problem or source.cache_dir.is_dir():
        return problem
    refs = source.remote_refs()
    if refs.head is None and not refs.tags:
        return (
            f"push the template source to it first: the template source {source.shown_url} "
            "(project_template_github_url) has no commits yet"
        )
    return ""


def suggested_ref(answers: Mapping[str, Any], root: Path) -> str:
    """Default for project_template_ref: the source's newest release tag, else its newest commit."""
    url = str(answers.get("project_template_github_url", BUILTIN)).strip()
    if url == BUILTIN or source_url_problem(url) or shutil.which("git") is None:
        return ""
    source = template_source({"project_template_github_url": url}, root)
    return source.suggested_ref() if isinstance(source, GitSource) else ""


def _source_ref(value: str, answers: Mapping[str, Any], root: Path) -> str:
    if str(answers.get("project_template_github_url", BUILTIN)).strip() == BUILTIN:
        return ""
    problem = ref_problem(value)
    if problem:
        return problem
    try:
        _ = template_source(answers, root).manifest  # resolves the ref and reads the listing
    except FactoryError as error:
        return str(error)
    return ""


def _name_limits(namespace: str, postfix: str, field: str) -> str:
    found = naming.breaches(namespace, postfix)
    if not found:
        return ""
    (rule, name, excess), others = found[0], found[1:]
    also = f"; also too long: {', '.join(other.label for other, _, _ in others)}" if others else ""
    return (
        f"shorten namespace or postfix by {excess} character{'s' if excess > 1 else ''}: {field} makes the "
        f"{rule.label} name '{name}' {len(name)} characters long and Azure allows {rule.max_length} "
        f"(with postfix '{postfix}', namespace may have at most {naming.max_namespace_length(postfix)} characters)"
        f"{also}"
    )


def _namespace(value: str, answers: Mapping[str, Any], root: Path) -> str:
    if not naming.NAMESPACE_PATTERN.fullmatch(value) or len(value) < 2:
        return (
            f"use 2 or more lowercase letters and digits, starting with a letter: '{value}' is not allowed as "
            "namespace (it goes into storage account and registry names, which allow nothing else)"
        )
    postfix = str(answers.get("postfix") or DEFAULT_POSTFIX)
    return _name_limits(value, postfix if naming.POSTFIX_PATTERN.fullmatch(postfix) else DEFAULT_POSTFIX, "namespace")


def _postfix(value: str, answers: Mapping[str, Any], root: Path) -> str:
    if not naming.POSTFIX_PATTERN.fullmatch(value) or len(value) > 8:
        return f"use 1-8 lowercase letters and digits: '{value}' is not allowed as postfix"
    return _name_limits(str(answers.get("namespace", "")), value, "postfix")


def _location(value: str, answers: Mapping[str, Any], root: Path) -> str:
    if value in AZURE_ML_REGIONS:
        return ""
    hint = value.lower().replace(" ", "")
    rule = (
        f"use '{hint}', the region's short name"
        if hint in AZURE_ML_REGIONS
        else "use the short name of an Azure region with Azure ML, e.g. westeurope"
    )
    return (
        f"{rule}: '{value}' is not allowed as location (not an Azure region with Azure Machine Learning; "
        "'az account list-locations -o table' prints the short names)"
    )


def _service_connection(field: str) -> Callable[[str, Mapping[str, Any], Path], str]:
    def check(value: str, answers: Mapping[str, Any], root: Path) -> str:
        if _SERVICE_CONNECTION.fullmatch(value):
            return ""
        return (
            f"use 1-64 letters, digits, spaces and . - _, starting with a letter or digit: '{value}' is not "
            f"allowed as {field} (an Azure DevOps service connection name)"
        )

    return check


# A yes/no prompt takes a key press alone: a "y" typed after it by habit lands in the next prompt.
_STRAY_KEYS = re.compile(r"[yYnN]{1,3}")


def _remote_url(value: str, answers: Mapping[str, Any], root: Path) -> str:
    if not value:
        return ""
    if _STRAY_KEYS.fullmatch(value):
        return (
            f"remove the stray '{value}' (a key meant for the yes/no question above?): it is not allowed as "
            "remote_url; give a git URL or leave it empty"
        )
    problem = credentials_problem("remote_url", value)
    if problem:
        return problem
    if value.strip() == BUILTIN or source_url_problem(value):
        return (
            f"give an https://, ssh:// or git@host:org/repo.git URL, or leave it empty: '{value}' is not allowed "
            "as remote_url (not a git remote; empty means you push later yourself)"
        )
    return ""


_HUB_MODEL = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?/)?[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")


def _hub_model(value: str, answers: Mapping[str, Any], root: Path) -> str:
    if _HUB_MODEL.fullmatch(value) and len(value) <= 96 and ".." not in value and "--" not in value:
        return ""
    return (
        f"use a Hugging Face Hub model name, 'name' or 'organisation/name': '{value}' is not allowed as "
        "nlp_base_model (letters, digits, dots, hyphens and underscores, at most 96 characters, "
        "e.g. distilbert-base-uncased)"
    )


# The torchvision classification architectures a cv project may fine-tune: each builds with
# torchvision.models.get_model, has pretrained ImageNet weights, ends in a linear head that train.py replaces
# and takes any image size from 32 pixels up (the ViT family is left out: it needs exactly 224).
CV_BASE_MODELS = (
    "resnet18",
    "resnet34",
    "resnet50",
    "resnet101",
    "resnet152",
    "resnext50_32x4d",
    "wide_resnet50_2",
    "efficientnet_b0",
    "efficientnet_b1",
    "efficientnet_b2",
    "efficientnet_b3",
    "efficientnet_v2_s",
    "convnext_tiny",
    "convnext_small",
    "convnext_base",
    "mobilenet_v3_small",
    "mobilenet_v3_large",
    "regnet_y_800mf",
    "swin_t",
    "swin_s",
)


def _cv_base_model(value: str, answers: Mapping[str, Any], root: Path) -> str:
    if value in CV_BASE_MODELS:
        return ""
    close = difflib.get_close_matches(value.lower(), CV_BASE_MODELS, n=1)
    hint = f"did you mean {close[0]}?" if close else "e.g. resnet50 or convnext_tiny"
    return (
        f"use a supported torchvision architecture ({hint}): '{value}' is not allowed as cv_base_model "
        f"(supported: {', '.join(CV_BASE_MODELS)})"
    )


# One address: a local part of letters, digits and . _ % + -, @, a domain with at least one dot. Narrower than
# RFC 5322 on purpose: the address is written into YAML, Terraform and Bicep strings, where quotes, braces or `$`
# would need escaping; no spaces, commas or semicolons, so a list is refused with a reason.
_DOMAIN_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_EMAIL = re.compile(rf"[A-Za-z0-9._%+-]+@{_DOMAIN_LABEL}(?:\.{_DOMAIN_LABEL})+")
# The cadences of scheduled retraining (mlops/monitoring.yml, read by the daily retraining check of CI).
RETRAINING_SCHEDULES = ("weekly", "daily", "monthly", "off")


def _alert_email(value: str, answers: Mapping[str, Any], root: Path) -> str:
    if not value or (len(value) <= 254 and _EMAIL.fullmatch(value)):
        return ""
    return (
        f"give one address such as ml-team@contoso.com, or nothing: '{_shown(value)}' is not allowed as "
        "alert_email (one e-mail address; a distribution list reaches several people; empty sends no e-mail)"
    )


def _retraining_schedule(value: str, answers: Mapping[str, Any], root: Path) -> str:
    if value in RETRAINING_SCHEDULES:
        return ""
    return (
        f"use weekly, daily, monthly or off: '{_shown(value)}' is not allowed as retraining_schedule (weekly runs "
        "on Mondays, monthly on the first day of the month; off retrains only when the prod monitor raises an alert)"
    )


FIELD_CHECKS: dict[str, Callable[[str, Mapping[str, Any], Path], str]] = {
    "project_name": _project_name,
    "project_template_github_url": _source_url,
    "project_template_ref": _source_ref,
    "github_org_name": _github_org_name,
    "location": _location,
    "namespace": _namespace,
    "postfix": _postfix,
    "alert_email": _alert_email,
    "retraining_schedule": _retraining_schedule,
    "ado_service_connection_dev": _service_connection("ado_service_connection_dev"),
    "ado_service_connection_prod": _service_connection("ado_service_connection_prod"),
    "remote_url": _remote_url,
    "cv_base_model": _cv_base_model,
    "nlp_base_model": _hub_model,
}


def checked_fields(template_root: Path) -> list[str]:
    """The fields that have a check, in the order the questionnaire asks them."""
    order = list(questionnaire(template_root))
    return sorted(FIELD_CHECKS, key=lambda field: order.index(field) if field in order else len(order))


def fields_before(field: str, template_root: Path) -> list[str]:
    """The checked fields asked before ``field``, in questionnaire order."""
    names = checked_fields(template_root)
    return names[: names.index(field)] if field in names else []


def earlier_problem(field: str, answers: Mapping[str, Any], template_root: Path) -> str:
    """The problem of the first field asked before ``field``, each judged on the answers known when it was asked."""
    names = fields_before(field, template_root)
    for index, earlier in enumerate(names):
        later = set(FIELD_CHECKS) - set(names[: index + 1])
        known = {key: value for key, value in answers.items() if key not in later}
        problem = field_problem(earlier, known, template_root)
        if problem:
            return problem
    return ""


def problem_before_axes(answers: Mapping[str, Any], template_root: Path) -> str:
    """The first problem among the questions asked before the four axes: the project and its source."""
    for field in ("project_name", "project_template_github_url", "project_template_ref"):
        problem = field_problem(field, answers, template_root)
        if problem:
            return problem
    return ""


def default_namespace(project_name: str, postfix: object = None) -> str:
    """``project_name`` without hyphens, at most 10 characters and short enough for the postfix."""
    postfix = str(postfix) if postfix and naming.POSTFIX_PATTERN.fullmatch(str(postfix)) else DEFAULT_POSTFIX
    return project_name.replace("-", "")[: max(2, min(10, naming.max_namespace_length(postfix)))]


def field_problem(field: str, answers: Mapping[str, Any], template_root: Path) -> str:
    """The problem with the answer to ``field`` ("" when there is none or the field has no check).

    An answer is checked, rendered and recorded exactly as given, so one with spaces at either end is
    refused rather than trimmed for the check and used untrimmed everywhere else.
    """
    check = FIELD_CHECKS.get(field)
    if check is None or field not in answers:
        return ""
    value = str(answers[field])
    if value != value.strip():
        return (
            f"remove the space at the start or end: '{_shown(value)}' is not allowed as {field} "
            "(answers are used exactly as given, in names, files and commands)"
        )
    return check(value, answers, template_root)


# -- which combinations the source can build -------------------------------------------------------
def combination_problem(source: TemplateSource, combination: Combination) -> str:
    """Why ``source`` cannot build ``combination`` ("" when it can)."""
    for part in source.parts_for(combination):
        if part.required and not source.tree.contains(part.source):
            return f"no {part.what}: {source.description} lacks {part.source}/"
    return ""


def choice_problem(source: TemplateSource, fixed: Mapping[str, str], axis: str, value: str) -> str:
    """Why choosing ``value`` for ``axis`` after the axes in ``fixed`` leads to no buildable project."""
    reasons = [combination_problem(source, combination) for combination in completions({**fixed, axis: value})]
    if not reasons:
        return "not a known choice"
    if all(reasons):  # the reason about the choice itself (cv's code), not about a later one (its CI)
        return next((reason for reason in reasons if value in reason.split(":", 1)[0]), reasons[0])
    return ""


def preferred_choice(source: TemplateSource, fixed: Mapping[str, str], axis: str) -> str:
    """The first choice of ``axis`` that still leads to a buildable project (the questionnaire's default)."""
    reasons = []
    for value in AXES[axis]:
        problem = choice_problem(source, fixed, axis, value)
        if not problem:
            return value
        reasons.append(problem)
    chosen = ", ".join(f"{key}={value}" for key, value in fixed.items())
    raise FactoryError(
        f"change an earlier answer or the template source: {source.description} cannot build any project"
        f"{' with ' + chosen if chosen else ''} ({reasons[0]})"
    )


def first_problem(answers: Mapping[str, Any], template_root: Path) -> str:
    """The first thing wrong with a complete set of answers, checked in questionnaire order."""
    for field in checked_fields(template_root):
        problem = field_problem(field, answers, template_root)
        if problem:
            return problem
    for axis, values in AXES.items():
        if answers.get(axis) not in values:
            return f"{axis} '{answers.get(axis)}' is not one of {', '.join(values)}"
    source = template_source(answers, template_root)
    combination = combination_of(answers)
    problem = combination_problem(source, combination)
    if problem:
        return f"{'/'.join(combination.values())} cannot be generated: {problem}"
    return ""


# -- values given with --data or --data-file, as given (before Copier casts them) --------------------
@dataclass(frozen=True)
class QuestionSpec:
    """What the factory needs to know of a question in copier.yml to check a value given for it."""

    type: str
    computed: bool  # `when: false`: derived from other answers, never asked nor given


@functools.cache
def questionnaire(template_root: Path) -> dict[str, QuestionSpec]:
    """The questions of ``template_root``'s copier.yml (every key not starting with ``_``), in order."""
    config = yaml.safe_load((template_root / "copier.yml").read_text(encoding="utf-8"))
    return {
        key: QuestionSpec(type=str(spec.get("type") or "str"), computed=spec.get("when") is False)
        for key, spec in config.items()
        if not key.startswith("_") and isinstance(spec, dict)
    }


def _shown(text: object, limit: int = 60) -> str:
    """``text`` short enough and on one line for a sentence (a data file may hold anything)."""
    shown = str(text).replace("\n", "\\n")
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def _read_as(value: object) -> str:
    """What YAML made of a value, in words, without printing a value of unbounded size."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"the number {value}" if abs(value) < 10**30 else "a number"
    if isinstance(value, float):
        return f"the number {value!r}"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return f"the date {value.isoformat()}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a value of type {type(value).__name__}"


def given_value_problem(key: str, value: object, spec: QuestionSpec) -> str:
    """Why ``value``, given for question ``key`` with --data or --data-file, would not be used as written."""
    if spec.type == "str" and not isinstance(value, str):
        return (
            f"{key} in the data file was read by YAML as {_read_as(value)}, not as text: put the value in quotes "
            f'(for example {key}: "...") so that it is used exactly as written'
        )
    if spec.type == "bool" and not isinstance(value, bool):
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return ""
        given = f"'{_shown(value)}'" if isinstance(value, str) else f"(read by YAML as {_read_as(value)})"
        return f"{key} {given} is not true or false: give true or false"
    if key in AXES and value not in AXES[key]:
        return f"{key} '{_shown(value)}' is not one of {', '.join(AXES[key])}"
    return ""


def given_data_problem(
    data: Mapping[Any, Any], questions: Mapping[str, QuestionSpec], user_defaults: Mapping[str, Any]
) -> str:
    """The first value given with --data or --data-file that the factory would not use as written.

    Keys starting with ``_`` are Copier's own (``copier update`` passes ``_src_path`` and ``_commit``).
    A key that is no question is ignored, as Copier does, unless it looks like a misspelt question that
    was not given otherwise (or comes from the user's Copier settings): its answer would be lost silently.
    """
    open_questions = [name for name, spec in questions.items() if name not in data and not spec.computed]
    for key, value in data.items():
        if not isinstance(key, str) or key.startswith("_"):
            continue
        spec = questions.get(key)
        if spec is None:
            if key in user_defaults:
                continue
            close = difflib.get_close_matches(key, open_questions, n=1, cutoff=0.8)
            if close:
                return (
                    f"'{_shown(key)}' is not a question of mlops-factory (did you mean {close[0]}?): correct the key "
                    "in --data or --data-file; docs/questions.md lists the questions"
                )
            continue
        if spec.computed:
            return f"{key} is computed from the other answers, never given: remove it from --data or --data-file"
        problem = given_value_problem(key, value, spec)
        if problem:
            return problem
    return ""


def given_fields_problem(data: Mapping[Any, Any], answers: Mapping[str, Any], template_root: Path) -> str:
    """The first problem of a checked field given with --data, judged on every answer known so far."""
    for field in checked_fields(template_root):
        if field in data:
            problem = field_problem(field, answers, template_root)
            if problem:
                return problem
    return ""
