"""The drift metrics of drift.py, and a simulation at the thresholds of mlops/monitoring.yml: a shifted sample
breaches every configured threshold of a metric drift.py computes, an unshifted sample breaches none."""

from __future__ import annotations

import random
from pathlib import Path

import drift
import pytest
import yaml

MONITORING = Path(__file__).resolve().parents[2] / "mlops" / "monitoring.yml"
SAMPLE_SIZE = 2000


def configured_thresholds() -> list[tuple[str, str, float]]:
    """(signal, metric, threshold) of every threshold in mlops/monitoring.yml that drift.py computes: the
    numerical thresholds of the built-in signals and the entries of custom signals."""
    if not MONITORING.is_file():
        pytest.skip(f"{MONITORING} is not part of this checkout")
    thresholds = yaml.safe_load(MONITORING.read_text(encoding="utf-8"))["monitor"]["thresholds"]
    found = []
    for signal, values in thresholds.items():
        if isinstance(values, list):  # a custom signal: [{metric_name, threshold}, ...]
            found += [(signal, item["metric_name"], item["threshold"]) for item in values]
        elif isinstance(values, dict):
            found += [(signal, name, value) for name, value in (values.get("numerical") or {}).items()]
    return [(signal, name, float(value)) for signal, name, value in found if name in drift.METRICS]


def confidences(generator: random.Random, sure: float, unsure: float) -> list[float]:
    """Scores of a classifier: most near 1 when `sure` is much larger than `unsure`."""
    return [generator.betavariate(sure, unsure) for _ in range(SAMPLE_SIZE)]


def test_the_configuration_has_thresholds_for_the_project_s_drift_metrics():
    assert configured_thresholds(), "mlops/monitoring.yml sets no threshold of a metric drift.py computes"


@pytest.mark.parametrize(("signal", "metric", "threshold"), configured_thresholds() if MONITORING.is_file() else [])
def test_shifted_data_breaches_the_threshold_and_unshifted_data_does_not(signal, metric, threshold):
    generator = random.Random(20)
    reference = confidences(generator, 8, 2)
    unshifted = confidences(generator, 8, 2)
    shifted = confidences(generator, 4, 3)  # the model is less sure of what it now sees

    calm = drift.signal_metrics(reference, unshifted, {metric: threshold}, "score")
    drifted = drift.signal_metrics(reference, shifted, {metric: threshold}, "score")
    assert drift.breaches(calm) == [], f"{signal}: unshifted data flagged ({calm[0]['metric_value']:.3f})"
    assert drift.breaches(drifted) == [f"score {metric}"], f"{signal}: shift missed ({drifted[0]['metric_value']:.3f})"


def test_the_metrics_are_zero_for_the_same_sample_and_largest_for_disjoint_ones():
    sample = [0.1 * index for index in range(100)]
    assert drift.jensen_shannon_distance(sample, sample) == pytest.approx(0.0)
    assert drift.population_stability_index(sample, sample) == pytest.approx(0.0)
    assert drift.jensen_shannon_distance([0.0] * 50, [1.0] * 50) == pytest.approx(1.0)
    assert drift.population_stability_index([0.0] * 50, [1.0] * 50) > 10


def test_a_row_has_the_columns_of_a_custom_signal_and_unknown_metrics_are_refused():
    rows = drift.signal_metrics([0.5, 0.6], [0.5, 0.7], {"population_stability_index": 0.2}, "score")
    assert list(rows[0]) == list(drift.SIGNAL_COLUMNS)
    with pytest.raises(ValueError, match="unknown metric"):
        drift.signal_metrics([0.5], [0.5], {"standard_deviation": 1.0}, "score")
    with pytest.raises(ValueError, match="need values"):
        drift.jensen_shannon_distance([], [0.5])
