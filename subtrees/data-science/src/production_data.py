"""Production data of the online endpoint: what score.py receives and answers, logged through Azure ML's data
collector for the model monitor.

The online deployment declares a ``data_collector`` with the collections ``model_inputs`` and ``model_outputs``
(mlops/azureml/deploy/online/online-deployment.yml, or endpoints.py in SDK projects); Azure ML then stores what
is logged here in the workspace's blob storage, as the data assets <model>-inputs and <model>-outputs. The
collector is the ``Collector`` of the package azureml-ai-monitoring, which the scoring environment
(data-science/environment/conda.yml) installs.

Anywhere else the logging does nothing and never fails a request: without the package (a laptop, the tests) no
collector is made; with it but outside a deployment whose data collector is on, the package refuses every record
("custom logging is not enabled") and this module passes the refusal to the debug log instead of raising it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

INPUTS = "model_inputs"
OUTPUTS = "model_outputs"
logger = logging.getLogger(__name__)


def _collector_class() -> Callable[..., Any] | None:
    try:
        from azureml.ai.monitoring import Collector
    except ImportError:
        return None
    return Collector


def _not_collected(error: Exception) -> None:
    logger.debug("production data not collected: %s", error)


class ProductionData:
    """The two collections of a deployment: a request's inputs and the model's outputs, correlated."""

    def __init__(self, collector_class: Callable[..., Any] | None = None) -> None:
        """``collector_class`` stands in for azureml-ai-monitoring's ``Collector`` (tests); by default it is that
        class when the package is installed, and nothing is logged when it is not."""
        collector_class = collector_class or _collector_class()
        self.inputs = self.outputs = None
        if collector_class is None:
            logger.info("azureml-ai-monitoring is not installed: production data is not collected")
            return
        try:
            self.inputs = collector_class(name=INPUTS, on_error=_not_collected)
            self.outputs = collector_class(name=OUTPUTS, on_error=_not_collected)
        except Exception as error:  # a broken collector must not stop the deployment from serving
            logger.warning("the data collector could not start, production data is not collected: %s", error)
            self.inputs = self.outputs = None

    def log(self, inputs: Any, outputs: Any) -> None:
        """Log one request's inputs and the model's outputs (pandas DataFrames, one row per item); never raises."""
        if self.inputs is None or self.outputs is None:
            return
        try:
            context = self.inputs.collect(inputs)
            self.outputs.collect(outputs, context)
        except Exception as error:  # the answer matters more than its record
            logger.warning("production data of a request was not collected: %s", error)
