"""The one exception bootstrap and preflight stop with: a sentence for the user, never a traceback."""


class SetupError(Exception):
    """A problem the user can fix; its message is one sentence that names what to change."""
