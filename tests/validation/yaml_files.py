"""Every YAML file of a generated project parses and passes yamllint; line-tracking helpers for the CI validators.

Besides ``validate_yaml`` this module holds what the GitHub and Azure DevOps validators share: YAML loaders
that remember the line of every string, and the translation of JSON-schema errors into ``Finding``s with
a line and a readable location.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from yamllint import linter
from yamllint.config import YamlLintConfig

from . import Finding

# Folders that are never part of a generated project's own content.
SKIPPED_DIRS = frozenset({".git", ".venv", "node_modules", ".terraform"})

# yamllint's default rules, adjusted to the GitHub Actions and Azure DevOps files we generate:
# - document-start: neither GitHub nor Azure DevOps files start with `---`, nor does Copier's answers file.
# - truthy: `on:` is GitHub's trigger key, so keys are not checked; values must still be true/false
#   (a bare `yes`/`on` value means a boolean to YAML 1.1 tools and a string to GitHub and Azure DevOps).
# - line-length 160: long `run:` commands and URLs; words that cannot be broken (URLs) are allowed.
# - comments: one space before `#` is enough, the convention for `uses: org/action@<sha> # v4.2.2`
#   that Dependabot and Renovate write and keep.
# - indentation: a file may indent block sequences under their key or not, but consistently.
# - braces/brackets: `[main]` and `[ main ]` are both common in workflow triggers.
# - octal-values: `0755` means 493 to YAML 1.1 and 755 to YAML 1.2 readers; quote it.
# Warnings count as findings like errors: a generated project should be clean.
YAMLLINT_CONFIG = """
extends: default
rules:
  document-start: disable
  truthy:
    allowed-values: ["true", "false"]
    check-keys: false
  line-length:
    max: 160
    allow-non-breakable-words: true
    allow-non-breakable-inline-mappings: true
  comments:
    min-spaces-from-content: 1
  indentation:
    spaces: consistent
    indent-sequences: consistent
  braces:
    max-spaces-inside: 1
  brackets:
    max-spaces-inside: 1
  octal-values:
    forbid-implicit-octal: true
"""


def yaml_files(project: Path) -> list[Path]:
    """Every ``*.yml``/``*.yaml`` file of the project, sorted, outside ``SKIPPED_DIRS``."""
    found = []
    for path in project.rglob("*"):
        relative = path.relative_to(project)
        if path.suffix in (".yml", ".yaml") and path.is_file() and not SKIPPED_DIRS.intersection(relative.parts):
            found.append(path)
    return sorted(found)


def relative(path: Path, project: Path) -> str:
    """The path as shown in findings: relative to the project, with forward slashes."""
    return path.relative_to(project).as_posix()


def error_line(error: yaml.YAMLError) -> int | None:
    """The 1-based line of a PyYAML error, when it has one."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return mark.line + 1 if mark is not None else None


def error_message(error: yaml.YAMLError) -> str:
    """A PyYAML error in one line, without the source excerpt PyYAML appends."""
    if isinstance(error, yaml.MarkedYAMLError):
        parts = [error.context, error.problem]
        return " ".join(part for part in parts if part) or str(error)
    return " ".join(str(error).split())


@cache
def _yamllint_config() -> YamlLintConfig:
    return YamlLintConfig(YAMLLINT_CONFIG)


def validate_yaml(project: Path) -> list[Finding]:
    """Each YAML file must load with ``yaml.safe_load`` (all documents) and pass yamllint."""
    findings: list[Finding] = []
    for path in yaml_files(project):
        name = relative(path, project)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            findings.append(Finding(name, None, "yaml", f"not UTF-8: {error}"))
            continue
        try:
            for _ in yaml.safe_load_all(text):
                pass
        except yaml.YAMLError as error:
            findings.append(Finding(name, error_line(error), "yaml", error_message(error)))
            continue  # yamllint would only repeat the syntax error
        for problem in linter.run(text, _yamllint_config(), str(path)):
            message = f"{problem.desc} ({problem.rule})" if problem.rule else problem.desc
            findings.append(Finding(name, problem.line, "yamllint", message))
    return findings


# --- line-tracking YAML loading ------------------------------------------------------------------------------


class LineStr(str):
    """A string scalar (or mapping key) from a YAML file that remembers its 1-based line."""

    line: int

    def __new__(cls, value: str, line: int) -> LineStr:
        instance = super().__new__(cls, value)
        instance.line = line
        return instance


class StringsWithLinesLoader(yaml.BaseLoader):
    """Azure DevOps semantics: every scalar is a string (``60``, ``true`` and ``null`` included)."""

    def construct_scalar(self, node: yaml.ScalarNode) -> LineStr:  # type: ignore[override]
        return LineStr(super().construct_scalar(node), node.start_mark.line + 1)


