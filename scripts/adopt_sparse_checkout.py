"""Adopt a project made by the Azure MLOps v2 accelerator's sparse_checkout.sh, so `copier update` works.

Run it in the old project's repository (clean, on its main branch), with Copier installed:

    python <factory checkout>/scripts/adopt_sparse_checkout.py path/to/sparse_checkout.sh \\
        --factory gh:<org>/mlops-factory

It reads the answers the old project was made with (the eight variables of sparse_checkout.sh, and
namespace, postfix, location, private networking and the Azure DevOps service connections of its
config-infra-*.yml), then, on a new branch `adopt-mlops-factory`:

1. commits what the factory generates for those answers (`copier copy --overwrite`), which records
   the answers in .copier-answers.yml;
2. commits your team's own edits on top: every file the team changed since the old script's first
   commit is 3-way merged (old script's version → factory's version, applied to yours); overlapping
   changes get `<<<<<<< before updating` markers; files the team deleted stay deleted;
3. removes, in a third commit, files of the old template that the team never edited and that the
   factory does not generate (--keep-old-files keeps them).

Nothing is pushed and main is not touched: review the branch (`git log -p main..adopt-mlops-factory`),
resolve any markers, and merge it. See docs/migrating-from-sparse-checkout.md.
"""

from __future__ import annotations

import argparse
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "extensions"))
from mlops_factory.axes import AXES  # noqa: E402  (the four choices and their values, named once)

# The eight variables of sparse_checkout.sh; older versions of the script named orchestration cicd_agent.
VARIABLES = (
    "infrastructure_version",
    "project_type",
    "mlops_version",
    "orchestration",
    "git_folder_location",
    "project_name",
    "github_org_name",
    "project_template_github_url",
)
ALIASES = {"cicd_agent": "orchestration"}
# Values of older versions of the script, and what they mean today.
OLD_VALUES = {("project_type", "computer-vision"): "cv", ("mlops_version", "python-sdk"): "python-sdk-v1"}
UPSTREAM_TEMPLATE = re.compile(r"(https://|git@)github\.com[/:]azure/mlops-project-template(\.git)?/?", re.I)
# Files the factory owns outright: their content follows from the answers, never merged with old edits.
FACTORY_OWNED = {".copier-answers.yml", "config-infra-dev.yml", "config-infra-prod.yml"}
MERGE_LABELS = ("before updating", "old template", "after updating")
DEFAULT_BRANCH = "adopt-mlops-factory"


class AdoptError(Exception):
    """A problem the user can act on; its message is one sentence."""


def git(project: Path, *args: str, check: bool = True) -> str:
    result = subprocess.run(["git", *args], cwd=project, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if check and result.returncode:
        reason = (result.stderr.strip().splitlines() or [f"exit code {result.returncode}"])[-1]
        raise AdoptError(f"git {args[0]} failed in {project}: {reason}")
    return result.stdout.strip()


# --- the old answers ----------------------------------------------------------------------------------


def read_script(path: Path) -> dict[str, str]:
    """The variable assignments of sparse_checkout.sh (`name=value  # comment`, `name=${name:-value}`)."""
    if not path.is_file():
        raise AdoptError(f"{path} does not exist: give the sparse_checkout.sh the project was made with")
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        match = re.match(r"\s*(?:export\s+)?([a-z_]+)=(.*)", line)
        if not match or match.group(1) not in (*VARIABLES, *ALIASES):
            continue
        try:
            words = shlex.split(match.group(2), comments=True)
        except ValueError:
            raise AdoptError(f"{path}: cannot read the value of {match.group(1)} in: {line.strip()}") from None
        value = words[0] if words else ""
        default = re.fullmatch(r"\$\{\w+:-(.*)\}", value)
        values[ALIASES.get(match.group(1), match.group(1))] = default.group(1) if default else value
    return values


def read_config(project: Path, environment: str) -> dict[str, str]:
    """The `variables:` of the old config-infra-<environment>.yml (every value a string), or {}."""
    import yaml  # a dependency of Copier

    path = project / f"config-infra-{environment}.yml"
    if not path.is_file():
        return {}
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader) or {}
    except yaml.YAMLError as error:
        raise AdoptError(f"{path.name} is not valid YAML ({error.problem}), so its names cannot be read") from None
    variables = document.get("variables", document) if isinstance(document, dict) else {}
    return (
        {key: value for key, value in variables.items() if isinstance(value, str)}
        if isinstance(variables, dict)
        else {}
    )


