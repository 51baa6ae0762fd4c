"""The CI jobs of a rendered project that talk to Azure, read from its GitHub workflows or Azure DevOps
pipelines: when each runs (reachable from a pull request or not), in which deployment environment, which
identity it signs in with, which environment's resources it works on, and the shell it runs.

GitHub (docs.github.com/actions): a job with `environment:` gets the OIDC subject
`repo:<owner>/<repo>:environment:<name>`, a pull-request job without one `repo:<owner>/<repo>:pull_request`;
variables of the environment override repository variables of the same name. Reusable workflows
(`uses: ./.github/workflows/x.yml`) run in the caller's event with the caller's inputs.

Azure DevOps (learn.microsoft.com/azure/devops/pipelines): the identity is the service connection of the
AzureCLI@2 step; `pr:` triggers are ignored for Azure Repos, so a pipeline runs on pull requests when a
build-validation policy names it (bootstrap creates one for each pipeline with a `pr:` trigger); a stage
whose condition requires Build.Reason PullRequest runs only then, one that excludes it never does, and a
stage that depends on a stage skipped on pull requests is skipped with it.
"""

from __future__ import annotations

import copy
import functools
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.cache
def _parsed(path: Path, modified: float) -> Any:
    return yaml.load(path.read_text(), Loader=LOADER)  # noqa: S506 (a safe loader)


def load(path: Path) -> Any:
    """A YAML file, parsed once per version of it (templates are included many times)."""
    return copy.deepcopy(_parsed(path, path.stat().st_mtime))


EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")
MACRO = re.compile(r"\$\(([\w.]+)\)")
FOLDER = "__folder__"


@dataclass(frozen=True)
class Job:
    """A job of the CI that signs in to Azure."""

    file: str
    name: str
    pull_request: bool  # reachable from a pull request
    environment: str | None  # GitHub environment or Azure DevOps deployment environment
    login: str  # GitHub: the client-id expression (vars.X); Azure DevOps: the service connection's name
    target: str  # dev or prod: the config-infra file the job's commands work on
    commands: str  # the shell the job runs after signing in
    variables: tuple[tuple[str, str], ...] = ()  # what the job's environment variables say (for the scripts)
    # Terraform signs in on its own (ARM_CLIENT_ID). "repository:" in front: the variable is read in the
    # workflow-level env, where the model assumes only repository variables are seen (environment variables
    # override repository ones for the job; whether that reaches the workflow's env is not documented).
    terraform_login: str = ""

    @property
    def label(self) -> str:
        return f"{self.file}::{self.name}"


# ── GitHub Actions ───────────────────────────────────────────────────────────────────────────────
def _triggers(workflow: dict) -> dict:
    on = workflow.get("on", workflow.get(True)) or {}
    if isinstance(on, str):
        return {on: {}}
    if isinstance(on, list):
        return {name: {} for name in on}
    return on


def _substitute(text: Any, values: dict[str, Any]) -> Any:
    """Replace ${{ inputs.x }}, ${{ matrix.x }}, ${{ env.x }} (and `a || b`) where `values` knows them."""
    if isinstance(text, dict):
        return {key: _substitute(value, values) for key, value in text.items()}
    if isinstance(text, list):
        return [_substitute(item, values) for item in text]
    if not isinstance(text, str):
        return text

    def replace(match: re.Match[str]) -> str:
        for alternative in match.group(1).split("||"):
            alternative = alternative.strip()
            if alternative in values and values[alternative] not in (None, ""):
                return str(values[alternative])
            if alternative.startswith("'") and alternative.endswith("'"):
                return alternative.strip("'")
        return match.group(0)

    return EXPRESSION.sub(replace, text)


def _pull_request_condition(condition: str | None, reachable: bool) -> bool:
    condition = condition or ""
    if re.search(r"github\.event_name\s*!=\s*'pull_request'", condition) or "refs/heads/main" in condition:
        return False
    if re.search(r"github\.event_name\s*==\s*'pull_request'", condition):
        return reachable
    return reachable


