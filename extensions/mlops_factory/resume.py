"""The confirmation before rendering, and the answers a person typed, saved when a copy stops early.

When a person answered at the prompt, the last question lists every answer and asks whether to generate.
A copy can stop after minutes of answering: Ctrl-C, a "no" at the confirmation, a refusal while
rendering, a template source that became unreachable. The answers are then written to a YAML file in
the user's cache folder (never into the destination) and the ``copier copy --data-file`` command that
resumes is printed. URL answers with credentials are refused at the prompt; the file leaves out any
value that still carries some.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from . import cache
from .git import has_credentials

ANSWERS_FOLDER = "answers"
# Copier's answer that says where the template is, as the user gave it (a URL, gh:org/repo or a path).
SOURCE_KEY = "_src_path"


def typed_answers(answers: Mapping[str, Any], data: Mapping[Any, Any], user_defaults: Mapping[str, Any]) -> dict:
    """The answers a person gave at the prompt: none of Copier's own keys, nothing from --data or --data-file.

    An answer equal to the user's Copier settings default counts as not typed: the settings give it again.
    """
    return {
        key: value
        for key, value in answers.items()
        if isinstance(key, str)
        and not key.startswith("_")
        and key not in data
        and not (key in user_defaults and user_defaults[key] == value)
    }


def asked_for_a_new_project(context: Mapping[str, Any]) -> bool:
    """Whether a person answered at the prompt for a new project (Copier render ``context``).

    False with --defaults, when --data or --data-file answered every question so far, and when the
    destination already holds a project's answers file (``copier update``, where git shows what changed).
    """
    conf = context["_copier_conf"]
    if conf["defaults"] or (Path(str(conf["dst_path"])) / str(conf["answers_file"])).exists():
        return False
    return bool(typed_answers(context.get("_copier_answers") or {}, conf["data"] or {}, conf["user_defaults"] or {}))


def answers_to_keep(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The question answers worth saving: Copier's own keys and any URL with credentials left out."""
    return {
        key: value
        for key, value in answers.items()
        if isinstance(key, str) and not key.startswith("_") and not (isinstance(value, str) and has_credentials(value))
    }


def saved_answers_path(destination: Path) -> Path:
    """Where the answers for ``destination`` are saved: one file per destination in the user's cache folder."""
    absolute = destination.absolute()
    name = re.sub(r"[^A-Za-z0-9._-]", "_", absolute.name).strip(".") or "project"
    return cache.cache_root() / ANSWERS_FOLDER / f"{name}-{cache.short_hash(str(absolute), 8)}.yml"


def resume_command(
    data_file: Path, template: str, destination: str, vcs_ref: str | None = None, overwrite: bool = False
) -> str:
    """The ``copier copy`` command line that starts again from the saved answers."""
    words = ["copier", "copy", "--trust", "--data-file", str(data_file)]
    if vcs_ref:
        words += ["--vcs-ref", vcs_ref]
    if overwrite:
        words.append("--overwrite")
    words += [template, destination]
    return " ".join(shlex.quote(word) for word in words)


def save_answers(answers: Mapping[str, Any], path: Path, command: str) -> None:
    """Write ``answers`` as a data file for ``copier copy --data-file``, with a header that says how to resume."""
    header = (
        "# Answers saved by mlops-factory when `copier copy` stopped before writing the project.\n"
        "# Edit an answer here, or delete its line to be asked again, then resume with:\n"
        f"#   {command}\n"
    )
    cache.write_text_atomically(path, header + yaml.safe_dump(dict(answers), sort_keys=False, allow_unicode=True))


def saved_note(path: Path, command: str) -> str:
    """The lines printed after a stop: where the answers are and the command that resumes."""
    return (
        f"Your answers are saved in {path}\n"
        f"(edit an answer there, or delete its line to be asked again). Resume with:\n  {command}"
    )


def save_and_describe(context: Mapping[str, Any]) -> str:
    """Save the answers known in a Copier render ``context``; return the note to print ("" when none were typed).

    Nothing is saved when every answer came from --defaults, --data or --data-file (the command line that
    was run already holds them), nor when the destination holds a project (``copier update``).
    """
    if not asked_for_a_new_project(context):
        return ""
    conf = context["_copier_conf"]
    answers = context.get("_copier_answers") or {}
    destination = str(conf["dst_path"])
    path = saved_answers_path(Path(destination))
    template = str(answers.get(SOURCE_KEY) or conf["src_path"])
    try:
        vcs_ref = conf["vcs_ref"]
    except TypeError:  # Copier's ":current:" without a project to take it from
        vcs_ref = None
    command = resume_command(path, template, destination, vcs_ref, bool(conf["overwrite"]))
    save_answers(answers_to_keep(answers), path, command)
    return saved_note(path, command)


# -- the confirmation before rendering --------------------------------------------------------------
SUMMARY_WIDTH = 76  # one line of an 80-column terminal after Copier's mark
_INDENT = "    "


def _shown_value(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or value == "":
        return "(empty)"
    return str(value).replace("\n", "\\n")


def _fit(text: str, width: int) -> str:
    """``text`` cut in the middle to ``width`` characters, so that both ends of a long URL stay readable."""
    if len(text) <= width:
        return text
    head = (width - 1) // 2
    return text[:head] + "…" + text[len(text) - (width - 1 - head) :]


def answers_summary(answers: Mapping[str, Any], order: list[str], destination: str) -> str:
    """The confirmation's text: the destination and every answer, one per line, each line at most 76 characters."""
    shown = [(key, answers[key]) for key in order if key in answers and not key.startswith("_")]
    rows = [("destination", destination), *shown]
    width = max(len(key) for key, _ in rows)
    lines = ["Generate the project with these answers?"]
    room = max(SUMMARY_WIDTH - len(_INDENT) - width - 2, 12)
    for key, value in rows:
        lines.append(f"{_INDENT}{key.ljust(width)}  {_fit(_shown_value(value), room)}")
    lines.append("  No: nothing is written; your answers are saved to resume from")
    return "\n".join(lines)
