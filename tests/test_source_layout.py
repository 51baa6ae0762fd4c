"""The built-in source's layout rules (docs/architecture.md), checked on the files themselves.

Every test here reads files only: no render, no git, well under a second together.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from itertools import product
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from jinja2 import Environment
from mlops_factory.axes import AXES, MLOPS_FAMILIES
from mlops_factory.manifest import MANIFEST_FILE, parse_manifest

SUBTREES = ROOT / "subtrees"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
# Files this large that are byte-identical are copies that one file should replace.
LARGEST_ALLOWED_COPY = 200
# What the contributor's guide promises for the two traced changes.
TRACED_BUDGETS = {"Add a step to every training run": 2, "Add an MLOps version inside an existing family": 5}


def source_files() -> list[Path]:
    return sorted(path for path in SUBTREES.rglob("*") if path.is_file() and "__pycache__" not in path.parts)


def test_every_mlops_version_belongs_to_exactly_one_family():
    members = [version for versions in MLOPS_FAMILIES.values() for version in versions]
    assert sorted(members) == sorted(AXES["mlops_version"])


def test_no_file_over_200_bytes_is_stored_twice():
    by_content: dict[str, list[str]] = defaultdict(list)
    for path in source_files():
        data = path.read_bytes()
        if len(data) > LARGEST_ALLOWED_COPY:
            by_content[hashlib.sha256(data).hexdigest()].append(path.relative_to(SUBTREES).as_posix())
    copies = [paths for paths in by_content.values() if len(paths) > 1]
    assert not copies, f"byte-identical files: {copies}"


def test_the_manifest_conditions_name_families_not_lists_of_mlops_versions():
    raw = yaml.safe_load((SUBTREES / MANIFEST_FILE).read_text())
    lists = [
        part.get("what", part["from"])
        for part in raw["parts"]
        if isinstance((part.get("when") or {}).get("mlops_version"), list)
    ]
    assert not lists, f"conditions listing MLOps versions (use mlops_family): {lists}"
    parse_manifest((SUBTREES / MANIFEST_FILE).read_text())  # and it is a valid manifest


def unescaped_expressions(source: str) -> list[int]:
    """Lines where a `${{` would reach Jinja (outside a raw block): GitHub and Azure DevOps expressions."""
    tokens = list(Environment(keep_trailing_newline=True).lex(source))
    return [
        line
        for (_, kind, value), (line, next_kind, _) in zip(tokens, tokens[1:], strict=False)
        if kind == "data" and value.endswith("$") and next_kind == "variable_begin"
    ]


def test_the_expression_check_finds_an_unescaped_github_expression():
    assert unescaped_expressions("run: echo\nname: ${{ inputs.environment }}\n") == [2]
    assert unescaped_expressions("{% raw %}name: ${{ inputs.environment }}{% endraw %}\n") == []


@pytest.mark.parametrize(
    "template",
    [path for path in source_files() if path.name.endswith(".jinja")],
    ids=lambda path: path.relative_to(SUBTREES).as_posix(),
)
def test_no_ci_expression_reaches_jinja(template: Path):
    lines = unescaped_expressions(template.read_text())
    assert not lines, f"{template.relative_to(ROOT)}: wrap the `${{{{ }}}}` on line(s) {lines} in {{% raw %}}"


def guide_sections() -> dict[str, str]:
    """The contributor's guide of docs/architecture.md, by ### heading."""
    text = ARCHITECTURE.read_text()
    guide = text.split("## Contributor's guide", 1)[1]
    sections = re.split(r"^### (.+)$", guide, flags=re.MULTILINE)
    return dict(zip(sections[1::2], sections[2::2], strict=True))


PLACEHOLDERS = {
    "<type>": AXES["project_type"],
    "<family>": tuple(MLOPS_FAMILIES),
    "<tool>": AXES["infrastructure_version"],
    "<orchestrator>": tuple(path.name for path in sorted((SUBTREES / "ci").iterdir())),
}
ROOTS = ("subtrees/", "extensions/", "scripts/", "tests/", "docs/", "template/", "copier.yml", "README.md")


def named_paths(section: str) -> list[str]:
    """The repository paths a section names in backticks."""
    return [token for token in re.findall(r"`([^`\s]+)`", section) if token.startswith(ROOTS)]


def expansions(path: str) -> list[Path]:
    """``path`` with each placeholder replaced by each of its values; a `<new-…>` folder stops at its parent."""
    if "<new-" in path:
        path = path[: path.index("<new-")]
    unknown = set(re.findall(r"<[^>]+>", path)) - set(PLACEHOLDERS)
    assert not unknown, f"{path}: unknown placeholder(s) {unknown}"
    names = [name for name in PLACEHOLDERS if name in path]
    found = []
    for values in product(*(PLACEHOLDERS[name] for name in names)):
        concrete = path
        for name, value in zip(names, values, strict=True):
            concrete = concrete.replace(name, value)
        found.append(ROOT / concrete.split(":", 1)[0])
    return found


def test_every_path_the_contributors_guide_names_exists():
    sections = guide_sections()
    assert set(TRACED_BUDGETS) <= set(sections), "the guide lost a traced change"
    missing = [
        f"{title}: {path}"
        for title, section in sections.items()
        for named in named_paths(section)
        for path in expansions(named)
        if not path.exists()
    ]
    assert not missing, f"paths the guide names that do not exist: {missing}"


@pytest.mark.parametrize(("title", "budget"), TRACED_BUDGETS.items())
def test_the_traced_changes_stay_within_their_file_budget(title: str, budget: int):
    section = guide_sections()[title]
    declaration, listing = section.strip().split("\n\n")[:2]  # "Touch these files (N)…", then the list
    files = {named_paths(line)[0] for line in listing.splitlines() if line.startswith("- ")}
    declared = int(re.fullmatch(r"Touch these files \((\d+)\).*", declaration).group(1))
    assert len(files) == declared <= budget
