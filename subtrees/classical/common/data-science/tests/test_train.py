"""Tests of the least-squares training step."""

import json
from pathlib import Path

import pytest
import train


def write_csv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_recovers_an_exact_linear_relation(tmp_path: Path) -> None:
    # y = 3 + 2a - 0.5b, without noise: the fit must find these numbers.
    points = [(1, 4), (2, 1), (3, 7), (5, 2), (8, 3), (4, 9)]
    rows = [f"{a},{b},{3 + 2 * a - 0.5 * b}" for a, b in points]
    data = write_csv(tmp_path / "data.csv", "a,b,y", rows)

    assert train.main(["--data", str(data), "--target", "y", "--output", str(tmp_path / "out")]) == 0

    model = json.loads((tmp_path / "out" / "model.json").read_text())
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert model["intercept"] == pytest.approx(3)
    assert model["coefficients"] == pytest.approx({"a": 2, "b": -0.5})
    assert metrics["rows"] == len(points)
    assert metrics["rmse"] == pytest.approx(0, abs=1e-9)
    assert metrics["r2"] == pytest.approx(1)


def test_accepts_a_folder_with_one_csv_file(tmp_path: Path) -> None:
    write_csv(tmp_path / "only.csv", "x,y", ["1,2", "2,4", "3,6.5"])

    assert train.main(["--data", str(tmp_path), "--target", "y", "--output", str(tmp_path / "o")]) == 0
    assert json.loads((tmp_path / "o" / "metrics.json").read_text())["rows"] == 3


def test_sample_data_is_fitted_well(tmp_path: Path) -> None:
    sample = Path(__file__).resolve().parents[2] / "data" / "taxi-trips.csv"
    if not sample.exists():
        pytest.skip("the sample data set is not part of this checkout")

    assert train.main(["--data", str(sample), "--target", "fare", "--output", str(tmp_path)]) == 0
    assert json.loads((tmp_path / "metrics.json").read_text())["r2"] > 0.95


@pytest.mark.parametrize(
    ("header", "rows", "target", "message"),
    [
        ("x,y", ["1,2", "2,3", "3,5"], "fare", "no column 'fare'"),
        ("x,y", ["1,2", "two,3", "3,5"], "y", "line 3: every value must be a number"),
        ("x,y", ["1,2"], "y", "needs at least 2"),
        ("x,z,y", ["1,2,1", "2,4,2", "3,6,4"], "y", "linearly dependent"),
    ],
)
def test_rejects_unusable_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], header: str, rows: list[str], target: str, message: str
) -> None:
    data = write_csv(tmp_path / "data.csv", header, rows)

    assert train.main(["--data", str(data), "--target", target, "--output", str(tmp_path / "out")]) == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_missing_data_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.csv"

    assert train.main(["--data", str(missing), "--target", "y", "--output", str(tmp_path)]) == 1
    assert "does not exist" in capsys.readouterr().err
