"""Azure names: one derivation, and every limit enforced at the prompt naming the resource."""

from __future__ import annotations

import re

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
    assert problem.startswith("shorten namespace or postfix by 1 character: postfix makes the")
    assert "at most 11 characters" in problem


def test_endpoint_names_stay_within_32_characters_at_the_longest_namespace():
    namespace = "n" * naming.max_namespace_length("0001")
    prod = naming.project_names(namespace, "0001")["prod"]
    assert len(prod["online_endpoint"]) <= 32 and len(prod["batch_endpoint"]) <= 32
    assert prod["online_endpoint"] != prod["batch_endpoint"]


def _longest_namespace_for(rule: naming.ResourceRule, postfix: str) -> int:
    """The longest namespace this one resource's name allows (other resources may allow less)."""
    return min(rule.max_length - len(rule.name("", postfix, environment)) for environment in naming.ENVIRONMENTS)


def _resources_named(problem: str) -> set[str]:
    """The resources a refusal names: the worst one, and those listed after 'also too long:'."""
    match = re.search(r"makes the (.+?) name '", problem)
    named = {match.group(1)} if match else set()
    if "; also too long: " in problem:
        named |= set(problem.split("; also too long: ", 1)[1].split(", "))
    return named


# Limits a typed namespace can reach (resource groups allow 90 characters, Application Insights 255, ...).
REACHABLE = [rule for rule in naming.RULES if _longest_namespace_for(rule, "0001") <= 60]


@pytest.mark.parametrize("rule", REACHABLE, ids=[rule.key for rule in REACHABLE])
def test_each_limit_is_enforced_at_the_prompt_naming_its_resource(rule, tmp_path):
    longest = _longest_namespace_for(rule, "0001")
    fitting = {"namespace": "n" * longest, "postfix": "0001"}
    assert rule.label not in _resources_named(answers.field_problem("namespace", fitting, tmp_path))
    too_long = {"namespace": "n" * (longest + 1), "postfix": "0001"}
    assert rule.label in _resources_named(answers.field_problem("namespace", too_long, tmp_path))


def test_the_unreachable_limits_are_far_beyond_the_binding_one():
    binding = naming.max_namespace_length("0001")
    for rule in set(naming.RULES) - set(REACHABLE):
        assert _longest_namespace_for(rule, "0001") > 3 * binding, rule.label