def azure_answers(project: Path, overrides: dict[str, str | None]) -> dict[str, object]:
    """namespace, postfix and location (the same in dev and prod), private networking, service connections."""
    configs = {environment: read_config(project, environment) for environment in ("dev", "prod")}
    answers: dict[str, object] = {}
    for key in ("namespace", "postfix", "location"):
        if overrides.get(key):
            answers[key] = str(overrides[key])
            continue
        found = {environment: config[key] for environment, config in configs.items() if config.get(key)}
        if not found:
            raise AdoptError(
                f"neither config-infra-dev.yml nor config-infra-prod.yml has a {key}: pass --{key} with the value "
                "your deployed resource names use"
            )
        if len(set(found.values())) > 1:
            raise AdoptError(
                f"config-infra-dev.yml and config-infra-prod.yml have different {key}s ({found['dev']} and "
                f"{found['prod']}), and the factory uses one for both: pass --{key} to choose (the other "
                "environment's resources then get new names)"
            )
        answers[key] = next(iter(found.values()))
    secure = {config.get("enable_aml_secure_workspace", "").lower() for config in configs.values()} - {""}
    if secure:
        answers["private_networking"] = "true" in secure
    for environment, config in configs.items():
        if config.get("environment", environment) != environment:
            raise AdoptError(
                f"config-infra-{environment}.yml names its environment '{config['environment']}', but the factory "
                f"names the environments dev and prod, so every resource name would change"
            )
        connection = config.get("ado_service_connection_rg") or config.get("ado_service_connection_aml_ws")
        if connection:
            answers[f"ado_service_connection_{environment}"] = connection
    return answers


def factory_answers(script: dict[str, str], project: Path, args: argparse.Namespace) -> tuple[dict[str, object], list]:
    """The answers for `copier copy --data-file`, and notes on what was translated."""
    notes: list[str] = []
    missing = [name for name in VARIABLES if name not in script and name != "git_folder_location"]
    if missing:
        raise AdoptError(f"{args.script} does not set {', '.join(missing)}: add the values the project was made with")
    answers: dict[str, object] = {}
    for name, allowed in AXES.items():
        value = script[name]
        if (name, value) in OLD_VALUES:
            notes.append(f"{name}={value} is called {OLD_VALUES[name, value]} now")
            value = OLD_VALUES[name, value]
        if value not in allowed:
            raise AdoptError(f"{name}={value} in {args.script} is not one of {', '.join(allowed)}")
        answers[name] = value
    answers["project_name"] = script["project_name"].lower()
    if answers["project_name"] != script["project_name"]:
        notes.append(f"project_name {script['project_name']} becomes {answers['project_name']} (lowercase)")
    if answers["orchestration"] == "github-actions":
        answers["github_org_name"] = script["github_org_name"]
    url = script["project_template_github_url"]
    if args.source_ref:
        answers["project_template_github_url"] = url
        answers["project_template_ref"] = args.source_ref
    elif UPSTREAM_TEMPLATE.fullmatch(url) or args.builtin:
        answers["project_template_github_url"] = "builtin"
        if not UPSTREAM_TEMPLATE.fullmatch(url):
            notes.append(f"your fork {url} is replaced by the factory's built-in subtrees (--builtin)")
    else:
        raise AdoptError(
            f"the project was made from your fork {url}: pass --source-ref <tag or full commit SHA of the fork> "
            "to keep generating from it, or --builtin to move to the factory's own subtrees"
        )
    answers.update(azure_answers(project, {key: getattr(args, key) for key in ("namespace", "postfix", "location")}))
    return answers, notes


