"""Bad input through the real command line: one sentence, exit code 1, no project left behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import FORK_ANSWERS, cli, commit_all, git, write_files


def copy_with(factory: Path, destination: Path, **answers: str):
    data = [f"--data={key}={value}" for key, value in answers.items()]
    return cli("copy", "--trust", "--defaults", "--quiet", *data, str(factory), str(destination))


def assert_refused(result, destination: Path, *fragments: str) -> None:
    """Exactly one line of explanation, no traceback, and nothing written."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    assert not destination.exists()


def fork_data(fork: Path, ref: str = "v1") -> dict[str, str]:
    return {"project_template_github_url": f"file://{fork}", "project_template_ref": ref, **FORK_ANSWERS}


@pytest.mark.parametrize(
    ("answers", "fragments"),
    [
        ({"project_name": "My_Project"}, ["'My_Project' is not allowed as project_name", "lowercase letters"]),
        (
            {"namespace": "contosoretail1"},
            ["namespace makes the Key Vault name 'kv-contosoretail1-0001prod' 26 characters long and Azure allows 24"],
        ),
        (
            {"namespace": "contosoretailgroup", "postfix": "01"},
            ["Key Vault name 'kv-contosoretailgroup-01prod'", "shorten namespace or postfix by 4"],
        ),
        (
            {"location": "West Europe"},
            ["use 'westeurope', the region's short name", "'West Europe' is not allowed as location"],
        ),
        (
            {"project_template_github_url": "../relative/fork"},
            ["'../relative/fork' is not allowed as project_template_github_url", "absolute path"],
        ),
    ],
)
def test_bad_answers_are_refused_with_one_sentence(session_factory, tmp_path, answers, fragments):
    destination = tmp_path / "project"
    assert_refused(copy_with(session_factory, destination, **answers), destination, *fragments)


def test_unreachable_source_url(session_factory, tmp_path):
    destination = tmp_path / "project"
    missing = tmp_path / "no-such-fork"
    result = copy_with(
        session_factory, destination, project_template_github_url=f"file://{missing}", project_template_ref="v1"
    )
    assert_refused(result, destination, f"could not reach the template source file://{missing}")


def test_unknown_ref(session_factory, fork, tmp_path):
    destination = tmp_path / "project"
    result = copy_with(session_factory, destination, **fork_data(fork, ref="v9"))
    assert_refused(result, destination, "project_template_ref 'v9' is not a tag of", "full 40-character commit SHA")


def test_branch_given_as_ref(session_factory, fork, tmp_path):
    destination = tmp_path / "project"
    result = copy_with(session_factory, destination, **fork_data(fork, ref="main"))
    assert_refused(
        result,
        destination,
        "project_template_ref 'main' is a branch of",
        "give a tag or a full 40-character commit SHA",
    )


def test_abbreviated_sha_given_as_ref(session_factory, fork, tmp_path):
    destination = tmp_path / "project"
    short = git(fork, "rev-parse", "--short", "v1")
    result = copy_with(session_factory, destination, **fork_data(fork, ref=short))
    assert_refused(result, destination, f"'{short}' looks like an abbreviated commit SHA")


def test_source_without_a_needed_subtree(session_factory, fork, tmp_path):
    destination = tmp_path / "project"
    result = copy_with(session_factory, destination, **{**fork_data(fork), "project_type": "cv"})
    assert_refused(
        result,
        destination,
        "terraform/cv/aml-cli-v2/github-actions cannot be generated",
        "no cv data-science code for aml-cli-v2: template source",
        "lacks cv/aml-cli-v2/data-science/",
    )


@pytest.mark.parametrize(
    ("source_path", "fragment"),
    [("../../etc", "climbs out of the source with '..'"), ("/etc", "is absolute")],
)
def test_manifest_pointing_outside_the_source(session_factory, fork, tmp_path, source_path, fragment):
    write_files(
        fork, {"mlops-factory.yml": f"manifest_version: 1\nparts:\n  - {{from: '{source_path}', to: data-science}}\n"}
    )
    commit_all(fork, "a manifest that escapes", tag="v1-escape")
    destination = tmp_path / "project"
    result = copy_with(session_factory, destination, **fork_data(fork, ref="v1-escape"))
    assert_refused(result, destination, "the manifest of template source", "is invalid", fragment)


def test_symlink_escaping_the_source(session_factory, fork, tmp_path, isolated_cache):
    os.symlink("../../../../../etc/passwd", fork / "classical/aml-cli-v2/data-science/src/passwd")
    commit_all(fork, "a link out of the source", tag="v1-link")
    destination = tmp_path / "project"
    result = copy_with(session_factory, destination, **fork_data(fork, ref="v1-link"))
    assert_refused(
        result,
        destination,
        "holds a symlink 'classical/aml-cli-v2/data-science/src/passwd'",
        "points outside its subtree",
    )
    assert not list(isolated_cache.rglob("passwd")), "nothing of the refused source is cached"


def test_copying_without_trust_is_refused_before_anything_happens(session_factory, tmp_path):
    destination = tmp_path / "project"
    result = cli("copy", "--defaults", "--quiet", str(session_factory), str(destination))
    assert result.returncode == 4
    assert "Template uses potentially unsafe features: jinja_extensions, tasks." in result.stderr
    assert "--trust" in result.stderr
    assert "Traceback" not in result.stderr
    assert not destination.exists()
