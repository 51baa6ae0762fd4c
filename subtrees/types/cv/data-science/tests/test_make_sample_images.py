"""Tests of the synthetic image-set generator."""

from __future__ import annotations

from pathlib import Path

import make_sample_images
import pytest
from common import open_image, read_image_set


def test_same_arguments_give_the_same_bytes(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert make_sample_images.main(["--per-class", "3", "--seed", "3", "--output", str(tmp_path / name)]) == 0

    first, second = (sorted((tmp_path / name).rglob("*.png")) for name in ("a", "b"))
    assert [path.relative_to(tmp_path / "a") for path in first] == [path.relative_to(tmp_path / "b") for path in second]
    assert [path.read_bytes() for path in first] == [path.read_bytes() for path in second]
    assert make_sample_images.sample_images(3, 32, 4) != make_sample_images.sample_images(3, 32, 3)


def test_makes_one_folder_of_readable_images_per_shape(tmp_path: Path) -> None:
    assert make_sample_images.main(["--per-class", "4", "--size", "20", "--output", str(tmp_path / "set")]) == 0

    classes = read_image_set(tmp_path / "set")
    assert list(classes) == list(make_sample_images.CLASSES)
    assert all(len(files) == 4 for files in classes.values())
    image = open_image(classes["circle"][0])
    assert image.size == (20, 20) and image.mode == "RGB"


def test_the_committed_sample_is_what_the_script_makes(sample_images: Path) -> None:
    expected = make_sample_images.sample_images(12, 32, 42)

    committed = {path.relative_to(sample_images).as_posix(): path.read_bytes() for path in sample_images.rglob("*.png")}
    assert committed == expected


def test_rejects_an_empty_or_tiny_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert make_sample_images.main(["--per-class", "0", "--output", str(tmp_path / "x")]) == 1
    assert make_sample_images.main(["--size", "4", "--output", str(tmp_path / "x")]) == 1
    assert "--per-class" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
