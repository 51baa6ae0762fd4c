"""Git plumbing for fork sources, through plumbum: ask a remote for its refs, fetch one commit's trees
without blobs, list them, and fetch and read only the blobs of the chosen subtrees; plus what the
factory knows about git URLs (credentials embedded in them, and how to show them without)."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from dataclasses import dataclass
from urllib.parse import urlsplit

from plumbum import CommandNotFound, ProcessExecutionError, ProcessTimedOut, local

from .errors import FactoryError

NETWORK_TIMEOUT_SECONDS = 300
GIT_MISSING = "install git to use a git template source: git is not installed or not on PATH"


class GitError(Exception):
    """A git command failed; ``reason`` is git's own last line of explanation."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    meaningful = [line for line in lines if line.startswith(("fatal:", "error:", "ERROR:"))]
    line = (meaningful or lines or ["git gave no reason"])[-1]
    return re.sub(r"^(fatal|error|ERROR):\s*", "", line)


def _environment() -> dict[str, str]:
    """Never let git wait for a password or a host-key question: a prompt would hang Copier."""
    env = {"GIT_TERMINAL_PROMPT": "0", "GCM_INTERACTIVE": "never", "LC_ALL": "C"}
    if "GIT_SSH_COMMAND" not in os.environ:
        env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"
    return env


def is_local_url(url: str) -> bool:
    return url.startswith("file://") or url.startswith("/") or bool(re.match(r"^[A-Za-z]:[\\/]", url))


