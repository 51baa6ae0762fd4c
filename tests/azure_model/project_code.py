"""Import the set-up code of a generated project (infrastructure/azure_setup, bootstrap.py, preflight.py)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType


def import_from_project(project: Path, module: str) -> ModuleType:
    """`module` (for example "azure_setup.design" or "preflight") as the project at `project` has it, freshly
    imported: each project may have its own copy, changed by the test."""
    folder = str(project / "infrastructure")
    for name in [name for name in sys.modules if name.split(".")[0] in ("azure_setup", "preflight", "bootstrap")]:
        del sys.modules[name]
    sys.path.insert(0, folder)
    try:
        return importlib.import_module(module)
    finally:
        sys.path.remove(folder)
