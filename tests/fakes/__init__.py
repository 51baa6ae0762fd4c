"""Fake `az` and `gh` executables for tests of the scripts a generated project runs against Azure and GitHub.

The fixture in fakes/fixture.py puts two small executables named `az` and `gh` on PATH. Every call:

1. is appended to a JSONL log: the argv, the environment variables that matter (AZURE_*, ARM_*, GITHUB_*,
   GH_*, ACTIONS_ID_TOKEN_*, SYSTEM_*; token values are replaced by "<set>"), the working directory, the
   input and the exit code, and whether it changed something;
2. goes through the switches of the control file: a login that expires after N calls (AADSTS700024,
   until `az login` again), a failure at a chosen call, scripted answers (for example a job that is
   Running twice, then Completed), recorded answers of read-only commands (fixture files in
   fakes/recorded/);
3. is answered by a small model of Azure, GitHub and Azure DevOps kept in a JSON state file, so that
   "create" then "show" agree and a second run of a script sees what the first one created. `az ml` and
   `az monitor metrics` are modelled in fakes/azure_ml.py (endpoints, deployments, traffic, batch jobs,
   endpoint metrics); fakes/ml_client.py is the same model as an in-process azure-ai-ml MLClient.

A command the model does not know fails with exit code 2 and "fake az: no handler for ...", so a test
never passes because a call went unanswered.
"""
