"""mlops-factory's Copier extension, loaded by file path through copier-template-extensions.

It gives the questionnaire its checks (Jinja globals used by validators and defaults) and, when
Copier starts rendering, stages the skeleton plus the chosen subtrees in a git-ignored folder of
the template checkout; ``_subdirectory`` points Copier at that folder. It also keeps the answers
given at the prompt, so that a copy that stops before rendering (Ctrl-C, a "no" at the confirmation,
a refusal) saves them and prints the command that resumes (``mlops_factory/resume.py``).

The package beside this file is imported under a name unique to this checkout, so that
``copier update`` runs the old factory version's code for the old render and the new code for
the new one, even though both happen in one Python process.
"""

from __future__ import annotations

import atexit
import hashlib
import importlib.util
import json
import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from types import ModuleType
from typing import Any

from copier_template_extensions import ContextHook
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

STAGE_FOLDER = ".stage"
SKELETON_FOLDER = "template"
CONFIRMATION = "proceed"  # the last question: generate with these answers?


def _load(relative: str, package: bool = False) -> ModuleType:
    path = Path(__file__).resolve().parent / relative
    name = path.stem + "_" + hashlib.sha256(str(path).encode()).hexdigest()[:16]
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, path / "__init__.py" if package else path, submodule_search_locations=[str(path)] if package else None
        )
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


factory = _load("mlops_factory", package=True)
first_commit = _load("initial_commit.py")  # the task's script: where it finds what the extension hands it


def _template_root(context: Mapping[str, Any]) -> Path:
    return Path(str(context["_copier_conf"]["src_path"]))


def _checked_before_rendering(context: Mapping[str, Any], field: str) -> bool:
    """Whether a prompt validator should leave ``field`` to the check before rendering.

    Copier runs validators on --data answers and on defaults too, and reports a failure there as a
    traceback. The check before rendering (``first_problem``) reports the same sentence as a clean
    error, so validators stay silent for answers given with --data, for everything under
    --defaults, and for a field whose default was derived from an earlier answer that is wrong.
    """
    conf = context["_copier_conf"]
    return bool(conf["defaults"]) or field in (conf["data"] or {})


_NONE = object()


def _answers(context: Context) -> dict[str, Any]:
    """The answers known so far and Copier's variables, without Jinja's globals.

    A question not answered yet would otherwise show a global of the same name (``namespace`` is one).
    """
    jinja_globals = context.environment.globals
    return {key: value for key, value in context.get_all().items() if jinja_globals.get(key, _NONE) is not value}


_checked_data: list[tuple[object, Path, bool]] = []
_there_before: dict[Path, dict[str, tuple[int, int]]] = {}


@pass_context
def given_answers_checked(context: Context) -> bool:
    """``when`` of the first question: check the destination and every --data/--data-file value; True.

    Copier renders the first question's ``when`` before it casts or validates any value given with
    --data or --data-file, and before it writes anything. Checking here turns what would be a Copier
    traceback (an unknown choice, a list where text belongs, a computed key), a silent change (YAML's
    ``0012`` read as 10, ``"yes please"`` read as true) or a late refusal after every prompt into one
    sentence. With --overwrite it also notes the files already in the destination, which the first
    commit leaves out.
    """
    conf = context["_copier_conf"]
    data = conf["data"] or {}
    destination = Path(str(conf["dst_path"]))
    overwrite = bool(conf["overwrite"])
    if any(seen is data and (where, again) == (destination, overwrite) for seen, where, again in _checked_data):
        return True
    root = _template_root(context)
    problem = (
        factory.destination.destination_problem(destination, overwrite)
        or factory.destination.sparse_checkout_folder_problem(data, destination)
        or factory.answers.given_data_problem(data, factory.answers.questionnaire(root), conf["user_defaults"] or {})
        or factory.answers.given_fields_problem(data, _answers(context), root)
    )
    if problem:
        raise factory.errors.FactoryError(problem)
    if destination.is_dir() and not factory.destination.inside_git_work_tree(destination):
        _there_before[destination.absolute()] = factory.destination.file_stamps(destination)
    _checked_data.append((data, destination, overwrite))
    return True


@pass_context
def first_commit_project(context: Context) -> str:
    """For the first-commit task: the project folder, after writing the plan the task reads for it.

    The plan (remote URL, files the destination held before and the render left untouched) lies in the
    checkout's staging folder, where the task runs, so the command line Copier prints stays short.
    """
    destination = Path(str(context["_copier_conf"]["dst_path"])).absolute()
    untouched = factory.destination.untouched_files(destination, _there_before.get(destination, {}))
    plan = _template_root(context) / first_commit.plan_path(destination)
    factory.cache.write_text_atomically(
        plan, json.dumps({"remote_url": str(context.get("remote_url") or ""), "leave_out": untouched})
    )
    atexit.register(plan.unlink, missing_ok=True)
    return str(destination)


