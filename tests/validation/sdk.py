"""Azure ML Python SDK scripts under ``mlops/azureml``: build SDK v2 pipelines offline, import SDK v1 code.

SDK v2 (azure-ai-ml) convention for generated projects: ``mlops/azureml/train/pipeline.py`` defines

- ``build_pipeline(**overrides) -> azure.ai.ml.entities.PipelineJob``, which builds the training pipeline with
  ``@dsl.pipeline``/``command()`` without touching a workspace (the overrides are keyword arguments with
  defaults, so ``build_pipeline()`` builds the default pipeline), and
- ``main(argv)``, the command line that submits it (``python pipeline.py --help`` works without Azure).

``validate_sdk_v2`` imports every such file by path, calls ``build_pipeline()``, runs ``_validate()`` on the job,
dumps it to YAML and loads the dump back with ``load_job()``, then checks the dumped pipeline's bindings like
the CLI v2 validator does. Every ``*.py`` under ``mlops/azureml`` with a ``main(`` must answer ``--help``.

SDK v1 (azureml-core) code is byte-compiled, then imported in a child interpreter together with every
``azureml.*``/``azure.*`` import it makes (also those inside functions, which a plain import does not reach).
The child is ``$MLOPS_FACTORY_SDK_V1_PYTHON`` when set, else this interpreter: azureml-core 1.61 installs into
the same environment as azure-ai-ml (pip check clean), so a separate one is optional.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import inspect
import io
import json
import os
import subprocess
import sys
import tempfile
import traceback
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any

import yaml

from . import Finding
from .azureml import (
    AZUREML_DIR,
    BATCH_ENDPOINT,
    MODEL_BATCH_DEPLOYMENT,
    ONLINE_DEPLOYMENT,
    ONLINE_ENDPOINT,
    SpecFile,
    azure_ai_ml,
    error_gist,
    finding_order,
    local_reference,
    sdk_loader,
)

VALIDATOR_V2 = "sdk-v2"
VALIDATOR_V1 = "sdk-v1"
SDK_V1_PYTHON = "MLOPS_FACTORY_SDK_V1_PYTHON"
TRAIN_PIPELINE = AZUREML_DIR / "train" / "pipeline.py"
CONVENTION = "build_pipeline(**overrides) -> azure.ai.ml.entities.PipelineJob, every parameter with a default"
# Imports whose resolution is checked: the Azure ML SDKs and their Azure siblings (azure.identity, ...).
CHECKED_IMPORT_ROOTS = ("azureml", "azure")
HELP_TIMEOUT = 120
IMPORT_TIMEOUT = 300
RESULT_MARKER = "MLOPS_FACTORY_SDK_V1_RESULT:"
FACTORY_ROOT = Path(__file__).resolve().parents[2]


def python_files(project: Path) -> list[Path]:
    """The Python files under ``project/mlops/azureml``, sorted."""
    root = project / AZUREML_DIR
    return sorted(path for path in root.rglob("*.py") if "__pycache__" not in path.parts and path.is_file())


def validate_sdk_v2(project: Path) -> list[Finding]:
    """Findings for the SDK v2 scripts of ``project`` (none: the pipeline builds, validates and round-trips)."""
    findings: list[Finding] = []
    if not (project / TRAIN_PIPELINE).is_file():
        findings.append(
            Finding(
                TRAIN_PIPELINE.as_posix(),
                None,
                VALIDATOR_V2,
                f"missing: SDK v2 projects build their training pipeline in this file with {CONVENTION}",
            )
        )
    for path in python_files(project):
        relative = path.relative_to(project).as_posix()
        tree = _parse(path, relative, VALIDATOR_V2, findings)
        if tree is None:
            continue
        functions = _top_level_functions(tree)
        findings.extend(
            Finding(relative, line, VALIDATOR_V2, message)
            for line, message in _unresolved_imports(path.read_text(encoding="utf-8"), CHECKED_IMPORT_ROOTS)
        )
        if path.name == "pipeline.py" or "build_pipeline" in functions:
            findings.extend(_convention_findings(relative, functions))
            if "build_pipeline" in functions:
                findings.extend(_check_build_pipeline(project, path, relative))
        if "main" in functions:
            findings.extend(_check_help(sys.executable, project, path, relative, VALIDATOR_V2))
    return sorted(set(findings), key=finding_order)


def validate_sdk_v1(project: Path) -> list[Finding]:
    """Findings for the SDK v1 (azureml-core) scripts of ``project``: syntax, imports, ``--help``."""
    findings: list[Finding] = []
    python = os.environ.get(SDK_V1_PYTHON) or sys.executable
    compiled: list[tuple[Path, str, Mapping[str, Any]]] = []
    for path in python_files(project):
        relative = path.relative_to(project).as_posix()
        tree = _parse(path, relative, VALIDATOR_V1, findings)
        if tree is not None:
            compiled.append((path, relative, _top_level_functions(tree)))
    if not compiled:
        return sorted(set(findings), key=finding_order)
    report = _run_v1_import_check(python, project, [path for path, _, _ in compiled])
    if "error" in report:
        findings.append(Finding(AZUREML_DIR.as_posix(), None, VALIDATOR_V1, report["error"]))
        return sorted(set(findings), key=finding_order)
    if not report.get("azureml_core"):
        findings.append(
            Finding(
                AZUREML_DIR.as_posix(),
                None,
                VALIDATOR_V1,
                f"azureml-core is not importable with {python}: install azureml-core==1.61.* (and the project's "
                f"mlops/azureml requirements) there, or point ${SDK_V1_PYTHON} at an interpreter that has it",
            )
        )
    for path, relative, functions in compiled:
        for line, message in report.get("files", {}).get(str(path), []):
            if report.get("azureml_core") or "No module named 'azureml'" not in message:  # said once above
                findings.append(Finding(relative, line, VALIDATOR_V1, message))
        if "main" in functions:
            findings.extend(_check_help(python, project, path, relative, VALIDATOR_V1))
    return sorted(set(findings), key=finding_order)


# --- shared -------------------------------------------------------------------------------------------------------


def _parse(path: Path, relative: str, validator: str, findings: list[Finding]) -> ast.Module | None:
    """The file's syntax tree, after byte-compiling it; a syntax error becomes a finding and None."""
    source = path.read_text(encoding="utf-8")
    try:
        compile(source, str(path), "exec", dont_inherit=True)
        return ast.parse(source, str(path))
    except SyntaxError as error:
        findings.append(Finding(relative, error.lineno, validator, f"does not compile: {error.msg}"))
        return None


