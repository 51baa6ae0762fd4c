"""A template source is untrusted input: hostile paths, credentials in URLs, a damaged cache, a moved tag.

Hostile forks are built here with git plumbing (hash-object, mktree, commit-tree, tag): no hostile file
is ever committed to this repository. Each refusal is one sentence, and nothing is written outside the
cache or the destination (the tests point the cache into their own folder and compare that folder's
files before and after).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from conftest import FORK_ANSWERS, ROOT, cli, git
from copier.errors import UserMessageError
from mlops_factory.cache import CACHE_LAYOUT
from mlops_factory.manifest import ManifestError, parse_manifest
from mlops_factory.paths import inside, listing_problem, path_problem
from mlops_factory.sources import BuiltinSource, GitSource
from mlops_factory.staging import stage_project

SECRET = "s3cr3t-T0KEN-do-not-print"
TRAIN = "classical/aml-cli-v2/data-science/src/train.py"


# -- building hostile forks with git plumbing -------------------------------------------------------
def _mktree(repo: Path, entries: dict[tuple[str, ...], tuple[str, str]]) -> str:
    """A tree object holding ``entries`` (path components -> (mode, blob id)); any name mktree accepts."""
    files: dict[str, tuple[str, str]] = {}
    folders: dict[str, dict[tuple[str, ...], tuple[str, str]]] = {}
    for names, entry in entries.items():
        if len(names) == 1:
            files[names[0]] = entry
        else:
            folders.setdefault(names[0], {})[names[1:]] = entry
    lines = [f"{mode} blob {sha}\t{name}" for name, (mode, sha) in files.items()]
    lines += [f"040000 tree {_mktree(repo, inner)}\t{name}" for name, inner in folders.items()]
    result = subprocess.run(
        ["git", "mktree", "-z"], cwd=repo, input="".join(line + "\0" for line in lines), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _blob(repo: Path, content: bytes) -> str:
    result = subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=repo, input=content, capture_output=True)
    return result.stdout.decode().strip()


def tag_hostile_commit(fork: Path, tag: str, extra: dict[str, bytes], drop: tuple[str, ...] = ()) -> str:
    """Tag a commit of ``fork`` holding its HEAD files plus ``extra`` (paths split at '/', so a component may
    be '..' or '.git'), minus ``drop``; return the commit. Nothing is checked out or committed as files."""
    listing = git(fork, "ls-tree", "-r", "-z", "--full-tree", "HEAD")
    entries: dict[tuple[str, ...], tuple[str, str]] = {}
    for record in filter(None, listing.split("\0")):
        meta, _, path = record.partition("\t")
        mode, _, sha = meta.split()
        if path not in drop:
            entries[tuple(path.split("/"))] = (mode, sha)
    for path, content in extra.items():
        entries[tuple(path.split("/"))] = ("100644", _blob(fork, content))
    commit = git(fork, "commit-tree", _mktree(fork, entries), "-p", "HEAD", "-m", f"hostile {tag}")
    git(fork, "tag", "--force", tag, commit)
    return commit


def files_under(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file() and not path.is_symlink()
    }


def fork_data(fork: Path, ref: str = "v1") -> list[str]:
    answers = {"project_template_github_url": f"file://{fork}", "project_template_ref": ref, **FORK_ANSWERS}
    return [f"--data={key}={value}" for key, value in answers.items()]


def copy_cli(factory: Path, destination: Path, *data: str, cache: Path) -> subprocess.CompletedProcess[str]:
    return cli(
        "copy", "--trust", "--defaults", "--quiet", *data, str(factory), str(destination),
        env={"MLOPS_FACTORY_CACHE_DIR": str(cache)},
    )  # fmt: skip


def one_sentence(result: subprocess.CompletedProcess[str]) -> str:
    """The refusal: exit status 1, no traceback, exactly one line on stderr."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert len(lines) == 1, result.stderr
    return lines[0]


