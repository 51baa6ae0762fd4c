"""Odd answers and odd places, as a careless user or a hostile template source would give them: the real
`copier` command ends in one sentence (never a traceback), writes nothing, and uses every answer exactly as
it was given or not at all.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import FORK_ANSWERS, cli, git

QUIET_COPY = ("copy", "--trust", "--defaults", "--quiet")


def copy(factory: Path, destination: Path, *options: str, env: dict[str, str] | None = None):
    return cli(*QUIET_COPY, *options, str(factory), str(destination), env=env)


def one_sentence(result: subprocess.CompletedProcess[str]) -> str:
    """The single line a refusal prints; fails on a traceback, more lines, or another exit code."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 1 and len(lines) == 1, result.stderr
    return lines[0]


def data_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "answers.yml"
    path.write_text(text)
    return f"--data-file={path}"


# -- answers ---------------------------------------------------------------------------------------------
def test_an_answer_with_spaces_at_either_end_is_refused_at_the_prompt_and_with_data(
    session_factory, prompt_question, tmp_path
):
    sentence = "remove the space at the start or end: ' abc' is not allowed as namespace"
    question = prompt_question(session_factory, "namespace")
    with pytest.raises(ValueError, match=sentence):
        question.validate_answer(" abc")

    destination = tmp_path / "project"
    assert sentence in one_sentence(copy(session_factory, destination, "--data=namespace= abc"))
    assert not destination.exists()


@pytest.mark.parametrize(
    ("given", "sentence"),
    [
        (
            "postfix: 0012\n",
            "postfix in the data file was read by YAML as the number 10, not as text: put the value in quotes "
            '(for example postfix: "...") so that it is used exactly as written',
        ),
        (
            'private_networking: "yes please"\n',
            "private_networking 'yes please' is not true or false: give true or false",
        ),
        ("project_name: 2026-01-31\n", "project_name in the data file was read by YAML as the date 2026-01-31"),
        ("location: no\n", "location in the data file was read by YAML as the boolean false, not as text"),
    ],
    ids=["octal-postfix", "yes-please", "date", "norway"],
)
def test_data_file_values_yaml_would_change_are_refused(session_factory, tmp_path, given, sentence):
    destination = tmp_path / "project"
    assert sentence in one_sentence(copy(session_factory, destination, data_file(tmp_path, given)))
    assert not destination.exists()


def test_a_quoted_postfix_is_used_as_written(session_factory, tmp_path):
    destination = tmp_path / "project"
    result = copy(session_factory, destination, data_file(tmp_path, 'postfix: "0012"\nprivate_networking: "true"\n'))
    assert result.returncode == 0, result.stderr
    answers = yaml.safe_load((destination / ".copier-answers.yml").read_text())
    assert (answers["postfix"], answers["private_networking"]) == ("0012", True)
    assert "kv-mymlopspro-0012dev" in (destination / "config-infra-dev.yml").read_text()


@pytest.mark.parametrize(
    ("options", "sentence"),
    [
        (
            ["--data=mlops_version=python-sdk-v3"],
            "mlops_version 'python-sdk-v3' is not one of aml-cli-v2, python-sdk-v1, python-sdk-v2, rai-aml-cli-v2",
        ),
        (
            ["--data=azure_names={dev: {}}"],
            "azure_names is computed from the other answers, never given: remove it from --data or --data-file",
        ),
        (
            ["DATA:project_name: [churn, model]\n"],
            "project_name in the data file was read by YAML as a list, not as text",
        ),
        (
            ["DATA:orchestation: azure-devops\n"],
            "'orchestation' is not a question of mlops-factory (did you mean orchestration?)",
        ),
        (
            ["DATA:key_vault_purge_protection: {enabled: true}\n"],
            "key_vault_purge_protection (read by YAML as a mapping) is not true or false",
        ),
        (
            ["DATA:git_folder_location: /home/me/projects\nproject_name: taxi-fare\n"],
            "give the project folder as copier's destination argument, not as git_folder_location: the data file "
            "asks for /home/me/projects/taxi-fare (sparse_checkout.sh's layout) and copier was given ",
        ),
    ],
    ids=[
        "unknown-choice",
        "computed-key",
        "list-for-text",
        "misspelt-key",
        "mapping-for-bool",
        "sparse-checkout-folder",
    ],
)
def test_odd_data_ends_in_one_sentence(session_factory, tmp_path, options, sentence):
    options = [data_file(tmp_path, option[5:]) if option.startswith("DATA:") else option for option in options]
    destination = tmp_path / "project"
    assert sentence in one_sentence(copy(session_factory, destination, *options))
    assert not destination.exists()


