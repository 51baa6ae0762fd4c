"""Refresh the lock files and generated Azure ML environment files of every project type in subtrees/.

A generated project keeps its packages in data-science/pyproject.toml, their exact versions in
data-science/uv.lock and its Azure ML environment files generated from both by
data-science/environment/generate.py. The factory stores the lock and the generated files of each type,
so a new project starts with all three in agreement. After changing a type's pyproject.toml, run

    python scripts/lock_environments.py            # needs uv on PATH (pip install uv) and PyPI

It renders one project per variant (classical's Responsible AI version pins other scikit-learn and numpy
releases, so it has a lock of its own), runs `uv lock` and generate.py in it and copies the results back:
the lock to data-science/uv.lock (or, for classical, to environments/<variant>/uv.lock, which
data-science/uv.lock.jinja includes) and the environment files likewise.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TYPES = ROOT / "subtrees" / "types"
# (project type, MLOps version to render, where its lock and environment files are stored, relative to the type)
VARIANTS = (
    ("classical", "aml-cli-v2", "environments/default"),
    ("classical", "rai-aml-cli-v2", "environments/rai-aml-cli-v2"),
    ("cv", "aml-cli-v2", "data-science"),
    ("nlp", "aml-cli-v2", "data-science"),
)
GENERATED = ("uv.lock", "environment/conda.yml", "environment/serving.yml")


def refresh(project_type: str, mlops_version: str, stored: str, work: Path) -> list[Path]:
    """Render the variant, lock it, generate its environment files; copy them into subtrees. Returns what changed."""
    import copier

    project = work / f"{project_type}-{mlops_version}"
    copier.run_copy(
        str(ROOT),
        str(project),
        data={"project_type": project_type, "mlops_version": mlops_version},
        defaults=True,
        unsafe=True,
        quiet=True,
        vcs_ref="HEAD",
    )
    data_science = project / "data-science"
    lock = data_science / "uv.lock"
    if lock.is_file() and not lock.read_text(encoding="utf-8").strip():
        lock.unlink()  # a type locked for the first time
    subprocess.run(["uv", "lock", "--quiet", "--python", "3.11", "--project", str(data_science)], check=True)
    subprocess.run([sys.executable, str(data_science / "environment" / "generate.py")], check=True)
    changed = []
    for relative in GENERATED:
        source = data_science / relative
        if not source.is_file():
            continue
        destination = TYPES / project_type / stored / (Path(relative).name if stored != "data-science" else relative)
        if not destination.is_file() or destination.read_bytes() != source.read_bytes():
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
            changed.append(destination)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--type", choices=sorted({variant[0] for variant in VARIANTS}), help="only this project type")
    args = parser.parse_args(argv)
    if shutil.which("uv") is None:
        print("error: uv is not on PATH: pip install uv", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="lock-environments-") as work:
        for project_type, mlops_version, stored in VARIANTS:
            if args.type and project_type != args.type:
                continue
            for path in refresh(project_type, mlops_version, stored, Path(work)):
                print(f"updated {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
