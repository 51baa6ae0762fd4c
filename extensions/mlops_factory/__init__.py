"""mlops-factory's extension code: answers, Azure names, template sources, staging."""

from . import (
    answers,
    axes,
    cache,
    destination,
    errors,
    git,
    manifest,
    naming,
    regions,
    resume,
    sandbox,
    sources,
    staging,
    tree,
)

__all__ = [
    "answers",
    "axes",
    "cache",
    "destination",
    "errors",
    "git",
    "manifest",
    "naming",
    "regions",
    "resume",
    "sandbox",
    "sources",
    "staging",
    "tree",
]
