"""A model of what Azure checks, for tests of generated projects: built-in role definitions as data
(built_in_roles.json), an evaluator of role assignments with their conditions (rbac.py), the jobs of the
CI workflows and pipelines with the identity each runs as (ci_jobs.py), and the Azure operations each
job performs (operations.py)."""
