"""Finding and loading engagement model files: the shipped default, a user's named model, or a path."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ...errors import OptionError, display
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
    raise OptionError(f"--model {display(model)}: engagement model not found (looked for a file and for {display(q)})")


def load_model(path: str):
    """The model in `path` (cached per file version); OptionError when it is not a reelscore model."""
    p = Path(path)
    try:
        st = p.stat()
    except OSError as e:
        raise OptionError(f"--model {display(path)}: cannot be read ({e.strerror})") from None
    return _load(str(p), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=4)
def _load(path: str, _mtime: int, _size: int):
    from .model import EngagementModel

    try:
        return EngagementModel.load(path)
    except Exception as e:  # not gzip, not JSON, wrong layout, damaged trees
        raise OptionError(f"--model {display(path)}: not a reelscore engagement model ({type(e).__name__})") from None


def personal_models() -> list[Path]:
    d = user_models_dir()
    return sorted(d.glob("*.json.gz")) if d.is_dir() else []


POST_EFFECT_MODEL = "post_effect_default.json.gz"


def load_post_effect(path: str | None = None):
    """The within-creator post-effect model (shipped default, or `path`); None when absent."""
    p = Path(path) if path else bundled(POST_EFFECT_MODEL)
    if p is None or not p.is_file():
        return None
    st = p.stat()
    return _load_post_effect(str(p), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=2)
def _load_post_effect(path: str, _mtime: int, _size: int):
    from .post_effect import PostEffectModel

    try:
        return PostEffectModel.load(path)
    except Exception as e:  # noqa: BLE001
        raise OptionError(f"{display(path)}: not a reelscore post-effect model ({type(e).__name__})") from None
