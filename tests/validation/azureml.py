"""Azure ML CLI v2 YAML: load every spec under ``mlops/azureml`` with azure-ai-ml, validate it offline, cross-check it.

Each ``*.yml``/``*.yaml`` under ``mlops/azureml`` (recursively) is one Azure ML spec. Its kind comes from its
``$schema`` URL (``.../pipelineJob.schema.json``), else from its ``type:`` key; a file with neither is a finding.
The file is loaded with the matching ``azure.ai.ml.load_*`` function and validated with ``_validate()`` (or
``validate()``) where the entity has it: offline, no workspace, no credentials.

The SDK lets several mistakes through (checked with azure-ai-ml 1.35), so this module adds its own checks on
the raw YAML:

- ``${{parent.jobs.X.outputs.Y}}`` names a job X of the same pipeline and, when X's component is local
  (a file or inline), an output Y that component declares; the same for ``parent.jobs.X.inputs.Y``;
- ``${{parent.inputs.Z}}`` / ``${{parent.outputs.Z}}`` name an input / output the pipeline declares;
- a job of a pipeline passes no input (or output) its local component does not declare;
- ``${{inputs.X}}`` / ``${{outputs.Y}}`` in the ``command`` of a command job or an inline component name
  something the job declares;
- every local file reference exists, relative to the YAML file: ``code``, ``path`` (unless it is a URI such
  as ``azureml:``, ``https:``, ``wasbs:``, ``abfss:``), ``conda_file``, ``component``/``trial`` files,
  ``file:`` references, ``additional_includes``, ``scoring_script``/``entry_script`` (relative to their
  ``code``) and ``dockerfile_path`` (relative to the build context);
- components have no unknown keys (the SDK loads components with ``unknown=INCLUDE`` and drops typos);
- inline environments have an ``image`` or a ``build`` (the SDK checks that for environment files only);
- no mapping repeats a key (PyYAML keeps the last one silently).
"""

from __future__ import annotations

import difflib
import functools
import json
import re
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from . import Finding

VALIDATOR = "azureml"
AZUREML_DIR = Path("mlops") / "azureml"

# Kinds of Azure ML spec, each loaded by one azure-ai-ml function.
JOB = "job"
COMPONENT = "component"
ENVIRONMENT = "environment"
DATA = "data"
MODEL = "model"
ONLINE_ENDPOINT = "online endpoint"
ONLINE_DEPLOYMENT = "online deployment"
BATCH_ENDPOINT = "batch endpoint"
BATCH_DEPLOYMENT = "batch deployment"
MODEL_BATCH_DEPLOYMENT = "model batch deployment"
PIPELINE_COMPONENT_BATCH_DEPLOYMENT = "pipeline component batch deployment"
COMPUTE = "compute"
DATASTORE = "datastore"
SCHEDULE = "schedule"
WORKSPACE = "workspace"
REGISTRY = "registry"
CONNECTION = "connection"

LOADERS: dict[str, str] = {
    JOB: "load_job",
    COMPONENT: "load_component",
    ENVIRONMENT: "load_environment",
    DATA: "load_data",
    MODEL: "load_model",
    ONLINE_ENDPOINT: "load_online_endpoint",
    ONLINE_DEPLOYMENT: "load_online_deployment",
    BATCH_ENDPOINT: "load_batch_endpoint",
    BATCH_DEPLOYMENT: "load_batch_deployment",
    MODEL_BATCH_DEPLOYMENT: "load_model_batch_deployment",
    PIPELINE_COMPONENT_BATCH_DEPLOYMENT: "load_pipeline_component_batch_deployment",
    COMPUTE: "load_compute",
    DATASTORE: "load_datastore",
    SCHEDULE: "load_schedule",
    WORKSPACE: "load_workspace",
    REGISTRY: "load_registry",
    CONNECTION: "load_connection",
}

