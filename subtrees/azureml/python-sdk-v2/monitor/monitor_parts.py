"""The parts of a model monitor that do not depend on the model, built with azure-ai-ml from mlops/monitoring.yml:
the trigger, the serverless Spark compute, the e-mails, the thresholds of each kind of signal, the data a
deployment's data collector collected, the signals of a classifier whose requests have no distribution to
compare (its confidence drift signal runs data-science/src/drift.py on serverless Spark) and the
MonitorSchedule around the signals of schedule.py, with the build_schedule() every schedule.py offers.

Nothing here contacts Azure.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "monitoring"))
import settings  # noqa: E402  (mlops/monitoring/settings.py: the settings of mlops/monitoring.yml)

SOURCE_DIR = settings.PROJECT_ROOT / "data-science" / "src"
# What the version of a confidence drift component is derived from: its definition here and the code it runs.
CONFIDENCE_DRIFT_FILES = (Path(__file__).resolve(), SOURCE_DIR / "drift.py")
# The Spark pool of the confidence drift signal: one small executor is plenty for a week of scores.
SPARK_CONF = {
    "spark.driver.cores": 1,
    "spark.driver.memory": "2g",
    "spark.executor.cores": 2,
    "spark.executor.memory": "2g",
    "spark.executor.instances": 1,
    "spark.dynamicAllocation.enabled": True,
    "spark.dynamicAllocation.minExecutors": 1,
    "spark.dynamicAllocation.maxExecutors": 2,
}


def trigger(monitor: settings.MonitorSettings) -> Any:
    """The recurrence of mlops/monitoring.yml's monitor.schedule (UTC)."""
    from azure.ai.ml.entities import RecurrencePattern, RecurrenceTrigger

    spec = monitor.trigger()
    pattern = spec.get("schedule")
    return RecurrenceTrigger(
        frequency=spec["frequency"],
        interval=spec["interval"],
        schedule=RecurrencePattern(**pattern) if pattern else None,
    )


def drift_thresholds(kind: Any, values: Mapping[str, Any] | None) -> Any:
    """Data or prediction drift thresholds (``kind``: DataDriftMetricThreshold, PredictionDriftMetricThreshold)
    from a mapping of `numerical` and `categorical` to metric thresholds; None keeps Azure ML's defaults."""
    from azure.ai.ml.entities import CategoricalDriftMetrics, NumericalDriftMetrics

    if not values:
        return None
    return kind(
        numerical=NumericalDriftMetrics(**values["numerical"]) if values.get("numerical") else None,
        categorical=CategoricalDriftMetrics(**values["categorical"]) if values.get("categorical") else None,
    )


def quality_thresholds(values: Mapping[str, Any] | None) -> Any:
    """Data quality thresholds from a mapping of `numerical` and `categorical` to metric thresholds."""
    from azure.ai.ml.entities import (
        DataQualityMetricsCategorical,
        DataQualityMetricsNumerical,
        DataQualityMetricThreshold,
    )

    if not values:
        return None
    return DataQualityMetricThreshold(
        numerical=DataQualityMetricsNumerical(**values["numerical"]) if values.get("numerical") else None,
        categorical=DataQualityMetricsCategorical(**values["categorical"]) if values.get("categorical") else None,
    )


def attribution_thresholds(values: Mapping[str, Any] | None) -> Any:
    """Feature attribution drift thresholds from a mapping of normalized_discounted_cumulative_gain to a value."""
    from azure.ai.ml.entities import FeatureAttributionDriftMetricThreshold

    return FeatureAttributionDriftMetricThreshold(**values) if values else None


def custom_thresholds(values: list[Mapping[str, Any]] | None) -> list[Any]:
    """A custom signal's thresholds from a list of mappings with metric_name and threshold."""
    from azure.ai.ml.entities import CustomMonitoringMetricThreshold

    return [
        CustomMonitoringMetricThreshold(metric_name=item["metric_name"], threshold=item["threshold"])
        for item in values or []
    ]


def collected(monitor: settings.MonitorSettings, collection: str, size: str, offset: str) -> Any:
    """What the deployments' data collector collected in ``collection``, over a window of ``size`` that ends
    ``offset`` before each run (ISO 8601 durations), as the input of a custom signal."""
    from azure.ai.ml import Input
    from azure.ai.ml.entities import BaselineDataRange, ReferenceData

    return ReferenceData(
        input_data=Input(type="uri_folder", path=monitor.collected_data(collection)),
        data_context=collection,
        data_window=BaselineDataRange(lookback_window_size=size, lookback_window_offset=offset),
    )


