"""One-time Azure and CI set-up of this project (bootstrap.py) and the checks before a first run (preflight.py).

Plain Python 3.10+, standard library only, so it runs wherever the team's `az` and `gh` run, Windows
included. The modules:

- project:  what the project's rendered files say (config-infra-*.yml, .copier-answers.yml, infrastructure code)
- design:   the CI identities, the subjects they trust and the roles they hold, as data
- commands: finding and running `az` / `gh`, printing every call with --dry-run
- azure:    identities, federated credentials, role assignments, Terraform state storage
- github:   GitHub environments, required reviewers, variables
- devops:   Azure DevOps service connections, environments, checks, pipelines, branch policies
- record:   azure-setup.json, what bootstrap set up, read by preflight
"""
