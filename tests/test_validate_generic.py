"""The validators every project goes through, whatever its answers: text, Python, shell; and a GitHub
expression that breaks YAML when it is left unquoted."""

from __future__ import annotations

from pathlib import Path

from conftest import write_files
from validation import report
from validation.github import validate_github
from validation.python_code import validate_python, validate_shell
from validation.text import validate_text

PYPROJECT = '[tool.ruff]\nline-length = 120\n[tool.ruff.lint]\nselect = ["E", "F"]\n'


def test_leftover_template_syntax_is_found_but_pipeline_expressions_are_not(tmp_path: Path):
    write_files(
        tmp_path,
        {
            "README.md": "# {{ project_name }}\n",
            "infrastructure/main.tf": "# {% if terraform %}\n",
            ".github/workflows/ci.yml": "run: echo ${{ github.ref }}\n",
            "mlops/devops-pipelines/p.yml": "condition: ${{ eq(parameters.env, 'prod') }}\n",
        },
    )
    findings = validate_text(tmp_path)
    assert {(f.path, f.line) for f in findings} == {("README.md", 1), ("infrastructure/main.tf", 1)}, report(findings)
    assert all("template syntax left behind" in f.message for f in findings)


def test_paths_of_the_rendering_machine_and_secrets_are_found(tmp_path: Path):
    write_files(
        tmp_path,
        {
            "config.yml": "cache: /tmp/render-1234/project/data\n",
            "notes.md": "key: -----BEGIN RSA PRIVATE KEY-----\n",
            "settings.env": "client_secret = s3cr3tValue123\n",
            ".copier-answers.yml": "_src_path: /tmp/render-1234/factory\n",
        },
    )
    findings = validate_text(tmp_path, machine_paths=["/tmp/render-1234"])
    messages = {(f.path, f.message) for f in findings}
    assert ("config.yml", "path of the rendering machine: /tmp/render-1234") in messages
    assert ("notes.md", "looks like a private key") in messages
    assert ("settings.env", "looks like a client secret") in messages
    assert not [f for f in findings if f.path == ".copier-answers.yml"], "Copier's own record of the source is allowed"


def test_secret_references_are_not_secrets(tmp_path: Path):
    write_files(tmp_path, {"ci.yml": "password: ${{ secrets.DB_PASSWORD }}\nclient_secret: $(clientSecret)\n"})
    assert validate_text(tmp_path) == []


def test_ruff_findings_use_the_projects_own_settings(tmp_path: Path):
    write_files(
        tmp_path,
        {
            "pyproject.toml": PYPROJECT,
            "data-science/src/train.py": "import os\n\n\ndef main():\n    return 1\n",
        },
    )
    findings = validate_python(tmp_path)
    assert [(f.path, f.line, f.message.split()[0]) for f in findings] == [("data-science/src/train.py", 1, "F401")]


def test_unformatted_python_is_found(tmp_path: Path):
    write_files(tmp_path, {"pyproject.toml": PYPROJECT, "src/a.py": "x = {'a':1}\n"})
    findings = validate_python(tmp_path)
    assert [(f.path, f.validator) for f in findings] == [("src/a.py", "ruff format")], report(findings)


def test_clean_python_passes(tmp_path: Path):
    write_files(tmp_path, {"pyproject.toml": PYPROJECT, "src/a.py": 'VALUES = {"a": 1}\n'})
    assert validate_python(tmp_path) == []


def test_shellcheck_findings_carry_file_and_line(tmp_path: Path):
    write_files(tmp_path, {"scripts/setup.sh": "#!/usr/bin/env bash\nset -euo pipefail\nrm -rf $TARGET/cache\n"})
    findings = validate_shell(tmp_path)
    assert [(f.path, f.line, f.message.split()[0]) for f in findings] == [("scripts/setup.sh", 3, "SC2086")]


def test_clean_shell_passes(tmp_path: Path):
    write_files(tmp_path, {"scripts/setup.sh": '#!/usr/bin/env bash\nset -euo pipefail\nrm -rf "${TARGET:?}/cache"\n'})
    assert validate_shell(tmp_path) == []


def test_an_unquoted_github_expression_that_breaks_yaml_is_found(tmp_path: Path):
    workflow = (
        "name: deploy\non: push\njobs:\n  deploy:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - name: Deploy ${{ github.ref_name }}: to dev\n        run: echo deploying\n"
    )
    write_files(tmp_path, {".github/workflows/deploy.yml": workflow})
    findings = validate_github(tmp_path)
    assert [(f.path, f.line, f.validator) for f in findings] == [(".github/workflows/deploy.yml", 7, "yaml")], report(
        findings
    )
    assert "mapping values are not allowed" in findings[0].message


def test_a_local_action_or_reusable_workflow_that_does_not_exist_is_found(tmp_path: Path):
    workflow = (
        "name: deploy\non: push\npermissions:\n  contents: read\njobs:\n"
        "  setup:\n    runs-on: ubuntu-24.04\n    steps:\n      - uses: ./.github/actions/azure-ml-setup\n"
        "  deploy:\n    uses: ./.github/workflows/deploy-online-endpoint.yml\n"
    )
    write_files(tmp_path, {".github/workflows/train.yml": workflow})
    findings = [f for f in validate_github(tmp_path) if f.validator == "local-uses"]
    assert [(f.line, f.message) for f in findings] == [
        (9, "./.github/actions/azure-ml-setup does not exist in the project"),
        (11, "./.github/workflows/deploy-online-endpoint.yml does not exist in the project"),
    ]
