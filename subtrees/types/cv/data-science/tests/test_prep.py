"""Tests of the image-classifier prep step: reading the image set and the split per class (test_seeded_split.py
tests what every project type's prep does alike)."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import prep
import pytest


def run_prep(raw: Path, out: Path, *extra: str) -> int:
    return prep.main(
        ["--raw-data", str(raw), "--train-data", str(out / "train"), "--test-data", str(out / "test"), *extra]
    )


def names(folder: Path) -> dict[str, list[str]]:
    return {child.name: sorted(path.name for path in child.iterdir()) for child in sorted(folder.iterdir())}


def test_splits_every_class_into_train_and_test_images(tmp_path: Path, raw_data: Path) -> None:
    assert run_prep(raw_data, tmp_path / "out") == 0

    train, test = names(tmp_path / "out" / "train"), names(tmp_path / "out" / "test")
    assert list(train) == list(test) == ["circle", "square", "triangle"]
    for shape in train:
        assert (len(train[shape]), len(test[shape])) == (6, 2)  # 8 images, a quarter held out
        assert sorted(train[shape] + test[shape]) == sorted(path.name for path in (raw_data / shape).iterdir())


def test_reads_a_zip_archive_with_a_wrapper_folder(tmp_path: Path, make_images: Callable[..., Path]) -> None:
    folder = make_images(tmp_path / "shapes", per_class=4)
    archive = tmp_path / "shapes.zip"
    with zipfile.ZipFile(archive, "w") as bundle:  # laid out like the public dataset: shapes/<class>/<file>
        for path in sorted(folder.rglob("*.png")):
            bundle.write(path, path.relative_to(tmp_path).as_posix())
        bundle.writestr("shapes/README.txt", "not an image")

    assert run_prep(archive, tmp_path / "out", "--test-size", "0.5") == 0
    assert {shape: len(files) for shape, files in names(tmp_path / "out" / "test").items()} == {
        "circle": 2,
        "square": 2,
        "triangle": 2,
    }


def test_drops_unreadable_images(tmp_path: Path, raw_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (raw_data / "square" / "broken.png").write_bytes(b"not a png")

    assert run_prep(raw_data, tmp_path / "out") == 0
    summary = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert summary["square"] == {"train": 6, "test": 2, "dropped": 1}
    kept = names(tmp_path / "out" / "train")["square"] + names(tmp_path / "out" / "test")["square"]
    assert "broken.png" not in kept


def test_rejects_a_set_with_one_class(tmp_path: Path, raw_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for shape in ("square", "triangle"):
        for path in (raw_data / shape).iterdir():
            path.unlink()

    assert run_prep(raw_data, tmp_path / "out") == 1
    assert "holds images for 1 class(es)" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_rejects_a_class_with_a_single_image(
    tmp_path: Path, raw_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for path in (raw_data / "square").iterdir():
        if path.name != "square-001.png":
            path.unlink()

    assert run_prep(raw_data, tmp_path / "out") == 1
    assert "square have fewer than 2 readable images" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
