"""Tests of production_data.py: what score.py hands to Azure ML's data collector, and that logging never gets in
the way of an answer, with or without the collector package."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pandas as pd
import production_data
import pytest
from production_data import INPUTS, OUTPUTS, ProductionData


class RecordingCollector:
    """Stands in for azureml-ai-monitoring's Collector: remembers what it was given."""

    made: list[RecordingCollector] = []

    def __init__(self, *, name: str, on_error=None) -> None:
        self.name = name
        self.on_error = on_error
        self.records: list[tuple[pd.DataFrame, object]] = []
        RecordingCollector.made.append(self)

    def collect(self, data: pd.DataFrame, correlation_context: object = None) -> object:
        self.records.append((data, correlation_context))
        return f"context-of-{self.name}-{len(self.records)}"


@pytest.fixture(autouse=True)
def no_collectors_yet() -> None:
    RecordingCollector.made.clear()


def record_production(monkeypatch: pytest.MonkeyPatch, score: object) -> Callable[[], tuple[Any, Any, object]]:
    """Make a score.py log through RecordingCollector (the type's tests use it); the function returned gives what
    the last request logged: its inputs, its outputs and the correlation context the outputs carry."""
    RecordingCollector.made.clear()
    monkeypatch.setattr(score, "production", ProductionData(RecordingCollector))

    def logged() -> tuple[Any, Any, object]:
        inputs, outputs = RecordingCollector.made
        (logged_inputs, _), (logged_outputs, context) = inputs.records[-1], outputs.records[-1]
        return logged_inputs, logged_outputs, context

    return logged


def test_inputs_and_outputs_go_to_their_collections_correlated() -> None:
    production = ProductionData(RecordingCollector)
    inputs, outputs = pd.DataFrame({"x": [1, 2]}), pd.DataFrame({"y": [0.5, 0.7]})

    production.log(inputs, outputs)

    made = {collector.name: collector for collector in RecordingCollector.made}
    assert set(made) == {INPUTS, OUTPUTS} == {"model_inputs", "model_outputs"}
    assert made[INPUTS].records == [(inputs, None)]
    assert made[OUTPUTS].records == [(outputs, "context-of-model_inputs-1")]
    assert all(collector.on_error is not None for collector in made.values()), "a refusal must not raise"


def test_without_the_package_nothing_is_collected(monkeypatch: pytest.MonkeyPatch, caplog) -> None:
    monkeypatch.setattr(production_data, "_collector_class", lambda: None)
    caplog.set_level(logging.INFO, logger="production_data")

    production = ProductionData()
    production.log(pd.DataFrame({"x": [1]}), pd.DataFrame({"y": [2]}))

    assert production.inputs is None and production.outputs is None
    assert "azureml-ai-monitoring is not installed" in caplog.text


def test_a_failing_collector_never_fails_the_request(caplog) -> None:
    class Broken(RecordingCollector):
        def collect(self, data, correlation_context=None):
            raise ConnectionError("the collector agent is gone")

    class Unstartable(RecordingCollector):
        def __init__(self, **kwargs) -> None:
            raise RuntimeError("no configuration")

    ProductionData(Broken).log(pd.DataFrame({"x": [1]}), pd.DataFrame({"y": [2]}))
    assert "was not collected: the collector agent is gone" in caplog.text
    assert ProductionData(Unstartable).inputs is None
    assert "could not start" in caplog.text


def test_the_real_collector_outside_azure_drops_the_data_quietly(caplog) -> None:
    """Where azureml-ai-monitoring is installed (the scoring environment), outside a deployment with a data
    collector the package refuses every record; the refusal goes to the debug log, nothing raises."""
    pytest.importorskip("azureml.ai.monitoring", reason="azureml-ai-monitoring is in the scoring environment only")
    caplog.set_level(logging.DEBUG, logger="production_data")

    production = ProductionData()
    production.log(pd.DataFrame({"x": [1]}), pd.DataFrame({"y": [2]}))

    assert production.inputs is not None
    assert "custom logging is not enabled" in caplog.text
