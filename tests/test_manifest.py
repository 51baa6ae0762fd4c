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
        # Version 1 knows the four answers only, as it always did; families came with version 2.
        ("  - {from: 'x/{mlops_family}', to: x}\n", "unknown placeholder(s) mlops_family"),
        ("  - {from: a, to: b, when: {mlops_family: cli}}\n", "unknown answer 'mlops_family'"),
    ],
)
def test_bad_manifests_are_refused_with_the_reason(parts, message):
    with pytest.raises(ManifestError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_manifest(manifest(parts))


@pytest.mark.parametrize("version", ["3", "0", "true", "'2'"])
def test_a_manifest_of_another_format_version_is_refused(version):
    with pytest.raises(ManifestError, match=r"declares manifest_version .*; this factory reads versions 1 and 2"):
        parse_manifest(f"manifest_version: {version}\nparts: [{{from: a, to: b}}]\n")


SDK_NLP = {
    "infrastructure_version": "terraform",
    "project_type": "nlp",
    "mlops_version": "python-sdk-v1",
    "orchestration": "github-actions",
}


def test_version_2_places_a_folder_per_family():
    parsed = parse_manifest(
        "manifest_version: 2\nparts:\n"
        "  - {from: 'types/{project_type}/azureml/{mlops_family}', to: mlops/azureml}\n"
        "  - {from: azureml/cli/scripts, to: mlops/scripts, when: {mlops_family: cli}}\n"
        "  - {from: azureml/sdk, to: mlops/azureml, when: {mlops_family: [sdk]}}\n"
    )
    placed = {part.source: part.target for part in parsed.parts_for(SDK_NLP)}
    assert placed == {"types/nlp/azureml/sdk": "mlops/azureml", "azureml/sdk": "mlops/azureml"}


def test_version_2_names_the_families_a_condition_may_use():
    with pytest.raises(ManifestError, match="gives mlops_family the value.s. gpu; allowed: cli, sdk"):
        parse_manifest("manifest_version: 2\nparts: [{from: a, to: b, when: {mlops_family: gpu}}]\n")


def test_a_version_1_manifest_reads_as_before():
    part = "  - {from: '{project_type}/{mlops_version}/mlops', to: mlops, when: {mlops_version: [python-sdk-v1]}}\n"
    parsed = parse_manifest(manifest(part))
    assert [(part.source, part.target) for part in parsed.parts_for(SDK_NLP)] == [("nlp/python-sdk-v1/mlops", "mlops")]


def test_when_accepts_one_value_or_a_list():
    parsed = parse_manifest(
        manifest("  - {from: a, to: b, when: {orchestration: [github-actions], project_type: cv}}\n")
    )
    assert parsed.parts[0].when == {"orchestration": ("github-actions",), "project_type": ("cv",)}
