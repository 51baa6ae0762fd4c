"""Drift metrics of this project and the custom monitoring signal that computes them in Azure ML.

Two metrics compare a production sample of numbers with a reference sample, both binned into the same
equal-width bins over the range the two samples span:

- ``jensen_shannon_distance``: the square root of the Jensen-Shannon divergence (log base 2) of the two
  histograms, between 0 (same distribution) and 1 (no overlap); the metric mlops/monitoring.yml sets for
  the numerical features of the built-in data drift and prediction drift signals;
- ``population_stability_index``: the sum of (p - q) * ln(p / q) over the bins, with empty bins counted as
  a tiny share; 0.1 is commonly read as a small shift and 0.25 as a large one.

``signal_metrics`` turns them into the rows Azure ML model monitoring expects from a custom signal (the
columns group, metric_name, metric_value, threshold_value, group_pivot), and ``breaches`` lists the rows
above their threshold. Everything here is plain Python: the tests run it on synthetic samples without Spark.

``main`` is the entry of the custom signal component (mlops/azureml/monitor/, cv and nlp projects): Azure ML
runs it on serverless Spark with the collected predictions of the production window and of the reference
window as MLTable inputs, and it writes the metric rows of the score column (the model's confidence) as an
MLTable output. Only ``main`` needs pyspark, which the Spark runtime provides.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

BINS = 10
# The share an empty bin counts as: keeps the logarithms finite without moving a real difference.
EMPTY_BIN_SHARE = 1e-4
SIGNAL_COLUMNS = ("group", "metric_name", "metric_value", "threshold_value", "group_pivot")


def histogram(values: Sequence[float], low: float, high: float, bins: int = BINS) -> list[float]:
    """The share of ``values`` in each of ``bins`` equal-width bins over [low, high] (the last bin closed)."""
    counts = [0] * bins
    width = (high - low) / bins
    for value in values:
        index = bins - 1 if width == 0 else min(int((value - low) / width), bins - 1)
        counts[max(index, 0)] += 1
    total = sum(counts)
    if not total:
        raise ValueError("no values to compare")
    return [count / total for count in counts]


def _shares(reference: Sequence[float], production: Sequence[float], bins: int) -> tuple[list[float], list[float]]:
    if not reference or not production:
        raise ValueError("both the reference and the production sample need values")
    low, high = min(min(reference), min(production)), max(max(reference), max(production))
    return histogram(reference, low, high, bins), histogram(production, low, high, bins)


def jensen_shannon_distance(reference: Sequence[float], production: Sequence[float], bins: int = BINS) -> float:
    """The Jensen-Shannon distance (base 2, between 0 and 1) between the histograms of the two samples."""
    p, q = _shares(reference, production, bins)

    def divergence(a: list[float], mixture: list[float]) -> float:
        return sum(x * math.log2(x / m) for x, m in zip(a, mixture, strict=True) if x > 0)

    mixture = [(x + y) / 2 for x, y in zip(p, q, strict=True)]
    return math.sqrt(max(0.0, (divergence(p, mixture) + divergence(q, mixture)) / 2))


def population_stability_index(reference: Sequence[float], production: Sequence[float], bins: int = BINS) -> float:
    """The population stability index of the production sample against the reference sample."""
    p, q = _shares(reference, production, bins)
    pairs = [(max(x, EMPTY_BIN_SHARE), max(y, EMPTY_BIN_SHARE)) for x, y in zip(p, q, strict=True)]
    return sum((y - x) * math.log(y / x) for x, y in pairs)


METRICS: dict[str, Callable[[Sequence[float], Sequence[float]], float]] = {
    "jensen_shannon_distance": jensen_shannon_distance,
    "population_stability_index": population_stability_index,
}


def signal_metrics(
    reference: Sequence[float], production: Sequence[float], thresholds: Mapping[str, float], group: str
) -> list[dict[str, Any]]:
    """One row per metric of ``thresholds`` (metric name -> threshold), in the columns of a custom signal."""
    unknown = sorted(set(thresholds) - set(METRICS))
    if unknown:
        raise ValueError(f"unknown metric(s) {', '.join(unknown)}: drift.py computes {', '.join(METRICS)}")
    return [
        {
            "group": group,
            "metric_name": name,
            "metric_value": float(METRICS[name](reference, production)),
            "threshold_value": float(threshold),
            "group_pivot": "",
        }
        for name, threshold in thresholds.items()
    ]


def breaches(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """The metrics whose value is above their threshold (drift), as ``group metric_name``."""
    return [f"{row['group']} {row['metric_name']}" for row in rows if row["metric_value"] > row["threshold_value"]]


# -- the custom signal component (serverless Spark) -----------------------------------------------------------
def _column(spark: Any, mltable: str, column: str) -> list[float]:
    """The non-null numbers of ``column`` of an MLTable, read with Azure ML's Spark MLTable reader."""
    frame = spark.read.mltable(mltable)
    if column not in frame.columns:
        raise SystemExit(f"the collected data has no column {column!r} (columns: {', '.join(frame.columns)})")
    return [float(row[0]) for row in frame.select(column).dropna().collect()]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry of the custom signal: metric rows of ``--score_column`` of production against reference data."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--production_data", required=True, help="MLTable of the production window")
    parser.add_argument("--reference_data", required=True, help="MLTable of the reference window")
    parser.add_argument("--score_column", default="score", help="the column of numbers to compare")
    for name in METRICS:
        parser.add_argument(f"--{name}_threshold", type=float, help=f"threshold of {name} (none: not computed)")
    parser.add_argument("--signal_metrics", required=True, help="output MLTable folder of the metric rows")
    args = parser.parse_args(argv)
    # Azure ML passes a threshold per metric of the signal's metric_thresholds; a metric without one is still
    # computed and reported (NaN threshold: never above it), so that it shows in the monitor's history.
    thresholds = {
        name: math.nan if getattr(args, f"{name}_threshold") is None else getattr(args, f"{name}_threshold")
        for name in METRICS
    }

    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName("confidence-drift").getOrCreate()
    rows = signal_metrics(
        _column(spark, args.reference_data, args.score_column),
        _column(spark, args.production_data, args.score_column),
        thresholds,
        args.score_column,
    )
    frame = spark.createDataFrame([tuple(row[column] for column in SIGNAL_COLUMNS) for row in rows], SIGNAL_COLUMNS)
    frame.write.option("output_format", "parquet").option("overwrite", True).mltable(args.signal_metrics)
    print(f"{len(rows)} metric(s); above their threshold: {', '.join(breaches(rows)) or 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