# --- the adoption ---------------------------------------------------------------------------------------


def check_project(project: Path, branch: str) -> str:
    """The commit to adopt from; refuses a project that is not a clean git work tree on a branch."""
    top = git(project, "rev-parse", "--show-toplevel", check=False)
    if not top or Path(top).resolve() != project.resolve():
        raise AdoptError(f"{project} is not the root of a git repository: run this in the old project's root")
    if (project / ".copier-answers.yml").exists():
        raise AdoptError("the project already has .copier-answers.yml: it is adopted, update it with copier update")
    if git(project, "status", "--porcelain"):
        raise AdoptError("the work tree has uncommitted changes: commit or stash them first")
    if git(project, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}", check=False):
        raise AdoptError(f"a branch {branch} exists already: delete it or pass --branch <another name>")
    return git(project, "rev-parse", "HEAD")


def changed_since(project: Path, base: str, head: str, kinds: str) -> set[str]:
    return set(git(project, "diff", "--name-only", "--no-renames", f"--diff-filter={kinds}", base, head).splitlines())


def show(project: Path, commit: str, path: str) -> bytes | None:
    result = subprocess.run(["git", "show", f"{commit}:{path}"], cwd=project, capture_output=True)
    return result.stdout if result.returncode == 0 else None


def merge_edit(project: Path, path: str, base: bytes | None, ours: bytes, theirs: bytes) -> bool:
    """Write base → theirs applied to ours into `path`; True when it left conflict markers."""
    with tempfile.TemporaryDirectory() as folder:
        files = [Path(folder, name) for name in ("ours", "base", "theirs")]
        for file, content in zip(files, (ours, base or b"", theirs), strict=True):
            file.write_bytes(content)
        labels = [item for label in MERGE_LABELS for item in ("-L", label)]
        result = subprocess.run(["git", "merge-file", "-p", *labels, *map(str, files)], capture_output=True)
    if result.returncode < 0 or b"\0" in ours:  # binary or failed: keep the team's file as it is
        (project / path).write_bytes(ours)
        return False
    (project / path).write_bytes(result.stdout)
    return result.returncode > 0


def commit(project: Path, message: str) -> bool:
    git(project, "add", "--all")
    if not git(project, "status", "--porcelain"):
        return False
    git(project, "commit", "--quiet", "--no-verify", "-m", message)
    return True


