"""The `fake_cli` fixture: fake `az` and `gh` on PATH, a world they answer from, and the switches of the
unhappy paths. Import it into a test module (`from fakes.fixture import fake_cli`)."""

from __future__ import annotations

import copy
import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parent.parent
RECORDED = Path(__file__).resolve().parent / "recorded"
DEV_SUBSCRIPTION = "11111111-1111-4111-8111-111111111111"
PROD_SUBSCRIPTION = "22222222-2222-4222-8222-222222222222"
TENANT = "33333333-3333-4333-8333-333333333333"
OTHER_TENANT = "44444444-4444-4444-8444-444444444444"
DEVOPS_ORGANIZATION = "https://dev.azure.com/contoso"

WORLD: dict[str, Any] = {
    "account": {
        "id": DEV_SUBSCRIPTION,
        "name": "contoso-dev",
        "tenantId": TENANT,
        "state": "Enabled",
        "user": {"name": "admin@contoso.com", "type": "user"},
    },
    "subscriptions": {
        DEV_SUBSCRIPTION: {"id": DEV_SUBSCRIPTION, "name": "contoso-dev", "tenantId": TENANT, "state": "Enabled"},
        PROD_SUBSCRIPTION: {"id": PROD_SUBSCRIPTION, "name": "contoso-prod", "tenantId": TENANT, "state": "Enabled"},
    },
    "extensions": ["azure-devops", "ml"],
    "github": {
        "user": {"login": "octocat", "id": 583231, "type": "User"},
        "users": {"mona": {"login": "mona", "id": 1000, "type": "User"}},
        "teams": {"my-org/ml-leads": {"slug": "ml-leads", "id": 77}},
        "repos": {"my-org/my-mlops-project": {"permissions": {"admin": True}}},
    },
    "devops": {
        f"{DEVOPS_ORGANIZATION}/my-mlops-project": {
            "id": "55555555-5555-4555-8555-555555555555",
            "name": "my-mlops-project",
            "organization_id": "66666666-6666-4666-8666-666666666666",
            "repositories": {
                "my-mlops-project": {"id": "77777777-7777-4777-8777-777777777777", "name": "my-mlops-project"}
            },
        }
    },
    "devops_users": {
        "admin@contoso.com": {
            "id": "88888888-8888-4888-8888-888888888888",
            "user": {"principalName": "admin@contoso.com"},
        }
    },
}

WRAPPER = """#!{python} -SE
import sys
sys.path.insert(0, {tests!r})
from fakes.engine import run
from fakes.{module} import handle, SINGLE_VALUED
sys.exit(run({tool!r}, sys.argv[1:], handle, SINGLE_VALUED))
"""


class FakeCli:
    """Handle on the fakes of one test: their world, their call log and their switches."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.bin = home / "bin"
        self.bin.mkdir(parents=True)
        for tool, module in (("az", "azure_cli"), ("gh", "github_cli")):
            path = self.bin / tool
            path.write_text(WRAPPER.format(python=sys.executable, tests=str(TESTS), module=module, tool=tool))
            path.chmod(path.stat().st_mode | stat.S_IEXEC)
        self.write("state", copy.deepcopy(WORLD))
        self.write("control", {})

    # ── files ──
    def read(self, name: str) -> Any:
        return json.loads((self.home / f"{name}.json").read_text())

    def write(self, name: str, data: Any) -> None:
        (self.home / f"{name}.json").write_text(json.dumps(data, indent=1, sort_keys=True))

    @property
    def state(self) -> dict:
        return self.read("state")

    def change_state(self, change) -> None:
        """Apply `change(state)` to the world (for example, a name already taken)."""
        state = self.read("state")
        change(state)
        self.write("state", state)

    # ── the log ──
    def calls(self, tool: str | None = None) -> list[dict]:
        log = self.home / "calls.jsonl"
        entries = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
        return [entry for entry in entries if tool in (None, entry["tool"])]

    def changes(self) -> list[str]:
        """The calls that changed something, as command lines."""
        return [" ".join([entry["tool"], *entry["argv"]]) for entry in self.calls() if entry["changed"]]

    def clear_log(self) -> None:
        (self.home / "calls.jsonl").unlink(missing_ok=True)

    # ── switches ──
    def _control(self, key: str, value: Any, append: bool = True) -> None:
        control = self.read("control")
        if append:
            control.setdefault(key, []).append(value)
        else:
            control[key] = value
        self.write("control", control)

    def fail(self, *match: str, occurrence: int | None = None, stderr: str | None = None, exit_code: int = 1) -> None:
        """Make the calls whose argv holds `match` (in order) fail, or only the `occurrence`-th of them."""
        rule: dict[str, Any] = {"match": list(match), "exit": exit_code}
        if occurrence is not None:
            rule["occurrence"] = occurrence
        if stderr is not None:
            rule["stderr"] = stderr
        self._control("fail", rule)

    def expire_login_after(self, calls: int) -> None:
        """After `calls` az calls, every az call fails with AADSTS700024 until the next `az login`."""
        self._control("login_expires_after", calls, append=False)

    def sign_in_afresh(self) -> None:
        """What a CI step's own sign-in does at its start (an AzureCLI@2 task, azure/login): the expiry counts
        from now."""
        self._control("calls_since_login", 0, append=False)

    def script(self, *match: str, stdout: Any = None, stderr: str = "", exit_code: int = 0, times: int = 1) -> None:
        """Answer the next `times` calls matching `match` with this output (before the model answers)."""
        self._control(
            "script", {"match": list(match), "stdout": stdout, "stderr": stderr, "exit": exit_code, "times": times}
        )

    def use_recorded(self, name: str) -> None:
        """Answer read-only calls from fakes/recorded/<name>.json (a list of {match, stdout, exit})."""
        for rule in json.loads((RECORDED / f"{name}.json").read_text())["answers"]:
            self._control("recorded", rule)

    def environment(self) -> dict[str, str]:
        return {**os.environ, "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}", "FAKE_CLI_HOME": str(self.home)}


@pytest.fixture
def fake_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeCli:
    """Fake `az` and `gh` first on PATH (also for in-process code that looks them up with shutil.which)."""
    fake = FakeCli(tmp_path / "fake-cli")
    monkeypatch.setenv("PATH", f"{fake.bin}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_CLI_HOME", str(fake.home))
    return fake
