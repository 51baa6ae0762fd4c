"""Tests of the labelled-text check that stands in for training."""

import json
from pathlib import Path

import pytest
import train


def write_csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_reports_labels_vocabulary_and_baseline(tmp_path: Path) -> None:
    data = write_csv(
        tmp_path / "data.csv",
        ["text,label", '"Great, great value!",positive', "Broke in a day,negative", "Great fit,positive"],
    )

    assert train.main(["--data", str(data), "--output", str(tmp_path / "out")]) == 0

    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["model_trained"] is False
    assert metrics["rows"] == 3
    assert metrics["labels"] == {"negative": 1, "positive": 2}
    assert metrics["vocabulary_size"] == 7  # great, value, broke, in, a, day, fit
    assert metrics["majority_baseline_accuracy"] == pytest.approx(2 / 3)


def test_accepts_a_folder_with_one_csv_file(tmp_path: Path) -> None:
    write_csv(tmp_path / "only.csv", ["text,label", "yes,a", "no,b"])

    assert train.main(["--data", str(tmp_path), "--output", str(tmp_path / "out")]) == 0


def test_sample_data_is_valid(tmp_path: Path) -> None:
    sample = Path(__file__).resolve().parents[2] / "data" / "reviews.csv"
    if not sample.exists():
        pytest.skip("the sample data set is not part of this checkout")

    assert train.main(["--data", str(sample), "--output", str(tmp_path)]) == 0
    assert json.loads((tmp_path / "metrics.json").read_text())["rows"] == 20


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["sentence,label", "hi,a"], "lacks the column(s) text"),
        (["text,label", "hi,a", " ,b"], "line 3: text and label must not be empty"),
        (["text,label", "hi,a", "ho,a"], "1 distinct label(s)"),
    ],
)
def test_rejects_unusable_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lines: list[str], message: str
) -> None:
    data = write_csv(tmp_path / "data.csv", lines)

    assert train.main(["--data", str(data), "--output", str(tmp_path / "out")]) == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_folder_without_a_single_csv_is_rejected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert train.main(["--data", str(tmp_path), "--output", str(tmp_path / "out")]) == 1
    assert "exactly one .csv file, found 0" in capsys.readouterr().err
