"""Template sources: the built-in ``subtrees/`` of the factory checkout, or an organisation's fork
reached by git at an immutable ref and cached on disk per (URL, commit).

A fork is untrusted input. Every path it holds is checked before anything is written (paths.py), its
URL may carry no credentials, every cache entry is checked against git's object ids before use, and
the commit a tag names is compared with the cache, the remote and the project's record on every use.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from . import cache
from .axes import AXES
from .errors import FactoryError
from .git import GitError, PartialClone, RemoteRefs, blob_id, display_url, has_credentials, list_remote_refs
from .git import redacted_url as redacted_git_url
from .manifest import MANIFEST_FILE, Manifest, ManifestError, ResolvedPart, default_manifest, parse_manifest
from .paths import inside, link_target_problem, listing_problem, same_names
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
# The answers-file entry recording the commit project_template_ref resolved to ({ref: ..., commit: ...}).
RECORD_KEY = "project_template_resolved"

_remote_refs: dict[str, RemoteRefs] = {}


def normalise_source_url(url: str) -> str:
    """Expand Copier-style shorthands (``gh:org/repo``); return other URLs and paths unchanged."""
    url = url.strip()
    for shorthand, prefix in _SHORTHANDS.items():
        if url.startswith(shorthand):
            repo = url.removeprefix(shorthand)
            return prefix + (repo if repo.endswith(".git") else repo + ".git")
    return url


def credentials_problem(field: str, url: str) -> str:
    """Why ``url`` may not be stored as ``field``: it embeds credentials ("" when it does not).

    The sentence shows the URL with the credentials replaced, never the secret itself.
    """
    if not has_credentials(url):
        return ""
    return (
        f"remove the user name and token from the URL and let git supply them: {field} '{redacted_git_url(url)}' "
        "has credentials in it, which would be stored in the project's answers file and history (Git Credential "
        "Manager, `gh auth setup-git`, or an SSH key with a git@host:org/repo.git URL)"
    )


def source_url_problem(url: str) -> str:
    """Why ``url`` cannot be a template source, or "" when its form is fine (reachability aside)."""
    url = url.strip()
    if not url:
        return "give 'builtin', a git URL or an absolute path: project_template_github_url is empty"
    problem = credentials_problem("project_template_github_url", url)
    if problem:
        return problem
    if url == BUILTIN or url.startswith(tuple(_SHORTHANDS)) and len(url) > 3:
        return ""
    if url.startswith(_URL_SCHEMES) or _SCP_LIKE.match(url) or url.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", url):
        return ""
    return (
        f"give 'builtin', a git URL or an absolute path: '{url}' is not allowed as project_template_github_url "
        "(git URLs: https://, ssh://, git@host:org/repo.git, file://, gh:org/repo; a relative path would not be "
        "found again by copier update)"
    )


def ref_problem(ref: str) -> str:
    """Why ``ref`` cannot pin a git source, judged by its form alone."""
    if not ref:
        return "give a tag (e.g. v1.2.0) or a full 40-character commit SHA: project_template_ref is empty"
    if not REF_NAME.fullmatch(ref) or ".." in ref or ref.endswith((".", "/", ".lock")):
        return (
            f"give a tag or a full 40-character commit SHA: '{ref}' is not allowed as project_template_ref "
            "(not a valid git tag or commit SHA)"
        )
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

    @cached_property
    def _parts_by_combination(self) -> dict[tuple[str, ...], list[ResolvedPart]]:
        return {}

    def parts_for(self, combination: Mapping[str, str]) -> list[ResolvedPart]:
        """The manifest's parts that apply to a complete ``combination``, worked out once per source."""
        key = tuple(combination[axis] for axis in AXES)
        if key not in self._parts_by_combination:
            self._parts_by_combination[key] = self.manifest.parts_for(combination)
        return self._parts_by_combination[key]

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
    """``subtrees/`` of the factory checkout Copier is rendering from.

    Its paths are not checked at run time: it ships with the factory, whose own code runs anyway
    (tests/test_hostile_sources.py checks that it passes the same rules as a fork).
    """

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


