"""Tests of the image-set check that stands in for training."""

import json
from pathlib import Path

import pytest
import train

PNG = b"\x89PNG\r\n\x1a\n" + bytes(16)
JPEG = b"\xff\xd8\xff\xe0" + bytes(16)


def add_images(root: Path, label: str, count: int, content: bytes = PNG, suffix: str = ".png") -> None:
    folder = root / label
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        (folder / f"{index:04d}{suffix}").write_bytes(content)


def test_reports_images_per_class(tmp_path: Path) -> None:
    images = tmp_path / "images"
    add_images(images, "cat", 3)
    add_images(images, "dog", 1, JPEG, ".JPG")
    (images / "dog" / "notes.txt").write_text("not an image, not counted")

    assert train.main(["--data", str(images), "--output", str(tmp_path / "out")]) == 0

    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics == {
        "model_trained": False,
        "images": 4,
        "classes": {"cat": 3, "dog": 1},
        "majority_class_share": 0.75,
    }


def run_and_read_error(tmp_path: Path, images: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert train.main(["--data", str(images), "--output", str(tmp_path / "out")]) == 1
    assert not (tmp_path / "out").exists()
    return capsys.readouterr().err


def test_rejects_a_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "is not a folder" in run_and_read_error(tmp_path, tmp_path / "images", capsys)


def test_rejects_a_single_class(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add_images(tmp_path / "images", "cat", 2)

    assert "images for 1 class(es)" in run_and_read_error(tmp_path, tmp_path / "images", capsys)


def test_rejects_files_that_are_not_images(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add_images(tmp_path / "images", "cat", 1)
    add_images(tmp_path / "images", "dog", 1, content=b"plain text")

    error = run_and_read_error(tmp_path, tmp_path / "images", capsys)
    assert "1 file(s) do not start like their image format" in error
    assert str(Path("dog", "0000.png")) in error