def run_git(*args: str, cwd: str | None = None, stdin: bytes | None = None, binary: bool = False) -> str | bytes:
    """Run git; raise ``GitError`` with git's explanation on failure or time-out."""
    try:
        git = local["git"]
    except CommandNotFound:
        raise FactoryError(GIT_MISSING) from None
    with local.env(**_environment()):
        command = git.with_cwd(cwd) if cwd else git
        try:
            if binary or stdin is not None:
                process = command[args].popen(stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                out, err = process.communicate(stdin, timeout=NETWORK_TIMEOUT_SECONDS)
                if process.returncode:
                    raise GitError(_last_line(err.decode(errors="replace")))
                return out if binary else out.decode()
            return command(*args, timeout=NETWORK_TIMEOUT_SECONDS)
        except ProcessExecutionError as error:
            raise GitError(_last_line(error.stderr or str(error))) from None
        except (ProcessTimedOut, subprocess.TimeoutExpired):
            raise GitError(f"git {args[0]} did not finish within {NETWORK_TIMEOUT_SECONDS} seconds") from None
        except FileNotFoundError:
            raise FactoryError(GIT_MISSING) from None


def blob_id(content: bytes) -> str:
    """The object id git gives a file with ``content`` (SHA-1 object format): what a listing records."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content, usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class RemoteRefs:
    tags: dict[str, str]  # tag name -> commit it points at (annotated tags peeled)
    branches: set[str]
    head: str | None = None  # the commit of the default branch; None for an empty repository


def list_remote_refs(url: str) -> RemoteRefs:
    output = run_git("ls-remote", "--", url, "HEAD", "refs/heads/*", "refs/tags/*")
    tags: dict[str, str] = {}
    peeled: dict[str, str] = {}
    branches: set[str] = set()
    head = None
    for line in str(output).splitlines():
        sha, _, ref = line.partition("\t")
        if ref == "HEAD":
            head = sha
        elif ref.startswith("refs/heads/"):
            branches.add(ref.removeprefix("refs/heads/"))
        elif ref.startswith("refs/tags/"):
            name = ref.removeprefix("refs/tags/")
            if name.endswith("^{}"):
                peeled[name[:-3]] = sha
            else:
                tags[name] = sha
    tags.update(peeled)
    return RemoteRefs(tags, branches, head)


class PartialClone:
    """A bare repository holding one commit's trees; blobs are fetched only when asked for."""

    def __init__(self, path: str, url: str) -> None:
        self.path = path
        self.url = url
        run_git("init", "--bare", "--quiet", path)
        run_git("remote", "add", "origin", url, cwd=path)

    def _fetch_args(self) -> list[str]:
        # A local repository serves partial clones only when its upload-pack allows filters.
        if is_local_url(self.url):
            return ["--upload-pack=git -c uploadpack.allowFilter=true upload-pack"]
        return []

    def fetch_commit(self, commit: str) -> None:
        run_git(
            "fetch",
            "--quiet",
            "--no-tags",
            "--depth=1",
            "--filter=blob:none",
            *self._fetch_args(),
            "origin",
            commit,
            cwd=self.path,
        )

    def list_tree(self, commit: str) -> list[tuple[str, str, str]]:
        """(mode, blob sha, path) for every file of the commit.

        Paths are decoded as UTF-8; bytes that are not become lone surrogates (``surrogateescape``),
        so that the path check can refuse them by name instead of failing to decode.
        """
        output = run_git("ls-tree", "-r", "--full-tree", "-z", commit, cwd=self.path, binary=True)
        assert isinstance(output, bytes)
        entries = []
        for record in output.decode("utf-8", "surrogateescape").split("\0"):
            if not record:
                continue
            meta, _, path = record.partition("\t")
            mode, kind, sha = meta.split()
            if kind == "blob":
                entries.append((mode, sha, path))
        return entries

    def fetch_blobs(self, shas: list[str]) -> None:
        """Fetch many blobs in one round trip (a lazy checkout would fetch them one by one)."""
        if shas:
            run_git(
                "fetch",
                "--quiet",
                "--no-tags",
                "--no-write-fetch-head",
                "--filter=blob:none",
                *self._fetch_args(),
                "--stdin",
                "origin",
                cwd=self.path,
                stdin="\n".join(shas).encode() + b"\n",
            )

    def read_blobs(self, shas: list[str]) -> dict[str, bytes]:
        if not shas:
            return {}
        output = run_git("cat-file", "--batch", cwd=self.path, stdin="\n".join(shas).encode() + b"\n", binary=True)
        assert isinstance(output, bytes)
        blobs: dict[str, bytes] = {}
        position = 0
        for sha in shas:
            header_end = output.index(b"\n", position)
            size = int(output[position:header_end].split()[2])
            blobs[sha] = output[header_end + 1 : header_end + 1 + size]
            position = header_end + 1 + size + 1
        return blobs


# Azure DevOps clone URLs carry the organisation as user name (https://contoso@dev.azure.com/contoso/...).
_AZURE_DEVOPS_HOST = "dev.azure.com"


def _userinfo(url: str) -> tuple[str, str] | None:
    """(scheme, user info) of a URL that carries user info before its host, else None."""
    if "://" in url:
        scheme, _, rest = url.partition("://")
        authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
        return (scheme.lower(), authority.rpartition("@")[0]) if "@" in authority else None
    if is_local_url(url) or "@" not in url:
        return None
    return "scp", url.split("@", 1)[0]  # user@host:path


def has_credentials(url: str) -> bool:
    """Whether ``url`` carries a secret: a password anywhere, or any user name over http(s).

    Over http(s) a user name alone may be a token (``https://<token>@github.com/...``), so every one is
    treated as a secret except the organisation name of an Azure DevOps clone URL. Over ssh the user
    name (``git@host:org/repo.git``, ``ssh://git@host/...``) is not a secret.
    """
    found = _userinfo(url.strip())
    if found is None:
        return False
    scheme, userinfo = found
    if ":" in userinfo:
        return True
    if scheme not in {"http", "https"}:
        return False
    parts = urlsplit(url.strip())
    organisation = parts.path.lstrip("/").split("/", 1)[0]
    return not (parts.hostname == _AZURE_DEVOPS_HOST and userinfo == organisation)


def redacted_url(url: str) -> str:
    """``url`` with everything before the host's '@' replaced by ``***``, to show a URL that has credentials."""
    url = url.strip()
    found = _userinfo(url)
    if found is None:
        return url
    scheme, userinfo = found
    if scheme == "scp":
        return "***" + url[len(userinfo) :]
    prefix = url[: url.index("://") + 3]
    return prefix + "***" + url[len(prefix) + len(userinfo) :]


def display_url(url: str) -> str:
    """The URL without any credentials embedded in it, for messages."""
    parts = urlsplit(url)
    if parts.password or parts.username and parts.scheme in {"http", "https"}:
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        return parts._replace(netloc=netloc).geturl()
    return url