def _files_on_disk(root: Path) -> list[str]:
    """Every file and symlink under ``root`` (POSIX paths relative to it), without following links."""
    found: list[str] = []
    pending = [("", os.fspath(root))]
    while pending:
        prefix, directory = pending.pop()
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    pending.append((f"{prefix}{entry.name}/", entry.path))
                else:
                    found.append(prefix + entry.name)
    return found


def _matches_listing(path: Path, file: str, listing: _Listing) -> bool:
    """Whether the cached ``path`` is what the listing says ``file`` is: its link target, or its blob and mode."""
    if file in listing.tree.symlinks:
        return path.is_symlink() and os.readlink(path) == listing.tree.symlinks[file]
    if path.is_symlink() or blob_id(path.read_bytes()) != listing.blobs[file]:
        return False
    return bool(path.stat().st_mode & 0o100) == (file in listing.executables)


def _consistent_listing(data: dict[str, Any]) -> bool:
    """Whether a listing read back from the cache is whole, its paths pass the checks, and the manifest
    and symlink targets it carries match their object ids."""
    blobs, links, executables, manifest = (data.get(key) for key in ("blobs", "symlinks", "executables", "manifest"))
    if not (isinstance(blobs, dict) and isinstance(links, dict) and isinstance(executables, list)):
        return False
    if MANIFEST_FILE in blobs:
        manifest_whole = isinstance(manifest, str) and _blob_id_of_text(manifest) == blobs[MANIFEST_FILE]
    else:
        manifest_whole = manifest is None
    return (
        manifest_whole
        and all(isinstance(sha, str) and FULL_SHA.fullmatch(sha) for sha in blobs.values())
        and all(isinstance(link, str) and blobs.get(path) == _blob_id_of_text(link) for path, link in links.items())
        and all(isinstance(path, str) and path in blobs for path in executables)
        and listing_problem(blobs) is None
        and not any(link_target_problem(target) for target in links.values())
    )


def _text(content: bytes) -> str:
    """Blob content as text that encodes back to the very same bytes (so its blob id can be checked)."""
    return content.decode("utf-8", "surrogateescape")


def _blob_id_of_text(text: str) -> str:
    try:
        return blob_id(text.encode("utf-8", "surrogateescape"))
    except UnicodeEncodeError:  # a surrogate no decoding produced: the listing was edited
        return ""


