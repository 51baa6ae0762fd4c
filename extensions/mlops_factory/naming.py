"""Every Azure resource name of a generated project, derived in one place.

Names are built from the answers ``namespace`` and ``postfix`` plus the environment (``dev`` or
``prod``). The infrastructure code, the ML pipelines and CI all receive these names; none of them
concatenates a name again. Each resource carries Azure's own naming rule so that a namespace or
postfix that would break a deployment is refused at the prompt, naming the resource.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

ENVIRONMENTS = ("dev", "prod")


@dataclass(frozen=True)
class ResourceRule:
    """How one Azure resource is named and what Azure accepts for that name."""

    key: str
    label: str
    pattern: str
    max_length: int
    allowed: str
    per_environment: bool = True

    def name(self, namespace: str, postfix: str, environment: str) -> str:
        return self.pattern.format(ns=namespace, postfix=postfix, env=environment)


# Patterns follow the Azure MLOps v2 accelerator's config-infra files (rg-<ns>-<postfix><env>, ...),
# so teams moving from it keep their resource names.
RULES: tuple[ResourceRule, ...] = (
    ResourceRule(
        "resource_group",
        "resource group",
        "rg-{ns}-{postfix}{env}",
        90,
        "letters, digits, hyphens, underscores, periods and parentheses",
    ),
    ResourceRule(
        "workspace", "Azure ML workspace", "mlw-{ns}-{postfix}{env}", 33, "letters, digits, hyphens and underscores"
    ),
    ResourceRule("storage_account", "storage account", "st{ns}{postfix}{env}", 24, "lowercase letters and digits"),
    ResourceRule(
        "key_vault",
        "Key Vault",
        "kv-{ns}-{postfix}{env}",
        24,
        "letters, digits and single hyphens, starting with a letter",
    ),
    ResourceRule("container_registry", "container registry", "cr{ns}{postfix}{env}", 50, "letters and digits"),
    ResourceRule(
        "application_insights",
        "Application Insights",
        "appi-{ns}-{postfix}{env}",
        255,
        "letters, digits, hyphens, underscores, periods and parentheses",
    ),
    ResourceRule(
        "log_analytics", "Log Analytics workspace", "log-{ns}-{postfix}{env}", 63, "letters, digits and hyphens"
    ),
    ResourceRule(
        "managed_identity",
        "managed identity",
        "id-{ns}-{postfix}{env}",
        128,
        "letters, digits, hyphens and underscores",
    ),
    ResourceRule(
        "online_endpoint",
        "online endpoint",
        "{ns}-{postfix}{env}-online",
        32,
        "letters, digits and hyphens, starting with a letter, unique in the region",
    ),
    ResourceRule(
        "batch_endpoint",
        "batch endpoint",
        "{ns}-{postfix}{env}-batch",
        32,
        "letters, digits and hyphens, starting with a letter, unique in the region",
    ),
    ResourceRule(
        "terraform_state_resource_group",
        "Terraform state resource group",
        "rg-{ns}-{postfix}{env}-tf",
        90,
        "letters, digits, hyphens, underscores, periods and parentheses",
    ),
    ResourceRule(
        "terraform_state_storage_account",
        "Terraform state storage account",
        "st{ns}{postfix}{env}tf",
        24,
        "lowercase letters and digits",
    ),
    ResourceRule(
        "registry",
        "Azure ML registry",
        "mlr-{ns}-{postfix}",
        33,
        "letters, digits, hyphens and underscores",
        per_environment=False,
    ),
    # Alerts (docs/outer-loop.md): the action group that e-mails alert_email, and the alert rule on the
    # workspace's failed runs (a model monitor run fails when a signal breaches its threshold).
    ResourceRule(
        "action_group",
        "action group",
        "ag-{ns}-{postfix}{env}",
        260,
        "letters, digits, hyphens, underscores and periods",
    ),
    ResourceRule(
        "failed_runs_alert",
        "alert rule on failed runs",
        "alert-{ns}-{postfix}{env}-failed-runs",
        260,
        "letters, digits, hyphens, underscores and periods",
    ),
    # Used only with private networking (the private_networking answer).
    ResourceRule(
        "virtual_network",
        "virtual network",
        "vnet-{ns}-{postfix}{env}",
        64,
        "letters, digits, hyphens, underscores and periods",
    ),
    *(
        ResourceRule(
            f"private_endpoint_{target}",
            f"private endpoint of the {label}",
            f"pe-{{ns}}-{{postfix}}{{env}}-{suffix}",
            80,
            "letters, digits, hyphens, underscores and periods",
        )
        for target, label, suffix in (
            ("workspace", "workspace", "mlw"),
            ("storage_blob", "storage account (blob)", "st-blob"),
            ("storage_file", "storage account (file)", "st-file"),
            ("key_vault", "Key Vault", "kv"),
            ("container_registry", "container registry", "cr"),
        )
    ),
)

# Compute cluster names do not depend on the answers; Azure allows 2-16 characters.
CPU_CLUSTER = "cpu-cluster"
GPU_CLUSTER = "gpu-cluster"
TERRAFORM_STATE_CONTAINER = "tfstate"
TERRAFORM_STATE_KEY = "infrastructure.tfstate"
TRAINING_SUBNET = "snet-training"
PRIVATE_ENDPOINT_SUBNET = "snet-private-endpoints"

NAMESPACE_PATTERN = re.compile(r"[a-z][a-z0-9]*")
POSTFIX_PATTERN = re.compile(r"[a-z0-9]+")


def environment_names(namespace: str, postfix: str, environment: str) -> dict[str, str]:
    """All resource names of one environment, keyed by ``ResourceRule.key``."""
    names = {rule.key: rule.name(namespace, postfix, environment) for rule in RULES}
    names["cpu_cluster"] = CPU_CLUSTER
    names["gpu_cluster"] = GPU_CLUSTER
    names["terraform_state_container"] = TERRAFORM_STATE_CONTAINER
    names["terraform_state_key"] = TERRAFORM_STATE_KEY
    names["training_subnet"] = TRAINING_SUBNET
    names["private_endpoint_subnet"] = PRIVATE_ENDPOINT_SUBNET
    names["environment"] = environment
    # The short name an action group shows in e-mails and SMS (Azure allows 12 characters).
    names["action_group_short_name"] = f"mlops-{environment}"
    return names


@functools.cache
def project_names(namespace: str, postfix: str) -> dict[str, dict[str, str]]:
    """Names for every environment: ``{"dev": {...}, "prod": {...}}`` (cached per namespace and postfix)."""
    return {env: environment_names(namespace, postfix, env) for env in ENVIRONMENTS}


def breaches(namespace: str, postfix: str) -> list[tuple[ResourceRule, str, int]]:
    """Every resource whose name exceeds its limit, worst first (one entry per resource).

    Each entry is the rule, its longest offending name (dev or prod) and how many characters too long it is.
    """
    worst: dict[str, tuple[ResourceRule, str, int]] = {}
    for environment in ENVIRONMENTS:
        for rule in RULES:
            name = rule.name(namespace, postfix, environment)
            excess = len(name) - rule.max_length
            if excess > 0 and (rule.key not in worst or excess > worst[rule.key][2]):
                worst[rule.key] = (rule, name, excess)
    order = [rule.key for rule in RULES]
    return sorted(worst.values(), key=lambda breach: (-breach[2], order.index(breach[0].key)))


def max_namespace_length(postfix: str) -> int:
    """The longest namespace that keeps every name within Azure's limits for this postfix."""
    return min(
        rule.max_length - len(rule.pattern.format(ns="", postfix=postfix, env=environment))
        for environment in ENVIRONMENTS
        for rule in RULES
    )