def github_jobs(project: Path) -> list[Job]:
    """Every job of .github/workflows that signs in to Azure, once per environment it can run in."""
    folder = project / ".github" / "workflows"
    workflows = {path.name: load(path) for path in sorted(folder.glob("*.yml"))}
    jobs: list[Job] = []

    def expand(
        name: str, inputs: dict[str, Any], pull_request: bool, inherited_if: str, chain: tuple[str, ...]
    ) -> None:
        workflow = workflows[name]
        workflow_env = workflow.get("env") or {}
        on_pull_requests: dict[str, bool] = {}
        for job_id, job in (workflow.get("jobs") or {}).items():
            needs = job.get("needs") or []
            needs = [needs] if isinstance(needs, str) else needs
            reachable = (
                _pull_request_condition(job.get("if"), pull_request)
                and _pull_request_condition(inherited_if, True)
                and all(on_pull_requests.get(need, True) for need in needs)  # a skipped need skips the job
            )
            on_pull_requests[job_id] = reachable
            if "uses" in job:
                callee = job["uses"].rsplit("/", 1)[-1]
                called_with = _substitute(job.get("with") or {}, {f"inputs.{k}": v for k, v in inputs.items()})
                expand(callee, called_with, reachable, job.get("if") or "", (*chain, f"{name}::{job_id}"))
                continue
            matrix = ((job.get("strategy") or {}).get("matrix") or {}).get("include") or [{}]
            for entry in matrix:
                values = {f"inputs.{k}": v for k, v in inputs.items()} | {f"matrix.{k}": v for k, v in entry.items()}
                expanded = _substitute(job, values)
                environment = expanded.get("environment")
                if isinstance(environment, dict):
                    environment = environment.get("name")
                env = {**workflow_env, **(expanded.get("env") or {})}
                login = _login(expanded, env)
                if login is None:
                    continue
                values |= {f"env.{k}": v for k, v in env.items()}
                commands = "\n".join(
                    _substitute(step.get("run", ""), values) for step in expanded.get("steps") or [] if "run" in step
                )
                target = env.get("ENVIRONMENT") or environment or _target_from(commands) or "dev"
                terraform_login = ""
                if "terraform" in commands and "ARM_CLIENT_ID" in env:
                    job_level = "ARM_CLIENT_ID" in (expanded.get("env") or {})
                    terraform_login = ("" if job_level else "repository:") + _variable(env["ARM_CLIENT_ID"])
                variant = entry.get("environment") or (environment if "inputs.environment" in str(job) else None)
                label = job_id + (f"[{variant}]" if variant else "")
                jobs.append(
                    Job(
                        " > ".join((*chain, name)),
                        label,
                        reachable,
                        environment,
                        login,
                        str(target),
                        commands,
                        tuple(sorted((str(k), str(v)) for k, v in env.items())),
                        terraform_login,
                    )
                )

    for name, workflow in workflows.items():
        triggers = _triggers(workflow)
        if set(triggers) == {"workflow_call"}:
            continue
        dispatch_inputs = ((triggers.get("workflow_dispatch") or {}).get("inputs")) or {}
        choices = [
            [(key, option) for option in spec.get("options")]
            if spec.get("type") == "choice"
            else [(key, True if spec.get("type") == "boolean" else spec.get("default"))]
            for key, spec in dispatch_inputs.items()
        ]
        variants = [dict(combination) for combination in itertools.product(*choices)] if choices else [{}]
        if "workflow_dispatch" not in triggers:
            variants = [{}]
        for variant in variants:
            expand(name, variant, "pull_request" in triggers or "pull_request_target" in triggers, "", ())
    return jobs


def _login(job: dict, env: dict) -> str | None:
    """The client-id expression a job signs in with (azure/login or the project's azure-ml-setup action)."""
    for step in job.get("steps") or []:
        uses = step.get("uses", "")
        if uses.startswith("azure/login@") or uses.endswith("/azure-ml-setup"):
            return _variable((step.get("with") or {}).get("client-id", ""))
    if "ARM_CLIENT_ID" in env and any("terraform" in (step.get("run") or "") for step in job.get("steps") or []):
        return _variable(env["ARM_CLIENT_ID"])
    return None


def _variable(expression: str) -> str:
    """The variable(s) an expression reads: `vars.A`, or `vars.A || vars.B` (the first that is set wins)."""
    match = EXPRESSION.search(str(expression))
    if not match:
        return str(expression)
    parts = [part.strip() for part in match.group(1).split("||")]
    variables = [part for part in parts if part.startswith("vars.")]
    return " || ".join(variables) if variables else parts[0]


def _target_from(commands: str) -> str | None:
    found = re.search(r"\b(dev|prod)\b", commands)
    return found.group(1) if found else None


# ── Azure DevOps ─────────────────────────────────────────────────────────────────────────────────
def _parameters(template: dict, given: dict[str, Any]) -> dict[str, Any]:
    values = {}
    for spec in template.get("parameters") or []:
        values[spec["name"]] = given.get(spec["name"], spec.get("default"))
    return values | {key: value for key, value in given.items() if key not in values}