_BOOL_TAG = "tag:yaml.org,2002:bool"


class Yaml12WithLinesLoader(yaml.SafeLoader):
    """GitHub semantics (YAML 1.2 core booleans): ``on``/``yes``/``off`` stay strings, timestamps stay strings."""

    def construct_scalar(self, node: yaml.ScalarNode) -> LineStr:  # type: ignore[override]
        return LineStr(super().construct_scalar(node), node.start_mark.line + 1)


Yaml12WithLinesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12WithLinesLoader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
Yaml12WithLinesLoader.add_constructor("tag:yaml.org,2002:timestamp", Yaml12WithLinesLoader.construct_yaml_str)


def line_of_node(value: Any) -> int | None:
    """The line where a loaded value starts: its own line for a string, its first key or item otherwise."""
    if isinstance(value, LineStr):
        return value.line
    if isinstance(value, dict):
        return min((key.line for key in value if isinstance(key, LineStr)), default=None)
    if isinstance(value, list):
        for item in value:
            line = line_of_node(item)
            if line is not None:
                return line
    return None


def line_at(document: Any, path: Iterable[str | int]) -> int | None:
    """The line of the value at ``path`` (mapping keys and list indexes) in a document loaded with lines.

    For a mapping entry that is the line of its key, so a non-string value (int, bool, null) still has one.
    Stops at the deepest part of the path that exists and has a line.
    """
    node = document
    line = line_of_node(document)
    for step in path:
        if isinstance(node, dict):
            key = next((candidate for candidate in node if candidate == step), None)
            if key is None:
                break
            line = key.line if isinstance(key, LineStr) else line
            node = node[key]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
            line = line_of_node(node) or line
        else:
            break
    return line


# --- JSON-schema errors as findings --------------------------------------------------------------------------


def _branches(error: jsonschema.ValidationError) -> list[list[jsonschema.ValidationError]]:
    grouped: dict[Any, list[jsonschema.ValidationError]] = {}
    for child in error.context or ():
        grouped.setdefault(child.relative_schema_path[0], []).append(child)
    return list(grouped.values())


def _branch_rank(
    error: jsonschema.ValidationError, leaves: Sequence[jsonschema.ValidationError]
) -> tuple[bool, int, int, int]:
    """Higher is likelier the branch the author meant.

    A branch whose only complaint is the instance's own type (a string where it wants a mapping) comes last.
    Then the fewest errors at the instance itself or its direct keys (a missing required key, unexpected keys,
    a ``task:`` name that is another task's): those say the branch does not fit at all, while deeper errors say
    it fits but a detail is wrong. Then the deepest error, then the fewest errors.
    """
    depth = len(error.absolute_path)
    only_type = all(leaf.validator == "type" and len(leaf.absolute_path) == depth for leaf in leaves)
    shallow = sum(1 for leaf in leaves if len(leaf.absolute_path) <= depth + 1)
    deepest = max(len(leaf.absolute_path) for leaf in leaves)
    return not only_type, -shallow, deepest, -len(leaves)


def schema_leaves(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    """The concrete errors behind an error, following the likeliest branch of every anyOf/oneOf."""
    branches = _branches(error) if error.validator in ("anyOf", "oneOf") else []
    if not branches:  # a plain error, or a oneOf that failed because several branches matched
        return [error]
    candidates = [[leaf for child in branch for leaf in schema_leaves(child)] for branch in branches]
    return max(candidates, key=lambda leaves: _branch_rank(error, leaves))


def _location(path: Iterable[str | int]) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text or "(document)"


def _unexpected_keys(error: jsonschema.ValidationError) -> list[Any]:
    """The keys an ``additionalProperties: false`` error names, read from its message (as listed there)."""
    if error.validator != "additionalProperties" or not isinstance(error.instance, dict):
        return []
    listed = error.message.rpartition("(")[2]
    return [key for key in error.instance if repr(key) in listed]


def _shorten(message: str, limit: int = 300) -> str:
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 3] + "..."


def schema_findings(
    errors: Iterator[jsonschema.ValidationError], document: Any, path: str, validator: str
) -> list[Finding]:
    """Findings for a document's schema errors, each at the line of the offending key or value."""
    findings = set()
    for error in errors:
        for leaf in schema_leaves(error):
            line = line_at(document, leaf.absolute_path)
            extra = _unexpected_keys(leaf)
            if extra and isinstance(extra[0], LineStr):
                line = extra[0].line  # point at the typo'd key, not at the mapping that holds it
            message = f"{_location(leaf.absolute_path)}: {_shorten(leaf.message)}"
            findings.add(Finding(path, line, validator, message))
    return sorted(findings, key=lambda finding: (finding.line or 0, finding.message))
