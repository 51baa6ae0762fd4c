"""The model monitor of review-sentiment-model, built as a MonitorSchedule with the Azure ML Python SDK v2.

The built-in signals compare what the online deployment's data collector collected in the last day with what
it collected before; texts have no distribution they can compare, so the custom signal compares the model's
confidence instead:

    prediction_drift   the predicted sentiments and their scores (model_outputs)
    data_quality       missing values and wrong types in the requests (model_inputs)
    confidence_drift   the distribution of the score of each prediction over the last 7 days against the 28
                       days before: data-science/src/drift.py on serverless Spark

The name, schedule, compute, e-mails and thresholds come from mlops/monitoring.yml; create_monitor.py beside
this file registers the signal's component and creates the monitor. Nothing here contacts Azure.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import monitor_parts  # noqa: E402  (the parts of a monitor that do not depend on the model)
from monitor_parts import settings  # noqa: E402, F401  (schedule.settings: mlops/monitoring/settings.py)

SIGNAL = "review_sentiment_confidence_drift"
SIGNAL_FILES = monitor_parts.CONFIDENCE_DRIFT_FILES


def reference_data() -> None:
    """No training data reference: the signals compare production windows."""
    return None


def signal_component() -> Any:
    """The Spark component of the custom signal confidence_drift."""
    return monitor_parts.confidence_drift_component(SIGNAL, "review-sentiment-model")


build_schedule = monitor_parts.signals_schedule(
    lambda monitor, target: monitor_parts.classifier_signals(SIGNAL, monitor, target),
    ml_task="classification",
    description="Prediction drift, data quality and confidence drift of review-sentiment-model.",
)
