"""What the CI files a template source placed in a project ask of it, and what in them deserves a warning.

A project made from an organisation's fork gets that fork's workflows and pipelines, which the factory did
not write: its README must say which secrets, variables, environments, variable groups and service
connections they expect, and warn about references that follow a branch (a push to it runs in the project's
CI with the project's credentials) and about stored secrets where a federated sign-in would do.

The files come from a source that may be hostile: they are read line by line (never parsed as YAML, which a
crafted file can make explode), and only names made of a few plain characters are reported, so that nothing
but a name reaches the README.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

FULL_COMMIT = re.compile(r"[0-9a-f]{40}")
# GitHub gives every job this token itself: it is not something the team stores.
GIVEN_BY_GITHUB = {"GITHUB_TOKEN"}
SECRET_LIKE = re.compile(r"(SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL|KEY)", re.IGNORECASE)
NAME = r"[A-Za-z_][A-Za-z0-9_]*"
VALUE = r"[A-Za-z0-9_.$(){}/-]+"

GITHUB_SECRET = re.compile(rf"\bsecrets\.({NAME})")
GITHUB_VARIABLE = re.compile(rf"\bvars\.({NAME})")
GITHUB_ENVIRONMENT = re.compile(rf"^\s*environment:\s*(?:name:\s*)?['\"]?({VALUE})['\"]?\s*(?:#.*)?$")
GITHUB_ENVIRONMENT_NAME = re.compile(rf"^\s*name:\s*['\"]?({VALUE})['\"]?\s*(?:#.*)?$")
USES = re.compile(r"^\s*(?:-\s*)?uses:\s*['\"]?([A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+)@([A-Za-z0-9_./-]+)")
DEVOPS_GROUP = re.compile(rf"^\s*-\s*group:\s*['\"]?({VALUE})['\"]?\s*(?:#.*)?$")
DEVOPS_CONNECTION = re.compile(
    rf"^\s*(?:-\s*)?(?:azureSubscription|azureResourceManagerConnection|connectedServiceNameARM|"
    rf"ConnectedServiceName|serviceConnection|dockerRegistryServiceConnection):\s*['\"]?({VALUE})['\"]?\s*(?:#.*)?$"
)
DEVOPS_SECRET_VARIABLE = re.compile(rf"\$\(({NAME})\)")
DEVOPS_REPOSITORY = re.compile(rf"^(\s*)-\s*repository:\s*['\"]?({VALUE})['\"]?")
DEVOPS_REPOSITORY_KEY = re.compile(rf"^(\s*)(name|ref):\s*['\"]?({VALUE})['\"]?\s*(?:#.*)?$")


@dataclass(frozen=True)
class Reference:
    """Code the CI fetches from elsewhere at run time: ``target`` at ``ref``, named in ``file``."""

    file: str
    target: str
    ref: str

    @property
    def pinned(self) -> bool:
        """A full commit SHA, or an Azure DevOps tag (its repository resources cannot name a commit)."""
        return bool(FULL_COMMIT.fullmatch(self.ref)) or self.ref.startswith("refs/tags/")


@dataclass
class CiExpectations:
    """Names the CI files use, each with the files that use it (sorted, for a stable README)."""

    secrets: dict[str, list[str]] = field(default_factory=dict)
    variables: dict[str, list[str]] = field(default_factory=dict)
    environments: dict[str, list[str]] = field(default_factory=dict)
    variable_groups: dict[str, list[str]] = field(default_factory=dict)
    service_connections: dict[str, list[str]] = field(default_factory=dict)
    secret_variables: dict[str, list[str]] = field(default_factory=dict)
    references: list[Reference] = field(default_factory=list)

    @property
    def stored_secrets(self) -> dict[str, list[str]]:
        """Secrets someone has to create and rotate: GitHub secrets and secret-like Azure DevOps variables."""
        stored = {name: files for name, files in self.secrets.items() if name not in GIVEN_BY_GITHUB}
        return dict(sorted({**stored, **self.secret_variables}.items()))

    @property
    def unpinned(self) -> list[Reference]:
        return [reference for reference in self.references if not reference.pinned]

    @property
    def empty(self) -> bool:
        return not any(
            (self.secrets, self.variables, self.environments, self.variable_groups, self.service_connections,
             self.secret_variables, self.references)
        )  # fmt: skip


def _note(found: dict[str, list[str]], name: str, file: str) -> None:
    files = found.setdefault(name, [])
    if file not in files:
        files.append(file)


def _is_github_workflow(path: PurePosixPath) -> bool:
    return path.parts[:2] in {(".github", "workflows"), (".github", "actions")}


def _scan_github(text: str, file: str, found: CiExpectations) -> None:
    lines = text.splitlines()
    for number, line in enumerate(lines):
        for name in GITHUB_SECRET.findall(line):
            _note(found.secrets, name, file)
        for name in GITHUB_VARIABLE.findall(line):
            _note(found.variables, name, file)
        environment = GITHUB_ENVIRONMENT.match(line)
        if environment:
            _note(found.environments, environment[1], file)
        elif line.strip() == "environment:" and number + 1 < len(lines):
            name = GITHUB_ENVIRONMENT_NAME.match(lines[number + 1])
            if name:
                _note(found.environments, name[1], file)
        uses = USES.match(line)
        if uses:
            found.references.append(Reference(file, uses[1], uses[2]))


def _scan_devops(text: str, file: str, found: CiExpectations) -> None:
    repository: dict[str, str] | None = None
    indent = -1
    for line in text.splitlines():
        group = DEVOPS_GROUP.match(line)
        if group:
            _note(found.variable_groups, group[1], file)
        connection = DEVOPS_CONNECTION.match(line)
        if connection:
            _note(found.service_connections, connection[1], file)
        for name in DEVOPS_SECRET_VARIABLE.findall(line):
            if SECRET_LIKE.search(name):
                _note(found.secret_variables, name, file)
        start = DEVOPS_REPOSITORY.match(line)
        if start:
            _add_repository(repository, file, found)
            repository, indent = {"alias": start[2]}, len(start[1])
            continue
        key = DEVOPS_REPOSITORY_KEY.match(line)
        if repository is not None and key and len(key[1]) > indent:
            repository.setdefault(key[2], key[3])
        elif repository is not None and line.strip() and len(line) - len(line.lstrip()) <= indent:
            _add_repository(repository, file, found)
            repository = None
    _add_repository(repository, file, found)


def _add_repository(repository: dict[str, str] | None, file: str, found: CiExpectations) -> None:
    # `self` is the pipeline's own repository; a resource without `ref` follows the default branch.
    if repository and repository["alias"] != "self":
        found.references.append(Reference(file, repository.get("name", repository["alias"]), repository.get("ref", "")))


def scan(root: Path, files: Iterable[str]) -> CiExpectations:
    """What the YAML files among ``files`` (paths relative to ``root``) expect of the project's CI."""
    found = CiExpectations()
    for file in sorted(files):
        path = PurePosixPath(file)
        if path.suffix not in {".yml", ".yaml"}:
            continue
        text = (root / file).read_text(encoding="utf-8", errors="replace")
        if _is_github_workflow(path):
            _scan_github(text, file, found)
        else:
            _scan_devops(text, file, found)
    for name in ("secrets", "variables", "environments", "variable_groups", "service_connections", "secret_variables"):
        setattr(found, name, {key: sorted(files) for key, files in sorted(getattr(found, name).items())})
    return found
