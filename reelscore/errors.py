"""Errors reelscore raises on purpose. Each carries a one-line, user-facing message."""
from __future__ import annotations

import os


def display(path) -> str:
    """A path as one printable line: undecodable bytes and control characters escaped."""
    s = os.fsdecode(path) if isinstance(path, (bytes, os.PathLike)) else str(path)
    try:
        b = s.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # lone surrogates outside the escape range
        b = s.encode("utf-8", "backslashreplace")
    s = b.decode("utf-8", "backslashreplace")
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in s)


class ReelscoreError(Exception):
    """Base class: anything the CLI turns into a one-line message and a non-zero exit."""

    exit_code = 1


class InputError(ReelscoreError):
    """The input file cannot be analyzed (missing, empty, not media, undecodable, too large...)."""

    exit_code = 2

    def __init__(self, path: str, problem: str):
        self.path = display(path)
        self.problem = display(problem)
        super().__init__(f"{self.path}: {self.problem}")


class ModelUnavailableError(ReelscoreError):
    """A model's weights are not present and cannot be fetched (e.g. offline)."""

    exit_code = 3


class OptionError(ReelscoreError):
    """An option or argument has an invalid value (names the option and what is allowed)."""

    exit_code = 2
