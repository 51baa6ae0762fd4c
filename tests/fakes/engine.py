"""The machinery every fake executable shares: state, call log, control switches, option parsing."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

RECORDED_ENV_PREFIXES = ("AZURE_", "ARM_", "GITHUB_", "GH_", "ACTIONS_ID_TOKEN_", "SYSTEM_", "AZURE_DEVOPS_")
EXPIRED_LOGIN = (
    "ERROR: AADSTS700024: Client assertion is not within its valid time range. Current time: 2026-11-02T10:12:44Z, "
    "assertion valid from 2026-11-02T08:58:03Z, expiry time of assertion 2026-11-02T09:08:03Z.\n"
    "Please run 'az login' to setup account.\n"
)


class Answer(Exception):
    """Raised by a handler to finish the call with this exit code, standard output and standard error."""

    def __init__(self, exit_code: int = 0, stdout: Any = None, stderr: str = "", changed: bool = False) -> None:
        super().__init__(stderr)
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr
        self.changed = changed


def not_found(what: str) -> Answer:
    return Answer(3, stderr=f"ERROR: (ResourceNotFound) The Resource '{what}' was not found.\nCode: ResourceNotFound\n")


def bad_request(message: str) -> Answer:
    return Answer(1, stderr=f"ERROR: {message}\n")


def done(stdout: Any = None, changed: bool = False) -> Answer:
    return Answer(0, stdout, changed=changed)


class Call:
    """One invocation: the command words and its options, as a handler reads them."""

    def __init__(self, tool: str, argv: list[str], stdin: str, single_valued: frozenset[str] = frozenset()) -> None:
        """Words are the tokens before and between options; options keep their values. An option of
        `single_valued` takes one value (gh's style, with positional words after it); any other takes all
        values up to the next option (az's style: --tags a=1 b=2)."""
        self.tool = tool
        self.argv = argv
        self.stdin = stdin
        self.words: list[str] = []
        self.options: dict[str, list[str]] = {}
        current = None
        for token in argv:
            if token.startswith("-") and len(token) > 1 and not _is_number(token):
                current = token
                self.options.setdefault(current, [])
            elif current is not None and not (current in single_valued and self.options[current]):
                self.options[current].append(token)
            else:
                self.words.append(token)

    def get(self, *names: str, default: str | None = None) -> str | None:
        for name in names:
            values = self.options.get(name)
            if values:
                return values[-1]
        return default

    def need(self, *names: str) -> str:
        value = self.get(*names)
        if value is None:
            raise bad_request(f"the following arguments are required: {names[0]}")
        return value

    def all(self, name: str) -> list[str]:
        return list(self.options.get(name, []))

    def has(self, name: str) -> bool:
        return name in self.options


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


class Fake:
    """One run of a fake executable: loads the state and control files, answers, saves, logs."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.state_path = home / "state.json"
        self.control_path = home / "control.json"
        self.log_path = home / "calls.jsonl"
        self.state: dict[str, Any] = json.loads(self.state_path.read_text()) if self.state_path.exists() else {}
        self.control: dict[str, Any] = json.loads(self.control_path.read_text()) if self.control_path.exists() else {}

    def save(self) -> None:
        self.state_path.write_text(json.dumps(self.state, indent=1, sort_keys=True))
        self.control_path.write_text(json.dumps(self.control, indent=1, sort_keys=True))

    def log(self, call: Call, answer: Answer) -> None:
        environment = {}
        for name, value in sorted(os.environ.items()):
            if name.startswith(RECORDED_ENV_PREFIXES) and not name.startswith("FAKE_CLI"):
                environment[name] = "<set>" if "TOKEN" in name or "SECRET" in name else value
        entry = {
            "tool": call.tool,
            "argv": masked(call.argv),
            "env": environment,
            "cwd": os.getcwd(),
            "stdin": call.stdin,
            "exit": answer.exit_code,
            "changed": answer.changed,
        }
        with self.log_path.open("a") as log:
            log.write(json.dumps(entry) + "\n")

    def switches(self, call: Call) -> Answer | None:
        """The control file's say on this call, before the model answers it."""
        counts = self.control.setdefault("counts", {})
        counts[call.tool] = counts.get(call.tool, 0) + 1
        if call.tool == "az":
            login = self.control.get("login_expires_after")
            if call.words[:1] == ["login"]:
                self.control["calls_since_login"] = 0
            elif login is not None:
                self.control["calls_since_login"] = self.control.get("calls_since_login", 0) + 1
                if self.control["calls_since_login"] > login:
                    return Answer(1, stderr=EXPIRED_LOGIN)
        for rule in self.control.get("fail", []):
            if _matches(rule["match"], call.argv):
                rule["seen"] = rule.get("seen", 0) + 1
                if rule["seen"] == rule.get("occurrence", rule["seen"]):
                    return Answer(
                        rule.get("exit", 1), stderr=rule.get("stderr", "ERROR: (InternalError) injected failure\n")
                    )
        for rule in self.control.get("script", []):
            if _matches(rule["match"], call.argv) and rule.get("times", 1) != 0:
                rule["times"] = rule.get("times", 1) - 1
                return Answer(
                    rule.get("exit", 0), rule.get("stdout"), rule.get("stderr", ""), rule.get("changed", False)
                )
        for rule in self.control.get("recorded", []):
            if _matches(rule["match"], call.argv):
                return Answer(rule.get("exit", 0), rule.get("stdout"), rule.get("stderr", ""))
        return None


SECRET_OPTIONS = ("--federated-token", "--password", "-p")


def masked(argv: list[str]) -> list[str]:
    """`argv` with the values of options that carry a token or a secret replaced by "<set>"."""
    return ["<set>" if index and argv[index - 1] in SECRET_OPTIONS else token for index, token in enumerate(argv)]


def query(data: Any, expression: str) -> Any:
    """The part of `data` that az's --query selects, for the expressions the project's scripts use: a dotted
    path (`services.Studio.endpoint`) or `length(@)`."""
    if expression == "length(@)":
        return len(data)
    for key in expression.split("."):
        data = data.get(key) if isinstance(data, dict) else None
    return data


def formatted(call: Call, stdout: Any) -> Any:
    """Standard output as az prints it with the call's --query and --output (json, tsv or none)."""
    if isinstance(stdout, str) or stdout is None:
        return stdout
    if call.get("--query"):
        stdout = query(stdout, call.get("--query"))
    output = call.get("--output", "-o", default="json")
    if output == "none":
        return None
    if output == "tsv":
        values = stdout if isinstance(stdout, list) else [stdout]
        return "\n".join("" if value is None else str(value) for value in values)
    return stdout


def _matches(pattern: list[str], argv: list[str]) -> bool:
    """Whether every token of `pattern` appears in `argv`, in this order ("~text": a token containing text)."""
    position = 0
    for token in pattern:
        for index in range(position, len(argv)):
            if argv[index] == token or (token.startswith("~") and token[1:] in argv[index]):
                position = index + 1
                break
        else:
            return False
    return True


def run(tool: str, argv: list[str], handlers, single_valued: frozenset[str] = frozenset()) -> int:
    """Answer one call of `tool` with `handlers(fake, call)`; the process's exit code."""
    home = Path(os.environ["FAKE_CLI_HOME"])
    stdin = "" if sys.stdin is None or sys.stdin.isatty() else _read_stdin()
    fake = Fake(home)
    call = Call(tool, argv, stdin, single_valued)
    answer = fake.switches(call)
    if answer is None:
        try:
            handlers(fake, call)
            answer = Answer(2, stderr=f"fake {tool}: no handler for {' '.join(argv)}\n")
        except Answer as given:
            answer = given
        except Exception as error:  # a bug of the fake must not look like an answer of Azure
            answer = Answer(2, stderr=f"fake {tool}: crashed on {' '.join(argv)}: {error!r}\n")
    fake.save()
    fake.log(call, answer)
    if answer.exit_code == 0:
        answer.stdout = formatted(call, answer.stdout)
    if answer.stdout is not None:
        sys.stdout.write(answer.stdout if isinstance(answer.stdout, str) else json.dumps(answer.stdout, indent=2))
        sys.stdout.write("\n")
    sys.stderr.write(answer.stderr)
    return answer.exit_code


def _read_stdin() -> str:
    try:
        return sys.stdin.read()
    except OSError:
        return ""
