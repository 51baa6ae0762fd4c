"""Tests of the batch scoring script: folders, .zip archives and files that are no images."""

from __future__ import annotations

import csv
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import batch_score
import evaluate
import pytest
import score
from common import read_image_set


@pytest.fixture
def deployed(tmp_path: Path, untrained_model: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("AZUREML_MODEL_DIR", str(untrained_model))
    batch_score.init()
    yield untrained_model
    monkeypatch.setattr(score, "model", None)


def test_a_mini_batch_gives_one_line_per_image(deployed: Path, split_data: tuple[Path, Path], tmp_path: Path) -> None:
    circles = read_image_set(split_data[1])["circle"]
    (tmp_path / "notes.txt").write_text("not an image")

    lines = batch_score.run([str(path) for path in circles] + [str(tmp_path / "notes.txt")])

    rows = list(csv.reader(lines))
    assert [row[0] for row in rows] == [path.name for path in circles]
    assert [row[1] for row in rows] == evaluate.predict(evaluate.load_model(str(deployed)), circles)
    assert all(0 < float(row[2]) <= 1 for row in rows)


def test_scores_every_image_inside_a_zip_archive(deployed: Path, split_data: tuple[Path, Path], tmp_path: Path) -> None:
    archive = tmp_path / "test.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for path in sorted(split_data[1].rglob("*.png")):
            bundle.write(path, path.relative_to(split_data[1]).as_posix())
        bundle.writestr("__MACOSX/circle/._x.png", "resource fork, not an image")

    rows = list(csv.reader(batch_score.run([str(archive)])))

    assert len(rows) == 24
    assert rows[0][0].startswith("test.zip/circle/")


def test_an_unreadable_image_gets_an_empty_answer(deployed: Path, tmp_path: Path) -> None:
    (tmp_path / "broken.png").write_bytes(b"not a png")

    assert batch_score.run([str(tmp_path / "broken.png")]) == ["broken.png,,"]


def test_scores_a_folder_into_a_csv_file_from_the_command_line(
    tmp_path: Path, untrained_model: Path, split_data: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AZUREML_MODEL_DIR", raising=False)
    shutil.copytree(split_data[1], tmp_path / "to-score")
    output = tmp_path / "out" / "predictions.csv"

    argv = ["--model", str(untrained_model), "--input", str(tmp_path / "to-score"), "--output", str(output)]
    assert batch_score.main(argv) == 0
    monkeypatch.setattr(score, "model", None)

    rows = list(csv.DictReader(output.open(encoding="utf-8")))
    assert len(rows) == 24
    assert set(rows[0]) == {"file", "label", "score"}
    assert {row["label"] for row in rows} <= {"circle", "square", "triangle"}


def test_rejects_a_missing_input(tmp_path: Path, untrained_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--model", str(untrained_model), "--input", str(tmp_path / "none"), "--output", str(tmp_path / "p.csv")]

    assert batch_score.main(argv) == 1
    assert "does not exist" in capsys.readouterr().err
