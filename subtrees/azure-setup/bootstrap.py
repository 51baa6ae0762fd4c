"""Set up Azure and the CI of this project once: the identities CI signs in as, what they may do, and the
CI settings that use them. Run it again at any time: it changes only what differs from the design.

    python infrastructure/bootstrap.py --dev-subscription <id> --prod-subscription <id> [--dry-run]

Needs the Azure CLI signed in (`az login`) as someone who may create resource groups, managed identities
and role assignments in both subscriptions (Owner, or Contributor with Role Based Access Control
Administrator), and
- GitHub: the GitHub CLI signed in (`gh auth login`) as an administrator of the repository (bootstrap creates
  it, private and empty, when it does not exist: push after bootstrap, so that the first runs find their
  identities);
- Azure DevOps: the azure-devops extension (`az extension add --name azure-devops`) and a project
  administrator's sign-in, and the project pushed to its Azure Repos repository first (the pipelines are made
  from the pushed YAML files; the push of azure-setup.json then starts the infrastructure pipeline).

What it creates is described in azure_setup/design.py; infrastructure/azure-setup.json records it for
preflight.py. No secret is created or stored anywhere.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from azure_setup.azure import AzureSetup, signed_in_account, subscription  # noqa: E402
from azure_setup.commands import Runner  # noqa: E402
from azure_setup.design import design  # noqa: E402
from azure_setup.devops import set_up_devops  # noqa: E402
from azure_setup.errors import SetupError  # noqa: E402
from azure_setup.github import set_up_github  # noqa: E402
from azure_setup.project import ENVIRONMENTS, load_project, repository  # noqa: E402
from azure_setup.record import write_record  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python infrastructure/bootstrap.py",
        description=(
            "Create the CI identities of this project (a deploy identity per environment, a read-only one for "
            "pull requests), their federated credentials and least-privilege roles, the Terraform state storage, "
            "and the CI side: GitHub environments, reviewers and variables, or Azure DevOps service connections, "
            "environments, checks, pipelines and branch policies. Idempotent: a second run changes nothing."
        ),
    )
    parser.add_argument("--dev-subscription", help="subscription id of dev (default: the signed-in subscription)")
    parser.add_argument("--prod-subscription", help="subscription id of prod (default: the one of dev)")
    parser.add_argument("--dry-run", action="store_true", help="print every call, make no change")
    parser.add_argument("--skip-ci", action="store_true", help="set up Azure only, not GitHub or Azure DevOps")
    github = parser.add_argument_group("GitHub")
    github.add_argument("--repo", help="owner/name of the repository (default: from the answers)")
    github.add_argument(
        "--prod-reviewer",
        action="append",
        default=[],
        metavar="LOGIN",
        help="required reviewer of prod: a user login or org/team-slug; repeat for more (default: you)",
    )
    devops = parser.add_argument_group("Azure DevOps")
    devops.add_argument("--organization", help="organization name, as in https://dev.azure.com/<name>")
    devops.add_argument("--project", help="Azure DevOps project (default: the project name)")
    devops.add_argument("--repository", help="repository in Azure Repos (default: the project name)")
    devops.add_argument(
        "--prod-approver",
        action="append",
        default=[],
        metavar="EMAIL",
        help="approver of the prod environment; repeat for more (default: you)",
    )
    parser.add_argument("--project-dir", type=Path, default=PROJECT_ROOT, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def run(arguments: argparse.Namespace, runner: Runner) -> int:
    project = load_project(arguments.project_dir)
    if arguments.repo and "/" not in arguments.repo:
        raise SetupError(f"--repo {arguments.repo}: give it as owner/name")
    owner, name = arguments.repo.split("/", 1) if arguments.repo else (arguments.organization, arguments.repository)
    repo = repository(project, owner, name, arguments.project)
    account = signed_in_account(runner)
    dev_id = arguments.dev_subscription or account.get("id", "")
    ids = {"dev": dev_id, "prod": arguments.prod_subscription or dev_id}
    subscriptions = {env: subscription(runner, ids[env]) for env in ENVIRONMENTS}
    tenants = {env: subscriptions[env]["tenantId"] for env in ENVIRONMENTS}
    plan = design(project, repo, ids, tenants)
    for note in plan.notes:
        print(f"note: {note}")

    print(f"Azure: identities, roles and state storage for dev ({ids['dev']}) and prod ({ids['prod']})")
    azure = AzureSetup(runner, project.environments, plan, ids)
    trusts = [trust for trust in plan.trusts if trust.subject]
    try:
        principals = azure.run()
        if not arguments.skip_ci and project.on_github:
            print(f"GitHub: environments, reviewers and variables of {repo.slug}")
            set_up_github(runner, repo, plan, principals, ids, tenants, arguments.prod_reviewer)
        elif not arguments.skip_ci:
            print(f"Azure DevOps: connections, environments, checks and pipelines of {repo.project}")
            devops_trusts = set_up_devops(
                runner, project, repo, plan, principals, subscriptions, arguments.prod_approver
            )
            azure.add_service_connection_trusts(devops_trusts)
            trusts += devops_trusts
    except SetupError:
        with contextlib.suppress(SetupError):
            azure.finish()
        raise
    azure.finish()

    if runner.dry_run:
        print(f"Dry run: {len(runner.changes)} change(s) printed above, none made.")
        return 0
    record = {
        "subscriptions": ids,
        "tenants": tenants,
        "repository": repo.slug if project.on_github else f"{repo.organization_url}/{repo.project}/{repo.name}",
        "identities": {
            key: {
                "name": identity.name,
                "resource_group": identity.resource_group,
                "subscription": ids[identity.environment],
                "client_id": principals[key].client_id,
                "principal_id": principals[key].principal_id,
            }
            for key, identity in plan.identities.items()
        },
        "trusts": [
            {"identity": trust.identity, "name": trust.name, "issuer": trust.issuer, "subject": trust.subject}
            for trust in trusts
        ],
    }
    path = write_record(project.root, record)
    if runner.changes:
        print(f"Done: {len(runner.changes)} change(s). {path.relative_to(project.root).as_posix()} records the set-up.")
    else:
        print("Nothing to change: Azure and the CI match the design.")
    if project.on_github:
        print(
            "Next: python infrastructure/preflight.py, then push to main: the infrastructure workflow deploys dev, "
            "then prod after its approval, and the training workflow follows."
        )
    else:
        print(
            "Next: python infrastructure/preflight.py, then commit infrastructure/azure-setup.json and push to main: "
            "the infrastructure pipeline deploys dev, then prod after its approval, and the training pipeline follows."
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    try:
        return run(arguments, Runner(dry_run=arguments.dry_run))
    except SetupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: run bootstrap.py again, it continues where it stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
