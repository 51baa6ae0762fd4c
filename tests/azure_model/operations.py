"""The Azure operations a CI job performs: from the commands it runs, the scripts those commands start (and the
files the scripts source or import), and what Terraform or Bicep writes, read from the infrastructure code by
tests/iac_inventory.py (the one reader of that code in the test suite: every object, and for each role
assignment its role, scope and principal type).

Each row of TABLE maps something a job or script does (a CLI command, an azure-ai-ml or azureml-core call,
a Terraform or Bicep step) to the operations Azure authorizes for it, with the page that documents it.
Operations are control-plane actions or data actions (uploads and downloads on the workspace storage,
which has shared keys off: Azure ML then uses the caller's own token).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from iac_inventory import ROLE_ASSIGNMENT, Inventory, bicep_inventory, terraform_inventory, writes

from azure_model.ci_jobs import Job
from azure_model.rbac import Operation

ML = "Microsoft.MachineLearningServices"
BLOB = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs"
ML_DOC = "https://learn.microsoft.com/azure/role-based-access-control/permissions/ai-machine-learning#microsoftmachinelearningservices"
BLOB_DOC = (
    "https://learn.microsoft.com/rest/api/storageservices/authorize-with-azure-active-directory"
    "#permissions-for-calling-data-operations"
)
IDENTITY_DATASTORE_DOC = (
    "https://learn.microsoft.com/azure/machine-learning/how-to-administrate-data-authentication "
    "(identity-based datastores: the caller's own token; azure-ai-ml _artifacts/_artifact_utilities.py "
    "get_datastore_info uses the client's credential for them)"
)
REGISTRY_DOC = (
    "https://learn.microsoft.com/azure/machine-learning/how-to-share-models-pipelines-across-workspaces-with-registries"
)
BACKEND_DOC = (
    "https://developer.hashicorp.com/terraform/language/backend/azurerm (Entra ID data access, blob lease lock)"
)
WHAT_IF_DOC = "https://learn.microsoft.com/azure/azure-resource-manager/templates/deploy-what-if#required-permissions"
DEPLOY_DOC = "https://learn.microsoft.com/azure/azure-resource-manager/bicep/deploy-cli"
VAULT_RECOVERY_DOC = (
    "https://learn.microsoft.com/azure/key-vault/general/key-vault-recovery (listing deleted vaults); "
    "https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/guides/features-block "
    "(recover_soft_deleted_key_vaults)"
)
ROLE_ASSIGNMENT_DOC = "https://learn.microsoft.com/azure/role-based-access-control/role-assignments-cli"
SCHEDULE_DOC = (
    "https://learn.microsoft.com/azure/machine-learning/how-to-schedule-pipeline-job "
    "(its RBAC section: schedules/read, write, delete); a model monitor is a schedule: "
    "https://learn.microsoft.com/azure/machine-learning/how-to-monitor-model-performance"
)
PROVISION_DOC = (
    "https://learn.microsoft.com/azure/machine-learning/how-to-managed-network#configure-for-serverless-spark-jobs "
    "(the REST operation POST .../workspaces/{name}/provisionManagedNetwork)"
)
CLI_DOC = "https://learn.microsoft.com/cli/azure/reference-index"
METRICS_DOC = (
    "https://learn.microsoft.com/azure/role-based-access-control/permissions/monitor#microsoftinsights "
    "(metrics/read); https://learn.microsoft.com/azure/machine-learning/how-to-monitor-online-endpoints"
)
DATA_COLLECTOR_DOC = (
    "https://learn.microsoft.com/azure/machine-learning/how-to-collect-production-data (a deployment with a "
    "data_collector registers a data asset per collection; azure-ai-ml _online_deployment_operations.py "
    "_register_collection_data_assets does it as the caller)"
)

# target kinds: where an operation lands, resolved with the names of the job's environment
VAULTS = "Microsoft.KeyVault/vaults"
ROLE_DEFINITION_ID = f"{ROLE_ASSIGNMENT}:RoleDefinitionId"  # the attributes a delegation condition tests
PRINCIPAL_TYPE = f"{ROLE_ASSIGNMENT}:PrincipalType"
SUBSCRIPTION, RESOURCE_GROUP, WORKSPACE, WORKSPACE_STORAGE, REGISTRY, STATE_STORAGE = (
    "subscription",
    "resource group",
    "workspace",
    "workspace storage",
    "registry",
    "state storage",
)


@dataclass(frozen=True)
class Row:
    """Something a job does, how to recognise it, and the operations it performs."""

    name: str
    pattern: str  # a regular expression over the job's commands and scripts
    operations: tuple[tuple[str, str, bool], ...]  # (action, target kind, data action?)
    doc: str
    only_for: str = ""  # "prod": only when the job works on prod (registry reads of prod deployments)

    @property
    def language(self) -> str:
        """CLI rows read shell, the others Python."""
        return "shell" if self.pattern.startswith(("az ", "--registry-name")) else "python"


BLOB_READ = (f"{BLOB}/read", WORKSPACE_STORAGE, True)
BLOB_WRITE = (f"{BLOB}/write", WORKSPACE_STORAGE, True)
DATA_ASSETS = (
    (f"{ML}/workspaces/data/versions/write", WORKSPACE, False),
    (f"{ML}/workspaces/data/versions/read", WORKSPACE, False),
)
TABLE: tuple[Row, ...] = (
    # Azure ML CLI v2 (mlops/scripts)
    Row(
        "az ml environment create",
        r"az ml environment create",
        ((f"{ML}/workspaces/environments/versions/write", WORKSPACE, False),),
        ML_DOC,
    ),
    Row(
        "az ml data create (local path: uploaded)",
        r"az ml data create",
        ((f"{ML}/workspaces/data/versions/write", WORKSPACE, False), BLOB_WRITE, BLOB_READ),
        IDENTITY_DATASTORE_DOC,
    ),
    Row(
        "az ml job create (uploads the code snapshot)",
        r"az ml job create",
        (
            (f"{ML}/workspaces/jobs/write", WORKSPACE, False),
            (f"{ML}/workspaces/codes/versions/write", WORKSPACE, False),
            BLOB_WRITE,
            BLOB_READ,
        ),
        IDENTITY_DATASTORE_DOC,
    ),
    Row(
        "az resource show (is the workspace deployed yet?)",
        r"az resource show",
        ((f"{ML}/workspaces/read", WORKSPACE, False),),
        CLI_DOC,
    ),
    Row(
        "az ml job show / stream",
        r"az ml job (show|stream)",
        ((f"{ML}/workspaces/jobs/read", WORKSPACE, False),),
        ML_DOC,
    ),
    Row(
        "az ml job download (a job output)",
        r"az ml job download",
        ((f"{ML}/workspaces/jobs/read", WORKSPACE, False), BLOB_READ),
        IDENTITY_DATASTORE_DOC,
    ),
    Row(
        "az ml model list / show",
        r"az ml model (list|show)",
        ((f"{ML}/workspaces/models/versions/read", WORKSPACE, False),),
        ML_DOC,
    ),
    Row(
        "az ml model show/list --registry-name (prod deploys from the registry)",
        r"--registry-name",
        ((f"{ML}/registries/assets/read", REGISTRY, False),),
        REGISTRY_DOC,
        only_for="prod",
    ),
    Row(
        "az ml model share (promotion into the registry)",
        r"az ml model share",
        (
            (f"{ML}/workspaces/models/versions/read", WORKSPACE, False),
            (f"{ML}/registries/assets/write", REGISTRY, False),
            (f"{ML}/registries/assets/read", REGISTRY, False),
        ),
        REGISTRY_DOC,
    ),
    Row(
        "az ml online-endpoint show / create / update / invoke",
        r"az ml online-endpoint",
        (
            (f"{ML}/workspaces/onlineEndpoints/read", WORKSPACE, False),
            (f"{ML}/workspaces/onlineEndpoints/write", WORKSPACE, False),
            (f"{ML}/workspaces/onlineEndpoints/score/action", WORKSPACE, False),
        ),
        ML_DOC,
    ),
    Row(
        "az ml online-deployment create / update (uploads the scoring code)",
        r"az ml online-deployment (create|update)",
        (
            (f"{ML}/workspaces/onlineEndpoints/deployments/write", WORKSPACE, False),
            (f"{ML}/workspaces/codes/versions/write", WORKSPACE, False),
            BLOB_WRITE,
            BLOB_READ,
        ),
        IDENTITY_DATASTORE_DOC,
    ),
    Row(
        "az ml online-deployment create with a data_collector (registers the collections' data assets)",
        r"az ml online-deployment create",
        DATA_ASSETS,
        DATA_COLLECTOR_DOC,
    ),
    Row(
        "az ml online-deployment show / list (which deployment is live, a leftover of a cancelled rollout)",
        r"az ml online-deployment (show|list)",
        ((f"{ML}/workspaces/onlineEndpoints/deployments/read", WORKSPACE, False),),
        ML_DOC,
    ),
    Row(
        "az ml online-deployment delete (the previous deployment after a rollout, the new one on rollback)",
        r"az ml online-deployment delete",
        ((f"{ML}/workspaces/onlineEndpoints/deployments/delete", WORKSPACE, False),),
        ML_DOC,
    ),
    Row(
        "az monitor metrics list (the new online deployment's requests, server errors and latency)",
        r"az monitor metrics list",
        (("Microsoft.Insights/metrics/read", WORKSPACE, False),),
        METRICS_DOC,
    ),
    Row(
        "az ml batch-endpoint show / create / update",
        r"az ml batch-endpoint (show|create|update)",
        (
            (f"{ML}/workspaces/batchEndpoints/read", WORKSPACE, False),
            (f"{ML}/workspaces/batchEndpoints/write", WORKSPACE, False),
        ),
        ML_DOC,
    ),
    Row(
        "az ml batch-deployment create / update",
        r"az ml batch-deployment (create|update)",
        ((f"{ML}/workspaces/batchEndpoints/deployments/write", WORKSPACE, False),),
        ML_DOC,
    ),
    Row(
        "az ml batch-deployment show / list / delete (the previous default after a rollout, the new one on rollback)",
        r"az ml batch-deployment (show|list|delete)",
        (
            (f"{ML}/workspaces/batchEndpoints/deployments/read", WORKSPACE, False),
            (f"{ML}/workspaces/batchEndpoints/deployments/delete", WORKSPACE, False),
        ),
        ML_DOC,
    ),
    Row(
        "az ml batch-endpoint invoke (uploads a local input)",
        r"az ml batch-endpoint invoke",
        ((f"{ML}/workspaces/batchEndpoints/deployments/jobs/write", WORKSPACE, False), BLOB_WRITE, BLOB_READ),
        IDENTITY_DATASTORE_DOC,
    ),
    # The model monitor (mlops/scripts/create-monitor.sh)
    Row(
        "az ml schedule create / update (the model monitor)",
        r"az ml schedule (create|update)",
        (
            (f"{ML}/workspaces/schedules/write", WORKSPACE, False),
            (f"{ML}/workspaces/schedules/read", WORKSPACE, False),
        ),
        SCHEDULE_DOC,
    ),
    Row(
        "az ml component show",
        r"az ml component show",
        ((f"{ML}/workspaces/components/versions/read", WORKSPACE, False),),
        ML_DOC,
    ),
    Row(
        "az ml component create (uploads the component's code: the monitor's custom signal)",
        r"az ml component create",
        (
            (f"{ML}/workspaces/components/versions/write", WORKSPACE, False),
            (f"{ML}/workspaces/codes/versions/write", WORKSPACE, False),
            BLOB_WRITE,
            BLOB_READ,
        ),
        IDENTITY_DATASTORE_DOC,
    ),
    Row("az ml workspace show", r"az ml workspace show", ((f"{ML}/workspaces/read", WORKSPACE, False),), ML_DOC),
    Row(
        "az ml workspace provision-network --include-spark (serverless Spark of the monitor)",
        r"az ml workspace provision-network",
        ((f"{ML}/workspaces/provisionManagedNetwork/action", WORKSPACE, False),),
        PROVISION_DOC,
    ),
    # The daily retraining check (mlops/monitoring/retraining.py runs `az` itself)
    Row(
        "az ml job list, from Python (the runs of the model monitor)",
        r'"ml",\s*"job",\s*"list"',
        ((f"{ML}/workspaces/jobs/read", WORKSPACE, False),),
        ML_DOC,
    ),
    # azure-ai-ml (python-sdk-v2 and the SDK scripts every Python flavour shares)
    Row(
        "MLClient.schedules.begin_create_or_update (the model monitor)",
        r"schedules\.begin_create_or_update\(",
        (
            (f"{ML}/workspaces/schedules/write", WORKSPACE, False),
            (f"{ML}/workspaces/schedules/read", WORKSPACE, False),
        ),
        SCHEDULE_DOC,
    ),
    Row(
        "MLClient.components.get / create_or_update (uploads the custom signal's code)",
        r"components\.(get|create_or_update)\(",
        (
            (f"{ML}/workspaces/components/versions/read", WORKSPACE, False),
            (f"{ML}/workspaces/components/versions/write", WORKSPACE, False),
            (f"{ML}/workspaces/codes/versions/write", WORKSPACE, False),
            BLOB_WRITE,
            BLOB_READ,
        ),
        IDENTITY_DATASTORE_DOC,
    ),
    Row(
        "MLClient.data.create_or_update (uploads the monitor's reference data)",
        r"data\.create_or_update\(",
        ((f"{ML}/workspaces/data/versions/write", WORKSPACE, False), BLOB_WRITE, BLOB_READ),
        IDENTITY_DATASTORE_DOC,
    ),
    Row(
        "MLClient.online_endpoints.get / workspaces.get",
        r"(online_endpoints|workspaces)\.get\(",
        (
            (f"{ML}/workspaces/onlineEndpoints/read", WORKSPACE, False),
            (f"{ML}/workspaces/read", WORKSPACE, False),
        ),
        ML_DOC,
    ),
    Row(
        "MLClient.workspaces.begin_provision_network (serverless Spark of the monitor)",
        r"begin_provision_network\(",
        ((f"{ML}/workspaces/provisionManagedNetwork/action", WORKSPACE, False),),
        PROVISION_DOC,
    ),
    Row(
        "MLClient.jobs.create_or_update (uploads code and local inputs)",
        r"jobs\.create_or_update\(",
        (
            (f"{ML}/workspaces/jobs/write", WORKSPACE, False),
            (f"{ML}/workspaces/codes/versions/write", WORKSPACE, False),
            BLOB_WRITE,
            BLOB_READ,
        ),
        IDENTITY_DATASTORE_DOC,
    ),
    Row(
        "MLClient.jobs.get / stream",
        r"jobs\.(get|stream)\(",
        ((f"{ML}/workspaces/jobs/read", WORKSPACE, False),),
        ML_DOC,
    ),
    Row(
        "MLClient.jobs.download",
        r"jobs\.download\(",
        ((f"{ML}/workspaces/jobs/read", WORKSPACE, False), BLOB_READ),
        IDENTITY_DATASTORE_DOC,
    ),
    Row(
        "MLClient.models.share (promotion into the registry)",
        r"models\.share\(",
        (
            (f"{ML}/workspaces/models/versions/read", WORKSPACE, False),
            (f"{ML}/registries/assets/write", REGISTRY, False),
            (f"{ML}/registries/assets/read", REGISTRY, False),
        ),
        REGISTRY_DOC,
    ),
    Row(
        "MLClient for the registry (prod deploys from it)",
        r"registry_name=",
        ((f"{ML}/registries/assets/read", REGISTRY, False),),
        REGISTRY_DOC,
        only_for="prod",
    ),
    Row(
        "MLClient endpoints and deployments begin_create_or_update (uploads the scoring code)",
        r"\.begin_create_or_update\(",
        (
            (f"{ML}/workspaces/onlineEndpoints/write", WORKSPACE, False),
            (f"{ML}/workspaces/onlineEndpoints/deployments/write", WORKSPACE, False),
            (f"{ML}/workspaces/batchEndpoints/write", WORKSPACE, False),
            (f"{ML}/workspaces/batchEndpoints/deployments/write", WORKSPACE, False),
            BLOB_WRITE,
            BLOB_READ,
        ),
        IDENTITY_DATASTORE_DOC,
    ),
    Row(
        "MLClient online deployments with a DataCollector (registers the collections' data assets)",
        r"DataCollector\(",
        DATA_ASSETS,
        DATA_COLLECTOR_DOC,
    ),
    Row(
        "MLClient endpoints and deployments get (the live deployment, the default, a leftover of a cancelled rollout)",
        r"(online|batch)_(endpoints|deployments)\.get\b",
        (
            (f"{ML}/workspaces/onlineEndpoints/read", WORKSPACE, False),
            (f"{ML}/workspaces/onlineEndpoints/deployments/read", WORKSPACE, False),
            (f"{ML}/workspaces/batchEndpoints/read", WORKSPACE, False),
            (f"{ML}/workspaces/batchEndpoints/deployments/read", WORKSPACE, False),
        ),
        ML_DOC,
    ),
    Row(
        "MLClient deployments begin_delete (the previous deployment after a rollout, the new one on rollback)",
        r"_deployments\.begin_delete\(",
        (
            (f"{ML}/workspaces/onlineEndpoints/deployments/delete", WORKSPACE, False),
            (f"{ML}/workspaces/batchEndpoints/deployments/delete", WORKSPACE, False),
        ),
        ML_DOC,
    ),
    Row(
        "Azure CLI az monitor metrics list from Python (the new online deployment's health figures)",
        r'"monitor",\s*"metrics",\s*"list"',
        (("Microsoft.Insights/metrics/read", WORKSPACE, False),),
        METRICS_DOC,
    ),
    Row(
        "MLClient.online_endpoints.invoke",
        r"online_endpoints\.invoke\(",
        ((f"{ML}/workspaces/onlineEndpoints/score/action", WORKSPACE, False),),
        ML_DOC,
    ),
    Row(
        "MLClient.batch_endpoints.invoke (uploads a local input)",
        r"batch_endpoints\.invoke\(",
        ((f"{ML}/workspaces/batchEndpoints/deployments/jobs/write", WORKSPACE, False), BLOB_WRITE, BLOB_READ),
        IDENTITY_DATASTORE_DOC,
    ),
    # azureml-core (python-sdk-v1), whose data moves through azure-storage-blob as the caller (sdk_v1.py)
    Row(
        "azureml-core Experiment.submit",
        r"Experiment\([^)]*\)\.submit\(",
        ((f"{ML}/workspaces/experiments/runs/submit/action", WORKSPACE, False),),
        ML_DOC,
    ),
    Row("azure-storage-blob upload_blob (the v1 pipeline's input data)", r"\.upload_blob\(", (BLOB_WRITE,), BLOB_DOC),
    Row(
        "azure-storage-blob list_blobs / download_blob (a v1 step's output)",
        r"\.(list_blobs|download_blob)\(",
        (BLOB_READ,),
        BLOB_DOC,
    ),
    # Bicep's Key Vault create mode (infrastructure/scripts/key-vault-create-mode.sh)
    Row(
        "az keyvault list-deleted (is a vault of the same name soft-deleted?)",
        r"az keyvault list-deleted",
        (("Microsoft.KeyVault/deletedVaults/read", SUBSCRIPTION, False),),
        VAULT_RECOVERY_DOC,
    ),
    # Terraform state storage script (infrastructure/scripts/ensure-state-storage.sh, where it exists)
    Row(
        "az group create",
        r"az group create",
        (("Microsoft.Resources/subscriptions/resourceGroups/write", SUBSCRIPTION, False),),
        CLI_DOC,
    ),
    Row(
        "az storage account create",
        r"az storage account create",
        (("Microsoft.Storage/storageAccounts/write", STATE_STORAGE, False),),
        CLI_DOC,
    ),
    Row(
        "az storage container-rm create",
        r"az storage container-rm create",
        (("Microsoft.Storage/storageAccounts/blobServices/containers/write", STATE_STORAGE, False),),
        CLI_DOC,
    ),
    Row(
        "az role assignment create (Storage Blob Data Contributor on the state storage)",
        r"az role assignment create",
        (("Microsoft.Authorization/roleAssignments/write", STATE_STORAGE, False),),
        ROLE_ASSIGNMENT_DOC,
    ),
    Row(
        "az storage blob list --auth-mode login (state storage)",
        r"az storage blob list",
        ((f"{BLOB}/read", STATE_STORAGE, True),),
        BLOB_DOC,
    ),
)
STATE_ASSIGNMENT = {ROLE_DEFINITION_ID: "ba92f5b4-2d11-453d-a403-e96b0029c9fe", PRINCIPAL_TYPE: "ServicePrincipal"}

# Inventory types whose action is spelled otherwise (a resource group is created through its subscription).
ACTION_TYPES = {"Microsoft.Resources/resourceGroups": "Microsoft.Resources/subscriptions/resourceGroups"}


@dataclass(frozen=True)
class Names:
    """Where the operations of one environment land (config-infra-<environment>.yml and the subscriptions)."""

    subscriptions: dict[str, str]
    configs: dict[str, dict]

    def scope(self, kind: str, environment: str) -> tuple[str, tuple[tuple[str, str], ...]]:
        config = self.configs[environment]
        subscription = f"/subscriptions/{self.subscriptions[environment]}"
        group = f"{subscription}/resourceGroups/{config['resource_group']}"
        if kind == SUBSCRIPTION:
            return subscription, ()
        if kind == RESOURCE_GROUP:
            return group, ()
        if kind == WORKSPACE:
            return f"{group}/providers/{ML}/workspaces/{config['aml_workspace']}", ()
        if kind == WORKSPACE_STORAGE:
            account = config["storage_account"]
            return f"{group}/providers/Microsoft.Storage/storageAccounts/{account}", (
                ("Microsoft.Storage/storageAccounts:name", account),
            )
        if kind == REGISTRY:
            prod = self.configs["prod"]
            prod_group = f"/subscriptions/{self.subscriptions['prod']}/resourceGroups/{prod['resource_group']}"
            return f"{prod_group}/providers/{ML}/registries/{prod['model_registry']}", ()
        if kind == STATE_STORAGE:
            account = config["terraform_state_storage_account"]
            state_group = f"{subscription}/resourceGroups/{config['terraform_state_resource_group']}"
            return f"{state_group}/providers/Microsoft.Storage/storageAccounts/{account}", (
                ("Microsoft.Storage/storageAccounts:name", account),
            )
        raise ValueError(kind)


def names_of(project: Path, subscriptions: dict[str, str]) -> Names:
    configs = {env: yaml.safe_load((project / f"config-infra-{env}.yml").read_text()) for env in ("dev", "prod")}
    return Names(subscriptions, configs)


SCRIPT = re.compile(r"(?:bash|python3?|sh)\s+\"?([\w./-]+\.(?:sh|py))")
SOURCED = re.compile(r"source\s+\"?\$\(dirname[^)]*\)\"?/([\w.-]+\.sh)")
IMPORTED = re.compile(r"^\s*(?:from|import)\s+(\w+)", re.MULTILINE)
FUNCTION = re.compile(r"^(\w+)\(\)\s*\{\n(.*?)^\}", re.MULTILINE | re.DOTALL)


def code_only(text: str, language: str) -> str:
    """The text without comments (and, for Python, docstrings): a command named in a comment is not run."""
    if language == "python":
        text = re.sub(r'"""(?:.|\n)*?"""', "", text)
        return re.sub(r"(?m)#.*$", "", text)
    return re.sub(r"(?m)^\s*#.*$", "", text)


def _called_functions(script: str, library: str) -> str:
    """The bodies of the functions of a sourced library that the script calls, directly or through each other."""
    bodies = {name: body for name, body in FUNCTION.findall(library)}
    called, pending = {}, [script]
    while pending:
        text = pending.pop()
        for name, body in bodies.items():
            if name not in called and re.search(rf"\b{name}\b", text):
                called[name] = body
                pending.append(body)
    return "\n".join(called.values())


def scripts_of(project: Path, commands: str) -> dict[str, tuple[str, str]]:
    """The project's files a job's commands run (path -> (language, code)): shell scripts with the functions
    they call from the files they source, Python scripts with the project's modules they import."""
    found: dict[str, tuple[str, str]] = {}
    pending = list(SCRIPT.findall(commands))
    while pending:
        name = pending.pop()
        path = next((c for c in (project / name, project / "infrastructure" / name) if c.is_file()), None)
        if path is None or path.relative_to(project).as_posix() in found:
            continue
        language = "shell" if path.suffix == ".sh" else "python"
        text = code_only(path.read_text(), language)
        if language == "shell":
            for sourced in SOURCED.findall(text):
                library = path.parent / sourced
                if library.is_file():
                    text += "\n" + _called_functions(text, code_only(library.read_text(), "shell"))
        else:
            for module in IMPORTED.findall(text):
                for parent in (path.parent, path.parent.parent, path.parent.parent.parent):
                    if (parent / f"{module}.py").is_file() and parent.is_relative_to(project / "mlops"):
                        pending.append((parent / f"{module}.py").relative_to(project).as_posix())
        found[path.relative_to(project).as_posix()] = (language, text)
    return found


