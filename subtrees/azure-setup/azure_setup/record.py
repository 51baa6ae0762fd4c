"""azure-setup.json: what bootstrap set up (subscriptions, tenants, identities, service connections), next to
bootstrap.py. No secret is in it: ids only. preflight.py reads it to know what to expect; commit it."""

from __future__ import annotations

import json
from pathlib import Path

from .errors import SetupError

RECORD = "azure-setup.json"


def record_path(project_root: Path) -> Path:
    return project_root / "infrastructure" / RECORD


def write_record(project_root: Path, record: dict) -> Path:
    path = record_path(project_root)
    path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def read_record(project_root: Path) -> dict | None:
    path = record_path(project_root)
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise SetupError(
            f"infrastructure/{RECORD} is not valid JSON ({error}): run bootstrap.py again to rewrite it"
        ) from None
