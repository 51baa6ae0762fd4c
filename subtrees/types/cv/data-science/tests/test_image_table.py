"""Tests of the MLTable writer for the Responsible AI vision dashboard."""

from __future__ import annotations

import json
from pathlib import Path

import image_table


def test_lists_every_image_with_its_uri_and_class(tmp_path: Path, raw_data: Path) -> None:
    base = "azureml://datastores/workspaceblobstore/paths/rai/test-images/"

    argv = ["--images", str(raw_data), "--base-uri", base, "--output", str(tmp_path / "table")]
    assert image_table.main(argv) == 0

    rows = [json.loads(line) for line in (tmp_path / "table" / "images.jsonl").read_text().splitlines()]
    assert len(rows) == 24
    assert rows[0] == {"image_url": f"{base}circle/circle-001.png", "label": "circle"}
    assert {row["label"] for row in rows} == {"circle", "square", "triangle"}
    assert "read_json_lines" in (tmp_path / "table" / "MLTable").read_text()


def test_rejects_a_folder_without_classes(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()

    argv = ["--images", str(tmp_path / "empty"), "--base-uri", "x", "--output", str(tmp_path / "t")]
    assert image_table.main(argv) == 1
