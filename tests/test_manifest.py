"""Manifest parsing: the format's rules, each with the sentence a template author sees."""

from __future__ import annotations

import pytest
from mlops_factory.manifest import ManifestError, default_manifest, parse_manifest


def manifest(parts: str) -> str:
    return f"manifest_version: 1\nparts:\n{parts}"


def test_default_mapping_places_upstream_folders_like_the_project_layout():
    combination = {
        "infrastructure_version": "bicep",
        "project_type": "cv",
        "mlops_version": "aml-cli-v2",
        "orchestration": "azure-devops",
    }
    placed = {part.source: part.target for part in default_manifest().parts_for(combination)}
    assert placed == {
        "infrastructure/bicep": "infrastructure",
        "infrastructure/bicep/pipelines": "infrastructure/pipelines",
        "cv/aml-cli-v2/data-science": "data-science",
        "cv/aml-cli-v2/data": "data",
        "cv/aml-cli-v2/mlops/azureml": "mlops/azureml",
        "cv/aml-cli-v2/mlops/devops-pipelines": "mlops/devops-pipelines",
    }


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ("  - {from: ../outside, to: x}\n", "climbs out of the source with '..'"),
        ("  - {from: /etc, to: x}\n", "is absolute"),
        ("  - {from: a, to: ../../home}\n", "climbs out of the source"),
        ("  - {from: '{colour}/x', to: x}\n", "unknown placeholder(s) colour"),
        ("  - {from: a, to: b, when: {project_type: audio}}\n", "project_type the value(s) audio"),
        ("  - {from: a}\n", "needs both 'from' and 'to'"),
        ("  - {from: a, to: b, copy: true}\n", "unknown key(s) copy"),
    ],
)
def test_bad_manifests_are_refused_with_the_reason(parts, message):
    with pytest.raises(ManifestError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_manifest(manifest(parts))


def test_a_manifest_of_another_format_version_is_refused():
    with pytest.raises(ManifestError, match="manifest_version 2"):
        parse_manifest("manifest_version: 2\nparts: [{from: a, to: b}]\n")


def test_when_accepts_one_value_or_a_list():
    parsed = parse_manifest(
        manifest("  - {from: a, to: b, when: {orchestration: [github-actions], project_type: cv}}\n")
    )
    assert parsed.parts[0].when == {"orchestration": ("github-actions",), "project_type": ("cv",)}