def _top_level_functions(tree: ast.Module) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}


def _convention_findings(
    relative: str, functions: Mapping[str, ast.FunctionDef | ast.AsyncFunctionDef]
) -> list[Finding]:
    """What an SDK v2 pipeline file lacks of the convention: build_pipeline(**overrides) and main(argv)."""
    problems: list[tuple[int | None, str]] = []
    build = functions.get("build_pipeline")
    if build is None:
        problems.append((None, f"defines no {CONVENTION} (the SDK v2 convention)"))
    elif (
        len(build.args.defaults) < len(build.args.args)
        or len(build.args.kw_defaults) < len(build.args.kwonlyargs)
        or any(default is None for default in build.args.kw_defaults)
    ):
        problems.append(
            (build.lineno, f"build_pipeline() cannot be called without arguments: the convention is {CONVENTION}")
        )
    main = functions.get("main")
    if main is None:
        problems.append((None, "defines no main(argv) that submits the pipeline (the SDK v2 convention)"))
    elif not (main.args.posonlyargs or main.args.args or main.args.vararg):
        problems.append((main.lineno, "main takes no argv: the convention is main(argv) (argv: None means sys.argv)"))
    return [Finding(relative, line, VALIDATOR_V2, message) for line, message in problems]


def _check_help(python: str, project: Path, path: Path, relative: str, validator: str) -> list[Finding]:
    """``python FILE --help`` must exit 0 (the script's command line works before any Azure call)."""
    command = f"python {relative} --help"
    try:
        completed = subprocess.run(
            [python, str(path), "--help"],
            cwd=project,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=HELP_TIMEOUT,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
    except subprocess.TimeoutExpired:
        return [Finding(relative, None, validator, f"`{command}` did not finish within {HELP_TIMEOUT} s")]
    if completed.returncode == 0:
        return []
    output = (completed.stderr or completed.stdout).strip().splitlines()
    last = output[-1] if output else "no output"
    return [Finding(relative, None, validator, f"`{command}` exited {completed.returncode}: {last}")]


def _unresolved_imports(source: str, roots: tuple[str, ...]) -> list[tuple[int, str]]:
    """(line, message) for each import of a package under ``roots`` that does not resolve here.

    Self-contained (standard library only): its source also runs in the SDK v1 interpreter.
    """
    import ast
    import importlib

    problems: list[tuple[int, str]] = []

    def resolve(module: str, line: int) -> object | None:
        try:
            return importlib.import_module(module)
        except Exception as error:  # ImportError, or whatever the package raises while importing
            problems.append((line, f"import {module} fails: {type(error).__name__}: {error}"))
            return None

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in roots:
                    resolve(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] not in roots:
                continue
            module = resolve(node.module, node.lineno)
            if module is None:
                continue
            for alias in node.names:
                if alias.name == "*" or hasattr(module, alias.name):
                    continue
                try:
                    importlib.import_module(f"{node.module}.{alias.name}")
                except ImportError:
                    problems.append((node.lineno, f"cannot import name {alias.name} from {node.module}"))
    return problems


def _line_in(trace: TracebackType | None, path: Path) -> int | None:
    """The line of the innermost traceback frame in ``path``."""
    line = None
    for frame in traceback.extract_tb(trace):
        if Path(frame.filename).resolve() == path.resolve():
            line = frame.lineno
    return line


# --- SDK v2 -------------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _imported(path: Path) -> Iterator[ModuleType]:
    """The module at ``path``, imported under a private name with its folder on sys.path, then forgotten."""
    name = f"_mlops_factory_sdk_v2_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    # Project modules (pipeline.py imports mlops/azureml/workspace.py by a plain name) that another project
    # left in this process are set aside, so that this file imports its own project's, and put back after.
    set_aside = {key: value for key, value in sys.modules.items() if _is_project_module(value)}
    for key in set_aside:
        del sys.modules[key]
    path_before = list(sys.path)
    sys.modules[name] = module
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        for key in [key for key, value in sys.modules.items() if _is_project_module(value)]:
            del sys.modules[key]
        sys.modules.pop(name, None)
        sys.modules.update(set_aside)
        sys.path[:] = path_before


def _is_project_module(module: ModuleType | None) -> bool:
    """Whether ``module`` was imported from a rendered project, not from the interpreter or this repository."""
    origin = getattr(module, "__file__", None)
    if not origin:
        return False
    return not origin.startswith((sys.prefix, sys.base_prefix, str(FACTORY_ROOT)))


def _check_build_pipeline(project: Path, path: Path, relative: str) -> list[Finding]:
    """Import ``path``, build its pipeline, validate it, dump it and load the dump back."""
    ml = azure_ai_ml()
    findings: list[Finding] = []

    def finding(message: str, line: int | None = None) -> None:
        findings.append(Finding(relative, line, VALIDATOR_V2, message))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with _imported(path) as module:
                try:
                    job = module.build_pipeline()
                except (Exception, SystemExit) as error:
                    finding(f"build_pipeline() raised {error_gist(error)}", _line_in(error.__traceback__, path))
                    return findings
        except (Exception, SystemExit) as error:
            finding(f"importing the file raised {error_gist(error)}", _line_in(error.__traceback__, path))
            return findings
        if not isinstance(job, ml.entities.PipelineJob):
            finding(f"build_pipeline() returned {type(job).__name__}, not azure.ai.ml.entities.PipelineJob")
            return findings
        findings.extend(_validation_findings(relative, "build_pipeline()", job))
        findings.extend(_local_input_findings(project, relative, path, job))
        with tempfile.TemporaryDirectory(prefix="mlops-factory-sdk-v2-") as temporary:
            dumped = Path(temporary) / "pipeline_job.yml"
            try:
                job.dump(dumped)
            except Exception as error:
                finding(f"dumping the built pipeline to YAML failed: {error_gist(error)}")
                return findings
            try:
                reloaded = ml.load_job(dumped)
            except Exception as error:
                finding(f"load_job() of the dumped pipeline failed: {error_gist(error)}")
                return findings
            # What the built job already reported is not repeated for its reloaded copy.
            seen = {item.message.split(": ", 1)[-1] for item in findings}
            findings.extend(
                item
                for item in _validation_findings(relative, "load_job(dump())", reloaded)
                if item.message.split(": ", 1)[-1] not in seen
            )
            findings.extend(_dumped_structure_findings(project, relative, dumped))
    return findings


def _validation_findings(relative: str, stage: str, job: Any) -> list[Finding]:
    try:
        result = job._validate()._to_dict()
    except Exception as error:
        return [Finding(relative, None, VALIDATOR_V2, f"{stage}: _validate() raised {error_gist(error)}")]
    findings = []
    for severity in ("errors", "warnings"):
        for diagnostic in result.get(severity, []):
            prefix = "" if severity == "errors" else "warning: "
            where = f"{diagnostic['path']}: " if diagnostic.get("path") else ""
            message = f"{stage}: {prefix}{where}{diagnostic.get('message')}"
            findings.append(Finding(relative, None, VALIDATOR_V2, message))
    return findings


def _local_input_findings(project: Path, relative: str, path: Path, job: Any) -> list[Finding]:
    """Pipeline inputs with a local path must exist: the dump turns them into ``azureml:`` URIs, unchecked.

    A relative path counts as existing when it exists from the script's folder or from the project root.
    """
    findings = []
    for name, pipeline_input in (getattr(job, "inputs", None) or {}).items():
        data = getattr(pipeline_input, "_data", pipeline_input)
        value = getattr(data, "path", None)
        reference = local_reference(str(value)) if value is not None else None
        if reference is None:
            continue
        if not any((base / reference).exists() for base in (path.parent, project)):
            findings.append(
                Finding(relative, None, VALIDATOR_V2, f"pipeline input '{name}': {value}: no such file or directory")
            )
    return findings


def _dumped_structure_findings(project: Path, relative: str, dumped: Path) -> list[Finding]:
    """The CLI v2 validator's binding checks, run on the dumped pipeline (its file checks do not apply)."""
    spec = yaml.safe_load(dumped.read_text(encoding="utf-8"))
    if not isinstance(spec, Mapping):
        return []
    checker = SpecFile(project, dumped, label=relative)
    checker.check_pipeline_bindings(spec)
    return [Finding(relative, None, VALIDATOR_V2, f"built pipeline: {finding.message}") for finding in checker.findings]


# --- the deployments of the SDK deploy scripts (both SDK versions deploy with azure-ai-ml) -----------------------

DEPLOY_SCRIPTS = AZUREML_DIR / "deploy"
VALIDATOR_DEPLOY = "sdk-deploy"
DEPLOYMENT_KINDS = {"OnlineModel": ONLINE_DEPLOYMENT, "BatchModel": MODEL_BATCH_DEPLOYMENT}
ENDPOINT_KINDS = {"OnlineModel": ONLINE_ENDPOINT, "BatchModel": BATCH_ENDPOINT}


def validate_sdk_deployments(project: Path) -> list[Finding]:
    """Findings for the endpoints and deployments that ``mlops/azureml/deploy/<kind>/deploy.py`` roll out.

    Convention: the script names what it serves in ``MODEL`` (an ``endpoints.OnlineModel`` or ``BatchModel``) and
    ``mlops/azureml/endpoints.py`` builds from it with ``build_<kind>_endpoint(model, name)`` and
    ``build_<kind>_deployment(model, endpoint, model_reference, name=...)``. Each entity is built offline, validated,
    dumped to YAML and loaded back with azure-ai-ml's loader of its kind (``load_online_deployment`` checks the data
    collector too), as ``az ml`` would read it.
    """
    findings: list[Finding] = []
    for path in sorted((project / DEPLOY_SCRIPTS).glob("*/deploy.py")):
        relative = path.relative_to(project).as_posix()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                with _imported(path) as module:
                    findings.extend(_deployment_findings(module, path.parent.name, relative))
            except (Exception, SystemExit) as error:
                findings.append(Finding(relative, _line_in(error.__traceback__, path), VALIDATOR_DEPLOY,
                                        f"importing the file raised {error_gist(error)}"))  # fmt: skip
    return sorted(set(findings), key=finding_order)


def _deployment_findings(module: ModuleType, kind: str, relative: str) -> list[Finding]:
    model, endpoints = getattr(module, "MODEL", None), getattr(module, "endpoints", None)
    kind_of_model = type(model).__name__
    if endpoints is None or kind_of_model not in DEPLOYMENT_KINDS:
        return [Finding(relative, None, VALIDATOR_DEPLOY, "no MODEL (an endpoints.OnlineModel or BatchModel)")]
    built = {
        "endpoint": (getattr(endpoints, f"build_{kind}_endpoint"), (model, "validation-endpoint"), {},
                     ENDPOINT_KINDS[kind_of_model]),
        "deployment": (getattr(endpoints, f"build_{kind}_deployment"),
                       (model, "validation-endpoint", f"azureml:{model.name}:1"), {"name": "blue"},
                       DEPLOYMENT_KINDS[kind_of_model]),
    }  # fmt: skip
    findings = []
    for what, (build, args, kwargs, spec_kind) in built.items():
        loader = sdk_loader(spec_kind)
        try:
            entity = build(*args, **kwargs)
        except Exception as error:
            findings.append(
                Finding(relative, None, VALIDATOR_DEPLOY, f"building the {what} raised {error_gist(error)}")
            )
            continue
        with tempfile.TemporaryDirectory(prefix="mlops-factory-sdk-deploy-") as temporary:
            dumped = Path(temporary) / f"{what}.yml"
            try:
                stream = io.StringIO()
                data = entity.dump(stream)  # deployments write to the stream, endpoints return their dict
                dumped.write_text(stream.getvalue() or yaml.safe_dump(json.loads(json.dumps(data))), encoding="utf-8")
                reloaded = loader(dumped)
                result = reloaded._validate() if callable(getattr(reloaded, "_validate", None)) else None
            except Exception as error:
                message = f"{loader.__name__}() of the dumped {what} failed: {error_gist(error)}"
                findings.append(Finding(relative, None, VALIDATOR_DEPLOY, message))
                continue
        for severity in ("errors", "warnings") if result is not None else ():
            for diagnostic in result._to_dict().get(severity, []):
                prefix = "" if severity == "errors" else "warning: "
                message = f"{loader.__name__}(dump()) of the {what}: {prefix}{diagnostic.get('message')}"
                findings.append(Finding(relative, None, VALIDATOR_DEPLOY, message))
    return findings


# --- SDK v1 -------------------------------------------------------------------------------------------------------


def _v1_check(files: Sequence[str], roots: tuple[str, ...], marker: str) -> None:
    """Run in the SDK v1 interpreter: import each file and its Azure imports, print a JSON report.

    Self-contained (standard library only, plus ``_unresolved_imports`` defined beside it).
    """
    import importlib.util
    import json
    import sys
    import traceback
    from pathlib import Path

    report: dict = {"azureml_core": None, "files": {}}
    try:
        import azureml.core

        report["azureml_core"] = getattr(azureml.core, "VERSION", "unknown")
    except Exception:
        pass
    for index, file in enumerate(files):
        problems: list = []
        name = f"_mlops_factory_sdk_v1_{index}"
        sys.path.insert(0, str(Path(file).parent))
        try:
            spec = importlib.util.spec_from_file_location(name, file)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
        except (Exception, SystemExit) as error:
            line = None
            for frame in traceback.extract_tb(error.__traceback__):
                if Path(frame.filename).resolve() == Path(file).resolve():
                    line = frame.lineno
            first = (str(error).strip().splitlines() or [""])[0]
            problems.append([line, f"importing the file raised {type(error).__name__}: {first}"])
        finally:
            sys.path.pop(0)
        source = Path(file).read_text(encoding="utf-8")
        problems.extend([line, message] for line, message in _unresolved_imports(source, roots))
        report["files"][file] = problems
    print(marker + json.dumps(report))


def _run_v1_import_check(python: str, project: Path, files: Sequence[Path]) -> dict[str, Any]:
    """The report of ``_v1_check`` run by ``python``; ``{"error": ...}`` when the child could not report."""
    script = "\n".join(
        [
            "from __future__ import annotations",
            "import sys",
            inspect.getsource(_unresolved_imports),
            inspect.getsource(_v1_check),
            f"_v1_check(sys.argv[1:], {CHECKED_IMPORT_ROOTS!r}, {RESULT_MARKER!r})",
        ]
    )
    try:
        completed = subprocess.run(
            [python, "-c", script, *map(str, files)],
            cwd=project,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=IMPORT_TIMEOUT,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return {"error": f"the SDK v1 import check could not run with {python}: {error_gist(error)}"}
    for line in reversed(completed.stdout.splitlines()):
        if line.startswith(RESULT_MARKER):
            return json.loads(line[len(RESULT_MARKER) :])
    tail = (completed.stderr.strip().splitlines() or ["no output"])[-1]
    return {"error": f"the SDK v1 import check with {python} exited {completed.returncode}: {tail}"}
