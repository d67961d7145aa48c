"""Finding and loading engagement model files: the shipped default, a user's named model, or a path."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ...errors import ReelscoreError
from ...paths import bundled, user_models_dir

DEFAULT_MODEL = "engagement_default.json.gz"


def resolve_model_path(model: str | None) -> Path | None:
    """None -> the shipped default; a NAME -> the user's models dir; else a path."""
    if model is None or model == "default":
        return bundled(DEFAULT_MODEL)
    p = Path(model)
    if p.is_file():
        return p
    q = user_models_dir() / f"{model}.json.gz"
    if q.is_file():
        return q
    raise ReelscoreError(f"engagement model {model!r} not found (looked for a file and for {q})")


@lru_cache(maxsize=4)
def load_model(path: str):
    from .model import EngagementModel

    return EngagementModel.load(path)


def personal_models() -> list[Path]:
    d = user_models_dir()
    return sorted(d.glob("*.json.gz")) if d.is_dir() else []
