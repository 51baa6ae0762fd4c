"""After `copier copy`: a git repository on main with one commit, pushed when remote_url is given."""

from __future__ import annotations

from conftest import cli, git


def test_a_new_project_is_committed_on_main(copier, tmp_path):
    project = copier.copy(tmp_path / "project").path
    assert git(project, "branch", "--show-current") == "main"
    assert git(project, "log", "--format=%s") == "Generate project with mlops-factory"
    assert git(project, "status", "--porcelain") == ""


def test_main_is_pushed_to_remote_url(copier_template, tmp_path):
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", str(remote))
    result = cli(
        "copy",
        "--trust",
        "--defaults",
        "--quiet",
        f"--data=remote_url=file://{remote}",
        str(copier_template),
        str(tmp_path / "project"),
    )
    assert result.returncode == 0, result.stderr
    assert git(remote, "log", "--format=%s", "main") == "Generate project with mlops-factory"
    assert git(tmp_path / "project", "remote", "get-url", "origin") == f"file://{remote}"


def test_a_failed_push_is_reported_and_the_project_kept(copier_template, tmp_path):
    missing = tmp_path / "no-such-remote.git"
    result = cli(
        "copy",
        "--trust",
        "--defaults",
        "--quiet",
        f"--data=remote_url=file://{missing}",
        str(copier_template),
        str(tmp_path / "project"),
    )
    assert result.returncode == 0, result.stderr
    assert f"Could not push main to file://{missing}" in result.stderr
    assert "push it later with: git push -u origin main" in result.stderr
    assert git(tmp_path / "project", "log", "--format=%s") == "Generate project with mlops-factory"