IAC_SUFFIXES = (".tf", ".tfvars", ".bicep", ".bicepparam")


def infrastructure_inventory(project: Path, environment: str) -> Inventory:
    """What the project's Terraform or Bicep creates in `environment`, with that environment's values (read
    once per version of the files: every infrastructure job of a project asks; callers only read it)."""
    folder = (project / "infrastructure").resolve()
    stamp = tuple(
        (path.as_posix(), path.stat().st_mtime_ns) for path in sorted(folder.rglob("*")) if path.suffix in IAC_SUFFIXES
    )
    return _inventory(folder, environment, stamp)


@functools.lru_cache(maxsize=8)
def _inventory(folder: Path, environment: str, _stamp: tuple[tuple[str, int], ...]) -> Inventory:
    if (folder / "main.tf").is_file():
        return terraform_inventory(folder, folder / "environments" / f"{environment}.tfvars")
    return bicep_inventory(folder / "main.bicep", folder / "environments" / f"{environment}.bicepparam")


def _infrastructure_operations(
    project: Path, names: Names, environment: str, verb: str, why: str, doc: str
) -> list[Operation]:
    """`verb` ("read" or "write") on every object the environment's infrastructure code creates, where it
    lands; a role assignment carries the role and principal type that a delegation condition tests."""
    operations = []
    for write in writes(infrastructure_inventory(project, environment), names.subscriptions[environment]):
        arm_type = ACTION_TYPES.get(write.arm_type, write.arm_type)
        attributes = tuple(
            (name, value)
            for name, value in ((ROLE_DEFINITION_ID, write.role), (PRINCIPAL_TYPE, write.principal_type))
            if value
        )
        operations.append(Operation(f"{arm_type}/{verb}", write.scope, False, attributes, why, doc))
    return operations


