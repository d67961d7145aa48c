"""Where reelscore keeps files: the user data dir (personal models, trends, history) and the
package's bundled resources. The ground floor: imports nothing from the package."""
from __future__ import annotations

import os
from importlib import resources
from pathlib import Path


def data_dir() -> Path:
    """User data: `REELSCORE_DATA_DIR`, else the platform's user data dir."""
    from platformdirs import user_data_dir

    return Path(os.environ.get("REELSCORE_DATA_DIR") or user_data_dir("reelscore"))


def user_models_dir() -> Path:
    """Models a user trained or placed (personal engagement models, NIMA-AVA checkpoints)."""
    return data_dir() / "models"


def bundled(name: str) -> Path | None:
    """A file shipped in `reelscore/resources`, or None."""
    ref = resources.files("reelscore.resources").joinpath(name)
    return Path(str(ref)) if ref.is_file() else None
