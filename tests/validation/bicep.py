"""Offline validation of a generated project's Bicep code (``infrastructure/**/*.bicep`` and ``*.bicepparam``).

There is no Bicep compiler offline, so this module checks:

- syntax, with the tree-sitter grammar from PyPI ``tree-sitter-bicep``: every ERROR or MISSING node is a
  finding with its line. The grammar (1.1.0, December 2024) predates a few newer Bicep features, which it
  reports as syntax errors: the spread operator ``...x`` and ``resourceInput<...>``/``resourceOutput<...>``
  types;
- ``.bicepparam`` files: the grammar knows ``using '<path>'`` but not ``using none`` nor ``extends``, and
  wants a type in ``param name = value`` (it parses ``param`` as a template parameter declaration), so
  ``read_bicepparam`` reads the statements itself (a small tokenizer aware of strings, interpolations,
  comments and brackets) and the syntax check parses a copy in which each ``param name`` gets a
  placeholder type and ``using none``/``extends '...'`` are blanked out (lines unchanged);
- references: every local ``module x '<path>'`` exists, the ``params: {...}`` it passes are declared in
  that file and it passes every parameter that has no default; every ``.bicepparam``'s ``using '<path>'``
  exists, sets only parameters the template declares and sets all it requires.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import Finding

if TYPE_CHECKING:
    from tree_sitter import Node, Parser, Tree

VALIDATOR = "bicep"
REMOTE_PREFIXES = ("br:", "br/", "ts:", "ts/")
PLACEHOLDER_TYPE = " any"
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MAX_SYNTAX_FINDINGS = 10  # per file: one mistake often derails the parser for many lines


@dataclass
class Param:
    """A template parameter; ``required`` when it has no default and is not nullable."""

    name: str
    line: int
    required: bool


@dataclass
class ModuleCall:
    """``module <name> '<path>' = {... params: {...}}``."""

    name: str
    path: str
    line: int
    params: dict[str, int] | None  # name -> line; None when `params` is not a plain object literal


@dataclass
class Template:
    """What the checks need from one .bicep (or ARM .json) file."""

    params: dict[str, Param] = field(default_factory=dict)
    modules: list[ModuleCall] = field(default_factory=list)
    syntax_errors: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class ParamFile:
    """What the checks need from one .bicepparam file."""

    using: tuple[str, int] | None = None  # (path or "none", line)
    extends: tuple[str, int] | None = None
    params: dict[str, int] = field(default_factory=dict)  # name -> line of its first assignment
    duplicates: list[tuple[str, int]] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)
    syntax_errors: list[tuple[int, str]] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------
# tree-sitter
# --------------------------------------------------------------------------------------------------
@functools.cache
def _parser() -> Parser:
    """The tree-sitter parser for Bicep (built once)."""
    import tree_sitter_bicep
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_bicep.language()))


def parse_bicep(source: bytes) -> Tree:
    """The tree-sitter tree of Bicep source."""
    return _parser().parse(source)


def syntax_errors(tree: Tree) -> list[tuple[int, str]]:
    """``(line, message)`` for every ERROR and MISSING node (not descending into an ERROR)."""
    errors: list[tuple[int, str]] = []

    def visit(node: Node) -> None:
        if node.is_missing:
            errors.append((node.start_point.row + 1, f"syntax error: missing {node.type!r}"))
            return
        if node.is_error:
            text = _text(node).strip().splitlines()
            near = text[0][:60] if text else ""
            errors.append((node.start_point.row + 1, f"syntax error near {near!r}"))
            return
        if node.has_error:
            for child in node.children:
                visit(child)

    visit(tree.root_node)
    return errors


def _string_value(node: Node | None) -> str | None:
    """The value of a string node without interpolations, else None."""
    if node is None or node.type != "string":
        return None
    parts = []
    for child in node.named_children:
        if child.type != "string_content":
            return None
        parts.append(_text(child))
    return "".join(parts)


def _text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", errors="replace")


def _property_key(node: Node) -> str | None:
    """The key of an ``object_property`` (identifier or plain string)."""
    key = node.named_children[0] if node.named_children else None
    if key is None:
        return None
    if key.type == "string":
        return _string_value(key)
    return _text(key) if key.type == "identifier" else None


def _object_properties(node: Node | None) -> dict[str, Node] | None:
    """``{key: object_property node}`` of an object literal, None if it is not a plain literal."""
    if node is None or node.type != "object":
        return None
    properties: dict[str, Node] = {}
    for child in node.named_children:
        if child.type == "comment":
            continue
        key = _property_key(child) if child.type == "object_property" else None
        if key is None:
            return None  # a spread, or something the grammar did not understand
        properties.setdefault(key, child)
    return properties


def _module_body(declaration: Node) -> Node | None:
    """The object literal of a module declaration, also inside `if (...) {...}` and `[for ...: {...}]`."""
    for child in declaration.named_children:
        if child.type == "object":
            return child
        if child.type in ("if_statement", "for_statement"):
            objects = [inner for inner in child.named_children if inner.type == "object"]
            if objects:
                return objects[-1]
    return None


def read_template(source: bytes) -> Template:
    """Parameters, module calls and syntax errors of a .bicep file."""
    tree = parse_bicep(source)
    template = Template(syntax_errors=syntax_errors(tree))
    for node in tree.root_node.named_children:
        if node.type == "parameter_declaration":
            name = node.child_by_field_name("name") or next(
                (child for child in node.named_children if child.type == "identifier"), None
            )
            if name is None:
                continue
            has_default = any(child.type == "=" for child in node.children)
            type_node = next((child for child in node.named_children if child.type == "type"), None)
            nullable = type_node is not None and any(child.type == "nullable_type" for child in type_node.children)
            text = _text(name)
            template.params.setdefault(text, Param(text, node.start_point.row + 1, not has_default and not nullable))
        elif node.type == "module_declaration":
            identifier = next((child for child in node.named_children if child.type == "identifier"), None)
            path_node = next((child for child in node.named_children if child.type == "string"), None)
            path = _string_value(path_node)
            if identifier is None or path is None or path_node is None:
                continue
            body = _object_properties(_module_body(node))
            params: dict[str, int] | None = None
            if body is not None:
                params_property = body.get("params")
                if params_property is None:
                    params = {}
                else:
                    value = params_property.named_children[-1]
                    values = _object_properties(value)
                    if values is not None:
                        params = {key: prop.start_point.row + 1 for key, prop in values.items()}
            module = ModuleCall(_text(identifier), path, path_node.start_point.row + 1, params)
            template.modules.append(module)
    return template


def read_arm_template(text: str) -> Template:
    """Parameters of an ARM JSON template (a module or `using` target may be one)."""
    template = Template()
    parameters = json.loads(text).get("parameters", {})
    for name, spec in parameters.items():
        required = "defaultValue" not in spec and not spec.get("nullable", False)
        template.params[name] = Param(name, 1, required)
    return template


# --------------------------------------------------------------------------------------------------
# .bicepparam files
# --------------------------------------------------------------------------------------------------
@dataclass
class Token:
    """A token of a .bicepparam file, with its bracket depth."""

    kind: str  # "ident", "string", "newline", "punct"
    value: str
    line: int
    start: int
    end: int
    depth: int


class BicepParamReader:
    """Reads the top-level statements of a .bicepparam file.

    Strings ('...' with escapes and ``${...}`` interpolations, and '''...''' verbatim), comments and
    brackets are skipped over, so a ``param`` inside a value or a comment never counts as a statement.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[Token] = []
        self.problems: list[tuple[int, str]] = []

    def line_at(self, index: int) -> int:
        """The 1-based line of a character offset."""
        return self.text.count("\n", 0, index) + 1

    def skip_string(self, index: int) -> tuple[int, str | None]:
        """From an opening quote, return (index after the closing quote, value or None if interpolated)."""
        text = self.text
        if text.startswith("'''", index):
            end = text.find("'''", index + 3)
            if end < 0:
                self.problems.append((self.line_at(index), "unterminated multi-line string"))
                return len(text), None
            return end + 3, text[index + 3 : end]
        value: list[str] | None = []
        i = index + 1
        while i < len(text):
            char = text[i]
            if char == "\\" and i + 1 < len(text):
                if value is not None:
                    value.append(text[i : i + 2])
                i += 2
            elif char == "'":
                return i + 1, "".join(value) if value is not None else None
            elif char == "\n":
                break
            elif text.startswith("${", i):
                i = self.skip_expression(i + 2)
                value = None
            else:
                if value is not None:
                    value.append(char)
                i += 1
        self.problems.append((self.line_at(index), "unterminated string"))
        return i, None

    def skip_expression(self, index: int) -> int:
        """From inside ``${``, return the index after its closing ``}``."""
        depth = 0
        i = index
        while i < len(self.text):
            char = self.text[i]
            if char == "'":
                i, _ = self.skip_string(i)
                continue
            if char in "([{":
                depth += 1
            elif char in ")]}":
                if depth == 0:
                    return i + 1
                depth -= 1
            i += 1
        self.problems.append((self.line_at(index), "unterminated interpolation"))
        return i

    def tokenize(self) -> list[Token]:
        """Identifiers, strings, punctuation, and the newlines outside brackets (which end statements)."""
        text, i, depth = self.text, 0, 0
        while i < len(text):
            char = text[i]
            if char == "\n":
                if depth == 0:
                    self.tokens.append(Token("newline", "\n", self.line_at(i), i, i + 1, depth))
                i += 1
            elif char in " \t\r":
                i += 1
            elif text.startswith("//", i):
                end = text.find("\n", i)
                i = len(text) if end < 0 else end
            elif text.startswith("/*", i):
                end = text.find("*/", i + 2)
                if end < 0:
                    self.problems.append((self.line_at(i), "unterminated comment"))
                    break
                i = end + 2
            elif char == "'":
                end, value = self.skip_string(i)
                self.tokens.append(Token("string", value if value is not None else "", self.line_at(i), i, end, depth))
                i = end
            elif match := IDENTIFIER.match(text, i):
                self.tokens.append(Token("ident", match.group(), self.line_at(i), i, match.end(), depth))
                i = match.end()
            else:
                if char in ")]}":
                    depth = max(depth - 1, 0)
                self.tokens.append(Token("punct", char, self.line_at(i), i, i + 1, depth))
                if char in "([{":
                    depth += 1
                i += 1
        return self.tokens

    def read(self) -> tuple[ParamFile, str]:
        """The statements, and the text rewritten for the tree-sitter grammar (same lines)."""
        tokens = self.tokenize()
        result = ParamFile(problems=self.problems)
        rewritten = self.text
        insertions: list[int] = []
        blanks: list[tuple[int, int]] = []
        statement_start = True
        for index, token in enumerate(tokens):
            if token.kind == "newline":
                statement_start = True
                continue
            if not statement_start or token.depth != 0:
                continue
            statement_start = False
            following = tokens[index + 1 : index + 3]
            if token.kind != "ident":
                continue
            if token.value in ("using", "extends") and following:
                target = following[0]
                if target.kind == "string" or (token.value == "using" and target.value == "none"):
                    setattr(result, token.value, (target.value, token.line))
                    if token.value == "extends" or target.kind != "string":
                        blanks.append((token.start, target.end))  # not in the grammar
                else:
                    result.problems.append((token.line, f"`{token.value}` must be followed by a quoted path"))
            elif token.value == "param":
                if len(following) == 2 and following[0].kind == "ident" and following[1].value == "=":
                    name = following[0].value
                    if name in result.params:
                        result.duplicates.append((name, token.line))
                    else:
                        result.params[name] = token.line
                    insertions.append(following[0].end)
                else:
                    result.problems.append((token.line, "expected `param <name> = <value>`"))
        for start, end in blanks:
            rewritten = rewritten[:start] + " " * (end - start) + rewritten[end:]
        for offset in sorted(insertions, reverse=True):
            rewritten = rewritten[:offset] + PLACEHOLDER_TYPE + rewritten[offset:]
        return result, rewritten