@pass_context
def factory_problem(context: Context, field: str) -> str:
    """Validator for a text question: the problem with the answer being typed, or ""."""
    if _checked_before_rendering(context, field):
        return ""
    answers = _answers(context)  # not context.get_all(): Jinja's global `namespace` is no answer
    root = _template_root(context)
    if factory.answers.earlier_problem(field, answers, root):
        return ""
    # Copier validates the default before showing the prompt and fails with a traceback when it is
    # refused. An empty ref default means none could be suggested; the check before rendering refuses an
    # empty ref with one sentence, so the prompt lets it pass only then.
    empty_ref = field == "project_template_ref" and not str(answers.get(field, "")).strip()
    if empty_ref and not factory.answers.suggested_ref(answers, root):
        return ""
    return factory.answers.field_problem(field, answers, root)


@pass_context
def suggested_ref(context: Context) -> str:
    """Default for project_template_ref: the fork's newest release tag, else its newest commit."""
    return factory.answers.suggested_ref(context.get_all(), _template_root(context))


@pass_context
def default_namespace(context: Context) -> str:
    """The project name without hyphens, cut to what every Azure name allows with the postfix."""
    answers = context.get_all()
    return factory.answers.default_namespace(str(answers.get("project_name", "")), answers.get("postfix"))


@pass_context
def unavailable(context: Context, axis: str, value: str) -> str:
    """Per-choice validator: why this choice leads to no project the source can build, or ""."""
    if _checked_before_rendering(context, axis):
        return ""
    answers = context.get_all()
    try:
        source = factory.sources.template_source(answers, _template_root(context))
        fixed = factory.axes.combination_of(answers, factory.axes.axes_before(axis))
        return factory.answers.choice_problem(source, fixed, axis, value)
    except factory.errors.FactoryError as error:
        return str(error)


@pass_context
def preferred(context: Context, axis: str) -> str:
    """Default for an axis question: the first choice that still leads to a buildable project.

    Raises ``FactoryError`` (printed as one sentence) when no choice does.
    """
    answers = context.get_all()
    root = _template_root(context)
    if factory.answers.problem_before_axes(answers, root):
        return factory.axes.AXES[axis][0]  # the source is unusable: the check before rendering says why
    source = factory.sources.template_source(answers, root)
    fixed = factory.axes.combination_of(answers, factory.axes.axes_before(axis))
    return factory.answers.preferred_choice(source, fixed, axis)


_staged: dict[tuple[str, ...], str] = {}
_placed: dict[str, list[Any]] = {}  # staged folder -> the source's parts placed in it (staging.PlacedPart)


def _saved_answers_note(context: Mapping[str, Any]) -> str:
    """Save the answers typed at the prompt; the lines that say where and how to resume ("" when none)."""
    try:
        return factory.resume.save_and_describe(context)
    except Exception as error:  # noqa: BLE001 (failing to save must not hide why the copy stopped)
        return f"mlops-factory could not save your answers: {error}"


def _stop_and_save(context: Mapping[str, Any], sentence: str) -> factory.errors.FactoryError:
    """The error that ends a copy before anything is written, with where the typed answers were saved."""
    note = _saved_answers_note(context)
    return factory.errors.FactoryError(f"{sentence}\n{note}" if note else sentence)


def _skeleton_path(
    environment: Environment, context: Mapping[str, Any]
) -> Callable[[PurePosixPath], PurePosixPath | None]:
    """Where a skeleton file lands in the staged tree: its conditional folders (``{% if ... %}.github``) resolved.

    Resolved here rather than by Copier, so that they merge with the subtrees' folders of the same name
    (Copier would list the folder twice, "create .github" then "identical .github") and so that two
    writers of one file are caught. A folder whose name renders empty leaves its files out, as in Copier.
    """

    def place(relative: PurePosixPath) -> PurePosixPath | None:
        folders = []
        for name in relative.parts[:-1]:
            if "{{" in name or "{%" in name:
                name = environment.from_string(name).render(context)
                if not name:
                    return None
            folders.append(name)
        return PurePosixPath(*folders, relative.name)

    return place


def _stage(context: Mapping[str, Any], environment: Environment) -> str:
    """Check every answer once more, then build the staged tree; return its path for ``_subdirectory``.

    A "no" at the confirmation, a refused answer or a source that cannot be fetched ends the copy here,
    before anything is written; the answers a person typed are saved and the command that resumes printed.
    """
    if context.get(CONFIRMATION) is False:
        raise _stop_and_save(context, "You answered no: nothing was written.")
    template_root = _template_root(context)
    problem = factory.answers.first_problem(context, template_root)
    if problem:
        raise _stop_and_save(context, problem)
    source = factory.sources.template_source(context, template_root)
    parts = source.parts_for(factory.axes.combination_of(context))  # remembered from the check above

    stage_parent = template_root / STAGE_FOLDER
    stage_parent.mkdir(exist_ok=True)
    staged = Path(tempfile.mkdtemp(dir=stage_parent, prefix="render-"))
    atexit.register(shutil.rmtree, staged, True)
    try:
        placed = factory.staging.stage_project(
            template_root / SKELETON_FOLDER, source, parts, staged, _skeleton_path(environment, context)
        )
    except factory.errors.FactoryError as error:
        shutil.rmtree(staged, ignore_errors=True)
        raise _stop_and_save(context, str(error)) from None
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    relative = staged.relative_to(template_root).as_posix()
    _placed[relative] = placed
    return relative


