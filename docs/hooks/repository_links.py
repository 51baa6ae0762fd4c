"""MkDocs hook: links from a docs page to a file of the repository outside docs/ (`../copier.yml`).

On GitHub such a link opens the file; the site holds only docs/, so MkDocs would call it broken. This
hook rewrites it before MkDocs checks links: to the file on the repository's web page when mkdocs.yml
sets `repo_url`, else to the path in code style (`copier.yml`), since the site cannot show the file. A
link to a repository path that does not exist stays as it is, so `mkdocs build --strict` fails on it.
Links inside fenced code blocks are left alone.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

LINK = re.compile(r"\[(?P<text>[^\]]+)\]\((?P<target>[^)\s#]+)(?P<anchor>#[^)\s]*)?\)")
FENCE = re.compile(r"^(```|~~~)", re.MULTILINE)


def repository_target(page_path: str, target: str, docs_dir: Path) -> str | None:
    """The repository-relative path a relative link leads to, when it leaves docs/ and names an existing
    file or folder; None for links that stay in docs/, URLs, and paths that do not exist."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("/"):
        return None
    root = docs_dir.resolve().parent
    resolved = (docs_dir / PurePosixPath(page_path).parent / target).resolve()
    if resolved.is_relative_to(docs_dir.resolve()) or not resolved.is_relative_to(root) or not resolved.exists():
        return None
    return resolved.relative_to(root).as_posix()


def rewrite(markdown: str, page_path: str, docs_dir: Path, repo_url: str | None) -> str:
    """The page's Markdown with every link to a repository file outside docs/ rewritten (see above)."""

    def replace(match: re.Match[str]) -> str:
        path = repository_target(page_path, match["target"], docs_dir)
        if path is None:
            return match[0]
        if repo_url:
            return f"[{match['text']}]({repo_url.rstrip('/')}/blob/main/{path}{match['anchor'] or ''})"
        text = match["text"]
        return f"`{path}`" if text.strip("`") == path else f"{text} (`{path}` in the repository)"

    # With one group, split() gives text, fence, text, fence, ...: each fence opens or closes a code block.
    parts = FENCE.split(markdown)
    result, inside = [], False
    for index, part in enumerate(parts):
        if index % 2:
            inside = not inside
            result.append(part)
        else:
            result.append(part if inside else LINK.sub(replace, part))
    return "".join(result)


def on_page_markdown(markdown, page, config, files):  # noqa: ANN001, ANN201 - MkDocs hook signature
    return rewrite(markdown, page.file.src_uri, Path(config["docs_dir"]), config.get("repo_url"))
