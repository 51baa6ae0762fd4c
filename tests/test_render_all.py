"""scripts/render_all.py compare: what it reports between two renders (files only, no render)."""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import ROOT, write_files

sys.path.insert(0, str(ROOT / "scripts"))
from render_all import compare  # noqa: E402

ANSWERS = "_commit: 1.0.0\n_src_path: /tmp/render-all-abc/factory\nproject_name: demo\n"


def two_renders(tmp_path: Path) -> tuple[Path, Path]:
    files = {"combo/.copier-answers.yml": ANSWERS, "combo/run.sh": "echo hi\n", "combo/README.md": "# demo\n"}
    before, after = tmp_path / "before", tmp_path / "after"
    write_files(before, files)
    write_files(after, files)
    return before, after


def test_identical_renders_compare_equal_whatever_their_origin(tmp_path):
    before, after = two_renders(tmp_path)
    origin = ANSWERS.replace("1.0.0", "2.0.0-4-gabcdef").replace("render-all-abc", "render-all-xyz")
    (after / "combo/.copier-answers.yml").write_text(origin)
    assert compare(before, after) == []


def test_every_kind_of_difference_is_reported(tmp_path):
    before, after = two_renders(tmp_path)
    (after / "combo/README.md").write_text("# demo\n\n")
    (after / "combo/run.sh").chmod(0o755)
    (after / "combo/.copier-answers.yml").write_text(ANSWERS.replace("demo", "other"))
    (before / "combo/extra.txt").write_text("gone\n")
    (after / "combo/new.txt").write_text("new\n")
    assert compare(before, after) == [
        f"only in {before}: combo/extra.txt",
        f"only in {after}: combo/new.txt",
        "content differs: combo/.copier-answers.yml",
        "content differs: combo/README.md",
        "executable bit differs: combo/run.sh",
    ]