def confidence_drift_component(name: str, model: str) -> Any:
    """The Spark component of a confidence drift signal: drift.py on the collected predictions of two windows,
    comparing their `score` column (population stability index, Jensen-Shannon distance)."""
    from azure.ai.ml import Input, Output
    from azure.ai.ml.entities import SparkComponent

    return SparkComponent(
        name=name,
        version="1",
        display_name=f"Confidence drift of {model}",
        description="Population stability index and Jensen-Shannon distance of the model's confidence scores.",
        code=str(SOURCE_DIR),
        entry={"file": "drift.py"},
        inputs={
            "production_data": Input(type="mltable", mode="direct"),
            "reference_data": Input(type="mltable", mode="direct"),
            "score_column": Input(type="string", default="score"),
            "population_stability_index_threshold": Input(type="number", optional=True),
            "jensen_shannon_distance_threshold": Input(type="number", optional=True),
        },
        outputs={"signal_metrics": Output(type="mltable", mode="direct")},
        conf=SPARK_CONF,
        args=(
            "--production_data ${{inputs.production_data}} --reference_data ${{inputs.reference_data}} "
            "--score_column ${{inputs.score_column}} "
            "$[[--population_stability_index_threshold ${{inputs.population_stability_index_threshold}}]] "
            "$[[--jensen_shannon_distance_threshold ${{inputs.jensen_shannon_distance_threshold}}]] "
            "--signal_metrics ${{outputs.signal_metrics}}"
        ),
    )


def confidence_drift_signal(name: str, version: str | None, monitor: settings.MonitorSettings) -> Any:
    """The custom signal that runs the component ``name``: the last 7 days of the served predictions
    (model_outputs) against the 28 days before."""
    from azure.ai.ml.entities import CustomMonitoringSignal

    return CustomMonitoringSignal(
        component_id=f"azureml:{name}:{version or '1'}",
        input_data={
            "production_data": collected(monitor, "model_outputs", "P7D", "P0D"),
            "reference_data": collected(monitor, "model_outputs", "P28D", "P7D"),
        },
        metric_thresholds=custom_thresholds(monitor.thresholds.get("confidence_drift")),
        alert_enabled=True,
    )


def classifier_signals(name: str, monitor: settings.MonitorSettings, target: settings.Target) -> dict[str, Any]:
    """The signals of a classifier whose requests have no distribution to compare (images, texts): the predicted
    labels and their scores (prediction_drift, model_outputs), missing values and wrong types in the requests
    (data_quality, model_inputs), both against what the data collector collected before, and the confidence drift
    signal of the component ``name``."""
    from azure.ai.ml.entities import DataQualitySignal, PredictionDriftMetricThreshold, PredictionDriftSignal

    thresholds = monitor.thresholds
    return {
        "prediction_drift": PredictionDriftSignal(
            metric_thresholds=drift_thresholds(PredictionDriftMetricThreshold, thresholds.get("prediction_drift")),
            alert_enabled=True,
        ),
        "data_quality": DataQualitySignal(
            metric_thresholds=quality_thresholds(thresholds.get("data_quality")),
            alert_enabled=True,
        ),
        "confidence_drift": confidence_drift_signal(name, target.component_version, monitor),
    }


def signals_schedule(
    signals: Callable[[settings.MonitorSettings, settings.Target], Mapping[str, Any]], *, ml_task: str, description: str
) -> Callable[..., Any]:
    """The build_schedule() of a schedule.py (settings.schedule_builder) whose monitor has the signals that
    ``signals(monitor, target)`` returns."""

    def build(monitor: settings.MonitorSettings, target: settings.Target) -> Any:
        return monitor_schedule(
            monitor,
            signals(monitor, target),
            endpoint=target.endpoint,
            deployment=target.deployment,
            ml_task=ml_task,
            description=description,
        )

    return settings.schedule_builder(build)


def monitor_schedule(
    monitor: settings.MonitorSettings,
    signals: Mapping[str, Any],
    *,
    endpoint: str,
    deployment: str,
    ml_task: str,
    description: str,
) -> Any:
    """The MonitorSchedule of ``signals`` on the deployment, with the name, trigger, compute and e-mails of
    mlops/monitoring.yml; a threshold of a signal the monitor does not have is refused."""
    from azure.ai.ml.entities import (
        AlertNotification,
        MonitorDefinition,
        MonitoringTarget,
        MonitorSchedule,
        ServerlessSparkCompute,
    )

    unknown = sorted(set(monitor.thresholds) - set(signals))
    if unknown:
        raise settings.SettingsError(
            f"mlops/monitoring.yml: monitor.thresholds names {', '.join(unknown)}, which the monitor definition "
            f"does not have (its signals: {', '.join(signals)})"
        )
    definition = MonitorDefinition(
        compute=ServerlessSparkCompute(instance_type=monitor.instance_type, runtime_version=monitor.runtime_version),
        monitoring_target=MonitoringTarget(ml_task=ml_task, endpoint_deployment_id=f"azureml:{endpoint}:{deployment}"),
        monitoring_signals=dict(signals),
        alert_notification=AlertNotification(emails=list(monitor.alert_emails)) if monitor.alert_emails else None,
    )
    return MonitorSchedule(
        name=monitor.name,
        display_name=f"{monitor.name}",
        description=description,
        trigger=trigger(monitor),
        create_monitor=definition,
    )