# $schema file names (lower case, without .schema.json) that name their kind exactly.
SCHEMA_NAMES: dict[str, str] = {
    "environment": ENVIRONMENT,
    "data": DATA,
    "model": MODEL,
    "batchendpoint": BATCH_ENDPOINT,
    "batchdeployment": BATCH_DEPLOYMENT,
    "modelbatchdeployment": MODEL_BATCH_DEPLOYMENT,
    "pipelinecomponentbatchdeployment": PIPELINE_COMPONENT_BATCH_DEPLOYMENT,
    "schedule": SCHEDULE,
    "monitorschedule": SCHEDULE,
    "workspace": WORKSPACE,
    "registry": REGISTRY,
    "amlcompute": COMPUTE,
    "computeinstance": COMPUTE,
    "kubernetescompute": COMPUTE,
    "vmcompute": COMPUTE,
    "azureblob": DATASTORE,
    "azurefile": DATASTORE,
    "azuredatalakegen1": DATASTORE,
    "azuredatalakegen2": DATASTORE,
    "onelake": DATASTORE,
}
# Suffixes of $schema file names (lower case), tried in order: commandJob, autoMLClassificationJob, ...
SCHEMA_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("onlineendpoint", ONLINE_ENDPOINT),
    ("onlinedeployment", ONLINE_DEPLOYMENT),
    ("job", JOB),
    ("component", COMPONENT),
    ("connection", CONNECTION),
)
# `type:` values that name their kind whatever else the file holds.
TYPE_KINDS: dict[str, str] = {
    "sweep": JOB,
    "automl": JOB,
    "uri_file": DATA,
    "uri_folder": DATA,
    "mltable": DATA,
    "custom_model": MODEL,
    "mlflow_model": MODEL,
    "triton_model": MODEL,
    "managed": ONLINE_DEPLOYMENT,
    "amlcompute": COMPUTE,
    "computeinstance": COMPUTE,
    "azure_blob": DATASTORE,
    "azure_file": DATASTORE,
    "azure_data_lake_gen1": DATASTORE,
    "azure_data_lake_gen2": DATASTORE,
}
# `type:` values shared by jobs and components (and, with endpoint_name, batch deployments).
JOB_OR_COMPONENT_TYPES = frozenset({"command", "pipeline", "parallel", "spark"})

# A reference with a scheme (azureml:, azureml://, https:, wasbs:, abfss:, git+https:, ...) is not a local path.
# Two letters at least, so a Windows drive letter still counts as local.
URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")
FILE_PREFIX = "file:"
PARENT_BINDING = re.compile(r"\$\{\{\s*parent\.([^}]*?)\s*\}\}")
OWN_PLACEHOLDER = re.compile(r"\$\{\{\s*(inputs|outputs)\.([^}.\s]+)[^}]*\}\}")
YAML_SUFFIXES = (".yml", ".yaml")
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")

PathKey = tuple[str, ...]


def validate_azureml(project: Path) -> list[Finding]:
    """Findings for every Azure ML CLI v2 YAML file under ``project/mlops/azureml`` (none: all fine).

    A project without such files (an SDK flavour) has nothing to validate here and gets no findings.
    """
    root = project / AZUREML_DIR
    files = sorted(path for path in root.rglob("*") if path.suffix in YAML_SUFFIXES and path.is_file())
    findings: list[Finding] = []
    for path in files:
        findings.extend(SpecFile(project, path).validate())
    return sorted(set(findings), key=finding_order)


def finding_order(finding: Finding) -> tuple[str, int, str, str]:
    """Sort key for findings: ``Finding``'s own ordering fails when one line is None and another is not."""
    return finding.path, finding.line or 0, finding.validator, finding.message


