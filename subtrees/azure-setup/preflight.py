"""Check, before the first pipeline run and before every deployment, what would make it fail in Azure:

    python infrastructure/preflight.py [--environment dev|prod]

One line per check, ✔ or ✘, and for each ✘ the command that fixes it; the exit code is 1 if any check
failed. It needs the Azure CLI signed in (locally `az login`; in CI the job's own identity) and reads
only: subscriptions, resource providers, vCPU quota of the clusters' VM families, name availability,
the CI identities' federated credentials and role assignments, and the base images of the environments.
With --environment it reads nothing outside that environment's subscription, so the CI runs it as the
deploy identity of the environment (Reader would do). What bootstrap.py set up is taken from
infrastructure/azure-setup.json (commit it: CI needs it too).
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from azure_setup.commands import Result, Runner, first_error_line  # noqa: E402
from azure_setup.design import DELEGABLE_ROLES, RESOURCE_PROVIDERS, Design, design  # noqa: E402
from azure_setup.errors import SetupError  # noqa: E402
from azure_setup.project import (  # noqa: E402
    ENVIRONMENTS,
    Environment,
    Project,
    Repository,
    assigned_role_ids,
    base_images,
    compute_clusters,
    load_project,
    repository,
)
from azure_setup.record import read_record  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ML_USAGES_API = "2024-04-01"
QUOTA_DOC = "https://learn.microsoft.com/azure/machine-learning/how-to-manage-quotas"
MANIFEST_TYPES = ", ".join(
    (
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
    )
)

Resolver = Callable[[str], bool]
HttpStatus = Callable[[str, dict], int]


@dataclass(frozen=True)
class Check:
    """The outcome of one check: what was checked and, when it failed, the command that fixes it."""

    ok: bool
    what: str
    fix: str = ""


def resolves(hostname: str) -> bool:
    """Whether a host name has an address (an online endpoint name is taken in its region when it does)."""
    try:
        socket.getaddrinfo(hostname, 443)
    except OSError:
        return False
    return True


def http_status(url: str, headers: dict) -> int:
    request = urllib.request.Request(url, method="HEAD", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 (https URL built here)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def marks(stream) -> tuple[str, str]:
    """✔ and ✘, or OK and FAIL where the console cannot print them (an old Windows code page)."""
    try:
        "✔✘".encode(stream.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return "OK  ", "FAIL"
    return "✔", "✘"


def parsed(result: Result) -> object:
    try:
        return json.loads(result.stdout) if result.stdout.strip() else None
    except json.JSONDecodeError:
        return None


class Preflight:
    """The checks of one project; every Azure call goes through `runner` and reads only."""

    def __init__(
        self,
        runner: Runner,
        project: Project,
        subscriptions: dict[str, str],
        plan: Design,
        record: dict | None,
        resolve: Resolver = resolves,
        status: HttpStatus = http_status,
    ) -> None:
        self.runner = runner
        self.project = project
        self.subscriptions = subscriptions
        self.plan = plan
        self.record = record or {}
        self.resolve = resolve
        self.status = status

    def az(self, *args: str) -> tuple[object, str]:
        """The JSON answer of an az command, or None and the reason it failed."""
        result = self.runner.try_read("az", *args, "--output", "json")
        if result.returncode != 0:
            return None, first_error_line(result.stderr)
        return parsed(result), ""

    def run(self, environments: list[str]) -> Iterator[Check]:
        yield from self.signed_in(environments)
        for name in environments:
            env = self.project.environments[name]
            subscription = self.subscriptions[name]
            yield from self.providers(env, subscription)
            yield from self.quota(env, subscription)
            yield from self.names(env, subscription)
            yield from self.identities(name)
            yield from self.role_assignments(name)
        yield from self.delegable_roles()
        yield from self.images()

    def grants_in(self, environment: str) -> list:
        """The grants whose scope lies in `environment`'s subscription (with one subscription for both, the
        grants of the identities that live in `environment`): each grant is checked once, and a check of one
        environment reads nothing outside its subscription."""
        subscription = self.subscriptions[environment]
        shared = len(set(self.subscriptions.values())) == 1
        return [
            grant
            for grant in self.plan.grants
            if grant.scope.split("/")[2] == subscription
            and (not shared or self.plan.identities[grant.identity].environment == environment)
        ]

    def signed_in(self, environments: list[str]) -> Iterator[Check]:
        account, reason = self.az("account", "show")
        if account is None:
            raise SetupError(f"the Azure CLI is not signed in ({reason}): run `az login`")
        user = (account.get("user") or {}).get("name", "?")
        for name in environments:
            wanted = self.subscriptions[name]
            found, reason = self.az("account", "show", "--subscription", wanted)
            if found is None:
                yield Check(
                    False,
                    f"{name}: subscription {wanted} is not available ({reason})",
                    "az login --tenant <tenant of the subscription>",
                )
            elif (found.get("state") or "Enabled") != "Enabled":
                yield Check(
                    False,
                    f"{name}: subscription {wanted} is {found.get('state')}",
                    "enable the subscription in the Azure portal",
                )
            else:
                yield Check(
                    True,
                    f"{name}: subscription {found.get('name', wanted)} ({wanted}), signed in as {user}",
                )
        if len(environments) == 1 and account.get("id") != self.subscriptions[environments[0]]:
            wanted = self.subscriptions[environments[0]]
            yield Check(
                False,
                f"the signed-in subscription is {account.get('id')}, not {wanted}",
                f"az account set --subscription {wanted}",
            )

    def providers(self, env: Environment, subscription: str) -> Iterator[Check]:
        listed, reason = self.az("provider", "list", "--subscription", subscription)
        registered = {item.get("namespace") for item in listed or [] if item.get("registrationState") == "Registered"}
        missing = [namespace for namespace in RESOURCE_PROVIDERS if namespace not in registered]
        if listed is None:
            yield Check(False, f"{env.name}: could not list the resource providers ({reason})", "az login")
        elif missing:
            fix = " && ".join(
                f"az provider register --namespace {name} --subscription {subscription}" for name in missing
            )
            yield Check(False, f"{env.name}: resource providers not registered: {', '.join(missing)}", fix)
        else:
            yield Check(True, f"{env.name}: {len(RESOURCE_PROVIDERS)} resource providers registered")

    def quota(self, env: Environment, subscription: str) -> Iterator[Check]:
        clusters = compute_clusters(self.project, env.name)
        if not clusters:
            return
        usages, reason = self.az(
            "rest", "--method", "get", "--url",
            f"https://management.azure.com/subscriptions/{subscription}/providers/Microsoft.MachineLearningServices/"
            f"locations/{env.location}/usages?api-version={ML_USAGES_API}",
        )  # fmt: skip
        by_family = {
            (item.get("name") or {}).get("value", "").lower(): item for item in (usages or {}).get("value", [])
        }
        for cluster in clusters:
            skus, sku_reason = self.az(
                "vm", "list-skus", "--location", env.location, "--size", cluster.vm_size,
                "--resource-type", "virtualMachines", "--subscription", subscription,
            )  # fmt: skip
            sku = next((item for item in skus or [] if item.get("name", "").lower() == cluster.vm_size.lower()), None)
            what = f"{env.name}: {cluster.vm_size} in {env.location}"
            if sku is None:
                yield Check(
                    False,
                    f"{what} is not offered ({sku_reason or 'no such size there'})",
                    f"pick another region or size; see {QUOTA_DOC}",
                )
                continue
            if any(r.get("reasonCode") == "NotAvailableForSubscription" for r in sku.get("restrictions") or []):
                yield Check(
                    False, f"{what} is restricted for this subscription", f"request access to the size: {QUOTA_DOC}"
                )
                continue
            vcpus = int(next((c["value"] for c in sku.get("capabilities") or [] if c.get("name") == "vCPUs"), "0"))
            family = sku.get("family", "")
            usage = by_family.get(family.lower())
            if usage is None:
                yield Check(
                    False,
                    f"{what}: no Azure ML quota found for {family} ({reason or 'not in the usage list'})",
                    f"request quota for {family}: {QUOTA_DOC}",
                )
                continue
            limit = int(usage.get("limit", 0))
            free = limit - int(usage.get("currentValue", 0))
            detail = f"{what}: {free} of {limit} {family} vCPUs free, {vcpus} per node, up to {cluster.max_nodes} nodes"
            # The limit decides: a subscription without quota for the family never gets a node (the job sits
            # queued until it times out). Quota in use now (nodes that have not scaled down yet, other jobs)
            # only makes the job wait, so it is reported, not failed.
            if limit < vcpus:
                yield Check(
                    False,
                    detail,
                    f"request {vcpus * cluster.max_nodes} vCPUs of {family} in {env.location} "
                    f"(Azure ML studio > Quota): {QUOTA_DOC}",
                )
            else:
                yield Check(True, detail + ("" if free >= vcpus else " (in use now: jobs wait for nodes to free)"))

    def names(self, env: Environment, subscription: str) -> Iterator[Check]:
        scope = ("--resource-group", env.resource_group, "--subscription", subscription)
        rename = "copier update --trust -d postfix=<another postfix>, then python infrastructure/bootstrap.py"
        for label, show, check in (
            ("storage account", ("storage", "account", "show", "--name", env.storage_account, *scope),
             ("storage", "account", "check-name", "--name", env.storage_account, "--subscription", subscription)),
            ("container registry", ("acr", "show", "--name", env.container_registry, *scope),
             ("acr", "check-name", "--name", env.container_registry, "--subscription", subscription)),
            ("Key Vault", ("keyvault", "show", "--name", env.key_vault, *scope),
             ("keyvault", "check-name", "--name", env.key_vault, "--subscription", subscription)),
        ):  # fmt: skip
            name = show[show.index("--name") + 1]
            owned, _ = self.az(*show)
            if owned is not None:
                yield Check(True, f"{env.name}: {label} {name} exists in {env.resource_group}")
                continue
            answer, reason = self.az(*check)
            if label == "Key Vault":
                deleted, _ = self.az(
                    "keyvault", "list-deleted", "--resource-type", "vault", "--subscription", subscription
                )
                if any(item.get("name") == name for item in deleted or []):
                    yield Check(
                        False,
                        f"{env.name}: Key Vault {name} is soft-deleted",
                        f"az keyvault purge --name {name} (or recover it: az keyvault recover --name {name})",
                    )
                    continue
            if answer is None:
                yield Check(False, f"{env.name}: could not check the {label} name {name} ({reason})", "az login")
            elif answer.get("nameAvailable"):
                yield Check(True, f"{env.name}: {label} name {name} is available")
            else:
                yield Check(
                    False,
                    f"{env.name}: {label} name {name} is taken ({answer.get('reason') or answer.get('message')})",
                    rename,
                )
        for endpoint in (env.online_endpoint,):
            host = f"{endpoint}.{env.location}.inference.ml.azure.com"
            ours, _ = self.az(
                "resource", "show", "--ids",
                f"/subscriptions/{subscription}/resourceGroups/{env.resource_group}/providers/"
                f"Microsoft.MachineLearningServices/workspaces/{env.aml_workspace}/onlineEndpoints/{endpoint}",
            )  # fmt: skip
            if ours is not None:
                yield Check(True, f"{env.name}: online endpoint {endpoint} exists in {env.aml_workspace}")
            elif self.resolve(host):
                yield Check(
                    False,
                    f"{env.name}: online endpoint name {endpoint} is taken in {env.location} ({host})",
                    "copier update --trust -d postfix=<another postfix>, then python infrastructure/bootstrap.py",
                )
            else:
                yield Check(True, f"{env.name}: online endpoint name {endpoint} is available in {env.location}")

    def identities(self, environment: str) -> Iterator[Check]:
        recorded = [trust for trust in self.record.get("trusts") or []]
        for identity in self.plan.identities.values():
            if identity.environment != environment:
                continue
            wanted = {(t["issuer"], t["subject"]) for t in recorded if t["identity"] == identity.key}
            wanted |= {(t.issuer, t.subject) for t in self.plan.trusts if t.identity == identity.key and t.subject}
            credentials, reason = self.az(
                "identity", "federated-credential", "list", "--identity-name", identity.name,
                "--resource-group", identity.resource_group, "--subscription", self.subscriptions[environment],
            )  # fmt: skip
            if credentials is None:
                yield Check(
                    False,
                    f"{environment}: identity {identity.name} not found ({reason})",
                    "python infrastructure/bootstrap.py",
                )
                continue
            present = {(item.get("issuer"), item.get("subject")) for item in credentials}
            missing, extra = wanted - present, present - wanted
            if not wanted:
                yield Check(
                    False,
                    f"{environment}: the subjects {identity.name} must trust are unknown (no azure-setup.json)",
                    "python infrastructure/bootstrap.py",
                )
            elif missing:
                yield Check(
                    False,
                    f"{environment}: {identity.name} does not trust {', '.join(sorted(s for _, s in missing))}",
                    "python infrastructure/bootstrap.py",
                )
            elif extra:
                subjects = ", ".join(sorted(s for _, s in extra))
                yield Check(
                    False,
                    f"{environment}: {identity.name} also trusts {subjects}",
                    f"az identity federated-credential delete --identity-name {identity.name} "
                    f"--resource-group {identity.resource_group} --name <credential>",
                )
            else:
                yield Check(
                    True, f"{environment}: {identity.name} trusts exactly {', '.join(sorted(s for _, s in wanted))}"
                )

    def principal_id(self, key: str) -> str | None:
        recorded = (self.record.get("identities") or {}).get(key) or {}
        if recorded.get("principal_id"):
            return recorded["principal_id"]
        identity = self.plan.identities[key]
        found, _ = self.az(
            "identity", "show", "--name", identity.name, "--resource-group", identity.resource_group,
            "--subscription", self.subscriptions[identity.environment],
        )  # fmt: skip
        return (found or {}).get("principalId")

    def role_assignments(self, environment: str) -> Iterator[Check]:
        """The role assignments of the design in `environment`'s subscription, whoever holds them."""
        listings: dict[str, tuple[list, str]] = {}
        for grant in self.grants_in(environment):
            identity = self.plan.identities[grant.identity]
            if grant.scope not in listings:
                found, reason = self.az(
                    "role", "assignment", "list", "--scope", grant.scope, "--subscription", grant.scope.split("/")[2]
                )
                listings[grant.scope] = (found or [], reason if found is None else "")
            assignments, reason = listings[grant.scope]
            where = (
                grant.scope.rsplit("/", 1)[-1]
                if "/providers/" in grant.scope
                else f"subscription {grant.scope.split('/')[2]}"
            )
            if reason:
                yield Check(
                    False,
                    f"{environment}: cannot read the role assignments on {where} ({reason})",
                    "run preflight as an identity that may read them (Reader)",
                )
                continue
            principal = self.principal_id(grant.identity)
            held = principal and any(
                item.get("principalId") == principal
                and (
                    item.get("roleDefinitionName") == grant.role_name
                    or (item.get("roleDefinitionId") or "").lower().endswith(grant.role.lower())
                )
                and " ".join((item.get("condition") or "").split()) == " ".join(grant.condition.split())
                for item in assignments
            )
            if held:
                yield Check(True, f"{environment}: {identity.name} holds {grant.role_name} on {where}")
            else:
                yield Check(
                    False,
                    f"{environment}: {identity.name} lacks {grant.role_name} on {where}",
                    "python infrastructure/bootstrap.py",
                )

    def delegable_roles(self) -> Iterator[Check]:
        assigned = assigned_role_ids(self.project)
        others = sorted(assigned - set(DELEGABLE_ROLES))
        if others:
            yield Check(
                False,
                f"the infrastructure code assigns role(s) {', '.join(others)}, "
                "which the deploy identities may not assign",
                "add the role to DELEGABLE_ROLES in infrastructure/azure_setup/design.py, "
                "then python infrastructure/bootstrap.py",
            )
        else:
            yield Check(
                True, f"the infrastructure code assigns only roles the deploy identities may assign ({len(assigned)})"
            )

    def images(self) -> Iterator[Check]:
        for image in base_images(self.project):
            repository_path, tag = image.split("/", 1)[1].rsplit(":", 1)
            url = f"https://mcr.microsoft.com/v2/{repository_path}/manifests/{tag}"
            try:
                status = self.status(url, {"Accept": MANIFEST_TYPES})
            except OSError as error:
                yield Check(
                    False,
                    f"base image {image}: mcr.microsoft.com not reachable ({error})",
                    "check the network, then run preflight again",
                )
                continue
            if status == 200:
                yield Check(True, f"base image {image} exists")
            else:
                yield Check(
                    False,
                    f"base image {image} not found (HTTP {status})",
                    f"pick a tag of https://mcr.microsoft.com/v2/{repository_path}/tags/list and update mlops/azureml",
                )


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python infrastructure/preflight.py",
        description=(
            "Check what would make the first pipeline run or a deployment fail in Azure: subscription, resource "
            "providers, vCPU quota of the clusters, name availability, the CI identities' federated credentials "
            "and role assignments, the base images. Prints one line per check with the command that fixes it; "
            "exits 1 if any check fails. Reads only."
        ),
    )
    parser.add_argument("--environment", choices=ENVIRONMENTS, help="check one environment (default: both)")
    parser.add_argument(
        "--dev-subscription", help="subscription id of dev (default: azure-setup.json, else the signed-in one)"
    )
    parser.add_argument("--prod-subscription", help="subscription id of prod (default: azure-setup.json, else dev's)")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_ROOT, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None, resolve: Resolver = resolves, status: HttpStatus = http_status) -> int:
    arguments = parse_arguments(argv)
    ok_mark, fail_mark = marks(sys.stdout)
    runner = Runner()
    try:
        project = load_project(arguments.project_dir)
        record = read_record(project.root) or {}
        recorded = record.get("subscriptions") or {}
        signed_in = None
        if not (arguments.dev_subscription or recorded.get("dev")):
            account = runner.read("az", "account", "show", "--output", "json")
            signed_in = (account.json() or {}).get("id")
        dev = arguments.dev_subscription or recorded.get("dev") or signed_in
        subscriptions = {"dev": dev, "prod": arguments.prod_subscription or recorded.get("prod") or dev}
        tenants = record.get("tenants") or {"dev": "tenant", "prod": "tenant"}
        try:
            repo = repository(project)
        except SetupError:  # an Azure DevOps project whose organization only bootstrap was told: not needed here
            repo = Repository("azure-devops", "unknown", project.name, project.name)
        plan = design(project, repo, subscriptions, tenants)
        environments = [arguments.environment] if arguments.environment else list(ENVIRONMENTS)
        failed = 0
        for check in Preflight(runner, project, subscriptions, plan, record, resolve, status).run(environments):
            failed += not check.ok
            line = f"{ok_mark if check.ok else fail_mark} {check.what}"
            print(line if check.ok else f"{line}  -> fix: {check.fix}", flush=True)
    except SetupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{failed} check(s) failed." if failed else "All checks passed.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
