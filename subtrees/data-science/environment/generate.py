"""Write the Azure ML environment files of this project from its one source of truth: data-science/pyproject.toml
(what the code needs, the base image, which environments exist) and data-science/uv.lock (the exact version
of every package, resolved by uv for Linux on x86-64).

    python data-science/environment/generate.py           # write every generated file
    python data-science/environment/generate.py --check   # exit 1, naming each file that disagrees

Each environment of ``[tool.azureml-environments.files]`` in pyproject.toml becomes a conda file with every
package that Python 3.11 on Linux needs, pinned to its locked version: the project's dependencies, the
extras the entry names, and what they depend on. An entry with ``torch = "cpu"`` gets PyTorch's CPU build
instead (``+cpu`` pins from PyTorch's CPU wheel index, without the CUDA libraries): the serving image of a
CPU instance is then gigabytes smaller; the same torch release loads the same model file. The base image
(``base-image``) is written into every Azure ML definition under mlops/azureml that names an image: the
``image:`` lines of the YAML files and the ``IMAGE = "..."`` constants of the Python scripts.

After changing a dependency in pyproject.toml: ``uv lock --project data-science``, then this script; commit
all three. The pull-request gate runs ``--check``. Needs Python 3.11+ and ``packaging`` (pip brings it).
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from packaging.markers import Marker
from packaging.utils import canonicalize_name

DATA_SCIENCE = Path(__file__).resolve().parents[1]
PROJECT_ROOT = DATA_SCIENCE.parent
AZUREML = PROJECT_ROOT / "mlops" / "azureml"
PYTORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
# Packages that PyTorch's CPU build has no use for: the CUDA libraries and the GPU compiler.
CUDA_ONLY = re.compile(r"^(nvidia-.*|cuda-.*|triton)$")
CPU_BUILDS = ("torch", "torchvision", "torchaudio")
IMAGE_LINE = re.compile(r"^(?P<lead>\s*image:\s*)(?P<image>\S+)\s*$", re.MULTILINE)
IMAGE_CONSTANT = re.compile(r'^(?P<lead>IMAGE = ")(?P<image>[^"]+)(?P<tail>")', re.MULTILINE)


class LockError(ValueError):
    """pyproject.toml and uv.lock cannot give the environment files; the message says why."""


def target(python: str) -> dict[str, str]:
    """The marker environment of an Azure ML image: CPython ``python`` on Linux, x86-64."""
    return {
        "implementation_name": "cpython",
        "implementation_version": f"{python}.0",
        "os_name": "posix",
        "platform_machine": "x86_64",
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_system": "Linux",
        "platform_version": "",
        "python_full_version": f"{python}.0",
        "python_version": python,
        "sys_platform": "linux",
    }


def applies(marker: str | None, environment: dict[str, str]) -> bool:
    return marker is None or Marker(marker).evaluate(environment | {"extra": ""})


def closure(
    lock: dict[str, Any], project: str, extras: Iterable[str], environment: dict[str, str], cpu: bool
) -> dict[str, str]:
    """Name -> locked version of every package the project with ``extras`` needs on ``environment``."""
    packages: dict[str, list[dict[str, Any]]] = {}
    for package in lock["package"]:
        packages.setdefault(package["name"], []).append(package)

    def version_of(edge: dict[str, Any]) -> dict[str, Any]:
        candidates = packages.get(edge["name"], [])
        if "version" in edge:
            candidates = [package for package in candidates if package.get("version") == edge["version"]]
        if not candidates:
            raise LockError(f"uv.lock has no package {edge['name']}: run `uv lock --project data-science`")
        return candidates[0]

    root = version_of({"name": canonicalize_name(project)})
    edges = list(root.get("dependencies", []))
    for extra in extras:
        if extra not in root.get("optional-dependencies", {}):
            raise LockError(f"pyproject.toml has no extra '{extra}' in uv.lock: run `uv lock --project data-science`")
        edges += root["optional-dependencies"][extra]
    pinned: dict[str, str] = {}
    seen: set[tuple[str, str]] = set()
    while edges:
        edge = edges.pop()
        if not applies(edge.get("marker"), environment):
            continue
        if cpu and CUDA_ONLY.match(edge["name"]):
            continue
        package = version_of(edge)
        key = (package["name"], ",".join(sorted(edge.get("extra", []))))
        if key in seen:
            continue
        seen.add(key)
        pinned[package["name"]] = package["version"]
        edges += package.get("dependencies", [])
        for extra in edge.get("extra", []):
            edges += package.get("optional-dependencies", {}).get(extra, [])
    return dict(sorted(pinned.items()))


def conda_file(name: str, python: str, pins: dict[str, str], cpu: bool, source: str) -> str:
    """The text of a conda environment file that pip-installs ``pins``."""
    lines = [
        f"# Generated by data-science/environment/generate.py from {source}: do not edit. Change",
        "# data-science/pyproject.toml, run `uv lock --project data-science` and the script, commit all three.",
    ]
    if cpu:
        lines.append("# PyTorch's CPU build (+cpu, from its CPU wheel index): no CUDA libraries in the image.")
    lines += [
        f"name: {name}",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        f"  - python={python}",
        "  - pip",
        "  - pip:",
    ]
    if cpu:
        lines.append(f"      - --extra-index-url {PYTORCH_CPU_INDEX}")
    for package, version in pins.items():
        local = "+cpu" if cpu and package in CPU_BUILDS else ""
        lines.append(f"      - {package}=={version}{local}")
    return "\n".join(lines) + "\n"


def settings(pyproject: dict[str, Any]) -> dict[str, Any]:
    found = pyproject.get("tool", {}).get("azureml-environments")
    if not isinstance(found, dict) or "base-image" not in found or not found.get("files"):
        raise LockError("pyproject.toml has no [tool.azureml-environments] with base-image and files")
    return found


def with_image(text: str, image: str) -> str:
    """``text`` with every image: line (YAML) and IMAGE constant (Python) naming ``image``."""
    text = IMAGE_LINE.sub(lambda match: match["lead"] + image, text)
    return IMAGE_CONSTANT.sub(lambda match: match["lead"] + image + match["tail"], text)


def image_files(root: Path) -> list[Path]:
    """The Azure ML definitions under mlops/azureml that name a base image."""
    if not root.is_dir():
        return []
    found = []
    for path in sorted(root.rglob("*")):
        if path.suffix in (".yml", ".yaml", ".py") and path.is_file():
            text = path.read_text(encoding="utf-8")
            if IMAGE_LINE.search(text) or IMAGE_CONSTANT.search(text):
                found.append(path)
    return found


def expected_files(data_science: Path = DATA_SCIENCE, azureml: Path = AZUREML) -> dict[Path, str]:
    """Every generated file and the text it must have."""
    pyproject = tomllib.loads((data_science / "pyproject.toml").read_text(encoding="utf-8"))
    lock_path = data_science / "uv.lock"
    if not lock_path.is_file():
        raise LockError(f"{lock_path} is missing: run `uv lock --project data-science`")
    lock = tomllib.loads(lock_path.read_text(encoding="utf-8"))
    config = settings(pyproject)
    python = str(config.get("python", "3.11"))
    environment = target(python)
    files: dict[Path, str] = {}
    for relative, entry in config["files"].items():
        torch_build = entry.get("torch", "cuda")
        if torch_build not in ("cpu", "cuda"):
            raise LockError(f"[tool.azureml-environments.files.'{relative}'] torch must be 'cpu' or 'cuda'")
        cpu = torch_build == "cpu"
        pins = closure(lock, pyproject["project"]["name"], entry.get("extras", []), environment, cpu)
        files[data_science / relative] = conda_file(entry["name"], python, pins, cpu, "pyproject.toml and uv.lock")
    for path in image_files(azureml):
        files[path] = with_image(path.read_text(encoding="utf-8"), config["base-image"])
    return files


def differences(files: dict[Path, str]) -> list[str]:
    """One line per file whose text on disk is not the expected one, with the first differing lines."""
    found = []
    for path, text in files.items():
        current = path.read_text(encoding="utf-8") if path.is_file() else ""
        if current != text:
            diff = [line for line in difflib.unified_diff(current.splitlines(), text.splitlines(), lineterm="", n=0)]
            changes = [line for line in diff[2:] if not line.startswith("@@")][:6]
            shown = path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path
            found.append(f"{shown} disagrees with pyproject.toml and uv.lock: " + "; ".join(changes))
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file disagrees")
    args = parser.parse_args(argv)
    try:
        files = expected_files()
    except (LockError, OSError, tomllib.TOMLDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    problems = differences(files)
    if args.check:
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        if problems:
            print("error: run `python data-science/environment/generate.py` and commit the result", file=sys.stderr)
        return 1 if problems else 0
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"{len(files)} files generated, {len(problems)} of them changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
