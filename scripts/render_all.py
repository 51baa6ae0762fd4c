"""Render all 48 combinations from the built-in template source, and compare two such renders.

A refactor of `subtrees/` (or of the extension) must not change what users get. Render every
combination before the change and after it, and compare:

    python scripts/render_all.py render /tmp/before --checkout /path/to/old/checkout
    python scripts/render_all.py render /tmp/after
    python scripts/render_all.py compare /tmp/before /tmp/after

`render` copies the factory's files (copier.yml, template/, subtrees/, extensions/) of the checkout
into a temporary folder (so the checkout is not touched and no git state leaks in) and renders each
combination with the default answers, tasks skipped, into OUT/<combination id>. `compare` reports
every file that is missing, extra, different in content or different in its executable bit; in
`.copier-answers.yml` it ignores the `_commit` and `_src_path` lines, which name where and from
which commit the render ran, not what it produced. It exits 1 when anything differs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import stat
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FACTORY_PATHS = ("copier.yml", "template", "subtrees", "extensions", ".gitignore")
ANSWERS_FILE = ".copier-answers.yml"
# Lines of the answers file that say where a render came from, not what it produced.
PROVENANCE_KEYS = ("_commit:", "_src_path:")

sys.path.insert(0, str(ROOT / "extensions"))

from mlops_factory.axes import combination_id, combinations  # noqa: E402


def copy_factory(checkout: Path, destination: Path) -> Path:
    """The factory's files of ``checkout``, without build artefacts or staged trees."""
    destination.mkdir(parents=True)
    for name in FACTORY_PATHS:
        source = checkout / name
        if source.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".stage")
            shutil.copytree(source, destination / name, ignore=ignore, symlinks=True)
        elif source.is_file():
            shutil.copy2(source, destination / name)
    return destination


def render_all(checkout: Path, out: Path) -> list[str]:
    """Render every combination from ``checkout`` into ``out/<combination id>``; return the ids."""
    from copier import run_copy

    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"{out} is not empty: render into a new folder")
    rendered = []
    with tempfile.TemporaryDirectory(prefix="render-all-") as temporary:
        template = copy_factory(checkout, Path(temporary) / "factory")
        for combination in combinations():
            key = combination_id(combination)
            run_copy(
                str(template),
                out / key,
                data=combination,
                defaults=True,
                unsafe=True,
                quiet=True,
                skip_tasks=True,
            )
            rendered.append(key)
    return rendered


def _files(root: Path) -> dict[str, Path]:
    return {path.relative_to(root).as_posix(): path for path in sorted(root.rglob("*")) if not path.is_dir()}


def _content(path: Path) -> bytes:
    data = path.read_bytes()
    if path.name != ANSWERS_FILE:
        return data
    lines = data.splitlines(keepends=True)
    return b"".join(line for line in lines if not line.decode(errors="replace").startswith(PROVENANCE_KEYS))


def _executable(path: Path) -> bool:
    return bool(path.lstat().st_mode & stat.S_IXUSR)


def compare(before: Path, after: Path) -> list[str]:
    """Every difference between two trees, one line each (empty when they are the same)."""
    problems = []
    old, new = _files(before), _files(after)
    problems += [f"only in {before}: {path}" for path in sorted(old.keys() - new.keys())]
    problems += [f"only in {after}: {path}" for path in sorted(new.keys() - old.keys())]
    for path in sorted(old.keys() & new.keys()):
        if _content(old[path]) != _content(new[path]):
            problems.append(f"content differs: {path}")
        elif _executable(old[path]) != _executable(new[path]):
            problems.append(f"executable bit differs: {path}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    render = commands.add_parser("render", help="render every combination into OUT/<combination id>")
    render.add_argument("out", type=Path)
    render.add_argument("--checkout", type=Path, default=ROOT, help="factory checkout to render (default: this one)")
    check = commands.add_parser("compare", help="compare two folders written by `render`")
    check.add_argument("before", type=Path)
    check.add_argument("after", type=Path)
    args = parser.parse_args(argv)

    if args.command == "render":
        start = time.perf_counter()
        rendered = render_all(args.checkout.resolve(), args.out.resolve())
        print(f"rendered {len(rendered)} combinations into {args.out} in {time.perf_counter() - start:.0f} s")
        return 0
    problems = compare(args.before, args.after)
    for problem in problems:
        print(problem)
    count = sum(1 for _ in os.scandir(args.before)) if args.before.is_dir() else 0
    print(f"{len(problems)} difference(s) across {count} combination folder(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
