"""Azure names: one derivation, and every limit enforced at the prompt naming the resource."""

from __future__ import annotations

import pytest
from mlops_factory import answers, naming


def test_names_follow_the_accelerator_pattern():
    dev = naming.project_names("mlopsv2", "0001")["dev"]
    assert dev["resource_group"] == "rg-mlopsv2-0001dev"
    assert dev["workspace"] == "mlw-mlopsv2-0001dev"
    assert dev["storage_account"] == "stmlopsv20001dev"
    assert dev["key_vault"] == "kv-mlopsv2-0001dev"
    assert dev["container_registry"] == "crmlopsv20001dev"
    assert dev["terraform_state_storage_account"] == "stmlopsv20001devtf"


def test_registry_is_shared_by_both_environments():
    names = naming.project_names("shop", "0001")
    assert names["dev"]["registry"] == names["prod"]["registry"] == "mlr-shop-0001"


def test_longest_allowed_namespace_keeps_every_name_within_its_limit():
    namespace = "a" * naming.max_namespace_length("0001")
    assert len(namespace) == 12  # the accelerator's arithmetic: st<ns>0001prodtf <= 24
    for environment_names in naming.project_names(namespace, "0001").values():
        for rule in naming.RULES:
            assert len(environment_names[rule.key]) <= rule.max_length, rule.label


@pytest.mark.parametrize(
    ("postfix", "resource"),
    [("0001", "Key Vault"), ("01", "Key Vault"), ("abcdefgh", "Key Vault")],
)
def test_one_character_more_is_refused_naming_the_resource(postfix, resource, tmp_path):
    namespace = "a" * (naming.max_namespace_length(postfix) + 1)
    problem = answers.field_problem("namespace", {"namespace": namespace, "postfix": postfix}, tmp_path)
    assert f"the {resource} name" in problem
    assert "Azure allows 24" in problem
    assert "shorten namespace or postfix by 1" in problem


def test_a_long_postfix_is_refused_naming_the_resource(tmp_path):
    problem = answers.field_problem("postfix", {"namespace": "a" * 12, "postfix": "00001"}, tmp_path)
    assert problem.startswith("postfix makes the")
    assert "at most 11 characters" in problem


def test_endpoint_names_stay_within_32_characters_at_the_longest_namespace():
    namespace = "n" * naming.max_namespace_length("0001")
    prod = naming.project_names(namespace, "0001")["prod"]
    assert len(prod["online_endpoint"]) <= 32 and len(prod["batch_endpoint"]) <= 32
    assert prod["online_endpoint"] != prod["batch_endpoint"]