def test_a_sparse_checkout_folder_that_names_the_destination_is_accepted(tmp_path):
    from mlops_factory.destination import sparse_checkout_folder_problem

    data = {"git_folder_location": str(tmp_path), "project_name": "taxi-fare"}
    assert sparse_checkout_folder_problem(data, tmp_path / "taxi-fare") == ""
    assert sparse_checkout_folder_problem({"project_name": "taxi-fare"}, tmp_path / "elsewhere") == ""
    assert "git_folder_location" in sparse_checkout_folder_problem(data, tmp_path / "elsewhere")
    assert "not even a folder path" in sparse_checkout_folder_problem({"git_folder_location": ["a"]}, tmp_path)


def test_a_yaml_bomb_is_refused_fast(session_factory, tmp_path):
    """Nine levels of nine aliases: 387 million strings once expanded; Copier's own error message expands it."""
    levels = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    levels += [f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 9)}]" for level in range(1, 9)]
    destination = tmp_path / "project"
    started = time.monotonic()
    result = copy(session_factory, destination, data_file(tmp_path, "\n".join([*levels, "project_name: *a8\n"])))
    assert time.monotonic() - started < 30
    assert "project_name in the data file was read by YAML as a list" in one_sentence(result)
    assert not destination.exists()


# -- destinations ----------------------------------------------------------------------------------------
def test_a_destination_that_is_a_file_or_lies_below_one(session_factory, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("ours\n")
    assert f"the destination {notes} is a file" in one_sentence(copy(session_factory, notes))
    below = notes / "project"
    assert f"the destination {below} cannot be created: {notes} is a file" in one_sentence(copy(session_factory, below))
    assert notes.read_text() == "ours\n"


def test_a_destination_that_is_not_writable(tmp_path, monkeypatch):
    from mlops_factory.destination import destination_problem

    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != tmp_path)
    assert destination_problem(tmp_path / "project", overwrite=False) == (
        f"the destination {tmp_path / 'project'} cannot be created: {tmp_path} is not writable"
    )
    assert destination_problem(tmp_path, overwrite=True).endswith("is not writable: give a folder you can write to")


def test_a_folder_with_files_is_refused_and_left_as_it_was(session_factory, tmp_path):
    folder = tmp_path / "churn"
    (folder / "docs").mkdir(parents=True)
    (folder / "docs/notes.md").write_text("ours\n")
    sentence = one_sentence(copy(session_factory, folder))
    assert f"the destination {folder} is not empty (docs): give a new or empty folder, or pass --overwrite" in sentence
    assert sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*")) == ["docs", "docs/notes.md"]


def test_with_overwrite_files_that_were_there_stay_out_of_the_first_commit(session_factory, tmp_path):
    folder = tmp_path / "churn"
    folder.mkdir()
    (folder / "notes.md").write_text("ours\n")
    (folder / "README.md").write_text("our old readme\n")
    result = copy(session_factory, folder, "--overwrite")
    assert result.returncode == 0, result.stderr
    assert (
        "1 file(s) that were in the folder before stay out of the first commit (git status lists them as "
        "untracked): notes.md"
    ) in result.stderr
    committed = git(folder, "ls-files").splitlines()
    assert "notes.md" not in committed and "README.md" in committed, "README.md now holds the generated one"
    assert git(folder, "status", "--porcelain") == "?? notes.md"


# -- no git ----------------------------------------------------------------------------------------------
@pytest.fixture
def without_git(tmp_path: Path) -> dict[str, str]:
    """A PATH with Python and Copier on it, and no git."""
    bin_dir = tmp_path / "bin-without-git"
    bin_dir.mkdir()
    for name, target in (("python", Path(sys.executable)), ("copier", Path(sys.executable).with_name("copier"))):
        (bin_dir / name).symlink_to(target)
    return {"PATH": str(bin_dir)}