def read_bicepparam(text: str) -> ParamFile:
    """Statements and syntax errors of a .bicepparam file."""
    result, rewritten = BicepParamReader(text).read()
    result.syntax_errors = syntax_errors(parse_bicep(rewritten.encode("utf-8")))
    return result


# --------------------------------------------------------------------------------------------------
# The checks
# --------------------------------------------------------------------------------------------------
class Checker:
    """Collects findings with paths relative to the project, and reads each template once."""

    def __init__(self, project: Path) -> None:
        self.project = project
        self.findings: list[Finding] = []
        self.templates: dict[Path, Template | None] = {}

    def add(self, path: Path, line: int | None, message: str) -> None:
        """Record a finding about ``path``."""
        try:
            shown = path.resolve().relative_to(self.project).as_posix()
        except ValueError:
            shown = str(path)
        self.findings.append(Finding(shown, line, VALIDATOR, message))

    def template(self, path: Path) -> Template | None:
        """The parsed template at ``path`` (None if it is neither .bicep nor a readable ARM .json)."""
        path = path.resolve()
        if path not in self.templates:
            template: Template | None = None
            if path.suffix == ".bicep":
                template = read_template(path.read_bytes())
            elif path.suffix == ".json":
                try:
                    template = read_arm_template(path.read_text(encoding="utf-8"))
                except (ValueError, AttributeError):
                    template = None
            self.templates[path] = template
        return self.templates[path]