@functools.cache
def azure_ai_ml() -> ModuleType:
    """``azure.ai.ml``, imported once (it takes seconds) with its import-time warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import azure.ai.ml
        import azure.ai.ml.entities._load_functions  # noqa: F401  (loaders not exported at the top level)

    return azure.ai.ml


def sdk_loader(kind: str) -> Callable[..., Any]:
    """The azure-ai-ml function that loads a spec of ``kind``."""
    name = LOADERS[kind]
    module = azure_ai_ml()
    loader = getattr(module, name, None) or getattr(module.entities._load_functions, name)
    return loader


def kind_from_schema(url: str) -> str | None:
    """The kind a ``$schema`` URL names (``.../latest/pipelineJob.schema.json`` → job), None if unknown."""
    name = url.strip().rstrip("/").rsplit("/", 1)[-1].lower()
    name = re.sub(r"(\.schema)?\.json$", "", name)
    if name in SCHEMA_NAMES:
        return SCHEMA_NAMES[name]
    for suffix, kind in SCHEMA_SUFFIXES:
        if name.endswith(suffix):
            return kind
    return None


def kind_from_type(spec: Mapping[str, Any]) -> str | None:
    """The kind a spec without ``$schema`` has, guessed from its ``type:`` key (None when it cannot be told)."""
    spec_type = str(spec.get("type", "")).strip().lower()
    if spec_type in TYPE_KINDS:
        return TYPE_KINDS[spec_type]
    if spec_type == "model" and "endpoint_name" in spec:
        return MODEL_BATCH_DEPLOYMENT
    if spec_type == "pipeline" and "endpoint_name" in spec:
        return PIPELINE_COMPONENT_BATCH_DEPLOYMENT
    if spec_type == "kubernetes":
        return ONLINE_DEPLOYMENT if "endpoint_name" in spec else COMPUTE
    if spec_type in JOB_OR_COMPONENT_TYPES:
        # Components are versioned assets; jobs are not.
        return COMPONENT if "version" in spec or "is_deterministic" in spec else JOB
    return None


def local_reference(value: str) -> str | None:
    """The local path a reference names, or None for a URI, a binding or a registered asset."""
    value = value.strip()
    if not value or "${{" in value:
        return None
    if value.startswith(FILE_PREFIX):
        return value[len(FILE_PREFIX) :] or None
    if URI.match(value):
        return None
    return value


def component_file_reference(value: str) -> str | None:
    """The local file a ``component:``/``trial:`` string names (``file:x.yml`` or ``./x.yml``), else None."""
    value = value.strip()
    if value.startswith(FILE_PREFIX):
        return value[len(FILE_PREFIX) :] or None
    if URI.match(value) or not value.endswith(YAML_SUFFIXES):
        return None
    return value


class LineIndex:
    """Line numbers (1-based) of the keys and items of a YAML document, by path from the root."""

    def __init__(self, text: str) -> None:
        self.lines: dict[PathKey, int] = {}
        self.duplicates: list[tuple[PathKey, int]] = []
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is not None:
            self._walk(node, ())

    def _walk(self, node: yaml.Node, path: PathKey) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = path + (str(key_node.value),)
                if key in self.lines and key_node.value != "<<":
                    self.duplicates.append((key, key_node.start_mark.line + 1))
                else:
                    self.lines[key] = key_node.start_mark.line + 1
                self._walk(value_node, key)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                key = path + (str(index),)
                self.lines[key] = item.start_mark.line + 1
                self._walk(item, key)

    def line(self, path: Sequence[str | int]) -> int | None:
        """The line of ``path``, or of its longest prefix present in the file (None: not even the first key)."""
        key = tuple(str(part) for part in path)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return None

    def line_of_dotted(self, dotted: str | None) -> int | None:
        """The line of an SDK diagnostic path such as ``jobs.train.inputs.data``."""
        if not dotted:
            return None
        return self.line([part for part in re.split(r"[.\[\]]+", dotted) if part])


def _sdk_error_entries(text: str) -> list[tuple[str | None, str]]:
    """(path, message) pairs from an azure-ai-ml load error's text, which embeds a JSON report."""
    marker = text.find("failed:")
    start = text.find("{", marker) if marker >= 0 else -1
    if start < 0:
        return []
    try:
        report, _ = json.JSONDecoder().raw_decode(text[start:])
    except ValueError:
        return []
    if isinstance(report, dict) and isinstance(report.get("errors"), list):
        entries: list[tuple[str | None, str]] = []
        for error in report["errors"]:
            path = error.get("path")
            message = str(error.get("message", ""))
            nested = _sdk_error_entries(message)
            if nested:
                entries.extend((_join_dotted(path, inner), inner_message) for inner, inner_message in nested)
            else:
                entries.append((path, message))
        return entries
    return list(_flatten_marshmallow(report, None))


def _join_dotted(outer: str | None, inner: str | None) -> str | None:
    outer = None if outer in ("*", "_schema") else outer
    inner = None if inner in ("*", "_schema") else inner
    if outer and inner:
        return f"{outer}.{inner}"
    return outer or inner


