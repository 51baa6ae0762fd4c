"""Template sources: the built-in ``subtrees/`` of the factory checkout, or an organisation's fork
reached by git at an immutable ref and cached on disk per (URL, commit)."""

from __future__ import annotations

import atexit
import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from . import cache
from .errors import FactoryError
from .git import GitError, PartialClone, RemoteRefs, display_url, list_remote_refs
from .manifest import MANIFEST_FILE, Manifest, ManifestError, ResolvedPart, default_manifest, parse_manifest
from .tree import SourceTree, scan_directory

BUILTIN = "builtin"
FULL_SHA = re.compile(r"[0-9a-f]{40}")
SHORT_SHA = re.compile(r"[0-9a-f]{4,39}")
REF_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/+-]*")
_SHORTHANDS = {"gh:": "https://github.com/", "gl:": "https://gitlab.com/"}
_URL_SCHEMES = ("https://", "http://", "ssh://", "git://", "file://")
_SCP_LIKE = re.compile(r"^[\w.-]+@[\w.-]+:[^\s]+$")
SYMLINK_MODE = "120000"
EXECUTABLE_MODE = "100755"

_remote_refs: dict[str, RemoteRefs] = {}


def normalise_source_url(url: str) -> str:
    """Expand Copier-style shorthands (``gh:org/repo``); return other URLs and paths unchanged."""
    url = url.strip()
    for shorthand, prefix in _SHORTHANDS.items():
        if url.startswith(shorthand):
            repo = url.removeprefix(shorthand)
            return prefix + (repo if repo.endswith(".git") else repo + ".git")
    return url


def source_url_problem(url: str) -> str:
    """Why ``url`` cannot be a template source, or "" when its form is fine (reachability aside)."""
    url = url.strip()
    if not url:
        return (
            "project_template_github_url is empty: give 'builtin' or the git URL or absolute path "
            "of your template source"
        )
    if url == BUILTIN or url.startswith(tuple(_SHORTHANDS)) and len(url) > 3:
        return ""
    if url.startswith(_URL_SCHEMES) or _SCP_LIKE.match(url) or url.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", url):
        return ""
    return (
        f"project_template_github_url '{url}' is not a source mlops-factory can use: give 'builtin', a git URL "
        "(https://, ssh://, git@host:org/repo.git, file://, gh:org/repo) or an absolute path, so that "
        "copier update finds the same source again"
    )


def ref_problem(ref: str) -> str:
    """Why ``ref`` cannot pin a git source, judged by its form alone."""
    if not ref:
        return (
            "project_template_ref is empty: give a tag (e.g. v1.2.0) or a full 40-character commit SHA "
            "of the template source"
        )
    if not REF_NAME.fullmatch(ref) or ".." in ref or ref.endswith((".", "/", ".lock")):
        return f"project_template_ref '{ref}' is not a valid git tag or commit SHA"
    return ""


class TemplateSource:
    """What the factory needs from any source: its listing, its manifest and the chosen subtrees."""

    description: str

    @property
    def tree(self) -> SourceTree:
        raise NotImplementedError

    @property
    def manifest(self) -> Manifest:
        raise NotImplementedError

    def materialise(self, parts: list[ResolvedPart]) -> dict[str, Path]:
        """Local paths holding each part's subtree, keyed by the part's source path."""
        raise NotImplementedError

    def check_symlinks(self, parts: list[ResolvedPart]) -> None:
        escaping = self.tree.escaping_symlink(part.source for part in parts)
        if escaping:
            link, target, subtree = escaping
            raise FactoryError(
                f"{self.description} holds a symlink '{link}' -> '{target}' that points outside its subtree "
                f"'{subtree}'; symlinks in a template source may only point inside their own subtree"
            )

    def _parse_manifest(self, text: str | None) -> Manifest:
        if text is None:
            return default_manifest()
        try:
            return parse_manifest(text)
        except ManifestError as error:
            raise FactoryError(f"the manifest of {self.description} is invalid: {error}") from None


def release_version(tag: str) -> Any:
    """The PEP 440 version a tag names (``v1.2.0`` or ``1.2.0``), None for other tags."""
    from packaging.version import InvalidVersion, Version

    try:
        return Version(tag.removeprefix("v"))
    except InvalidVersion:
        return None


