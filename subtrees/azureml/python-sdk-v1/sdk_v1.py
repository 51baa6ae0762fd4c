"""What the SDK v1 (azureml-core) training pipeline needs beside azureml-core: a sign-in that outlives a CI
token, and moving data to and from the workspace storage.

The workspace storage has shared keys off and identity-based datastores (docs in mlops/azureml/README.md).
azureml-core cannot move data through such a datastore: its download stops with "Download is not supported
for datastores without credentials", and its uploads need a key or SAS as well. So this project moves the v1
pipeline's data with azure-storage-blob, signed in as the caller (the same self-renewing credential as every
other script, workspace.credential()), which is what azure-ai-ml does for identity-based datastores. The
caller needs a blob data role on the storage account (the CI identities get Storage Blob Data Contributor on
it from infrastructure/bootstrap.py). Jobs in Azure ML read and write their data with the compute's identity,
as before.

Nothing here contacts Azure at import time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import workspace as project

ContainerFactory = Callable[[Any], Any]


def authentication() -> Any:
    """azureml-core's authentication from ``workspace.credential()``: in CI it asks for a new federated token
    whenever Microsoft Entra ID needs one, so waiting hours for a run does not end in AADSTS700024."""
    from azureml.core.authentication import TokenAuthentication

    credential = project.credential()

    def token_for(resource: str) -> str:
        return credential.get_token(resource.rstrip("/") + "/.default").token

    return TokenAuthentication(token_for)


def account_url(datastore: Any) -> str:
    """The blob endpoint of an azureml-core blob datastore (https://<account>.blob.core.windows.net)."""
    return f"{datastore.protocol or 'https'}://{datastore.account_name}.blob.{datastore.endpoint or 'core.windows.net'}"


def container_client(datastore: Any) -> Any:
    """The datastore's blob container, signed in with the caller's own token (no key, no SAS)."""
    from azure.storage.blob import ContainerClient

    return ContainerClient(account_url(datastore), datastore.container_name, credential=project.credential())


def files_below(source: Path) -> Iterator[tuple[Path, str]]:
    """Each file of ``source`` (a file, or a folder walked recursively) with its path relative to ``source``'s
    folder, in forward slashes."""
    if source.is_file():
        yield source, source.name
        return
    for path in sorted(source.rglob("*")):
        if path.is_file():
            yield path, path.relative_to(source).as_posix()


def upload(source: Path, datastore: Any, folder: str, container: ContainerFactory = container_client) -> list[str]:
    """Upload a local file or folder to ``folder`` on the datastore, replacing what is there; the blob names."""
    client = container(datastore)
    names = []
    for path, relative in files_below(source):
        name = f"{folder.strip('/')}/{relative}"
        with path.open("rb") as data:
            client.upload_blob(name, data, overwrite=True)
        names.append(name)
    if not names:
        raise SystemExit(f"error: {source} holds no file to upload")
    return names


def upload_dataset(source: Path, workspace: Any, folder: str, container: ContainerFactory = container_client) -> Any:
    """Upload ``source`` to ``folder`` on the workspace's default datastore; the FileDataset of that folder (not
    registered; the run reads it with the compute's identity)."""
    from azureml.core import Dataset
    from azureml.data.datapath import DataPath

    datastore = workspace.get_default_datastore()
    upload(source, datastore, folder, container)
    target = folder.strip("/") + ("" if source.is_dir() else f"/{source.name}")
    return Dataset.File.from_files(path=DataPath(datastore, target), validate=False)


def download(datastore: Any, prefix: str, destination: Path, container: ContainerFactory = container_client) -> int:
    """Download every blob under ``prefix`` into ``destination``, keeping the paths below the prefix; the number
    of files. A blob whose name would land outside ``destination`` is refused."""
    client = container(datastore)
    root = destination.resolve()
    prefix = prefix.strip("/")
    count = 0
    for blob in client.list_blobs(name_starts_with=prefix + "/" if prefix else None):
        relative = PurePosixPath(blob.name[len(prefix) :].lstrip("/") if prefix else blob.name)
        target = (root / relative).resolve()
        if ".." in relative.parts or not target.is_relative_to(root) or target == root:
            raise SystemExit(f"error: the blob {blob.name} of {datastore.name} names a path outside the download")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(client.download_blob(blob.name).readall())
        count += 1
    return count


def download_step_output(
    run: Any, step: str, output: str, destination: Path, container: ContainerFactory = container_client
) -> int:
    """Download the output ``output`` of the step ``step`` of a finished pipeline run into ``destination``."""
    found = run.find_step_run(step)
    if not found:
        raise SystemExit(f"error: the pipeline run {run.id} has no step {step}")
    reference = found[0].get_output_data(output)
    return download(reference.datastore, reference.path_on_datastore, destination, container)