def _vault_recovery(project: Path, names: Names, environment: str) -> list[Operation]:
    """azurerm's recover_soft_deleted_key_vaults: before creating a vault, apply looks for a soft-deleted one
    of the same name in the region (and recovers it with a write of the vault)."""
    inventory = infrastructure_inventory(project, environment)
    if not any(inventory.nodes[key].settings.get("recovers_soft_deleted") for key in inventory.keys_of(VAULTS)):
        return []
    subscription, _ = names.scope(SUBSCRIPTION, environment)
    why = "terraform apply looks for a soft-deleted Key Vault of the same name to recover it"
    return [
        Operation("Microsoft.KeyVault/locations/deletedVaults/read", subscription, False, (), why, VAULT_RECOVERY_DOC)
    ]


def infrastructure_steps(project: Path, job: Job, names: Names) -> list[Operation]:
    """Operations of Terraform and Bicep steps of a job: its state, its reads (plan, what-if), its writes."""
    commands, environment = job.commands.replace("\\\n", " "), job.target  # continued lines joined
    operations: list[Operation] = []
    terraform: list[Operation] = []
    if re.search(r"terraform (init|plan|apply)", commands):
        scope, attributes = names.scope(STATE_STORAGE, environment)
        terraform.append(
            Operation(f"{BLOB}/read", scope, True, attributes, "terraform init/plan reads the state", BACKEND_DOC)
        )
        locks = re.search(r"terraform (plan|apply)(?![^\n]*-lock=false)", commands)
        if locks or "terraform apply" in commands:
            terraform.append(
                Operation(
                    f"{BLOB}/write",
                    scope,
                    True,
                    attributes,
                    "terraform plan/apply locks and writes the state (blob lease)",
                    BACKEND_DOC,
                )
            )
    if "terraform plan" in commands:
        terraform += _infrastructure_operations(
            project, names, environment, "read", "terraform plan refreshes every resource", BACKEND_DOC
        )
    if "terraform apply" in commands:
        terraform += _infrastructure_operations(
            project, names, environment, "write", "terraform apply creates and changes the resources", BACKEND_DOC
        )
        terraform += _vault_recovery(project, names, environment)
    operations += [dataclasses.replace(operation, tool="terraform") for operation in terraform]
    subscription, _ = names.scope(SUBSCRIPTION, environment)
    previews = re.findall(r"az deployment sub (what-if|validate)([^\n]*)", commands)
    for verb, arguments in previews:
        action = "whatIf/action" if verb == "what-if" else "validate/action"
        operations.append(
            Operation(
                f"Microsoft.Resources/deployments/{action}",
                subscription,
                False,
                (),
                f"az deployment sub {verb}",
                WHAT_IF_DOC,
            )
        )
        read_only = "ProviderNoRbac" in arguments
        operations += _infrastructure_operations(
            project,
            names,
            environment,
            "read" if read_only else "write",
            f"az deployment sub {verb} checks "
            + (
                "read access to every resource (--validation-level ProviderNoRbac)"
                if read_only
                else "write access to every resource (no --validation-level ProviderNoRbac)"
            ),
            WHAT_IF_DOC,
        )
    if "az deployment sub create" in commands:
        operations.append(
            Operation(
                "Microsoft.Resources/deployments/write", subscription, False, (), "az deployment sub create", DEPLOY_DOC
            )
        )
        operations += _infrastructure_operations(
            project, names, environment, "write", "the Bicep deployment creates and changes the resources", DEPLOY_DOC
        )
    return operations