def _is_local(path: str) -> bool:
    """Not a registry (``br:``) or template spec (``ts:``) reference."""
    return not path.startswith(REMOTE_PREFIXES)


def check_template(checker: Checker, path: Path) -> None:
    """Syntax of a .bicep file, and its local module calls."""
    template = checker.template(path)
    assert template is not None
    for line, message in template.syntax_errors[:MAX_SYNTAX_FINDINGS]:
        checker.add(path, line, message)
    for module in template.modules:
        if not _is_local(module.path):
            continue
        target = path.parent / module.path
        where = f"module {module.name}"
        if not target.is_file():
            checker.add(path, module.line, f"{where}: {module.path!r} does not exist")
            continue
        called = checker.template(target)
        if called is None or module.params is None or called.syntax_errors:
            continue
        for name, line in module.params.items():
            if name not in called.params:
                checker.add(path, line, f"{where}: {module.path!r} declares no parameter {name!r}")
        for name, param in called.params.items():
            if param.required and name not in module.params:
                checker.add(path, module.line, f"{where}: required parameter {name!r} of {module.path!r} is not set")


def _param_names(path: Path, seen: frozenset[Path] = frozenset()) -> set[str] | None:
    """Parameters a .bicepparam sets, including those of the file it `extends` (None if unreadable)."""
    if path in seen or not path.is_file():
        return None
    params = read_bicepparam(path.read_text(encoding="utf-8"))
    names = set(params.params)
    if params.extends and _is_local(params.extends[0]):
        base = _param_names((path.parent / params.extends[0]).resolve(), seen | {path})
        if base is None:
            return None
        names |= base
    return names


