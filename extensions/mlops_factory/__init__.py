"""mlops-factory's extension code: answers, Azure names, template sources, staging."""

from . import (
    answers,
    axes,
    cache,
    ci_expectations,
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
    "ci_expectations",
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
