"""An organisation's fork as the template source: pinned refs, the default mapping, the cache."""

from __future__ import annotations

import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import FORK_ANSWERS, cli, commit_all, git, write_files
from copier.errors import UserMessageError


def fork_answers(fork: Path, ref: str = "v1", **overrides: str) -> dict[str, str]:
    return {"project_template_github_url": f"file://{fork}", "project_template_ref": ref, **FORK_ANSWERS, **overrides}


def test_copy_from_a_fork_without_manifest_uses_the_upstream_mapping(
    session_factory, fork, render, tmp_path, tracked_files
):
    project = render(session_factory, tmp_path / "project", **fork_answers(fork))
    files = tracked_files(project)
    assert "infrastructure/main.tf" in files
    assert ".github/workflows/tf-gha-deploy-infra.yml" in files
    assert ".github/workflows/deploy-model-training-pipeline.yml" in files
    assert "data-science/src/train.py" in files
    assert "data/taxi.csv" in files
    assert "mlops/azureml/train/pipeline.yml" in files
    # CI of the other orchestrator and of the other infrastructure tool stays out.
    assert not any(
        path.startswith(("mlops/devops-pipelines", "infrastructure/devops-pipelines", "infrastructure/github-actions"))
        for path in files
    )
    assert not any(path.endswith(".bicep") for path in files)
    # Fork files are copied byte for byte.
    assert (project / "data-science/src/train.py").read_text() == "print('train v1')\n"


def test_fork_and_builtin_sources_produce_the_same_layout(session_factory, fork, render, tmp_path, tracked_files):
    from_fork = render(session_factory, tmp_path / "fork-project", **fork_answers(fork))
    builtin = render(session_factory, tmp_path / "builtin-project", **FORK_ANSWERS)

    def layout(project: Path) -> set[str]:
        """Where files land: the first two folders of each path (or the one folder of a shallow file)."""
        folders = set()
        for path in tracked_files(project):
            parts = Path(path).parts
            if len(parts) > 1:
                folders.add("/".join(parts[: min(2, len(parts) - 1)]))
        return folders

    assert {"infrastructure", "data-science/src", "data", "mlops/azureml", ".github/workflows"} <= layout(from_fork)
    assert layout(from_fork) <= layout(builtin)
    top_level_files = {path for path in tracked_files(builtin) if "/" not in path}
    assert {path for path in tracked_files(from_fork) if "/" not in path} == top_level_files


def test_a_second_copy_is_served_from_the_cache_without_git(session_factory, fork, render, tmp_path, isolated_cache):
    first = render(session_factory, tmp_path / "first", **fork_answers(fork))
    # Take the fork away: a second copy can only succeed if nothing is fetched.
    shutil.move(fork, tmp_path / "fork-moved-away")
    second = render(session_factory, tmp_path / "second", **fork_answers(fork))
    assert (second / "data-science/src/train.py").read_text() == (first / "data-science/src/train.py").read_text()
    assert any(isolated_cache.rglob("listing.json"))


def test_a_commit_sha_pins_the_source_like_a_tag(session_factory, fork, render, tmp_path):
    sha = git(fork, "rev-parse", "v1")
    project = render(session_factory, tmp_path / "project", **fork_answers(fork, ref=sha))
    assert (project / "data-science/src/train.py").read_text() == "print('train v1')\n"


def test_the_cold_fetch_transfers_only_the_chosen_subtrees(
    session_factory, fork, render, tmp_path, isolated_cache, monkeypatch
):
    from plumbum import local

    write_files(fork, {"nlp/aml-cli-v2/data-science/big.bin": ""})
    (fork / "nlp/aml-cli-v2/data-science/big.bin").write_bytes(os.urandom(300_000))  # incompressible
    commit_all(fork, "large unrelated subtree", tag="v1-big")
    packs = tmp_path / "received-packs.bin"
    monkeypatch.setenv("GIT_TRACE_PACKFILE", str(packs))
    monkeypatch.setitem(local.env, "GIT_TRACE_PACKFILE", str(packs))

    render(session_factory, tmp_path / "project", **fork_answers(fork, ref="v1-big"))

    assert 0 < packs.stat().st_size < 30_000, "git received more than the chosen subtrees"
    cached = [path for path in isolated_cache.rglob("*") if path.is_file()]
    assert not any(path.name == "big.bin" for path in cached)


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        (
            {"infrastructure_version": "bicep"},
            "no GitHub Actions workflows for bicep infrastructure: .* lacks infrastructure/bicep/github-actions/",
        ),
        (
            {"mlops_version": "python-sdk-v1"},
            "no classical data-science code for python-sdk-v1: .* lacks classical/python-sdk-v1/data-science/",
        ),
        ({"project_type": "nlp"}, "no nlp data-science code for aml-cli-v2: .* lacks nlp/aml-cli-v2/data-science/"),
    ],
)
def test_a_combination_the_fork_lacks_is_refused_with_its_reason(
    session_factory, fork, render, tmp_path, answers, reason
):
    with pytest.raises(UserMessageError, match=reason):
        render(session_factory, tmp_path / "project", **fork_answers(fork, **answers))
    assert not (tmp_path / "project").exists()


def test_the_prompt_greys_out_what_the_fork_lacks(session_factory, fork, prompt_question):
    """The per-choice validators, as questionary shows them: disabled choices carry the reason."""
    question = prompt_question(
        session_factory,
        "orchestration",
        project_template_github_url=f"file://{fork}",
        project_template_ref="v1",
        infrastructure_version="bicep",
        project_type="classical",
        mlops_version="aml-cli-v2",
    )
    disabled = {choice.value: choice.disabled for choice in question._formatted_choices}
    assert disabled["azure-devops"] == ""
    # The reason comes first and the source's URL after it: a terminal cuts long choice lines at its edge.
    assert disabled["github-actions"] == (
        f"no GitHub Actions workflows for bicep infrastructure: template source file://{fork} at v1 lacks "
        "infrastructure/bicep/github-actions/"
    )
    assert question.get_default() == "azure-devops"