def fork_answers(fork: Path, ref: str = "v1") -> dict[str, str]:
    return {"project_template_github_url": f"file://{fork}", "project_template_ref": ref, **FORK_ANSWERS}


# -- 1. no write outside the stage, the cache or the destination ------------------------------------
@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("", "is empty"),
        ("/etc/passwd", "is absolute"),
        ("C:/Windows/x", "is absolute"),
        ("a//b", "empty component"),
        ("a/", "empty component"),
        ("a/./b", "'.' component"),
        ("a/../../b", "climbs out of the source with '..'"),
        ("..", "climbs out"),
        (".git/hooks/post-checkout", "'.git' component"),
        ("ds/.GiT/config", "'.git' component"),
        ("GIT~1/hooks/pre-commit", "'.git' component"),
        (".g\u200cit/config", "invisible formatting character"),
        ("a\\..\\b", "backslash"),
        ("a\0b", "control"),
        ("line\nbreak", "control"),
        ("a\udcffb", "not UTF-8"),
        ("data/CON", "Windows reserves"),
        ("data/nul.txt", "Windows reserves"),
        ("Lpt9.csv", "Windows reserves"),
        ("aux .py", "Windows reserves"),
        ("src/train.py.", "ending in a dot or a space"),
        ("src/train ", "ending in a dot or a space"),
        ("what?.md", "Windows does not allow"),
        ("notes/10:30.md", "Windows does not allow"),
    ],
)
def test_a_path_a_project_could_not_hold_is_named_with_the_reason(path, reason):
    assert reason in path_problem(path)


@pytest.mark.parametrize(
    "path",
    [".github/workflows/ci.yml", ".gitignore", "data/console.csv", "src/com10.py", "a.b/c-d_e f", "naïve/ü.txt"],
)
def test_plain_relative_paths_pass(path):
    assert path_problem(path) == ""


def test_a_listing_is_refused_for_names_one_file_system_would_merge():
    assert listing_problem(["src/Train.py", "src/train.py"]) == (
        "src/train.py",
        "names the same file as 'src/Train.py' on Windows and macOS (they differ only in case)",
    )
    assert listing_problem(["Data/a.csv", "data/b.csv"])[1].startswith("names the same file as 'Data'")
    assert listing_problem(["caf\u00e9/x", "cafe\u0301/y"]) is not None  # the same name, composed and decomposed
    assert listing_problem(["a", "a/b"]) == ("a", "is both a file and a folder")
    assert listing_problem(["a/b", "a/c", "A.txt"]) is None


def test_the_built_in_source_passes_the_rules_forks_must_pass():
    assert listing_problem(BuiltinSource(ROOT / "subtrees").tree.files) is None


@pytest.mark.parametrize(
    ("part", "reason"),
    [
        ("{from: a, to: .git/hooks}", "'.git' component"),
        ("{from: a/./b, to: x}", "'.' component"),
        ("{from: a, to: 'x\\y'}", "backslash"),
        ("{from: a, to: b, exclude: ['c//d']}", "empty component"),
    ],
)
def test_manifest_paths_follow_the_same_rules(part, reason):
    with pytest.raises(ManifestError, match=reason):
        parse_manifest(f"manifest_version: 1\nparts:\n  - {part}\n")