def render(folder: Path, answers: dict[str, object], args: argparse.Namespace) -> set[str]:
    """Render the factory for `answers` into `folder`/project; the relative paths of its files."""
    import yaml

    data_file = folder / "answers.yml"
    data_file.write_text(yaml.safe_dump(answers, sort_keys=False), encoding="utf-8")
    command = [sys.executable, "-m", "copier", "copy", "--trust", "--defaults", "--skip-tasks", "--quiet"]
    command += ["--data-file", str(data_file), *(["--vcs-ref", args.vcs_ref] if args.vcs_ref else [])]
    result = subprocess.run(
        [*command, args.factory, str(folder / "project")], capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    if result.returncode:
        sys.stderr.write(result.stdout + result.stderr)
        reason = (result.stderr.strip().splitlines() or ["no reason given"])[-1]
        raise AdoptError(f"copier copy from {args.factory} failed, so nothing was changed: {reason}")
    root = folder / "project"
    return {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file() or path.is_symlink()}


def adopt(project: Path, answers: dict[str, object], args: argparse.Namespace) -> None:
    import yaml

    start = check_project(project, args.branch)
    base = args.base_commit or git(project, "rev-list", "--max-parents=0", "HEAD").splitlines()[0]
    edited = changed_since(project, base, start, "AMT") - FACTORY_OWNED
    deleted = changed_since(project, base, start, "D")

    with tempfile.TemporaryDirectory() as folder:
        rendered = render(Path(folder), answers, args)
        git(project, "switch", "--quiet", "-c", args.branch)
        for path in rendered:
            target = project / path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(folder, "project", path), target)
            shutil.copymode(Path(folder, "project", path), target)
    version = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8")).get("_commit", "")
    commit(project, f"Adopt mlops-factory {version}: the factory's files for this project's answers")

    conflicts = []
    kept = sorted(edited & rendered)
    for path in kept:
        ours = show(project, start, path)
        if ours is not None and merge_edit(
            project, path, show(project, base, path), ours, (project / path).read_bytes()
        ):
            conflicts.append(path)
    for path in sorted(deleted & rendered - FACTORY_OWNED):
        (project / path).unlink()
    commit(project, "Keep our own edits on top of the factory's files")

    old_files = set(git(project, "ls-tree", "-r", "--name-only", base).splitlines())
    leftovers = sorted((old_files & set(git(project, "ls-files").splitlines())) - rendered - edited - FACTORY_OWNED)
    if leftovers and not args.keep_old_files:
        git(project, "rm", "--quiet", "--", *leftovers)
        commit(project, "Remove files of the old template that the factory replaces")

    print(f"Adopted on branch {args.branch} with mlops-factory {version}; main is unchanged.")
    print("Answers: " + ", ".join(f"{key}={value}" for key, value in answers.items()))
    if kept:
        print(f"Your edits merged into the factory's version ({len(kept)}): " + ", ".join(kept))
    if conflicts:
        print(f"Conflicts to resolve ({len(conflicts)}), marked <<<<<<< before updating: " + ", ".join(conflicts))
    if leftovers:
        verb = "kept (--keep-old-files)" if args.keep_old_files else "removed in the last commit"
        print(f"Old template files the factory does not generate, {verb}: " + ", ".join(leftovers))
    print(f"Next: review with `git log -p {start[:12]}..{args.branch}`, resolve any markers, merge the branch.")


# --- command line ---------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Adopt a project made by sparse_checkout.sh so that `copier update` works from then on.",
        epilog="Run it in the old project's root. Details: docs/migrating-from-sparse-checkout.md",
    )
    parser.add_argument("script", type=Path, help="the sparse_checkout.sh the project was made with")
    parser.add_argument(
        "--factory",
        required=True,
        help="the factory as `copier update` will find it later: gh:<org>/mlops-factory, a git URL or an absolute path",
    )
    parser.add_argument("--vcs-ref", help="factory release to adopt (default: the newest)")
    parser.add_argument("--project", type=Path, default=Path("."), help="the old project's root (default: .)")
    parser.add_argument("--namespace", help="override the namespace read from config-infra-*.yml")
    parser.add_argument("--postfix", help="override the postfix read from config-infra-*.yml")
    parser.add_argument("--location", help="override the location read from config-infra-*.yml")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--source-ref", help="keep generating from your fork, at this tag or full commit SHA")
    source.add_argument("--builtin", action="store_true", help="move from your fork to the factory's own subtrees")
    parser.add_argument("--branch", default=DEFAULT_BRANCH, help=f"branch to adopt on (default: {DEFAULT_BRANCH})")
    parser.add_argument(
        "--base-commit",
        help="the commit holding the old script's untouched output (default: the repository's first commit)",
    )
    parser.add_argument("--keep-old-files", action="store_true", help="keep old template files the factory replaces")
    parser.add_argument(
        "--answers-only",
        type=Path,
        metavar="FILE",
        help="only write the answers to FILE (for `copier copy --data-file FILE`) and change nothing",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    project = args.project.resolve()
    try:
        try:
            import copier  # noqa: F401
            import yaml
        except ImportError:
            raise AdoptError("Copier is not installed in this Python: pip install -r requirements.txt") from None
        answers, notes = factory_answers(read_script(args.script), project, args)
        for note in notes:
            print(f"Note: {note}.")
        if args.answers_only:
            args.answers_only.write_text(yaml.safe_dump(answers, sort_keys=False), encoding="utf-8")
            print(f"Wrote the answers to {args.answers_only}.")
            return 0
        adopt(project, answers, args)
        return 0
    except AdoptError as error:
        print(f"adopt_sparse_checkout: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