class BuiltinSource(TemplateSource):
    """``subtrees/`` of the factory checkout Copier is rendering from."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.description = "the built-in template source"

    @cached_property
    def tree(self) -> SourceTree:  # type: ignore[override]
        return scan_directory(self.root)

    @cached_property
    def manifest(self) -> Manifest:  # type: ignore[override]
        manifest_path = self.root / MANIFEST_FILE
        return self._parse_manifest(manifest_path.read_text(encoding="utf-8") if manifest_path.exists() else None)

    def materialise(self, parts: list[ResolvedPart]) -> dict[str, Path]:
        self.check_symlinks(parts)
        return {part.source: self.root / part.source for part in parts if self.tree.contains(part.source)}


@dataclass
class _Listing:
    tree: SourceTree
    blobs: dict[str, str]  # path -> blob sha
    executables: frozenset[str]
    manifest_text: str | None


class GitSource(TemplateSource):
    """A fork of the template source, pinned to a tag or a full commit SHA."""

    def __init__(self, url: str, ref: str, cache_root: Path) -> None:
        self.url = normalise_source_url(url)
        self.ref = ref.strip()
        self.shown_url = display_url(self.url)
        self.description = f"template source {self.shown_url} at {self.ref}"
        self.cache_dir = cache_root / "sources" / cache.short_hash(self.url)
        self._clone: PartialClone | None = None

    # -- resolving the ref ------------------------------------------------------------------
    def remote_refs(self) -> RemoteRefs:
        """The tags and branches of the remote, asked once per process."""
        if self.url not in _remote_refs:
            try:
                _remote_refs[self.url] = list_remote_refs(self.url)
            except GitError as error:
                raise FactoryError(f"could not reach template source {self.shown_url}: {error.reason}") from None
        return _remote_refs[self.url]

    def reachability_problem(self) -> str:
        """Why the source cannot be reached ("" when it can, or when it is already cached)."""
        if self.cache_dir.is_dir():
            return ""
        try:
            self.remote_refs()
        except FactoryError as error:
            return str(error)
        return ""

    def suggested_ref(self) -> str:
        """The ref to offer as the default answer: the newest release tag (PEP 440, with or without a leading
        v), else the commit of the default branch; "" when the remote cannot be asked or has no commits."""
        try:
            refs = self.remote_refs()
        except FactoryError:
            return ""
        releases = [(version, tag) for tag in refs.tags if (version := release_version(tag)) is not None]
        if releases:
            return max(releases)[1]
        return refs.head or ""

    @cached_property
    def commit(self) -> str:
        problem = ref_problem(self.ref)
        if problem:
            raise FactoryError(problem)
        if FULL_SHA.fullmatch(self.ref.lower()):
            return self.ref.lower()
        ref_file = self.cache_dir / "tags" / cache.short_hash(self.ref)
        if ref_file.is_file():
            return ref_file.read_text(encoding="utf-8").strip()
        refs = self.remote_refs()
        if self.ref in refs.tags:
            commit = refs.tags[self.ref]
            cache.write_text_atomically(self.cache_dir / "url", self.shown_url + "\n")
            cache.write_text_atomically(ref_file, commit + "\n")
            return commit
        if self.ref in refs.branches:
            raise FactoryError(
                f"project_template_ref '{self.ref}' is a branch of {self.shown_url}; a branch moves, and copier update "
                "needs the exact source the project was made from: give a tag or a full 40-character commit SHA"
            )
        if SHORT_SHA.fullmatch(self.ref.lower()):
            raise FactoryError(
                f"project_template_ref '{self.ref}' looks like an abbreviated commit SHA; give all 40 characters "
                "(git rev-parse <sha>) or a tag"
            )
        raise FactoryError(
            f"project_template_ref '{self.ref}' is not a tag of {self.shown_url}; give one of its tags "
            "or a full 40-character commit SHA"
        )

    # -- the listing of the commit -----------------------------------------------------------
    @property
    def _commit_dir(self) -> Path:
        return self.cache_dir / self.commit

    def _partial_clone(self) -> PartialClone:
        if self._clone is None:
            workdir = tempfile.mkdtemp(prefix="mlops-factory-fetch-")
            atexit.register(shutil.rmtree, workdir, True)
            try:
                clone = PartialClone(workdir + "/repo.git", self.url)
                clone.fetch_commit(self.commit)
            except GitError as error:
                shutil.rmtree(workdir, ignore_errors=True)
                what = f"commit {self.commit}" if self.commit == self.ref.lower() else f"{self.ref} ({self.commit})"
                raise FactoryError(f"could not fetch {what} from {self.shown_url}: {error.reason}") from None
            self._clone = clone
        return self._clone

    @cached_property
    def _listing(self) -> _Listing:
        listing_file = self._commit_dir / "listing.json"
        if not listing_file.is_file():
            clone = self._partial_clone()
            try:
                entries = clone.list_tree(self.commit)
                links = {path: sha for mode, sha, path in entries if mode == SYMLINK_MODE}
                wanted = list(links.values())
                manifest_sha = next((sha for _, sha, path in entries if path == MANIFEST_FILE), None)
                if manifest_sha:
                    wanted.append(manifest_sha)
                clone.fetch_blobs(wanted)
                contents = clone.read_blobs(wanted)
            except GitError as error:
                raise FactoryError(f"could not read {self.description}: {error.reason}") from None
            data = {
                "commit": self.commit,
                "blobs": {path: sha for _, sha, path in entries},
                "executables": sorted(path for mode, _, path in entries if mode == EXECUTABLE_MODE),
                "symlinks": {path: contents[sha].decode(errors="replace") for path, sha in links.items()},
                "manifest": contents[manifest_sha].decode("utf-8", errors="replace") if manifest_sha else None,
            }
            cache.write_text_atomically(listing_file, json.dumps(data, indent=0, sort_keys=True))
        data = json.loads(listing_file.read_text(encoding="utf-8"))
        tree = SourceTree(frozenset(data["blobs"]), data["symlinks"])
        return _Listing(tree, data["blobs"], frozenset(data["executables"]), data["manifest"])

    @property
    def tree(self) -> SourceTree:  # type: ignore[override]
        return self._listing.tree

    @cached_property
    def manifest(self) -> Manifest:  # type: ignore[override]
        return self._parse_manifest(self._listing.manifest_text)

    # -- the chosen subtrees -------------------------------------------------------------------
    def _part_dir(self, source_path: str) -> Path:
        return self._commit_dir / "parts" / cache.short_hash(source_path)

    def materialise(self, parts: list[ResolvedPart]) -> dict[str, Path]:
        self.check_symlinks(parts)
        present = [part for part in parts if self.tree.contains(part.source)]
        missing = [part.source for part in present if not self._part_dir(part.source).is_dir()]
        if missing:
            self._fetch_parts(sorted(set(missing)))
        return {part.source: self._subtree_path(part.source) for part in present}

    def _subtree_path(self, source_path: str) -> Path:
        part_dir = self._part_dir(source_path)
        return part_dir / "tree" / source_path if source_path != "." else part_dir / "tree"

    def _fetch_parts(self, source_paths: list[str]) -> None:
        """Fetch the blobs of all missing parts in one round trip and cache each part atomically.

        Files are written from the blobs themselves: ``git archive`` would read (and so lazily fetch)
        blobs outside the chosen paths too.
        """
        clone = self._partial_clone()
        listing = self._listing
        files = {path: listing.tree.files_under(path) for path in source_paths}
        wanted = sorted({listing.blobs[file] for chosen in files.values() for file in chosen})
        try:
            clone.fetch_blobs(wanted)
            contents = clone.read_blobs(wanted)
        except GitError as error:
            raise FactoryError(f"could not fetch the chosen subtrees of {self.description}: {error.reason}") from None
        for path, chosen in files.items():

            def fill(temp: Path, chosen: list[str] = chosen) -> None:
                for file in chosen:
                    target = temp / "tree" / file
                    target.parent.mkdir(parents=True, exist_ok=True)
                    if file in listing.tree.symlinks:
                        target.symlink_to(listing.tree.symlinks[file])
                        continue
                    target.write_bytes(contents[listing.blobs[file]])
                    if file in listing.executables:
                        target.chmod(0o755)

            cache.fill_directory_atomically(self._part_dir(path), fill)
