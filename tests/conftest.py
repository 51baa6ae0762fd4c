"""Shared fixtures: the factory as a tagged git repository, rendering helpers, a fake fork source."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The files that make up the template; everything else (tests, docs, .git, .venv) stays behind.
FACTORY_PATHS = ("copier.yml", "template", "subtrees", "extensions", ".gitignore")

sys.path.insert(0, str(ROOT / "extensions"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakes.ci_tokens import ci_token_endpoint  # noqa: E402, F401  (a fake CI endpoint of OIDC tokens)
from fakes.fixture import fake_cli  # noqa: E402, F401  (fake `az` and `gh` on PATH, for any test)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def copy_factory(destination: Path) -> Path:
    destination.mkdir(parents=True, exist_ok=True)
    for name in FACTORY_PATHS:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".stage"))
        else:
            shutil.copy2(source, destination / name)
    return destination


def commit_all(repo: Path, message: str, tag: str | None = None) -> None:
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--allow-empty", "-m", message)
    if tag:
        git(repo, "tag", tag)


@pytest.fixture(scope="session")
def copier_template_paths() -> list[str]:
    """pytest-copier copies only these into its tagged template repository."""
    return list(FACTORY_PATHS)


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own source cache, so no test sees another's fetched forks."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("MLOPS_FACTORY_CACHE_DIR", str(cache))
    return cache


@pytest.fixture
def factory_repo(tmp_path: Path) -> Path:
    """A git repository of the factory tagged 1.0.0, which tests may change and tag again."""
    repo = copy_factory(tmp_path / "factory")
    git(repo, "init", "--quiet", "-b", "main")
    commit_all(repo, "factory 1.0.0", tag="1.0.0")
    return repo


@pytest.fixture(scope="session")
def session_factory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A read-only tagged factory repository shared by tests that only copy from it."""
    repo = copy_factory(tmp_path_factory.mktemp("session") / "factory")
    git(repo, "init", "--quiet", "-b", "main")
    commit_all(repo, "factory 1.0.0", tag="1.0.0")
    return repo


def cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real `copier` command line, as a user would."""
    copier = Path(sys.executable).with_name("copier")
    return subprocess.run(
        [str(copier), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


WORKFLOW = "name: deploy\non: workflow_dispatch\njobs: {}\n"
PIPELINE = "trigger: none\nsteps: []\n"
FORK_FILES: dict[str, str] = {
    "README.md": "# Our fork of the MLOps project template\n",
    "infrastructure/terraform/main.tf": 'resource "azurerm_resource_group" "main" {\n  name = var.rg\n}\n',
    "infrastructure/terraform/github-actions/tf-gha-deploy-infra.yml": WORKFLOW,
    "infrastructure/terraform/devops-pipelines/tf-ado-deploy-infra.yml": PIPELINE,
    "infrastructure/bicep/main.bicep": "targetScope = 'subscription'\n",
    "infrastructure/bicep/pipelines/bicep-ado-deploy-infra.yml": PIPELINE,
}
for _version in ("aml-cli-v2", "python-sdk-v2"):
    FORK_FILES.update(
        {
            f"classical/{_version}/data-science/src/train.py": "print('train v1')\n",
            f"classical/{_version}/data/taxi.csv": "a,b\n1,2\n",
            f"classical/{_version}/mlops/azureml/train/pipeline.yml": "type: pipeline\n",
            f"classical/{_version}/mlops/github-actions/deploy-model-training-pipeline.yml": WORKFLOW,
            f"classical/{_version}/mlops/devops-pipelines/deploy-model-training-pipeline.yml": PIPELINE,
        }
    )


def write_files(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.fixture
def fork(tmp_path: Path) -> Path:
    """An organisation's fork in Azure/mlops-project-template's layout, without a manifest.

    It has classical with aml-cli-v2 and python-sdk-v2, Terraform on both orchestrators and Bicep on
    Azure DevOps only (like upstream, which has no Bicep workflow for GitHub). Tagged v1; tests add v2.
    """
    repo = tmp_path / "fork"
    write_files(repo, FORK_FILES)
    git(repo, "init", "--quiet", "-b", "main")
    # Serve partial clones like GitHub does, so fetches can be measured.
    git(repo, "config", "uploadpack.allowFilter", "true")
    commit_all(repo, "fork v1", tag="v1")
    return repo


FORK_ANSWERS = {
    "infrastructure_version": "terraform",
    "project_type": "classical",
    "mlops_version": "aml-cli-v2",
    "orchestration": "github-actions",
}


@pytest.fixture
def render() -> Callable[..., Path]:
    """Copy a project in-process (like `copier copy --trust --defaults --data ...`)."""
    from copier import run_copy

    def _render(template: Path, destination: Path, vcs_ref: str | None = None, **answers: str) -> Path:
        run_copy(
            str(template),
            destination,
            data=answers,
            defaults=True,
            unsafe=True,
            quiet=True,
            vcs_ref=vcs_ref,
            overwrite=True,
        )
        return destination

    return _render


@pytest.fixture
def tracked_files() -> Callable[[Path], set[str]]:
    def _tracked(project: Path) -> set[str]:
        return {
            path.relative_to(project).as_posix()
            for path in project.rglob("*")
            if path.is_file() and ".git" not in path.relative_to(project).parts
        }

    return _tracked


@pytest.fixture
def prompt_question(tmp_path: Path):
    """The Copier question `field` as the interactive prompt sees it, after `answers` were given.

    The questions before it are answered (`answers`, else their defaults); those after it are not yet.
    """
    from copier._main import Worker
    from copier._user_data import Question
    from plumbum import local

    def _question(template: Path, field: str, **answers: str) -> Question:
        worker = Worker(
            src_path=str(template), dst_path=tmp_path / "prompted", unsafe=True, defaults=True, data=answers, quiet=True
        )
        with local.cwd(tmp_path):
            worker._ask()
        names = list(worker.template.questions_data)
        for later in names[names.index(field) :]:
            worker.answers.user.pop(later, None)
        worker.defaults = False  # the question is now asked interactively, as the prompt would
        return Question(
            answers=worker.answers,
            context=worker._render_context(),
            jinja_env=worker.jinja_env,
            settings=worker.settings,
            var_name=field,
            **worker.template.questions_data[field],
        )

    return _question


def run_shell(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300
    )


@pytest.fixture(scope="session")
def rendered_project(
    copier_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[dict[str, str]], Path]:
    """Render a combination once per test session (per xdist worker) and share it between tests."""
    from copier import run_copy
    from mlops_factory.axes import combination_id

    projects: dict[str, Path] = {}

    def _rendered(combination: dict[str, str]) -> Path:
        key = combination_id(combination)
        if key not in projects:
            destination = tmp_path_factory.mktemp(key) / "project"
            run_copy(str(copier_template), destination, data=combination, defaults=True, unsafe=True, quiet=True)
            projects[key] = destination
        return projects[key]

    return _rendered