PREFLIGHT_DOC = (
    "https://learn.microsoft.com/azure/role-based-access-control/resource-provider-operations "
    "(the reads of infrastructure/preflight.py, docs/identities.md#preflight)"
)
# What infrastructure/preflight.py reads in the subscription of each environment it checks: the subscription,
# providers, quota and sizes, names (show in the resource group, check-name, deleted vaults), the online
# endpoint, the CI identities' federated credentials and the role assignments.
PREFLIGHT_READS = (
    "Microsoft.Resources/subscriptions/read",
    "Microsoft.Resources/subscriptions/providers/read",
    f"{ML}/locations/usages/read",
    "Microsoft.Compute/skus/read",
    "Microsoft.Storage/storageAccounts/read",
    "Microsoft.Storage/checknameavailability/read",
    "Microsoft.ContainerRegistry/registries/read",
    "Microsoft.ContainerRegistry/checkNameAvailability/read",
    f"{VAULTS}/read",
    "Microsoft.KeyVault/checkNameAvailability/read",
    "Microsoft.KeyVault/deletedVaults/read",
    f"{ML}/workspaces/onlineEndpoints/read",
    "Microsoft.ManagedIdentity/userAssignedIdentities/read",
    "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/read",
    "Microsoft.Authorization/roleAssignments/read",
)
PREFLIGHT = re.compile(r"preflight\.py([^\n]*)")