def test_without_git_the_built_in_source_gives_a_project_and_the_first_commit_to_make(
    session_factory, tmp_path, without_git
):
    destination = tmp_path / "project"
    result = copy(session_factory, destination, env=without_git)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert (
        "git is not on PATH, so the project was generated without a git repository: install git, then run in the "
        'project folder: git init -b main && git add --all && git commit -m "Generate project with mlops-factory"'
    ) in result.stderr
    assert (destination / "data-science/src/train.py").is_file() and not (destination / ".git").exists()


def test_without_git_a_fork_source_is_refused_before_anything_is_written(session_factory, fork, tmp_path, without_git):
    destination = tmp_path / "project"
    options = [f"--data=project_template_github_url=file://{fork}", "--data=project_template_ref=v1"]
    sentence = one_sentence(copy(session_factory, destination, *options, env=without_git))
    assert "git is not installed or not on PATH" in sentence
    assert not destination.exists()


# -- a hostile template source ---------------------------------------------------------------------------
def commit_with_file(repo: Path, base: str, path: str, content: str) -> str:
    """A commit on top of ``base`` that adds ``path``, made with git plumbing (any name git stores)."""

    def run(*args: str, stdin: str | None = None) -> str:
        return subprocess.run(
            ["git", *args], cwd=repo, input=stdin, capture_output=True, text=True, check=True
        ).stdout.strip()

    def tree_with(tree: str | None, parts: list[str], blob: str) -> str:
        entries = run("ls-tree", tree).splitlines() if tree else []
        others = [entry for entry in entries if entry.split("\t", 1)[1] != parts[0]]
        if len(parts) == 1:
            added = f"100644 blob {blob}\t{parts[0]}"
        else:
            inner = next((entry.split()[2] for entry in entries if entry.split("\t", 1)[1] == parts[0]), None)
            added = f"040000 tree {tree_with(inner, parts[1:], blob)}\t{parts[0]}"
        return run("mktree", stdin="\n".join([*others, added]) + "\n")

    blob = run("hash-object", "-w", "--stdin", stdin=content)
    tree = tree_with(run("rev-parse", f"{base}^{{tree}}"), path.split("/"), blob)
    return run("commit-tree", tree, "-p", base, "-m", f"add {path}")


@pytest.mark.parametrize(
    ("name", "content", "sentence"),
    [
        (
            "{{ ''.__class__.__mro__ }}.txt",
            "x\n",
            "Error rendering template path data-science/src/{{ ''.__class__.__mro__ }}.txt: access to attribute "
            "'__class__' of 'str' object is unsafe.",
        ),
        (
            "evil.py.jinja",
            "{{ ''.__class__.__mro__[1].__subclasses__() }}\n",
            "could not render the template file data-science/src/evil.py.jinja: access to attribute '__class__' of "
            "'str' object is unsafe (fix that file in the template source)",
        ),
    ],
    ids=["file-name", "file-content"],
)
def test_a_fork_file_that_tries_to_leave_the_sandbox_ends_in_one_sentence(
    session_factory, fork, tmp_path, name, content, sentence
):
    commit = commit_with_file(fork, "v1", f"classical/aml-cli-v2/data-science/src/{name}", content)
    git(fork, "tag", "v1-hostile", commit)
    destination = tmp_path / "project"
    options = [f"--data={key}={value}" for key, value in FORK_ANSWERS.items()]
    options += [f"--data=project_template_github_url=file://{fork}", "--data=project_template_ref=v1-hostile"]
    assert one_sentence(copy(session_factory, destination, *options)) == sentence
    assert not destination.exists()


# -- update-time refusals --------------------------------------------------------------------------------
def test_a_branch_as_ref_at_update_is_refused_in_one_sentence_outside_a_terminal(factory_repo, fork, render, tmp_path):
    answers = {"project_template_github_url": f"file://{fork}", "project_template_ref": "v1", **FORK_ANSWERS}
    project = render(factory_repo, tmp_path / "project", vcs_ref="1.0.0", **answers)
    result = cli("update", "--trust", "--quiet", "--data=project_template_ref=main", cwd=project)
    assert "project_template_ref 'main' is a branch of" in one_sentence(result)
    assert git(project, "status", "--porcelain") == ""
