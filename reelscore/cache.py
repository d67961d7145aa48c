"""Per-video signal cache: one JSON file per (video content, analyzer version, settings).

A video is keyed by its size and the SHA-256 of its first and last 4 MiB, so renames and copies hit
the cache and edits miss it. Writes are atomic (temp file + rename): a crash never corrupts or
loses earlier results.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from .errors import OptionError
from .schema import Signal

CHUNK = 4 * 1024 * 1024


def default_cache_dir() -> Path:
    env = os.environ.get("REELSCORE_CACHE_DIR")
    if env:
        return Path(env)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("reelscore"))


def video_key(path: str | os.PathLike) -> str:
    p = Path(path)
    size = p.stat().st_size
    h = hashlib.sha256(str(size).encode())
    with open(p, "rb") as f:
        h.update(f.read(CHUNK))
        if size > 2 * CHUNK:
            f.seek(size - CHUNK)
            h.update(f.read(CHUNK))
    return h.hexdigest()[:32]


class SignalCache:
    """Get/put `Signal`s by (video key, analyzer name, analyzer version, settings fingerprint)."""

    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root) if root else default_cache_dir() / "signals"

    def _path(self, vkey: str, analyzer: str, version: str, fp: str) -> Path:
        return self.root / vkey / f"{analyzer}-v{version}-{fp}.json"

    def get(self, vkey: str, analyzer: str, version: str, fp: str) -> Signal | None:
        p = self._path(vkey, analyzer, version, fp)
        try:
            sig = Signal.model_validate_json(p.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        sig.cached = True
        return sig

    def put(self, vkey: str, sig: Signal, fp: str) -> None:
        if sig.error:  # never cache failures
            return
        p = self._path(vkey, sig.analyzer, sig.version, fp)
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=p.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(sig.model_dump_json())
            os.replace(tmp, p)
        except OSError:
            pass  # a read-only cache directory must not fail the analysis

    def get_info(self, vkey: str, fp: str):
        from .schema import MediaInfo

        try:
            return MediaInfo.model_validate_json((self.root / vkey / f"media-info-{fp}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def put_info(self, vkey: str, info, fp: str) -> None:
        try:
            atomic_write_text(self.root / vkey / f"media-info-{fp}.json", info.model_dump_json(), "signal cache")
        except (OSError, OptionError):  # a read-only or full cache directory must not fail the analysis
            pass

    def clear(self) -> int:
        n = 0
        if self.root.exists():
            for f in self.root.rglob("*.json"):
                f.unlink()
                n += 1
        return n


def atomic_write_text(path: str | os.PathLike, text: str, option: str = "output") -> None:
    """Write `text` to `path` atomically (the old file stays intact if anything fails; `OutputError`
    naming `option` when the filesystem refuses)."""
    from .outputs import atomic_write

    atomic_write(path, text, option)
