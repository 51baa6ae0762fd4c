"""Copier's Jinja environment, made safe for template sources and honest about their errors.

A template source's ``.jinja`` files run in Copier's sandbox. Two gaps remain that the factory closes here:
filters that read the machine rather than the answers, and failures that Copier would show as a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import TracebackType
from typing import Any

from jinja2 import Environment, TemplateError

from .errors import FactoryError

# Filters of Copier's default Jinja extension (jinja2-ansible-filters) that read the machine instead of
# the answers: a template source's .jinja file could copy an environment variable (a CI token, say) or
# the names of your files into the project. The sandbox allows them; the factory's templates never use them.
MACHINE_READING_FILTERS = ("expandvars", "expanduser", "fileglob", "realpath")


def _refused_filter(name: str) -> Any:
    def refuse(*_args: object, **_kwargs: object) -> str:
        raise FactoryError(
            f"a template file uses the Jinja filter '{name}', which reads this machine's environment or files; "
            "templates of mlops-factory and of template sources may use only the answers"
        )

    return refuse


def _shown_template(name: str, stage_folder: str) -> str:
    """A staged template's path as the project will have it (without ``.stage/render-…/``)."""
    parts = Path(name).parts
    return Path(*parts[2:]).as_posix() if parts[:1] == (stage_folder,) and len(parts) > 2 else name


def _failed_template(error: BaseException, trace: TracebackType | None) -> str | None:
    """The name of the template file whose rendering raised ``error`` (None for an inline string)."""
    name = getattr(error, "name", None)
    while trace is not None and name is None:
        template = trace.tb_frame.f_globals.get("__jinja_template__")
        name = getattr(template, "name", None)
        trace = trace.tb_next
    return name


def _report_file_render_errors(environment: Environment, stage_folder: str) -> None:
    """Make a template file that fails to render (a source's ``.jinja`` file that trips Jinja's sandbox, names
    something undefined, is not text) end in one sentence naming the file, not a traceback.

    Copier reports failures of inline templates (questions, path names) itself; those are left alone.
    """
    handle_exception = environment.handle_exception
    get_template = environment.get_template

    def handle_file_exception(source: str | None = None) -> Any:
        error, trace = sys.exc_info()[1:]
        name = _failed_template(error, trace) if isinstance(error, TemplateError) else None
        if name:
            reason = str(error.message or error).rstrip(".")
            raise FactoryError(
                f"could not render the template file {_shown_template(name, stage_folder)}: {reason} "
                "(fix that file in the template source)"
            ) from None
        return handle_exception(source=source)

    def get_text_template(name: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return get_template(name, *args, **kwargs)
        except UnicodeDecodeError:
            raise FactoryError(
                f"the template file {_shown_template(str(name), stage_folder)} is not UTF-8 text, so it cannot be "
                "rendered: in the template source, drop its .jinja suffix to copy it as it is"
            ) from None

    environment.handle_exception = handle_file_exception  # type: ignore[method-assign]
    environment.get_template = get_text_template  # type: ignore[method-assign]


def harden(environment: Environment, stage_folder: str) -> None:
    """Refuse the machine-reading filters and report a template file that fails to render in one sentence."""
    environment.filters.update({name: _refused_filter(name) for name in MACHINE_READING_FILTERS})
    _report_file_render_errors(environment, stage_folder)
