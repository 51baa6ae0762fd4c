"""The one error type the factory raises: a sentence for the user, printed by Copier without a traceback."""

from __future__ import annotations

from copier.errors import UserMessageError


class FactoryError(UserMessageError):
    """Bad input or an unreachable source, explained in one sentence naming the field, URL or ref."""