BRANCH = re.compile(r"\$\{\{\s*(if|elseif|else)\b\s*(.*?)\s*\}\}")
COMPARISON = re.compile(r"(eq|ne)\(\s*parameters\.(\w+)\s*,\s*'?([^')]*?)'?\s*\)")


def _condition(expression: str, parameters: dict[str, Any]) -> bool | None:
    """What a template condition evaluates to, for the forms the pipelines use: `eq(parameters.x, value)`,
    `ne(...)` and `parameters.x`; None when the model cannot tell."""
    expression = expression.strip()
    comparison = COMPARISON.fullmatch(expression)
    if comparison and comparison.group(2) in parameters:
        equal = str(parameters[comparison.group(2)]).lower() == comparison.group(3).strip().lower()
        return equal if comparison.group(1) == "eq" else not equal
    plain = re.fullmatch(r"parameters\.(\w+)", expression)
    if plain and plain.group(1) in parameters:
        return str(parameters[plain.group(1)]).lower() not in ("false", "", "none", "0")
    return None


class _Branches:
    """Which branches of `${{ if }}` / `${{ elseif }}` / `${{ else }}` run, as Azure DevOps expands templates at
    compile time. A condition the model cannot evaluate keeps its content: the model errs on the side of
    running it."""

    def __init__(self, parameters: dict[str, Any]) -> None:
        self.parameters = parameters
        self.taken: bool | None = None  # of the current chain: a branch ran (True), none (False), unknown (None)

    def keeps(self, key: str) -> bool | None:
        """Whether the branch `key` runs; None when `key` is no branch (and ends the chain)."""
        match = BRANCH.fullmatch(str(key).strip())
        if not match:
            self.taken = None
            return None
        kind, expression = match.groups()
        if kind == "if":
            self.taken = None
        if kind != "if" and self.taken is True:
            return False
        value = True if kind == "else" else _condition(expression, self.parameters)
        self.taken = True if value else (None if value is None or self.taken is None else False)
        return value is not False


def _instantiate(node: Any, parameters: dict[str, Any]) -> Any:
    """Template expressions: ${{ parameters.x }}, `${{ each v in parameters.p }}` over a mapping, and the branches
    `${{ if }}`, `${{ elseif }}`, `${{ else }}` (see _Branches)."""
    if isinstance(node, str):
        whole = EXPRESSION.fullmatch(node.strip())
        if whole and whole.group(1).startswith("parameters."):
            return parameters.get(whole.group(1).split(".", 1)[1], node)
        return EXPRESSION.sub(
            lambda m: str(parameters.get(m.group(1).split(".", 1)[1], m.group(0)))
            if m.group(1).startswith("parameters.")
            else m.group(0),
            node,
        )
    if isinstance(node, list):
        result = []
        branches = _Branches(parameters)
        for item in node:
            keeps = branches.keeps(next(iter(item))) if isinstance(item, dict) and len(item) == 1 else None
            if keeps is None:
                result.append(_instantiate(item, parameters))
            elif keeps:
                result += _instantiate(next(iter(item.values())), parameters)
        return result
    if isinstance(node, dict):
        result: dict[str, Any] = {}
        branches = _Branches(parameters)
        for key, value in node.items():
            each = re.fullmatch(r"\$\{\{\s*each (\w+) in parameters\.(\w+)\s*\}\}", str(key))
            keeps = branches.keeps(key)
            if each:
                for item_key, item_value in (parameters.get(each.group(2)) or {}).items():
                    result[item_key] = item_value
            elif keeps is not None:
                if keeps:
                    result.update(_instantiate(value, parameters))
            else:
                result[_instantiate(key, parameters)] = _instantiate(value, parameters)
        return result
    return node


def _expand_templates(items: list, folder: Path, parameters: dict[str, Any]) -> list:
    """A list of stages, jobs or steps with `- template:` entries replaced by the template's items."""
    expanded = []
    for item in _instantiate(items or [], parameters):
        if isinstance(item, dict) and "template" in item:
            path = folder / item["template"]
            template = load(path)
            values = _parameters(template, item.get("parameters") or {})
            key = next(key for key in ("stages", "jobs", "steps") if key in template)
            expanded += _expand_templates(template[key], path.parent, values)
        elif isinstance(item, dict):
            expanded.append({FOLDER: folder, **item})  # nested templates are relative to this file
        else:
            expanded.append(item)
    return expanded


