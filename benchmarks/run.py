"""Measure what a user waits for: `copier copy`, `copier update` and fork sources, against Copier's floor.

    python benchmarks/run.py [--runs 7] [--skip-tests] [--output benchmarks/results/latest.md]

Needs only Python, git and the packages of requirements.txt (plus requirements-test.txt for the
test-tier timing). Every timing is the median of --runs runs of the real `copier` command line in a
fresh process. Measurements that are compared with each other run interleaved (A, B, A, B, ...), so a
machine that speeds up or slows down during the run shifts both sides of a ratio alike. Results are
printed as a Markdown table (and written to --output).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FACTORY_PATHS = ("copier.yml", "template", "subtrees", "extensions", ".gitignore")
COPIER = str(Path(sys.executable).with_name("copier"))
FORK_ANSWERS = {
    "infrastructure_version": "terraform",
    "project_type": "classical",
    "mlops_version": "aml-cli-v2",
    "orchestration": "github-actions",
}


def git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=env).stdout.strip()


def commit_all(repo: Path, message: str, tag: str | None = None) -> None:
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--allow-empty", "-m", message)
    if tag:
        git(repo, "tag", tag)


def copier(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> None:
    result = subprocess.run(
        [COPIER, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        stdin=subprocess.DEVNULL,
    )
    if result.returncode:
        raise RuntimeError(f"copier {' '.join(args)} failed:\n{result.stderr}")


Step = tuple[Callable[[], None], Callable[[], None]]  # (prepare, timed action)


def interleaved_medians(steps: dict[str, Step], runs: int) -> dict[str, float]:
    """Median seconds of each step's action, the steps taking turns run after run."""
    timings: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(runs):
        for name, (prepare, action) in steps.items():
            prepare()
            start = time.perf_counter()
            action()
            timings[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in timings.items()}


def make_factory(workdir: Path) -> Path:
    """The factory as users get it: a git repository with a release tag."""
    factory = workdir / "factory"
    factory.mkdir()
    for name in FACTORY_PATHS:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, factory / name, ignore=shutil.ignore_patterns("__pycache__", ".stage"))
        else:
            shutil.copy2(source, factory / name)
    git(factory, "init", "--quiet", "-b", "main")
    commit_all(factory, "release 1.0.0", tag="1.0.0")
    return factory


def make_plain_template(workdir: Path, project: Path, factory: Path | None = None) -> Path:
    """Copier's floor: the same output tree as an ordinary template (no extension, no tasks).

    With ``factory``, the repository also carries the factory's files (outside the rendered folder), as
    the factory's own repository does: Copier checks out the whole repository on every copy.
    """
    plain = workdir / ("plain-template-in-factory-repository" if factory else "plain-template")
    plain.mkdir()
    if factory:
        (plain / "factory-files").mkdir()
        for name in FACTORY_PATHS:
            source = factory / name
            if source.is_dir():
                shutil.copytree(source, plain / "factory-files" / name)
            else:
                shutil.copy2(source, plain / "factory-files" / name)
    for path in project.rglob("*"):
        relative = path.relative_to(project)
        if ".git" in relative.parts or relative.name == ".copier-answers.yml" or path.is_dir():
            continue
        target = plain / "template" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    # The answers file, which `copier update` needs, rendered as Copier's documentation suggests.
    (plain / "template" / "{{ _copier_conf.answers_file }}.jinja").write_text("{{ _copier_answers|to_nice_yaml }}")
    (plain / "copier.yml").write_text("_subdirectory: template\nproject_name:\n  type: str\n  default: demo\n")
    git(plain, "init", "--quiet", "-b", "main")
    commit_all(plain, "plain", tag="1.0.0")
    return plain


def make_fork(workdir: Path, factory: Path) -> Path:
    """A fork in the upstream layout with every combination's subtrees, built from the built-in ones,
    plus unrelated weight (as real forks carry) so that partial fetching shows."""
    fork = workdir / "fork"
    fork.mkdir()
    subtrees = factory / "subtrees"
    for path in subtrees.rglob("*"):
        if path.is_file() and path.name != "mlops-factory.yml":
            target = fork / path.relative_to(subtrees)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    shutil.copyfile(subtrees / "mlops-factory.yml", fork / "mlops-factory.yml")
    ballast = fork / "docs" / "images"
    ballast.mkdir(parents=True)
    for index in range(20):
        (ballast / f"diagram-{index}.bin").write_bytes(os.urandom(200_000))
    git(fork, "init", "--quiet", "-b", "main")
    git(fork, "config", "uploadpack.allowFilter", "true")
    commit_all(fork, "fork v1", tag="v1")
    return fork


