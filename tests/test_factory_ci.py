"""The factory's own GitHub workflows (.github/workflows/): valid for GitHub, pinned, least privilege, and
running exactly the commands the README gives, so a green run means what the README promises.

Checked with the validators of generated projects (tests/validation/github.py: the vendored workflow
schema, actionlint, local `uses:` targets). No network and no runner: what GitHub does with them is
verified on GitHub only.
"""

from __future__ import annotations

import re

import yaml
from conftest import ROOT
from test_readme import README, readme_command
from validation.github import validate_github, workflow_files

WORKFLOWS = ROOT / ".github" / "workflows"
ACTIONLINT_CONFIG = ROOT / ".github" / "actionlint.yaml"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$")


def load(name: str) -> dict:
    """A workflow as GitHub reads it (YAML 1.2: `on` is a key, not True)."""
    document = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    document["on"] = document.pop(True, document.get("on"))
    return document


def run_lines(workflow: dict, job: str) -> list[str]:
    """Every line of every `run:` step of ``job``, stripped."""
    steps = workflow["jobs"][job]["steps"]
    return [line.strip() for step in steps for line in step.get("run", "").splitlines()]


def readme_block(heading: str, language: str) -> list[str]:
    """The lines of the first ``language`` block after the bold heading ``heading`` in the README."""
    match = re.search(rf"\*\*{re.escape(heading)}[^*]*\*\*[^\n]*\s*```{language}\n(.+?)\n```", README, re.S)
    assert match, f"README has no {language} block under '{heading}'"
    return [line.strip() for line in match.group(1).splitlines()]


def test_the_workflows_pass_the_validators_of_generated_projects():
    allowed_labels = yaml.safe_load(ACTIONLINT_CONFIG.read_text())["self-hosted-runner"]["labels"]
    findings = [
        finding
        for finding in validate_github(ROOT)
        # The offline actionlint cannot read .github/actionlint.yaml; apply its runner labels here.
        if not (
            finding.validator == "actionlint"
            and any(f'label "{label}" is unknown' in finding.message for label in allowed_labels)
        )
    ]
    assert [path.name for path in workflow_files(ROOT)] == ["ci.yml", "release.yml"]
    assert findings == [], "\n".join(map(str, findings))


def test_ci_runs_the_readme_test_commands_verbatim():
    ci = load("ci.yml")
    lines = run_lines(ci, "test-suite")
    assert readme_command("Run the test suite") in lines
    quick = re.search(r"`(bash tests/run\.sh -m \"not slow\")`", README)
    assert quick and quick.group(1) in lines


def test_every_os_and_python_generates_and_updates_with_the_readme_commands():
    ci = load("ci.yml")
    job = ci["jobs"]["generate-and-update"]
    assert job["strategy"]["matrix"]["python"] == ["3.11", "3.12", "3.13"]
    assert {os.split("-")[0] for os in job["strategy"]["matrix"]["os"]} == {"ubuntu", "macos", "windows"}
    lines = run_lines(ci, "generate-and-update")
    bash = readme_command("Generate a project from the built-in source")
    assert any(line.startswith(bash) for line in lines), "the bash generate step is not the README's command"
    powershell = readme_block("On Windows", "powershell")
    for line in powershell:
        assert any(run.startswith(line) for run in lines), f"the PowerShell step lacks the README's line {line!r}"
    windows_steps = [step for step in job["steps"] if step.get("if") == "runner.os == 'Windows'"]
    assert windows_steps and all(step["shell"] == "pwsh" for step in windows_steps), "Windows must run without bash"


def test_third_party_actions_are_pinned_to_full_commit_shas_with_a_version_comment():
    for path in workflow_files(ROOT):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            uses = re.match(r"\s*(?:-\s+)?uses:\s*(.+)$", line)
            if uses and not uses.group(1).startswith("./"):
                assert PINNED.match(uses.group(1)), f"{path.name}:{number}: {uses.group(1)} is not pinned to a SHA"


def test_only_the_release_job_may_write_and_only_after_the_tests_on_main():
    ci, release = load("ci.yml"), load("release.yml")
    assert ci["permissions"] == {"contents": "read"} and release["permissions"] == {"contents": "read"}
    writers = {
        (name, job_name): job.get("permissions")
        for name, workflow in (("ci", ci), ("release", release))
        for job_name, job in workflow["jobs"].items()
        if job.get("permissions")
    }
    assert writers == {("ci", "release"): {"contents": "write"}, ("release", "release"): {"contents": "write"}}
    caller = ci["jobs"]["release"]
    assert caller["uses"] == "./.github/workflows/release.yml"
    assert set(caller["needs"]) == set(ci["jobs"]) - {"release"}
    assert caller["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert release["on"] == {"workflow_call": None}
    assert run_lines(release, "release") == ["python3 scripts/release.py --publish"]
