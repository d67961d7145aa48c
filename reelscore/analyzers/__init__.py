"""Signal analyzers. Each module defines one `Analyzer` subclass and registers it.

`all_analyzers()` imports the modules listed in `MODULES`; heavy dependencies are imported inside
`compute`/`available`, so a missing optional package breaks only its own analyzer.
"""
from __future__ import annotations

import importlib

from ..errors import OptionError
from .base import REGISTRY, Analyzer, Context, register

MODULES = ("format", "exposure", "sharpness", "color", "motion", "cuts", "hook", "faces", "ocr",
           "audio", "loop", "quality", "aesthetics", "technical", "caption", "vivit", "continuity")


def all_analyzer_names() -> list[str]:
    """Names of every registered analyzer (importing the modules registers them), in order."""
    for m in MODULES:
        importlib.import_module(f"{__name__}.{m}")
    return list(REGISTRY)


def all_analyzers(names: tuple[str, ...] | None = None) -> list[Analyzer]:
    """Fresh instances of the registered analyzers (all, or those named), in a stable order."""
    all_analyzer_names()
    if names:
        unknown = set(names) - set(REGISTRY)
        if unknown:
            raise OptionError(f"--analyzers: unknown analyzer(s) {', '.join(sorted(unknown))}; known: {', '.join(REGISTRY)}")
    return [REGISTRY[n]() for n in REGISTRY if not names or n in names]


__all__ = ["Analyzer", "Context", "register", "REGISTRY", "all_analyzers", "all_analyzer_names"]
