"""The README's two set-up commands stay true: CI runs the test command verbatim, and the generate
command produces a project."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

from conftest import ROOT, commit_all, copy_factory, git, run_shell

README = (ROOT / "README.md").read_text()


def readme_command(heading: str) -> str:
    """The first bash block after the bold heading `heading` in the README."""
    match = re.search(rf"\*\*{re.escape(heading)}[^*]*\*\*[^\n]*\s*```bash\n(.+?)\n```", README, re.S)
    assert match, f"README has no command under '{heading}'"
    return match.group(1).strip()


def test_ci_runs_exactly_the_readme_test_command():
    command = readme_command("Run the test suite")
    ci_lines = [line.strip() for line in (ROOT / ".ci/run").read_text().splitlines()]
    assert command in ci_lines
    script = (ROOT / "tests/run.sh").read_text()
    assert "requirements-test.txt" in script and "npm ci" in script and "pytest" in script


def test_the_readme_generate_command_makes_a_project(tmp_path: Path):
    """Run the README's command from a factory checkout, with this environment standing in for the
    venv it creates (installing Copier is what requirements.txt is for; CI installs the same)."""
    command = readme_command("Generate a project from the built-in source")
    assert 'copier copy --trust "$PWD" ../my-mlops-project' in command
    checkout = copy_factory(tmp_path / "mlops-factory")
    shutil.copy(ROOT / "requirements.txt", checkout)
    git(checkout, "init", "--quiet", "-b", "main")
    commit_all(checkout, "checkout", tag="1.0.0")
    copier_part = command.split("&& ")[-1].replace(".venv/bin/copier", str(Path(sys.executable).with_name("copier")))
    result = run_shell(f"{copier_part} --defaults", cwd=checkout)
    assert result.returncode == 0, result.stderr
    project = tmp_path / "my-mlops-project"
    assert (project / ".copier-answers.yml").is_file()
    assert (project / "infrastructure/main.tf").is_file()
    assert f"_src_path: {checkout}" in (project / ".copier-answers.yml").read_text()
