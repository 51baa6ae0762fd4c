"""Listing a template source on disk: what the built-in source can build is decided from this listing."""

from __future__ import annotations

import os
from pathlib import Path

from mlops_factory.sources import BuiltinSource
from mlops_factory.tree import scan_directory


def test_lists_files_and_symlinks_without_following_linked_folders(tmp_path: Path) -> None:
    (tmp_path / "classical/aml-cli-v2/data-science/src").mkdir(parents=True)
    (tmp_path / "classical/aml-cli-v2/data-science/src/train.py").write_text("print('train')\n")
    (tmp_path / "classical/common").mkdir()
    (tmp_path / "README.md").write_text("source\n")
    os.symlink("../README.md", tmp_path / "classical/README.md")
    os.symlink("aml-cli-v2", tmp_path / "classical/linked")

    tree = scan_directory(tmp_path)

    assert tree.files == {
        "README.md",
        "classical/README.md",
        "classical/linked",
        "classical/aml-cli-v2/data-science/src/train.py",
    }
    assert tree.symlinks == {"classical/README.md": "../README.md", "classical/linked": "aml-cli-v2"}
    assert tree.contains("classical/aml-cli-v2/data-science")
    assert not tree.contains("classical/common")  # an empty folder provides nothing
    assert tree.escaping_symlink(["classical"]) == ("classical/README.md", "../README.md", "classical")


def test_the_built_in_source_lists_every_file_under_subtrees() -> None:
    root = Path(__file__).resolve().parent.parent / "subtrees"
    on_disk = {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()}

    assert BuiltinSource(root).tree.files == on_disk