def check_param_file(checker: Checker, path: Path) -> None:
    """Syntax of a .bicepparam file, its `using` (and `extends`) target and the parameters it sets."""
    params = read_bicepparam(path.read_text(encoding="utf-8"))
    for line, message in params.problems:
        checker.add(path, line, message)
    for line, message in params.syntax_errors[:MAX_SYNTAX_FINDINGS]:
        checker.add(path, line, message)
    for name, line in params.duplicates:
        checker.add(path, line, f"parameter {name!r} is set twice")
    inherited: set[str] = set()
    if params.extends and _is_local(params.extends[0]):
        base = (path.parent / params.extends[0]).resolve()
        if not base.is_file():
            checker.add(path, params.extends[1], f"extends {params.extends[0]!r}, which does not exist")
            return
        inherited = _param_names(base, frozenset({path.resolve()})) or set()
    if params.using is None:
        if not params.extends:
            checker.add(path, 1, "no `using '<template>'` statement")
        return
    using, line = params.using
    if using == "none" or not _is_local(using):
        return
    target = path.parent / using
    if not target.is_file():
        checker.add(path, line, f"using {using!r}, which does not exist")
        return
    template = checker.template(target)
    if template is None or template.syntax_errors:
        return
    for name, param_line in params.params.items():
        if name not in template.params:
            checker.add(path, param_line, f"sets {name!r}, which {using!r} does not declare")
    for name, param in template.params.items():
        if param.required and name not in params.params and name not in inherited:
            checker.add(path, line, f"does not set {name!r}, which {using!r} requires (it has no default)")


def validate_bicep(project: Path) -> list[Finding]:
    """Validate every ``.bicep`` and ``.bicepparam`` file under ``project/infrastructure``."""
    project = project.resolve()
    checker = Checker(project)
    infrastructure = project / "infrastructure"
    if not infrastructure.is_dir():
        return []
    for path in sorted(infrastructure.rglob("*.bicep")):
        check_template(checker, path)
    for path in sorted(infrastructure.rglob("*.bicepparam")):
        check_param_file(checker, path)
    unique = set(checker.findings)
    return sorted(unique, key=lambda finding: (finding.path, finding.line or 0, finding.message))