class GitSource(TemplateSource):
    """A fork of the template source, pinned to a tag or a full commit SHA.

    ``recorded_commit`` is the commit the project's answers file says the ref resolved to when the
    project was last rendered (None for a new project). ``replayed`` says that Copier is replaying
    the stored answers (the old render of ``copier update``): the recorded commit is then used as is,
    since a render must be a pure function of the stored answers. Otherwise it is compared with what
    the ref names now.
    """

    def __init__(
        self, url: str, ref: str, cache_root: Path, recorded_commit: str | None = None, replayed: bool = False
    ) -> None:
        self.url = normalise_source_url(url)
        self.ref = ref.strip()
        self.shown_url = display_url(self.url)
        self.description = f"template source {self.shown_url} at {self.ref}"
        self.cache_dir = cache_root / "sources" / cache.short_hash(self.url)
        self.recorded_commit = recorded_commit
        self.replayed = replayed
        self._clone: PartialClone | None = None
        self._verified: set[str] = set()

    # -- resolving the ref ------------------------------------------------------------------
    def remote_refs(self) -> RemoteRefs:
        """The tags and branches of the remote, asked once per process."""
        if self.url not in _remote_refs:
            try:
                _remote_refs[self.url] = list_remote_refs(self.url)
            except GitError as error:
                raise FactoryError(
                    f"check the URL and your access (git ls-remote <url> must work): could not reach the template "
                    f"source {self.shown_url} (project_template_github_url): {error.reason}"
                ) from None
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

    @property
    def _tag_file(self) -> Path:
        return self.cache_dir / "tags" / cache.short_hash(self.ref)

    def _cached_tag_commit(self) -> str | None:
        """The commit this machine cached for the tag; a damaged tag file is discarded (None)."""
        try:
            commit = self._tag_file.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError):
            commit = ""
        if FULL_SHA.fullmatch(commit):
            return commit
        cache.discard(self._tag_file)
        return None

    @cached_property
    def commit(self) -> str:
        """The commit the ref names, once the cache, the remote (when reachable) and the project's record agree."""
        problem = ref_problem(self.ref)
        if problem:
            raise FactoryError(problem)
        if FULL_SHA.fullmatch(self.ref.lower()):
            return self.ref.lower()
        if self.recorded_commit and self.replayed:
            return self.recorded_commit
        cache.remove_stale_temporaries(self.cache_dir)
        cache.remove_stale_temporaries(self._tag_file.parent)
        cached = self._cached_tag_commit()
        try:
            refs = self.remote_refs()
        except FactoryError:
            if cached is None:
                raise
            remote = None  # offline: the cached resolution stands, checked against the record below
        else:
            remote = refs.tags.get(self.ref)
            if remote is None:
                raise FactoryError(self._not_a_tag(refs, cached or self.recorded_commit))
            if not FULL_SHA.fullmatch(remote):
                raise FactoryError(
                    f"template source {self.shown_url} names commit '{remote}' for tag '{self.ref}', which is not "
                    "a 40-character SHA-1: mlops-factory reads SHA-1 repositories only"
                )
        current = remote or cached
        assert current is not None
        if self.recorded_commit and self.recorded_commit != current:
            raise FactoryError(self._moved("this project was made from commit", self.recorded_commit, current))
        if cached and remote and cached != remote:
            raise FactoryError(self._moved("this machine cached it at commit", cached, remote))
        if cached is None:
            cache.write_text_atomically(self.cache_dir / "url", self.shown_url + "\n")
            cache.write_text_atomically(self._tag_file, current + "\n")
        return current

    def _moved(self, before: str, old: str, new: str) -> str:
        return (
            f"a release tag must not move, so pin the commit you mean as project_template_ref: "
            f"project_template_ref '{self.ref}' of {self.shown_url} has moved: {before} {old}, and the tag now "
            f"points to commit {new} (-d project_template_ref={old} for the files the tag named before, {new} for "
            "its new target)"
        )

    def _not_a_tag(self, refs: RemoteRefs, known: str | None) -> str:
        if known:
            return (
                f"pin the commit the tag named, or give another tag: project_template_ref '{self.ref}' is no longer "
                f"a tag of {self.shown_url} (it named commit {known}; -d project_template_ref={known})"
            )
        if self.ref in refs.branches:
            return (
                f"give a tag or a full 40-character commit SHA, not a branch: project_template_ref '{self.ref}' is a "
                f"branch of {self.shown_url}; a branch moves, and copier update needs the exact source the project "
                "was made from"
            )
        if SHORT_SHA.fullmatch(self.ref.lower()):
            return (
                f"give all 40 characters of the commit SHA (git rev-parse <sha>) or a tag: project_template_ref "
                f"'{self.ref}' looks like an abbreviated commit SHA"
            )
        return (
            f"give one of the source's tags or a full 40-character commit SHA: project_template_ref '{self.ref}' "
            f"is not a tag of {self.shown_url}"
        )

    # -- the listing of the commit -----------------------------------------------------------
    @property
    def _commit_dir(self) -> Path:
        return self.cache_dir / self.commit  # a 40-character hex SHA, however it was resolved

    @property
    def _what_commit(self) -> str:
        return f"commit {self.commit}" if self.commit == self.ref.lower() else f"{self.ref} ({self.commit})"

    def _partial_clone(self) -> PartialClone:
        if self._clone is None:
            workdir = tempfile.mkdtemp(prefix="mlops-factory-fetch-")
            atexit.register(shutil.rmtree, workdir, True)
            try:
                clone = PartialClone(workdir + "/repo.git", self.url)
                clone.fetch_commit(self.commit)
            except GitError as error:
                shutil.rmtree(workdir, ignore_errors=True)
                raise FactoryError(
                    f"check the network and your access, then run again: could not fetch {self._what_commit} "
                    f"from {self.shown_url}: {error.reason}"
                ) from None
            self._clone = clone
        return self._clone

    @cached_property
    def _listing(self) -> _Listing:
        cache.remove_stale_temporaries(self._commit_dir)
        cache.remove_stale_temporaries(self._commit_dir / "parts")
        listing_file = self._commit_dir / "listing.json"
        listing = self._read_listing(listing_file)
        if listing is None:
            data = self._fetch_listing()
            cache.write_text_atomically(listing_file, json.dumps(data, indent=0, sort_keys=True))
            listing = self._checked_listing(data)
            assert listing is not None
        return listing

    def _read_listing(self, listing_file: Path) -> _Listing | None:
        """The cached listing, or None when there is none or it is damaged (then it is discarded)."""
        try:
            data = json.loads(listing_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            data = None
        listing = self._checked_listing(data)
        if listing is None:
            cache.discard(listing_file)
        return listing

    def _checked_listing(self, data: Any) -> _Listing | None:
        """A listing built from ``data`` if it is whole and consistent with its own object ids, else None."""
        if not isinstance(data, dict) or data.get("commit") != self.commit or not _consistent_listing(data):
            return None
        return _Listing(
            SourceTree(frozenset(data["blobs"]), data["symlinks"]),
            data["blobs"],
            frozenset(data["executables"]),
            data["manifest"],
        )

    def _fetch_listing(self) -> dict[str, Any]:
        """List the commit with git; refuse the source if any path in it is not a plain relative path."""
        clone = self._partial_clone()
        try:
            entries = clone.list_tree(self.commit)
        except GitError as error:
            raise FactoryError(f"could not read {self.description}: {error.reason}") from None
        found = listing_problem(path for _, _, path in entries)
        if found:
            path, reason = found
            raise FactoryError(
                f"{self.description} holds the path {path!r}, which {reason}; a template source may hold only "
                "relative paths of plain names, so it is refused"
            )
        links = {path: sha for mode, sha, path in entries if mode == SYMLINK_MODE}
        manifest_sha = next((sha for _, sha, path in entries if path == MANIFEST_FILE), None)
        wanted = [*links.values(), *([manifest_sha] if manifest_sha else [])]
        try:
            clone.fetch_blobs(wanted)
            contents = clone.read_blobs(wanted)
        except GitError as error:
            raise FactoryError(f"could not read {self.description}: {error.reason}") from None
        targets = {path: _text(contents[sha]) for path, sha in links.items()}
        for path, target in targets.items():
            reason = link_target_problem(target)
            if reason:
                raise FactoryError(
                    f"{self.description} holds a symlink {path!r} whose target {target!r} {reason}; "
                    "a template source may hold only relative links, so it is refused"
                )
        return {
            "commit": self.commit,
            "blobs": {path: sha for _, sha, path in entries},
            "executables": sorted(path for mode, _, path in entries if mode == EXECUTABLE_MODE),
            "symlinks": targets,
            "manifest": _text(contents[manifest_sha]) if manifest_sha else None,
        }

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
        """Each chosen part from the cache, after checking it holds exactly what git says; refetch what does not."""
        self.check_symlinks(parts)
        present = sorted({part.source for part in parts if self.tree.contains(part.source)})
        damaged = [path for path in present if self._part_dir(path).is_dir() and not self._holds_listed_files(path)]
        for path in damaged:
            cache.discard(self._part_dir(path))
        missing = [path for path in present if not self._part_dir(path).is_dir()]
        if missing:
            try:
                self._fetch_parts(missing)
            except FactoryError as error:
                if not damaged:
                    raise
                raise FactoryError(
                    f"the cached copy of {', '.join(repr(path) for path in damaged)} from {self.description} was "
                    f"damaged and has been removed, and fetching it again failed ({error})"
                ) from None
        self._verified.update(present)
        return {path: self._subtree_path(path) for path in present}

    def _subtree_path(self, source_path: str) -> Path:
        part_dir = self._part_dir(source_path)
        return part_dir / "tree" / source_path if source_path != "." else part_dir / "tree"

    def _holds_listed_files(self, source_path: str) -> bool:
        """Whether a cached part holds exactly the listed files, each with its listed blob id, mode and link."""
        if source_path in self._verified:
            return True
        listing = self._listing
        root = self._part_dir(source_path) / "tree"
        expected = listing.tree.files_under(source_path)
        try:
            return same_names(_files_on_disk(root), expected) and all(
                _matches_listing(root / file, file, listing) for file in expected
            )
        except OSError:
            return False

    def _fetch_parts(self, source_paths: list[str]) -> None:
        """Fetch the blobs of all missing parts in one round trip and cache each part atomically.

        Files are written from the blobs themselves, each checked to land inside the part's folder
        (the listing's paths were checked already; this is the second line of defence).
        """
        clone = self._partial_clone()
        listing = self._listing
        files = {path: listing.tree.files_under(path) for path in source_paths}
        wanted = sorted({listing.blobs[file] for chosen in files.values() for file in chosen})
        try:
            clone.fetch_blobs(wanted)
            contents = clone.read_blobs(wanted)
        except GitError as error:
            raise FactoryError(
                f"check the network and your access, then run again: could not fetch the chosen subtrees of "
                f"{self.description}: {error.reason}"
            ) from None
        if any(blob_id(contents[sha]) != sha for sha in wanted):
            raise FactoryError(f"{self.description}: git returned file contents that do not match their object ids")
        for path, chosen in files.items():

            def fill(temp: Path, chosen: list[str] = chosen) -> None:
                root = temp / "tree"
                root.mkdir()
                resolved_root = root.resolve()
                for file in chosen:
                    target = inside(root, file, resolved_root)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    if file in listing.tree.symlinks:
                        target.symlink_to(listing.tree.symlinks[file])
                        continue
                    target.write_bytes(contents[listing.blobs[file]])
                    if file in listing.executables:
                        target.chmod(0o755)

            cache.fill_directory_atomically(self._part_dir(path), fill)


# -- the source the answers point at ----------------------------------------------------------------
_sources: dict[tuple[Any, ...], TemplateSource] = {}


def _recorded_commit(answers: Mapping[str, Any], ref: str) -> tuple[str | None, bool]:
    """(the commit the answers file records for ``ref``, whether Copier replays it as given data).

    A record of another ref (the user is moving the project to a new ref) or a malformed one is
    ignored: the render then records the new resolution.
    """
    record = answers.get(RECORD_KEY)
    if not isinstance(record, Mapping) or str(record.get("ref", "")) != ref:
        return None, False
    commit = str(record.get("commit", "")).lower()
    if not FULL_SHA.fullmatch(commit):
        return None, False
    conf = answers.get("_copier_conf")
    given = (conf["data"] if conf else None) or {}
    return commit, RECORD_KEY in given


def template_source(answers: Mapping[str, Any], template_root: Path) -> TemplateSource:
    """The source the answers point at, shared by every check and render of this process."""
    url = str(answers.get("project_template_github_url") or BUILTIN).strip()
    if url == BUILTIN:
        key: tuple[Any, ...] = (url, str(template_root))
        if key not in _sources:
            _sources[key] = BuiltinSource(template_root / "subtrees")
        return _sources[key]
    ref = str(answers.get("project_template_ref") or "").strip()
    recorded, replayed = _recorded_commit(answers, ref)
    key = (url, ref, recorded, replayed)
    if key not in _sources:
        _sources[key] = GitSource(url, ref, cache.cache_root(), recorded_commit=recorded, replayed=replayed)
    return _sources[key]


def source_record(answers: Mapping[str, Any], template_root: Path) -> dict[str, dict[str, str]]:
    """What the answers file records about a git source, under the key ``template_source`` reads back:
    the ref and the commit it resolved to. Empty for the built-in source."""
    source = template_source(answers, template_root)
    if not isinstance(source, GitSource):
        return {}
    return {RECORD_KEY: {"ref": source.ref, "commit": source.commit}}
