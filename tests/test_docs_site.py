"""The documentation site (mkdocs.yml over docs/): every page is in the navigation, and
`mkdocs build --strict` passes. Strict mode fails on a broken relative link or anchor, on a page left out
of the navigation, and on a link to a repository file outside docs/ that does not exist (such links are
rewritten by docs/hooks/repository_links.py when the file exists).

The build needs the packages of requirements-docs.txt (part of requirements-test.txt); it takes about a
second per build.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

DOCS = ROOT / "docs"
MKDOCS_YML = ROOT / "mkdocs.yml"
SECTIONS = {
    "Using the factory": "for people who generate and update projects",
    "Developing the factory": "for people who change the factory",
}
_spec = importlib.util.spec_from_file_location("repository_links", DOCS / "hooks" / "repository_links.py")
repository_links = sys.modules[_spec.name] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(repository_links)


class _ConfigLoader(yaml.SafeLoader):
    """Reads mkdocs.yml without MkDocs: its `!ENV` and `!!python/name:` values are kept as plain text."""


_ConfigLoader.add_multi_constructor("!", lambda loader, suffix, node: None)
_ConfigLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: suffix)


def nav_pages(entries: list) -> list[str]:
    """The page files the `nav` of mkdocs.yml lists, in order."""
    pages = []
    for entry in entries:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        pages += nav_pages(value) if isinstance(value, list) else [value]
    return pages


def doc_pages() -> list[str]:
    return sorted(path.relative_to(DOCS).as_posix() for path in DOCS.rglob("*.md"))


def title(page: str) -> str:
    heading = re.search(r"^# (.+)$", (DOCS / page).read_text(encoding="utf-8"), re.MULTILINE)
    return heading.group(1).strip() if heading else Path(page).stem.replace("-", " ").capitalize()


def build(config: Path, site: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`mkdocs build --strict` of ``config`` into ``site``, as a contributor runs it."""
    assert importlib.util.find_spec("mkdocs") and importlib.util.find_spec("material"), (
        "MkDocs is not installed in this Python: run `bash tests/run.sh` or "
        "`pip install -r requirements-docs.txt` (requirements-test.txt includes it)"
    )
    variables = {name: value for name, value in os.environ.items() if name != "MLOPS_FACTORY_REPO_URL"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config), "--site-dir", str(site)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**variables, "NO_MKDOCS_2_WARNING": "1", **env},
        timeout=300,
    )


def test_every_page_of_docs_is_in_the_navigation_and_nothing_else():
    config = yaml.load(MKDOCS_YML.read_text(encoding="utf-8"), Loader=_ConfigLoader)
    listed = nav_pages(config["nav"])
    sections = [next(iter(entry)) for entry in config["nav"] if isinstance(next(iter(entry.values())), list)]
    assert sections == list(SECTIONS), "the nav sections changed: update SECTIONS in this test"
    where = " or ".join(f"'{name}' ({audience})" for name, audience in SECTIONS.items())
    missing = [
        f"docs/{page} is not in the site's navigation: add the line `      - {title(page)}: {page}` "
        f"to `nav:` in mkdocs.yml, under {where}"
        for page in doc_pages()
        if page not in listed
    ]
    assert not missing, "\n".join(missing)
    unknown = [page for page in listed if not (DOCS / page).is_file()]
    assert not unknown, f"mkdocs.yml's nav lists pages that are not in docs/: {', '.join(unknown)}"
    assert len(listed) == len(set(listed)), "a page is listed twice in mkdocs.yml's nav"


def test_the_site_builds_with_strict_checks_and_draws_the_diagrams(tmp_path: Path):
    result = build(MKDOCS_YML, tmp_path / "site")

    assert result.returncode == 0, result.stderr
    for page in doc_pages():
        built = "index.html" if page == "index.md" else page.removesuffix(".md") + "/index.html"
        assert (tmp_path / "site" / built).is_file(), f"{page} was not built"
    home = (tmp_path / "site/index.html").read_text(encoding="utf-8")
    assert home.count('<pre class="mermaid"><code>flowchart') == 2, "the two architecture diagrams are not drawn"
    assert not (tmp_path / "site/hooks").exists(), "the site's hook is published as a page asset"


def test_broken_links_fail_the_build_and_repository_links_go_to_the_repository(tmp_path: Path):
    """A small site with this site's settings: one page of good and bad links, left out of the nav."""
    config = MKDOCS_YML.read_text(encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(config[: config.index("\nnav:")] + "\nnav:\n  - Home: index.md\n")
    shutil.copytree(DOCS / "hooks", tmp_path / "docs/hooks")
    (tmp_path / "docs/index.md").write_text("# Home\n\n## A heading\n")
    (tmp_path / "copier.yml").write_text("# a repository file outside docs/\n")
    (tmp_path / "docs/links.md").write_text(
        "# Links\n\n"
        "[the questionnaire](../copier.yml), [home](index.md), [a heading](index.md#a-heading)\n\n"
        "[a missing page](nowhere.md), [a missing heading](index.md#no-such-heading), "
        "[a missing repository file](../no-such-file.yml)\n"
    )

    result = build(tmp_path / "mkdocs.yml", tmp_path / "site", MLOPS_FACTORY_REPO_URL="https://github.com/my-org/x")

    assert result.returncode == 1, "strict mode let broken links through"
    reported = "\n".join(line for line in result.stderr.splitlines() if "WARNING" in line or line.startswith("  - "))
    for problem in (
        "a link 'nowhere.md'",
        "an anchor '#no-such-heading'",
        "a link '../no-such-file.yml'",
        "- links.md",
    ):
        assert problem in reported, f"{problem} not reported:\n{result.stderr}"
    assert reported.count("WARNING") == 4, f"a working link was reported:\n{result.stderr}"
    assert 'href="https://github.com/my-org/x/blob/main/copier.yml"' in (tmp_path / "site/links/index.html").read_text()


@pytest.mark.parametrize(
    ("markdown", "repo_url", "expected"),
    [
        ("See [copier.yml](../copier.yml).", None, "See `copier.yml`."),
        ("See [the questions](../copier.yml).", None, "See the questions (`copier.yml` in the repository)."),
        (
            "[setup](../README.md#quick-start)",
            "https://github.com/my-org/mlops-factory/",
            "[setup](https://github.com/my-org/mlops-factory/blob/main/README.md#quick-start)",
        ),
        ("[faq](faq.md) [missing](../nowhere.yml)", None, "[faq](faq.md) [missing](../nowhere.yml)"),
        ("```markdown\n[copier.yml](../copier.yml)\n```\n", None, "```markdown\n[copier.yml](../copier.yml)\n```\n"),
    ],
    ids=["no-repo-url", "other-text", "repo-url-with-anchor", "docs-and-missing-untouched", "code-block"],
)
def test_links_to_repository_files_are_rewritten_for_the_site(markdown, repo_url, expected):
    assert repository_links.rewrite(markdown, "template-sources.md", DOCS, repo_url) == expected