def preflight_steps(job: Job, names: Names) -> list[Operation]:
    """The reads of each preflight run of a job: in the job's environment with `--environment`, else in both."""
    operations = []
    for match in PREFLIGHT.finditer(code_only(job.commands, "shell")):
        chosen = re.search(r"--environment\s+\"?(\$ENVIRONMENT|dev|prod)\b", match.group(1))
        if chosen is None:
            environments = ["dev", "prod"]
        else:
            environments = [job.target if chosen.group(1) == "$ENVIRONMENT" else chosen.group(1)]
        for environment in environments:
            scope, _ = names.scope(SUBSCRIPTION, environment)
            why = f"preflight.py reads {environment}"
            operations += [Operation(action, scope, False, (), why, PREFLIGHT_DOC) for action in PREFLIGHT_READS]
    return operations


def operations_of(project: Path, job: Job, names: Names) -> list[Operation]:
    """Every Azure operation `job` performs, each with why and the page that documents it."""
    texts = {"the job's commands": ("shell", code_only(job.commands, "shell")), **scripts_of(project, job.commands)}
    operations = infrastructure_steps(project, job, names) + preflight_steps(job, names)
    for row in TABLE:
        if row.only_for and row.only_for != job.target:
            continue
        where = [
            source
            for source, (language, text) in texts.items()
            if language == row.language and re.search(row.pattern, text)
        ]
        if not where:
            continue
        for action, kind, data in row.operations:
            if kind == STATE_STORAGE and "terraform_state_storage_account" not in names.configs[job.target]:
                continue
            scope, attributes = names.scope(kind, job.target)
            if row.name.startswith("az role assignment create"):
                attributes = tuple(sorted(STATE_ASSIGNMENT.items()))
            kind_of_upload = "uploads" if data and action.endswith("/write") else ""
            operations.append(
                Operation(
                    action,
                    scope,
                    data,
                    attributes,
                    f"{row.name} in {', '.join(where)} {kind_of_upload}".strip(),
                    row.doc,
                )
            )
    return _unique(operations)


def _unique(operations: list[Operation]) -> list[Operation]:
    seen, result = set(), []
    for operation in operations:
        key = (operation.action.lower(), operation.scope.lower(), operation.data, operation.attributes)
        if key not in seen:
            seen.add(key)
            result.append(operation)
    return result
