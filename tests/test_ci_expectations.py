"""What a template source's CI files ask of the project, as the README of a fork-made project reports it."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import write_files
from mlops_factory.ci_expectations import scan

SHA = "11bd71901bbe5b1630ceea73d27597364c9af683"
WORKFLOW = f"""\
name: train
on: workflow_dispatch
permissions:
  contents: read
jobs:
  train:
    runs-on: ubuntu-latest
    environment: prod
    steps:
      - uses: actions/checkout@{SHA}  # v4
      - uses: azure/login@v1
        with:
          creds: ${{{{ secrets.AZURE_CREDENTIALS }}}}
      - run: gh pr list
        env:
          GH_TOKEN: ${{{{ secrets.GITHUB_TOKEN }}}}
          REGION: ${{{{ vars.AZURE_REGION }}}}
      - uses: ./.github/actions/local
  call:
    uses: Azure/mlops-templates/.github/workflows/register-model.yml@main
    environment:
      name: dev
"""
PIPELINE = """\
trigger: none
variables:
  - template: ../../config-aml.yml
  - group: mlops-workspace-secrets
resources:
  repositories:
    - repository: self
    - repository: mlops-templates
      name: Azure/mlops-templates
      endpoint: github-connection
      type: github
    - repository: shared-steps
      name: contoso/shared-steps
      type: git
      ref: refs/tags/v3
stages:
  - stage: Train
    jobs:
      - job: Train
        steps:
          - template: templates/aml-cli-v2/install-az-cli.yml@mlops-templates
          - task: AzureCLI@2
            inputs:
              azureSubscription: $(ado_service_connection_rg)
              scriptType: bash
              inlineScript: az login --service-principal -p $(AZURE_CLIENT_SECRET) -u $(client_id)
"""


def test_a_github_workflow_s_secrets_variables_environments_and_actions(tmp_path: Path) -> None:
    write_files(tmp_path, {".github/workflows/train.yml": WORKFLOW})
    found = scan(tmp_path, [".github/workflows/train.yml"])

    assert list(found.secrets) == ["AZURE_CREDENTIALS", "GITHUB_TOKEN"]
    assert list(found.stored_secrets) == ["AZURE_CREDENTIALS"], "GitHub gives every job its token"
    assert list(found.variables) == ["AZURE_REGION"]
    assert list(found.environments) == ["dev", "prod"]
    assert [(ref.target, ref.ref) for ref in found.unpinned] == [
        ("azure/login", "v1"),
        ("Azure/mlops-templates/.github/workflows/register-model.yml", "main"),
    ]
    assert [ref.target for ref in found.references if ref.pinned] == ["actions/checkout"]


def test_an_azure_devops_pipeline_s_groups_connections_repositories_and_secret_variables(tmp_path: Path) -> None:
    write_files(tmp_path, {"mlops/devops-pipelines/train.yml": PIPELINE})
    found = scan(tmp_path, ["mlops/devops-pipelines/train.yml"])

    assert list(found.variable_groups) == ["mlops-workspace-secrets"]
    assert list(found.service_connections) == ["$(ado_service_connection_rg)"]
    assert list(found.stored_secrets) == ["AZURE_CLIENT_SECRET"]
    assert [(ref.target, ref.ref, ref.pinned) for ref in found.references] == [
        ("Azure/mlops-templates", "", False),  # no ref: whatever the default branch holds
        ("contoso/shared-steps", "refs/tags/v3", True),
    ]


def test_only_plain_names_come_out_of_a_crafted_file(tmp_path: Path) -> None:
    crafted = (
        "jobs:\n  x:\n    environment: <img src=x onerror=alert(1)>\n    steps:\n"
        "      - uses: evil/action@main<script>alert(1)</script>\n"
        "      - run: echo ${{ secrets.TOKEN`|<b> }}\n"
        "      - uses: other/action@v1 | [link](http://evil)\n"
    )
    write_files(tmp_path, {".github/workflows/crafted.yml": crafted, "notes.txt": "secrets.NOT_CI"})
    found = scan(tmp_path, [".github/workflows/crafted.yml", "notes.txt"])

    names = [*found.secrets, *found.environments, *(ref.target + "@" + ref.ref for ref in found.references)]
    assert names == ["TOKEN", "evil/action@main", "other/action@v1"]
    assert all(re.fullmatch(r"[A-Za-z0-9_./@-]+", name) for name in names)


def test_files_without_ci_expect_nothing(tmp_path: Path) -> None:
    write_files(tmp_path, {"data-science/src/train.py": "print('secrets.X')\n", "data/taxi.csv": "a\n1\n"})
    assert scan(tmp_path, ["data-science/src/train.py", "data/taxi.csv"]).empty
