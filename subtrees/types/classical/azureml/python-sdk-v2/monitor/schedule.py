"""The model monitor of taxi-fare-model, built with the Azure ML Python SDK v2 (azure-ai-ml) as a MonitorSchedule:
four signals that compare what the online deployment's data collector collects (model_inputs, model_outputs)
with the training data, registered as the MLTable data asset taxi-trips-reference (data/MLTable describes
data/taxi-trips.csv).

    data_drift                 the requests' feature distributions
    prediction_drift           the predicted fares against the training data's fares
    data_quality               missing values, wrong types, values outside the training data's ranges
    feature_attribution_drift  which features drive the predictions

The name, schedule, compute, e-mails and thresholds come from mlops/monitoring.yml; create_monitor.py beside
this file registers the reference data and creates the monitor. Nothing here contacts Azure.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import monitor_parts  # noqa: E402  (the parts of a monitor that do not depend on the model)
from monitor_parts import settings  # noqa: E402

DATA_DIR = settings.PROJECT_ROOT / "data"
REFERENCE_DATA = "taxi-trips-reference"
TARGET_COLUMN = "fare_amount"
# This monitor has no custom signal: no component to register.
SIGNAL_FILES: tuple[Path, ...] = ()


def reference_data() -> Any:
    """The training data as an MLTable data asset (data/ with its MLTable file)."""
    from azure.ai.ml.constants import AssetTypes
    from azure.ai.ml.entities import Data

    return Data(
        name=REFERENCE_DATA,
        type=AssetTypes.MLTABLE,
        path=str(DATA_DIR),
        description="The taxi trips the model is trained on (data/taxi-trips.csv), as the model monitor's reference.",
    )


def signal_component() -> None:
    """No custom signal: the built-in signals fit a tabular model."""
    return None


def signals(monitor: settings.MonitorSettings, target: settings.Target) -> dict[str, Any]:
    """The four signals, each against the training data (its version ``target.reference_version``)."""
    from azure.ai.ml import Input
    from azure.ai.ml.constants import MonitorDatasetContext
    from azure.ai.ml.entities import (
        DataDriftMetricThreshold,
        DataDriftSignal,
        DataQualitySignal,
        FeatureAttributionDriftSignal,
        PredictionDriftMetricThreshold,
        PredictionDriftSignal,
        ReferenceData,
    )

    thresholds = monitor.thresholds
    training = ReferenceData(
        input_data=Input(type="mltable", path=f"azureml:{REFERENCE_DATA}:{target.reference_version or '1'}"),
        data_context=MonitorDatasetContext.TRAINING,
        data_column_names={"target_column": TARGET_COLUMN},
    )
    return {
        "data_drift": DataDriftSignal(
            reference_data=training,
            metric_thresholds=monitor_parts.drift_thresholds(DataDriftMetricThreshold, thresholds.get("data_drift")),
            alert_enabled=True,
        ),
        "prediction_drift": PredictionDriftSignal(
            reference_data=training,
            metric_thresholds=monitor_parts.drift_thresholds(
                PredictionDriftMetricThreshold, thresholds.get("prediction_drift")
            ),
            alert_enabled=True,
        ),
        "data_quality": DataQualitySignal(
            reference_data=training,
            metric_thresholds=monitor_parts.quality_thresholds(thresholds.get("data_quality")),
            alert_enabled=True,
        ),
        "feature_attribution_drift": FeatureAttributionDriftSignal(
            reference_data=training,
            metric_thresholds=monitor_parts.attribution_thresholds(thresholds.get("feature_attribution_drift")),
            alert_enabled=True,
        ),
    }


build_schedule = monitor_parts.signals_schedule(
    signals,
    ml_task="regression",
    description="Data drift, prediction drift, data quality and feature attribution drift of taxi-fare-model.",
)