def test_a_fork_manifest_decides_the_mapping(session_factory, fork, render, tmp_path, tracked_files):
    write_files(
        fork,
        {
            "mlops-factory.yml": (
                "manifest_version: 1\nparts:\n"
                "  - {from: infrastructure/terraform, to: infra, exclude: [github-actions, devops-pipelines]}\n"
                "  - {from: shared-ds, to: data-science}\n"
                "  - {from: classical/aml-cli-v2/mlops/azureml, to: mlops/azureml}\n"
            ),
            "shared-ds/src/train.py": "print('shared')\n",
        },
    )
    commit_all(fork, "add a manifest", tag="v1-manifest")
    project = render(session_factory, tmp_path / "project", **fork_answers(fork, ref="v1-manifest"))
    files = tracked_files(project)
    assert {"infra/main.tf", "data-science/src/train.py", "mlops/azureml/train/pipeline.yml"} <= files
    # Only the factory's own update workflow; the manifest maps no CI.
    assert {path for path in files if path.startswith(".github/")} == {".github/workflows/factory-update.yml"}


def test_two_copies_sharing_a_cold_cache_both_succeed_identically(
    session_factory, fork, tmp_path, isolated_cache, tracked_files
):
    def copy(name: str) -> subprocess.CompletedProcess[str]:
        return cli(
            "copy",
            "--trust",
            "--defaults",
            "--quiet",
            "--vcs-ref=1.0.0",
            f"--data=project_template_github_url=file://{fork}",
            "--data=project_template_ref=v1",
            str(session_factory),
            str(tmp_path / name),
        )

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(copy, ["one", "two"]))
    assert [result.returncode for result in results] == [0, 0], [result.stderr for result in results]
    one, two = tmp_path / "one", tmp_path / "two"
    assert tracked_files(one) == tracked_files(two)
    for path in tracked_files(one):
        assert (one / path).read_bytes() == (two / path).read_bytes(), path
    assert not [path for path in isolated_cache.rglob("*.tmp")], "no half-written cache entries"


def test_the_ref_prompt_offers_the_newest_release_of_the_fork(session_factory, fork, prompt_question):
    git(fork, "tag", "v1.10.0")
    git(fork, "tag", "v1.9.2")
    git(fork, "tag", "nightly")
    question = prompt_question(session_factory, "project_template_ref", project_template_github_url=f"file://{fork}")
    assert question.get_default() == "v1.10.0"


def test_a_fork_without_tags_offers_its_newest_commit(session_factory, fork, prompt_question):
    git(fork, "tag", "--delete", "v1")
    question = prompt_question(session_factory, "project_template_ref", project_template_github_url=f"file://{fork}")
    assert question.get_default() == git(fork, "rev-parse", "HEAD")


def test_an_empty_fork_is_refused_at_the_url_question(session_factory, tmp_path, prompt_question):
    empty = tmp_path / "empty"
    git(tmp_path, "init", "--quiet", "--bare", str(empty))
    question = prompt_question(session_factory, "project_template_github_url")
    with pytest.raises(
        ValueError, match="push the template source to it first: the template source .* has no commits yet"
    ):
        question.validate_answer(f"file://{empty}")


def test_the_readme_of_a_fork_made_project_says_what_was_placed_and_what_its_ci_expects(
    session_factory, fork, render, tmp_path
):
    training = "classical/aml-cli-v2/mlops/github-actions/deploy-model-training-pipeline.yml"
    write_files(
        fork,
        {
            training: "jobs:\n  train:\n    uses: Azure/mlops-templates/.github/workflows/run-pipeline.yml@main\n"
            "    secrets:\n      creds: ${{ secrets.AZURE_CREDENTIALS }}\n"
        },
    )
    commit_all(fork, "fork v2: the upstream training workflow", tag="v2")

    readme = (render(session_factory, tmp_path / "project", **fork_answers(fork, "v2")) / "README.md").read_text()

    assert f"`file://{fork}` at `v2`" in readme
    placed = "| `classical/aml-cli-v2/data-science` (classical data-science code for aml-cli-v2) | `data-science/` |"
    assert placed in readme
    expected = readme.split("## What its CI expects", 1)[1].split("## Check before the first run")[0]
    assert "| secret | `AZURE_CREDENTIALS` | `.github/workflows/deploy-model-training-pipeline.yml` |" in expected
    warnings = readme.split("## Check before the first run", 1)[1]
    assert "- `Azure/mlops-templates/.github/workflows/run-pipeline.yml@main` in `.github/workflows/" in warnings
    assert "- `AZURE_CREDENTIALS` in `.github/workflows/deploy-model-training-pipeline.yml`" in warnings
    # What only the built-in source provides is not promised.
    for promise in ("pr-gate", "pr gate", "ensure-state-storage", "bootstrap.py", "registry", "batch endpoint", "oidc"):
        assert promise not in readme.lower(), promise


def test_the_readme_of_a_fork_made_project_whose_ci_expects_nothing_says_so(session_factory, fork, render, tmp_path):
    readme = (render(session_factory, tmp_path / "project", **fork_answers(fork)) / "README.md").read_text()
    assert "name no secret, variable, environment, variable group, service connection" in readme
    assert "Nothing to warn about in the placed CI files" in readme