def _stage_key(answers: Mapping[str, Any], template_root: Path) -> tuple[str, ...]:
    """What decides the staged tree: the checkout, the source and its ref, the four choices."""
    return (
        str(template_root),
        *(str(answers.get(field, "")) for field in ("project_template_github_url", "project_template_ref")),
        *(str(answers.get(axis, "")) for axis in factory.axes.AXES),
    )


@pass_context
def stage_dir(context: Context) -> str:
    """``_subdirectory``: the skeleton while Copier prompts, the staged project tree once it renders.

    The tree is staged once per checkout and set of answers that decide it (the first render-phase call
    checks every answer and stages; later calls of the same render reuse the folder).
    """
    if str(context.get("_copier_phase")) != "render":
        return SKELETON_FOLDER
    _progress["rendering"] = True
    answers = context.get_all()
    key = _stage_key(answers, _template_root(answers))
    if key not in _staged:
        _staged[key] = _stage(answers, context.environment)
    return _staged[key]


@pass_context
def source_contents(context: Context) -> dict[str, Any]:
    """For the README of a project made from another source: the parts it placed and what their CI expects.

    ``{"parts": [staging.PlacedPart, ...], "ci": ci_expectations.CiExpectations}``, read from the staged tree.
    """
    answers = context.get_all()
    template_root = _template_root(answers)
    staged = _staged.get(_stage_key(answers, template_root), "")
    parts = _placed.get(staged, [])
    files = [file for part in parts for file in part.files]
    return {"parts": parts, "ci": factory.ci_expectations.scan(template_root / staged, files)}


@pass_context
def source_record(context: Context) -> dict[str, dict[str, str]]:
    """For the answers file: the commit a git source's ref resolved to, under the key copier update reads back.

    Empty for the built-in source. ``copier update`` compares the record with what the ref names then.
    """
    return factory.sources.source_record(context.get_all(), _template_root(context))


def azure_names_json(namespace: str, postfix: str) -> str:
    """Every Azure resource name of both environments, for the computed answer ``azure_names``."""
    return json.dumps(factory.naming.project_names(str(namespace), str(postfix)))


@pass_context
def confirmation_wanted(context: Context) -> bool:
    """``when`` of the confirmation: only after a person answered at the prompt, never on update."""
    return factory.resume.asked_for_a_new_project(context.get_all())


@pass_context
def answers_summary(context: Context) -> str:
    """Help of the confirmation: the destination and every answer so far, in questionnaire order."""
    answers = context.get("_copier_answers") or {}
    order = list(factory.answers.questionnaire(_template_root(context)))
    return factory.resume.answers_summary(answers, order, str(context["_copier_conf"]["dst_path"]))


# The latest prompt-phase context (its `_copier_answers` are the answers given so far), and whether
# rendering began. A copy that ends before rendering (Ctrl-C, an error at a prompt) saves the typed
# answers at exit; a stop while rendering saves them in `_stage`.
_progress: dict[str, Any] = {}


def _save_answers_if_stopped() -> None:
    """At exit: when a person's copy ended before rendering began, save what they typed."""
    context = _progress.get("context")
    if context is None or _progress.get("rendering") or not sys.stdin.isatty():
        return
    note = _saved_answers_note(context)
    if note:
        print(note, file=sys.stderr)


class FactoryExtension(ContextHook):
    """Gives the questionnaire its checks and defaults, and ``_subdirectory`` the staged tree.

    As a context hook it sees every context Copier renders with, and keeps the latest one of the prompt
    phase, so that a copy interrupted at a prompt can save the answers given so far.
    """

    def hook(self, context: dict[str, Any]) -> None:
        if str(context.get("_copier_phase")) != "prompt":
            return
        if "context" not in _progress:
            atexit.register(_save_answers_if_stopped)
        _progress["context"] = context

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        factory.sandbox.harden(environment, STAGE_FOLDER)
        environment.globals.update(
            given_answers_checked=given_answers_checked,
            first_commit_project=first_commit_project,
            factory_problem=factory_problem,
            unavailable=unavailable,
            preferred=preferred,
            default_namespace=default_namespace,
            suggested_ref=suggested_ref,
            stage_dir=stage_dir,
            source_record=source_record,
            source_contents=source_contents,
            azure_names_json=azure_names_json,
            mlops_family_of=factory.axes.mlops_family,
            confirmation_wanted=confirmation_wanted,
            answers_summary=answers_summary,
        )