def tree_bytes(root: Path) -> int:
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file() and ".git" not in path.parts)


def chosen_bytes(fork: Path) -> int:
    """Bytes of the subtrees the fork's manifest picks for FORK_ANSWERS (what a cold fetch has to bring)."""
    sys.path.insert(0, str(ROOT / "extensions"))
    from mlops_factory.manifest import parse_manifest

    parts = parse_manifest((fork / "mlops-factory.yml").read_text()).parts_for(FORK_ANSWERS)
    paths = [fork / part.source for part in parts]
    return sum(path.stat().st_size if path.is_file() else tree_bytes(path) for path in paths if path.exists())


def measure(runs: int, skip_tests: bool) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="mlops-factory-bench-") as temporary:
        work = Path(temporary)
        factory = make_factory(work)
        destination = work / "out"

        def clean() -> None:
            shutil.rmtree(destination, ignore_errors=True)

        # 1. copy from the built-in source vs the plain-template floor
        copier("copy", "--trust", "--defaults", "--quiet", "--skip-tasks", str(factory), str(destination))
        plain = make_plain_template(work, destination)
        plain_in_factory_repository = make_plain_template(work, destination, factory)
        copies = interleaved_medians(
            {
                "full": (
                    clean,
                    lambda: copier("copy", "--trust", "--defaults", "--quiet", str(factory), str(destination)),
                ),
                "no tasks": (
                    clean,
                    lambda: copier(
                        "copy", "--trust", "--defaults", "--quiet", "--skip-tasks", str(factory), str(destination)
                    ),
                ),
                "floor": (clean, lambda: copier("copy", "--defaults", "--quiet", str(plain), str(destination))),
                "floor, factory repository": (
                    clean,
                    lambda: copier("copy", "--defaults", "--quiet", str(plain_in_factory_repository), str(destination)),
                ),
            },
            runs,
        )
        copy_full, copy_no_tasks, floor = copies["full"], copies["no tasks"], copies["floor"]
        floor_in_factory_repository = copies["floor, factory repository"]
        rows.append(
            (
                "copy, built-in source, defaults (incl. git init + first commit)",
                f"{copy_full:.2f} s",
                f"{copy_full / floor:.2f}x floor",
            )
        )
        rows.append(
            (
                "copy, built-in source, defaults, --skip-tasks",
                f"{copy_no_tasks:.2f} s",
                f"{copy_no_tasks / floor:.2f}x floor",
            )
        )
        rows.append(("floor: Copier copying the same tree as a plain template", f"{floor:.2f} s", "1.00x"))
        rows.append(
            (
                "floor in a repository as large as the factory's (plain template + the factory's files)",
                f"{floor_in_factory_repository:.2f} s",
                f"{floor_in_factory_repository / floor:.2f}x floor; copy = "
                f"{copy_no_tasks / floor_in_factory_repository:.2f}x this (--skip-tasks)",
            )
        )

        # 2. update between two factory tags with a small change, against the same update of the
        #    plain template in a repository as large as the factory's
        project = work / "project"
        copier("copy", "--trust", "--defaults", "--quiet", "--vcs-ref=1.0.0", str(factory), str(project))
        plain_project = work / "plain-project"
        copier("copy", "--defaults", "--quiet", "--vcs-ref=1.0.0", str(plain_in_factory_repository), str(plain_project))
        git(plain_project, "init", "--quiet", "-b", "main")
        commit_all(plain_project, "generated")
        for template_readme in (
            factory / "subtrees/types/classical/data-science/README.md.jinja",
            plain_in_factory_repository / "template/data-science/README.md",
        ):
            template_readme.write_text(template_readme.read_text() + "\nA note added in release 1.1.0.\n")
        commit_all(factory, "release 1.1.0", tag="1.1.0")
        commit_all(plain_in_factory_repository, "release 1.1.0", tag="1.1.0")

        def resetter(repository: Path) -> Callable[[], None]:
            base = git(repository, "rev-parse", "HEAD")

            def reset() -> None:
                git(repository, "reset", "--quiet", "--hard", base)
                git(repository, "clean", "--quiet", "-fdx")

            return reset

        updates = interleaved_medians(
            {
                "update": (
                    resetter(project),
                    lambda: copier("update", "--trust", "--defaults", "--quiet", "--vcs-ref=1.1.0", cwd=project),
                ),
                "floor": (
                    resetter(plain_project),
                    lambda: copier("update", "--defaults", "--quiet", "--vcs-ref=1.1.0", cwd=plain_project),
                ),
            },
            runs,
        )
        for updated in (project, plain_project):
            if "A note added in release 1.1.0." not in (updated / "data-science/README.md").read_text():
                raise RuntimeError(f"copier update did not bring release 1.1.0's change into {updated}")
        rows.append(
            (
                "update 1.0.0 -> 1.1.0 (one changed file)",
                f"{updates['update']:.2f} s",
                f"{updates['update'] / updates['floor']:.2f}x update floor",
            )
        )
        rows.append(
            (
                "update floor: the same update of the plain template in a repository as large as the factory's",
                f"{updates['floor']:.2f} s",
                "1.00x",
            )
        )

        # 3. fork source: cold and warm cache, bytes fetched
        fork = make_fork(work, factory)
        fork_data = ["--data", f"project_template_github_url=file://{fork}", "--data", "project_template_ref=v1"]
        cache = work / "cache"
        packs = work / "packs.bin"

        def cold_prepare() -> None:
            clean()
            shutil.rmtree(cache, ignore_errors=True)
            packs.unlink(missing_ok=True)

        env = {"MLOPS_FACTORY_CACHE_DIR": str(cache), "GIT_TRACE_PACKFILE": str(packs)}
        args = [
            "copy",
            "--trust",
            "--defaults",
            "--quiet",
            "--vcs-ref=1.0.0",
            *fork_data,
            str(factory),
            str(destination),
        ]
        fetched = 0

        def cold_copy() -> None:
            nonlocal fetched
            copier(*args, env=env)
            fetched = packs.stat().st_size if packs.exists() else 0

        forks = interleaved_medians(
            {
                "cold": (cold_prepare, cold_copy),
                "warm": (clean, lambda: copier(*args, env={"MLOPS_FACTORY_CACHE_DIR": str(cache)})),
                "built-in": (
                    clean,
                    lambda: copier(
                        "copy", "--trust", "--defaults", "--quiet", "--vcs-ref=1.0.0", str(factory), str(destination)
                    ),
                ),
            },
            runs,
        )
        cold, warm, builtin = forks["cold"], forks["warm"], forks["built-in"]
        chosen = chosen_bytes(fork)
        rows.append(("copy from a fork, cold cache", f"{cold:.2f} s", f"{cold / builtin:.2f}x built-in"))
        rows.append(("copy from a fork, warm cache", f"{warm:.2f} s", f"{warm / builtin:.2f}x built-in"))
        rows.append(("copy from the built-in source (same run)", f"{builtin:.2f} s", "1.00x"))
        rows.append(
            (
                "bytes a cold fork fetch transfers",
                f"{fetched / 1024:.0f} KiB",
                f"chosen subtrees {chosen / 1024:.0f} KiB, whole source {tree_bytes(fork) / 1024:.0f} KiB",
            )
        )

    # 4. the fast test tier
    if not skip_tests:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-n", "auto", "-m", "not slow", "-p", "no:cacheprovider"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        rows.append(
            ("fast test tier (pytest -n auto -m 'not slow')", f"{time.perf_counter() - start:.0f} s", "one run")
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per measurement; the median is reported")
    parser.add_argument("--skip-tests", action="store_true", help="do not time the fast test tier")
    parser.add_argument("--output", type=Path, help="also write the Markdown table here")
    args = parser.parse_args(argv)
    rows = measure(args.runs, args.skip_tests)
    machine = (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {git(ROOT, '--version')}"
    )
    lines = [
        f"Machine: {machine}; median of {args.runs} runs.",
        "",
        "| measurement | median | ratio |",
        "|---|---|---|",
    ]
    lines += [f"| {name} | {value} | {ratio} |" for name, value, ratio in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