def test_every_write_is_checked_to_stay_inside_its_root(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    (root / "link").symlink_to(tmp_path)
    assert inside(root, "sub/file.txt") == root / "sub/file.txt"
    with pytest.raises(UserMessageError, match="it would land outside"):
        inside(root, "link/escaped.txt")


def test_a_fork_tree_entry_named_dotdot_is_refused_and_nothing_lands_outside(session_factory, fork, tmp_path):
    """The attack of issue 16: '..' entries at every depth, the deepest one reaching the cache's parent."""
    escapes = {
        "classical/aml-cli-v2/data-science/" + "../" * depth + f"escaped-{depth}.txt": b"x" for depth in range(12)
    }
    tag_hostile_commit(fork, "v1-escape", escapes)
    cache, destination = tmp_path / "cache", tmp_path / "project"
    before = {path: text for path, text in files_under(tmp_path).items() if not path.startswith("cache/")}

    result = copy_cli(session_factory, destination, *fork_data(fork, "v1-escape"), cache=cache)

    sentence = one_sentence(result)
    assert sentence.startswith(f"template source file://{fork} at v1-escape holds the path ")
    deepest = "classical/aml-cli-v2/data-science/" + "../" * 11 + "escaped-11.txt"
    assert f"holds the path '{deepest}', which climbs out of the source with '..'" in sentence
    after = files_under(tmp_path)
    assert {path: text for path, text in after.items() if not path.startswith("cache/")} == before
    assert not destination.exists()
    assert not [path for path in after if "escaped" in path or path.endswith("listing.json") or "/parts/" in path]


@pytest.mark.parametrize(
    ("extra", "shown"),
    [
        ({"classical/aml-cli-v2/data-science/.GIT/hooks/post-checkout": b"#!/bin/sh\n"}, "'.git' component"),
        ({"classical/aml-cli-v2/data-science/src/Train.py": b"print('other')\n"}, "differ only in case"),
        ({"classical/aml-cli-v2/data-science/src/CON.py": b""}, "Windows reserves"),
        ({"classical/aml-cli-v2/data-science/src/new\nline.py": b""}, r"'.*src/new\\nline.py', which has a control"),
    ],
)
def test_other_hostile_names_refuse_the_fork_before_anything_is_cached(fork, isolated_cache, extra, shown):
    tag_hostile_commit(fork, "v1-hostile", extra)
    source = GitSource(f"file://{fork}", "v1-hostile", isolated_cache)
    with pytest.raises(UserMessageError, match=f"at v1-hostile holds the path .*{shown}") as refused:
        _ = source.manifest
    assert "\n" not in str(refused.value)
    assert not list(isolated_cache.rglob("parts")) and not list(isolated_cache.rglob("listing.json"))


def test_two_parts_whose_files_differ_only_in_case_are_refused(tmp_path):
    (tmp_path / "skeleton").mkdir()
    (tmp_path / "skeleton/README.md").write_text("skeleton\n")
    source_root = tmp_path / "subtrees"
    (source_root / "docs").mkdir(parents=True)
    (source_root / "docs/readme.md").write_text("part\n")
    (source_root / "mlops-factory.yml").write_text("manifest_version: 1\nparts:\n  - {from: docs, to: .}\n")
    source = BuiltinSource(source_root)
    with pytest.raises(UserMessageError, match=r"'readme.md' and 'README.md' \(one file on Windows and macOS\)"):
        stage_project(tmp_path / "skeleton", source, source.parts_for(FORK_ANSWERS), tmp_path / "stage")


# -- 2. credentials never reach the project, its history or the terminal ----------------------------
LEAKY_URLS = [
    f"https://user:{SECRET}@github.com/contoso/churn.git",
    f"https://{SECRET}@github.com/contoso/churn.git",  # a token as user name
    f"ssh://git:{SECRET}@example.com/contoso/churn.git",
]


@pytest.mark.parametrize("field", ["remote_url", "project_template_github_url"])
def test_the_prompt_refuses_a_url_with_credentials_without_echoing_them(session_factory, prompt_question, field):
    question = prompt_question(session_factory, field)
    for url in LEAKY_URLS:
        with pytest.raises(ValueError) as refused:
            question.validate_answer(url)
        message = str(refused.value)
        assert SECRET not in message
        assert f"{field} '" in message and "***@" in message
        assert "Git Credential Manager" in message and "gh auth setup-git" in message
    if field == "remote_url":  # a user name over ssh, or Azure DevOps' organisation, is no secret
        question.validate_answer("git@github.com:contoso/churn.git")
        question.validate_answer("https://contoso@dev.azure.com/contoso/ml/_git/churn")


@pytest.mark.parametrize("field", ["remote_url", "project_template_github_url"])
def test_data_with_credentials_is_refused_before_anything_is_written(session_factory, tmp_path, field):
    cache, destination = tmp_path / "cache", tmp_path / "project"
    url = f"https://user:{SECRET}@github.com/contoso/churn.git"
    result = copy_cli(session_factory, destination, f"--data={field}={url}", cache=cache)
    sentence = one_sentence(result)
    assert sentence.startswith("remove the user name and token from the URL and let git supply them: ")
    assert f"{field} 'https://***@github.com/contoso/churn.git' has credentials in it" in sentence
    assert SECRET not in result.stdout + result.stderr
    assert not destination.exists() and not cache.exists()


# -- 3. the cache is verified, not trusted --------------------------------------------------------
def fill_cache(fork: Path, cache: Path, ref: str = "v1") -> GitSource:
    """What a first copy leaves in the cache: the tag, the listing and the chosen parts."""
    source = GitSource(f"file://{fork}", ref, cache / CACHE_LAYOUT)
    source.materialise(source.parts_for(FORK_ANSWERS))
    return source


def cached(cache: Path, name: str) -> Path:
    return next(path for path in cache.rglob(name) if "/parts/" in path.as_posix())


DAMAGE = {
    "deleted": lambda train: train.unlink(),
    "emptied": lambda train: train.write_bytes(b""),
    "edited": lambda train: train.write_text("print('edited by hand')\n"),
    "planted": lambda train: (train.parent / "planted.py").write_text("import os\n"),
    "made executable": lambda train: train.chmod(0o755),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_cached_part_is_fetched_again(session_factory, fork, render, tmp_path, isolated_cache, damage):
    fill_cache(fork, isolated_cache)
    DAMAGE[damage](cached(isolated_cache, "train.py"))

    project = render(session_factory, tmp_path / "project", **fork_answers(fork))

    train = project / "data-science/src/train.py"
    assert train.read_text() == "print('train v1')\n" and not os.access(train, os.X_OK)
    assert not (project / "data-science/src/planted.py").exists()
    assert cached(isolated_cache, "train.py").read_text() == "print('train v1')\n"


def test_a_damaged_cache_and_an_unreachable_source_give_one_sentence(session_factory, fork, tmp_path):
    cache, destination = tmp_path / "cache", tmp_path / "project"
    fill_cache(fork, cache)
    cached(cache, "train.py").write_text("print('edited by hand')\n")
    shutil.move(fork, tmp_path / "gone")

    sentence = one_sentence(copy_cli(session_factory, destination, *fork_data(fork), cache=cache))

    assert sentence.startswith("the cached copy of 'classical/aml-cli-v2/data-science' from template source ")
    assert "was damaged and has been removed, and fetching it again failed (" in sentence
    assert "could not fetch v1" in sentence
    assert not destination.exists()
    assert not [path for path in cache.rglob("train.py")], "the damaged copy is not left to be used"


def test_a_corrupt_listing_and_tag_file_are_rebuilt_and_crash_leftovers_cleaned(
    session_factory, fork, render, tmp_path, isolated_cache
):
    source = fill_cache(fork, isolated_cache)
    listing = next(isolated_cache.rglob("listing.json"))
    tag_file = next(isolated_cache.glob("*/sources/*/tags/*"))
    listing.write_text('{"commit": "')
    tag_file.write_text("not a commit\n")
    parts = listing.parent / "parts"
    crashed, running = parts / ".crashed.x1.tmp", parts / ".running.x2.tmp"
    for leftover in (crashed, running):
        (leftover / "tree").mkdir(parents=True)
    an_hour_ago = time.time() - 3600
    os.utime(crashed, (an_hour_ago, an_hour_ago))

    project = render(session_factory, tmp_path / "project", **fork_answers(fork))

    assert (project / "data-science/src/train.py").read_text() == "print('train v1')\n"
    assert json.loads(listing.read_text())["commit"] == source.commit
    assert tag_file.read_text() == source.commit + "\n"
    assert not crashed.exists() and running.exists()


# -- 4. a moved tag is noticed ---------------------------------------------------------------------
def retag(fork: Path, tag: str = "v1") -> str:
    """Move ``tag`` to a new commit with another train.py, as someone force-pushing a release tag would."""
    (fork / TRAIN).write_text("print('train, retagged')\n")
    git(fork, "commit", "--quiet", "--all", "-m", "retagged release")
    git(fork, "tag", "--force", tag)
    return git(fork, "rev-parse", "HEAD")


def project_state(project: Path) -> tuple[dict[str, bytes], str, str]:
    files = {path: text for path, text in files_under(project).items() if not path.startswith(".git/")}
    return files, git(project, "rev-parse", "HEAD"), git(project, "status", "--porcelain")


@pytest.mark.parametrize("cache_state", ["warm cache", "fresh cache"])
def test_copier_update_stops_when_the_tag_the_project_was_made_from_moved(
    session_factory, fork, render, tmp_path, isolated_cache, cache_state
):
    made_from = git(fork, "rev-parse", "v1")
    project = render(session_factory, tmp_path / "project", **fork_answers(fork))
    assert (
        f"project_template_resolved:\n  commit: {made_from}\n  ref: v1\n"
        in (project / ".copier-answers.yml").read_text()
    )
    moved_to = retag(fork)
    if cache_state == "fresh cache":
        shutil.rmtree(isolated_cache)
    before = project_state(project)

    result = cli("update", "--trust", "--defaults", "--quiet", cwd=project)

    sentence = one_sentence(result)
    assert sentence == (
        "a release tag must not move, so pin the commit you mean as project_template_ref: "
        f"project_template_ref 'v1' of file://{fork} has moved: this project was made from commit {made_from}, "
        f"and the tag now points to commit {moved_to} (-d project_template_ref={made_from} for the files the tag "
        f"named before, {moved_to} for its new target)"
    )
    assert project_state(project) == before
    if cache_state == "warm cache":  # what the sentence advises works: pin the commit the project was made from
        pinned = cli(
            "update", "--trust", "--defaults", "--quiet", f"--data=project_template_ref={made_from}", cwd=project
        )
        assert pinned.returncode == 0, pinned.stderr
        assert (project / "data-science/src/train.py").read_text() == "print('train v1')\n"
        assert (
            f"project_template_resolved:\n  commit: {made_from}\n  ref: {made_from}\n"
            in (project / ".copier-answers.yml").read_text()
        )


def test_a_new_copy_notices_a_tag_that_moved_since_it_was_cached(session_factory, fork, render, tmp_path):
    cached_commit = git(fork, "rev-parse", "v1")
    render(session_factory, tmp_path / "first", **fork_answers(fork))
    moved_to = retag(fork)
    with pytest.raises(UserMessageError) as refused:
        render(session_factory, tmp_path / "second", **fork_answers(fork))
    assert (
        f"has moved: this machine cached it at commit {cached_commit}, and the tag now points to commit {moved_to}"
        in str(refused.value)
    )
    assert not (tmp_path / "second").exists()


def test_a_fork_template_cannot_copy_an_environment_variable_into_the_project(
    session_factory, fork, render, tmp_path, monkeypatch
):
    """Copier's sandbox still offers jinja2-ansible-filters' expandvars: a CI token in the environment
    (GH_TOKEN in the factory's update workflow) would land in a committed file."""
    monkeypatch.setenv("MLOPS_FACTORY_TEST_TOKEN", SECRET)
    leak = fork / "classical/aml-cli-v2/data-science/leak.txt.jinja"
    leak.write_text("token={{ '$MLOPS_FACTORY_TEST_TOKEN' | expandvars }}\n")
    git(fork, "add", "--all")
    git(fork, "commit", "--quiet", "-m", "a template that reads the environment")
    git(fork, "tag", "v1-leak")
    with pytest.raises(UserMessageError, match="uses the Jinja filter 'expandvars', which reads this machine's"):
        render(session_factory, tmp_path / "project", **fork_answers(fork, "v1-leak"))
    assert not (tmp_path / "project").exists()