def _variables(pipeline: dict, folder: Path) -> dict[str, str]:
    values = {}
    for entry in pipeline.get("variables") or []:
        if "template" in entry:
            for variable in load(folder / entry["template"]).get("variables") or []:
                values[variable["name"]] = str(variable["value"])
        elif "name" in entry:
            values[entry["name"]] = str(entry["value"])
    return values


def _macros(text: str, variables: dict[str, str]) -> str:
    return MACRO.sub(lambda m: variables.get(m.group(1), m.group(0)), text)


def _stage_on_pull_requests(stage: dict, validated: bool, reachable: dict[str, bool]) -> bool:
    condition = str(stage.get("condition") or "")
    if "ne(variables['Build.Reason'], 'PullRequest')" in condition:
        return False
    if "eq(variables['Build.Reason'], 'PullRequest')" in condition:
        return validated
    depends = stage.get("dependsOn")
    depends = [depends] if isinstance(depends, str) else depends
    if depends:
        return validated and all(reachable.get(name, True) for name in depends)
    return validated


def devops_jobs(project: Path, validated_pipelines: set[str]) -> list[Job]:
    """Every job of the Azure DevOps pipelines with an AzureCLI@2 step, once per runtime parameter value.
    `validated_pipelines`: the pipelines (file stems) that a build-validation policy runs on pull requests."""
    jobs: list[Job] = []
    folders = [project / "infrastructure" / "pipelines", project / "mlops" / "devops-pipelines"]
    for path in [path for folder in folders for path in sorted(folder.glob("*.yml"))]:
        pipeline = load(path)
        if not isinstance(pipeline, dict) or "trigger" not in pipeline:
            continue
        variables = _variables(pipeline, path.parent)
        choices = [
            [(spec["name"], value) for value in spec.get("values")]
            if spec.get("values")
            else [(spec["name"], True if spec.get("type") == "boolean" else spec.get("default"))]
            for spec in pipeline.get("parameters") or []
        ]
        for variant in (dict(combination) for combination in itertools.product(*choices)) if choices else [{}]:
            stages = pipeline.get("stages") or [{"stage": "default", "jobs": pipeline.get("jobs") or []}]
            stages = _expand_templates(stages, path.parent, variant)
            reachable: dict[str, bool] = {}
            for stage in stages:
                on_pr = _stage_on_pull_requests(stage, path.stem in validated_pipelines, reachable)
                reachable[stage.get("stage", "")] = on_pr
                for job in _expand_templates(stage.get("jobs") or [], stage.get(FOLDER, path.parent), variant):
                    jobs += _devops_job(project, path, stage, job, on_pr, variables, variant)
    return jobs


def _devops_job(
    project: Path, path: Path, stage: dict, job: dict, on_pr: bool, variables: dict[str, str], variant: dict
) -> list[Job]:
    steps = job.get("steps") or ((job.get("strategy") or {}).get("runOnce") or {}).get("deploy", {}).get("steps")
    steps = _expand_templates(steps or [], job.get(FOLDER, path.parent), variant)
    found = []
    for step in steps:
        if not str(step.get("task", "")).startswith("AzureCLI@"):
            continue
        inputs = step.get("inputs") or {}
        env = {key: _macros(str(value), variables) for key, value in (step.get("env") or {}).items()}
        connection = _macros(str(inputs.get("azureSubscription", "")), variables)
        environment = job.get("environment")
        target = env.get("ENVIRONMENT") or environment or "dev"
        name = job.get("job") or job.get("deployment") or "job"
        suffix = "".join(f"[{key}={value}]" for key, value in sorted(variant.items()) if key == "environment")
        found.append(
            Job(
                path.relative_to(project).as_posix(),
                f"{stage.get('stage', '')}.{name}{suffix}",
                on_pr,
                environment,
                connection,
                str(target),
                _macros(str(inputs.get("inlineScript", "")), variables),
                tuple(sorted(env.items())),
            )
        )
    return found


@dataclass
class Workflows:
    """The jobs of a project's CI, with the orchestrator they belong to."""

    orchestrator: str
    jobs: list[Job] = field(default_factory=list)


def ci_jobs(project: Path, orchestrator: str, validated_pipelines: set[str] | None = None) -> Workflows:
    if orchestrator == "github-actions":
        return Workflows(orchestrator, github_jobs(project))
    return Workflows(orchestrator, devops_jobs(project, validated_pipelines or set()))