def _flatten_marshmallow(errors: Any, path: str | None) -> Iterator[tuple[str | None, str]]:
    """Leaves of a marshmallow error dict; of a union field's alternatives only the first is kept."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            yield from _flatten_marshmallow(value, _join_dotted(path, str(key)))
    elif isinstance(errors, list):
        strings = [item for item in errors if isinstance(item, str)]
        if strings:
            yield path, "; ".join(strings)
        others = [item for item in errors if not isinstance(item, str)]
        if others:
            yield from _flatten_marshmallow(others[0], path)
    elif errors is not None:
        yield path, str(errors)


def _first_line(text: str) -> str:
    """The gist of an SDK message: its ``(x) ...`` detail lines if it has them, else its first line.

    azure-ai-ml formats some errors for a terminal (colours, "Details:", "(x) ..." lines, resolutions).
    """
    lines = [line.strip() for line in ANSI_ESCAPE.sub("", text).splitlines() if line.strip()]
    details = [line[3:].strip() for line in lines if line.startswith("(x)")]
    if details:
        return "; ".join(details)
    return lines[0] if lines else ""


def sdk_cause(error: BaseException) -> BaseException:
    """The error that explains ``error``: azure-ai-ml 1.35 raises NotImplementedError while it formats the
    schema errors of a schedule, and the real report is the exception it was handling."""
    if isinstance(error, NotImplementedError) and error.__context__ is not None:
        return error.__context__
    return error


def error_gist(error: BaseException) -> str:
    """``Type: gist`` of an exception, for a one-line finding."""
    text = str(error)
    entries = _sdk_error_entries(text)
    if entries:
        gist = "; ".join(f"{path + ': ' if path else ''}{_first_line(message)}" for path, message in entries)
    else:
        gist = _first_line(text)
    return f"{type(error).__name__}: {gist}" if gist else type(error).__name__


class SpecFile:
    """One YAML file under mlops/azureml and the findings about it."""

    def __init__(self, project: Path, path: Path, label: str | None = None) -> None:
        self.project = project
        self.path = path
        self.base = path.parent
        self.relative = label or path.relative_to(project).as_posix()
        self.findings: list[Finding] = []
        self.lines: LineIndex | None = None

    def finding(self, message: str, at: Sequence[str | int] | None = None, line: int | None = None) -> None:
        """Record a finding at ``line``, or at the line of the YAML path ``at``."""
        if line is None and at is not None and self.lines is not None:
            line = self.lines.line(at)
        self.findings.append(Finding(self.relative, line, VALIDATOR, message))

    def validate(self) -> list[Finding]:
        """Parse the file, tell its kind, load and validate it with the SDK, then run the own checks."""
        text = self.path.read_text(encoding="utf-8")
        try:
            self.lines = LineIndex(text)
            spec = yaml.safe_load(text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            self.finding(f"not valid YAML: {_first_line(str(error))}", line=mark.line + 1 if mark else None)
            return self.findings
        for key, line in self.lines.duplicates:
            self.finding(f"key '{'.'.join(key)}' appears twice (YAML keeps only the last one)", line=line)
        if not isinstance(spec, dict):
            self.finding("not an Azure ML spec: the file is not a YAML mapping", line=1)
            return self.findings
        kind = self._kind(spec)
        if kind is None:
            return self.findings
        self._load_with_sdk(kind)
        self._check_structure(kind, spec)
        return self.findings

    def _kind(self, spec: Mapping[str, Any]) -> str | None:
        schema = spec.get("$schema")
        if isinstance(schema, str) and schema.strip():
            kind = kind_from_schema(schema)
            if kind is None:
                self.finding(f"$schema {schema} names no Azure ML CLI v2 spec this validator knows", ["$schema"])
                return None
            if kind == BATCH_DEPLOYMENT:
                # The generic BatchDeployment rejects the keys of model/pipeline deployments (settings: ...).
                kind = {"model": MODEL_BATCH_DEPLOYMENT, "pipeline": PIPELINE_COMPONENT_BATCH_DEPLOYMENT}.get(
                    str(spec.get("type", "")).lower(), BATCH_DEPLOYMENT
                )
            return kind
        if "type" in spec:
            kind = kind_from_type(spec)
            if kind is None:
                self.finding(f"cannot tell the Azure ML kind of type '{spec['type']}': add a $schema", ["type"])
            return kind
        self.finding("cannot tell what Azure ML spec this is: it has neither $schema nor type", line=1)
        return None

    # --- the SDK ----------------------------------------------------------------------------------------------

    def _load_with_sdk(self, kind: str) -> None:
        loader = sdk_loader(kind)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                entity = loader(self.path)
            except Exception as error:  # the SDK raises many exception types; each one is a finding
                self._sdk_exception(f"azure.ai.ml.{loader.__name__}", sdk_cause(error))
                return
            validate = getattr(entity, "_validate", None)
            try:
                if kind == SCHEDULE and type(entity).__name__ == "MonitorSchedule":
                    # azure-ai-ml 1.35 has no _validate() for monitors (NotImplementedError); turning one into
                    # its REST form checks what the SDK checks before sending it (compute, signals, thresholds).
                    entity._to_rest_object()
                elif validate is not None:
                    result = validate()
                    if result is not None and hasattr(result, "_to_dict"):
                        self._validation_result(result._to_dict())
                elif callable(getattr(entity, "validate", None)):
                    entity.validate()  # Environment: name and image/build; raises on the first problem
            except Exception as error:
                self._sdk_exception(f"{type(entity).__name__} validation", sdk_cause(error))

    def _validation_result(self, result: Mapping[str, Any]) -> None:
        for severity in ("errors", "warnings"):
            for diagnostic in result.get(severity, []):
                path = diagnostic.get("path")
                prefix = "" if severity == "errors" else "warning: "
                where = f"{path}: " if path else ""
                message = f"{prefix}{where}{diagnostic.get('message')}"
                line = self.lines.line_of_dotted(path) if self.lines else None
                self.finding(message, line=line)

    def _sdk_exception(self, where: str, error: Exception) -> None:
        text = str(error)
        entries = _sdk_error_entries(text)
        if not entries:
            self.finding(f"{where} failed: {error_gist(error)}")
            return
        for path, message in entries:
            line = self.lines.line_of_dotted(path) if self.lines else None
            self.finding(f"{where} failed: {path + ': ' if path else ''}{_first_line(message)}", line=line)

    # --- own checks ---------------------------------------------------------------------------------------------

    def _check_structure(self, kind: str, spec: Mapping[str, Any]) -> None:
        self._check_file_references(spec, (), self.base, in_outputs=False)
        self._check_inline_environments(spec, ())
        spec_type = str(spec.get("type", "")).lower()
        if kind == COMPONENT:
            self._check_component_keys(spec, ())
        if spec_type == "pipeline" and kind in (JOB, COMPONENT):
            self._check_pipeline(spec, ())
        elif kind == JOB and spec_type in ("", "command"):
            self._check_own_placeholders(spec, ())

    def check_pipeline_bindings(self, spec: Mapping[str, Any]) -> None:
        """Only the pipeline checks (bindings, jobs against their components), for a pipeline made elsewhere."""
        self._check_pipeline(spec, ())

    def _check_file_references(self, data: Any, at: PathKey, base: Path, in_outputs: bool) -> None:
        """Every local file reference in ``data`` exists (outputs' paths are destinations, not checked)."""
        if isinstance(data, list):
            for index, item in enumerate(data):
                self._check_file_references(item, at + (str(index),), base, in_outputs)
            return
        if not isinstance(data, dict):
            return
        for key, value in data.items():
            here = at + (str(key),)
            if isinstance(value, str):
                reference: str | None = None
                if key in ("component", "trial"):
                    reference = component_file_reference(value)
                elif (
                    key in ("code", "conda_file") or (key == "path" and not in_outputs) or value.startswith(FILE_PREFIX)
                ):
                    reference = local_reference(value)
                if reference is not None:
                    self._require_exists(base, reference, f"{key}: {value}", here)
            elif key == "additional_includes" and isinstance(value, list):
                for index, item in enumerate(value):
                    reference = local_reference(item) if isinstance(item, str) else None
                    if reference is not None:
                        self._require_exists(base, reference, f"additional_includes: {item}", here + (str(index),))
            self._check_file_references(value, here, base, in_outputs or key == "outputs")
        code = data.get("code")
        code_path = local_reference(code) if isinstance(code, str) else None
        if code_path is not None and (base / code_path).is_dir():
            for key in ("scoring_script", "entry_script"):
                script = data.get(key)
                if isinstance(script, str) and local_reference(script) is not None:
                    self._require_exists(base / code_path, script, f"{key}: {script} (relative to code)", at + (key,))
        context = data.get("path")
        context_path = local_reference(context) if isinstance(context, str) else None
        dockerfile = data.get("dockerfile_path")
        if context_path is not None and isinstance(dockerfile, str) and (base / context_path).is_dir():
            self._require_exists(
                base / context_path, dockerfile, f"dockerfile_path: {dockerfile} (relative to path)", at + ("path",)
            )

    def _require_exists(self, base: Path, reference: str, what: str, at: PathKey) -> None:
        target = base / reference
        if not target.exists():
            shown = target.resolve()
            try:
                shown_text = shown.relative_to(self.project.resolve()).as_posix()
            except ValueError:
                shown_text = str(shown)
            self.finding(f"{what}: no such file or directory ({shown_text})", at)

    def _check_inline_environments(self, data: Any, at: PathKey) -> None:
        """An environment written inline (a mapping under ``environment:``) needs an image or a build."""
        if isinstance(data, list):
            for index, item in enumerate(data):
                self._check_inline_environments(item, at + (str(index),))
        elif isinstance(data, dict):
            for key, value in data.items():
                here = at + (str(key),)
                if key == "environment" and isinstance(value, dict) and not (value.get("image") or value.get("build")):
                    self.finding("inline environment has neither image nor build", here)
                self._check_inline_environments(value, here)

    def _check_component_keys(self, component: Mapping[str, Any], at: PathKey) -> None:
        """Keys a component schema does not know: azure-ai-ml loads components with unknown=INCLUDE."""
        allowed = component_keys(str(component.get("type", "command")).lower())
        if allowed is None:
            return
        for key in component:
            if str(key) not in allowed:
                close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                self.finding(
                    f"unknown key '{key}' in {component.get('type', 'command')} component{hint}; "
                    "azure-ai-ml drops it without a word",
                    at + (str(key),),
                )

    def _check_own_placeholders(self, job: Mapping[str, Any], at: PathKey) -> None:
        """``${{inputs.X}}``/``${{outputs.Y}}`` in a command name inputs/outputs the job declares."""
        command = job.get("command")
        if not isinstance(command, str):
            return
        declared = {"inputs": _names(job.get("inputs")), "outputs": _names(job.get("outputs"))}
        for match in OWN_PLACEHOLDER.finditer(command):
            side, name = match.group(1), match.group(2)
            if name not in declared[side]:
                self.finding(
                    f"command uses ${{{{{side}.{name}}}}}, but the job declares no {side[:-1]} '{name}'",
                    at + ("command",),
                )

    def _check_pipeline(self, pipeline: Mapping[str, Any], at: PathKey) -> None:
        """Bindings between a pipeline and its jobs, and the jobs' inputs against their local components."""
        jobs = pipeline.get("jobs")
        if not isinstance(jobs, dict):
            return
        pipeline_inputs = _names(pipeline.get("inputs"))
        pipeline_outputs = _names(pipeline.get("outputs"))
        interfaces: dict[str, tuple[set[str], set[str]] | None] = {}
        for name, job in jobs.items():
            interfaces[str(name)] = (
                self._job_interface(job, at + ("jobs", str(name))) if isinstance(job, dict) else None
            )
        for name, job in jobs.items():
            if not isinstance(job, dict):
                continue
            here = at + ("jobs", str(name))
            component = job.get("component", job.get("trial"))
            for binding, where in _strings(job, here, skip=("component", "trial")):
                for match in PARENT_BINDING.finditer(binding):
                    self._check_binding(
                        match.group(0), match.group(1), jobs, interfaces, pipeline_inputs, pipeline_outputs, where
                    )
            interface = interfaces[str(name)]
            if interface is not None and component is not None:
                for side, declared in zip(("inputs", "outputs"), interface, strict=True):
                    for key in _names(job.get(side)):
                        if key not in declared:
                            shown = ", ".join(sorted(declared)) or "none"
                            self.finding(
                                f"job '{name}' passes {side[:-1]} '{key}', which its component does not declare "
                                f"(declared {side}: {shown})",
                                here + (side, key),
                            )
            if component is None and str(job.get("type", "command")).lower() == "command":
                self._check_own_placeholders(job, here)
            if isinstance(component, dict):
                self._check_component_keys(component, here + ("component",))
                if str(component.get("type", "")).lower() == "command":
                    self._check_own_placeholders(component, here + ("component",))
                if str(component.get("type", "")).lower() == "pipeline":
                    self._check_pipeline(component, here + ("component",))

    def _job_interface(self, job: Mapping[str, Any], at: PathKey) -> tuple[set[str], set[str]] | None:
        """(inputs, outputs) a pipeline job's component declares; None when it lives in a workspace/registry."""
        component = job.get("component", job.get("trial"))
        if component is None:
            # An inline command/parallel job declares its own interface.
            return _names(job.get("inputs")), _names(job.get("outputs"))
        if isinstance(component, dict):
            return _names(component.get("inputs")), _names(component.get("outputs"))
        if not isinstance(component, str):
            return None
        reference = component_file_reference(component)
        if reference is None or not (self.base / reference).is_file():
            return None  # remote, or missing (reported as a file reference)
        try:
            loaded = yaml.safe_load((self.base / reference).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            self.finding(f"component {component} cannot be read: {_first_line(str(error))}", at + ("component",))
            return None
        if not isinstance(loaded, dict):
            return None
        return _names(loaded.get("inputs")), _names(loaded.get("outputs"))

    def _check_binding(
        self,
        binding: str,
        expression: str,
        jobs: Mapping[str, Any],
        interfaces: Mapping[str, tuple[set[str], set[str]] | None],
        pipeline_inputs: set[str],
        pipeline_outputs: set[str],
        at: PathKey,
    ) -> None:
        parts = expression.split(".")
        if len(parts) >= 4 and parts[0] == "jobs" and parts[2] in ("inputs", "outputs"):
            job, side, port = parts[1], parts[2], parts[3]
            if job not in jobs:
                known = ", ".join(sorted(map(str, jobs))) or "none"
                self.finding(f"{binding} names job '{job}', which this pipeline does not have (jobs: {known})", at)
                return
            interface = interfaces.get(job)
            declared = interface[0 if side == "inputs" else 1] if interface is not None else None
            if declared is not None and port not in declared:
                shown = ", ".join(sorted(declared)) or "none"
                self.finding(f"{binding}: job '{job}' declares no {side[:-1]} '{port}' ({side}: {shown})", at)
        elif len(parts) >= 2 and parts[0] in ("inputs", "outputs"):
            declared = pipeline_inputs if parts[0] == "inputs" else pipeline_outputs
            if parts[1] not in declared:
                shown = ", ".join(sorted(declared)) or "none"
                self.finding(
                    f"{binding} names pipeline {parts[0][:-1]} '{parts[1]}', which the pipeline does not "
                    f"declare ({parts[0]}: {shown})",
                    at,
                )
        else:
            self.finding(f"{binding} is not a binding Azure ML understands", at)


@functools.cache
def component_keys(component_type: str) -> frozenset[str] | None:
    """The keys azure-ai-ml's schema knows for a component of ``component_type`` (None: not checked)."""
    ml = azure_ai_ml()
    classes = {
        "command": "CommandComponent",
        "pipeline": "PipelineComponent",
        "parallel": "ParallelComponent",
        "spark": "SparkComponent",
    }
    if component_type not in classes:
        return None
    try:
        from azure.ai.ml.constants._common import BASE_PATH_CONTEXT_KEY

        component_class = getattr(ml.entities, classes[component_type])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            schema = component_class._create_schema_for_validation(context={BASE_PATH_CONTEXT_KEY: Path.cwd()})
    except (ImportError, AttributeError):  # an SDK whose internals moved: skip the check rather than guess
        return None
    return frozenset(field.data_key or name for name, field in schema.fields.items())


def _names(ports: Any) -> set[str]:
    return {str(name) for name in ports} if isinstance(ports, dict) else set()


def _strings(data: Any, at: PathKey, skip: Sequence[str] = ()) -> Iterator[tuple[str, PathKey]]:
    """Every string in ``data`` with its path, not descending into the top-level keys in ``skip``."""
    if isinstance(data, str):
        yield data, at
    elif isinstance(data, dict):
        for key, value in data.items():
            if key in skip and isinstance(value, dict):
                continue
            yield from _strings(value, at + (str(key),))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from _strings(item, at + (str(index),))
