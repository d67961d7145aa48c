"""Errors reelscore raises on purpose. Each carries a one-line, user-facing message."""
from __future__ import annotations


class ReelscoreError(Exception):
    """Base class: anything the CLI turns into a one-line message and a non-zero exit."""

    exit_code = 1


class InputError(ReelscoreError):
    """The input file cannot be analyzed (missing, empty, not media, undecodable, too large...)."""

    exit_code = 2

    def __init__(self, path: str, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class ModelUnavailableError(ReelscoreError):
    """A model's weights are not present and cannot be fetched (e.g. offline)."""

    exit_code = 3
