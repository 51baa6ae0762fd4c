"""This project's model monitor, as create_monitor.py needs it, from the CLI v2 schedule YAML beside this file.

Azure ML SDK v1 (azureml-core) has no model monitoring: its data drift monitors were retired in favour of the
monitors of Azure ML CLI v2 and SDK v2. So the monitor is defined in monitor.yml, the format `az ml schedule
create` reads, and loaded here with azure-ai-ml (SDK v2), which this project already uses for its deployments:

- build_schedule(): monitor.yml with the settings of mlops/monitoring.yml and the deployment applied
  (mlops/monitoring/settings.py renders it), loaded as a MonitorSchedule;
- reference_data(): reference-data.yml as a data asset, when the monitor compares with the training data;
- signal_component(): *-signal.yml, the custom signal's Spark component, when the monitor has one.

Nothing here contacts Azure.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "monitoring"))
import settings  # noqa: E402  (mlops/monitoring/settings.py: the settings of mlops/monitoring.yml)

SCHEDULE_FILE = HERE / "monitor.yml"
REFERENCE_FILE = HERE / "reference-data.yml"
SIGNAL_SPEC = next(iter(sorted(HERE.glob("*-signal.yml"))), None)
# What the custom signal component's version is derived from.
SIGNAL_FILES = settings.signal_files(SIGNAL_SPEC) if SIGNAL_SPEC else ()


def schedule_from_yaml(monitor_settings: settings.MonitorSettings, target: settings.Target) -> Any:
    """The monitor as an azure-ai-ml MonitorSchedule, built offline from monitor.yml and mlops/monitoring.yml."""
    import yaml

    # The loader `az ml schedule create` uses; azure-ai-ml 1.35 does not export it from azure.ai.ml.
    from azure.ai.ml.entities._load_functions import load_schedule

    rendered = settings.render(yaml.safe_load(SCHEDULE_FILE.read_text(encoding="utf-8")), monitor_settings, target)
    with tempfile.TemporaryDirectory(prefix="monitor-") as folder:
        path = Path(folder) / "monitor.yml"
        path.write_text(yaml.safe_dump(rendered, sort_keys=False), encoding="utf-8")
        return load_schedule(path)


build_schedule = settings.schedule_builder(schedule_from_yaml)


def reference_data() -> Any:
    """The reference data asset of reference-data.yml, None without one."""
    from azure.ai.ml import load_data

    return load_data(REFERENCE_FILE) if REFERENCE_FILE.is_file() else None


def signal_component() -> Any:
    """The custom signal's component of *-signal.yml, None without one."""
    from azure.ai.ml import load_component

    return load_component(SIGNAL_SPEC) if SIGNAL_SPEC else None
