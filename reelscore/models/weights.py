"""Downloadable weights: a pinned URL, SHA-256 (full, or the 8-hex prefix that the publisher put in
the file name, torch-hub style) and licence per file (the entries live in `models.registry`); a cache
directory; fetch with a clear offline error; import of a local file. Nothing on the default path
downloads anything.

An entry whose publisher gives no hash (idealo's Git LFS files) has `sha256=""`: fetch/import then
need `allow_unpinned=True` (CLI `--allow-unpinned`), print the SHA-256 they saw, and record it in
`pins.json` in the cache so the file is verified from then on (trust on first use, said out loud).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..errors import ModelUnavailableError


@dataclass(frozen=True)
class Weights:
    name: str
    url: str
    sha256: str  # full hex digest, or an 8+ hex prefix
    licence: str

    @property
    def filename(self) -> str:
        return self.url.rsplit("/", 1)[-1]


def cache_dir() -> Path:
    env = os.environ.get("REELSCORE_WEIGHTS_DIR")
    if env:
        return Path(env)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("reelscore")) / "weights"


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify(path: Path, expected: str) -> bool:
    return bool(expected) and sha256_of(path).startswith(expected.lower())


def _pins_path() -> Path:
    return cache_dir() / "pins.json"


def _pins() -> dict[str, str]:
    import json

    try:
        return json.loads(_pins_path().read_text())
    except (OSError, ValueError):
        return {}


def expected_hash(w: Weights) -> str:
    """The registry's hash, or the one recorded at first fetch/import of an unpinned entry ('' if none)."""
    return w.sha256 or _pins().get(w.name, "")


def _record_pin(w: Weights, digest: str) -> None:
    import json

    from ..cache import atomic_write_text

    pins = _pins()
    pins[w.name] = digest
    atomic_write_text(_pins_path(), json.dumps(pins, indent=1, sort_keys=True), "weights pin file")


def _accept(w: Weights, path: Path, allow_unpinned: bool, what: str) -> str | None:
    """Check `path` against the pinned hash; returns the digest to record for an unpinned entry."""
    exp = expected_hash(w)
    if exp:
        if not verify(path, exp):
            raise ModelUnavailableError(f"{w.name}: SHA-256 mismatch for {what} (expected {exp[:16]}...)")
        return None
    if not allow_unpinned:
        raise ModelUnavailableError(
            f"{w.name} has no published SHA-256; rerun with --allow-unpinned to accept {what} "
            f"(its SHA-256 {sha256_of(path)} will be recorded and checked from then on)")
    return sha256_of(path)


def cached_path(w: Weights) -> Path | None:
    """The cached, verified file of `w`, or None."""
    p = cache_dir() / w.filename
    return p if p.is_file() and expected_hash(w) else None


def fetch(w: Weights, check=None, timeout: float = 30.0, allow_unpinned: bool = False) -> Path:
    """Download `w` into the cache (verified), or raise ModelUnavailableError with what to do offline.
    `check(path)` raises when the file does not load into its architecture (run on unpinned files)."""
    name = w.name
    dest = cache_dir() / w.filename
    if dest.is_file() and verify(dest, expected_hash(w)):
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(dest.suffix + ".part")
    try:
        with urllib.request.urlopen(w.url, timeout=timeout) as r, open(tmp, "wb") as f:
            shutil.copyfileobj(r, f)
    except (urllib.error.URLError, OSError, TimeoutError) as e:
        tmp.unlink(missing_ok=True)
        raise ModelUnavailableError(
            f"cannot download {name} from {w.url} ({getattr(e, 'reason', e)}); offline? download it elsewhere and run "
            f"`reelscore models import {name} PATH{'' if expected_hash(w) else ' --allow-unpinned'}`") from None
    try:
        pin = _accept(w, tmp, allow_unpinned, w.url)
        if pin and check is not None:
            check(tmp)
    except ModelUnavailableError:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, dest)
    if pin:
        _record_pin(w, pin)
    return dest


def import_file(w: Weights, path: str | Path, check=None, allow_unpinned: bool = False) -> Path:
    """Copy a manually downloaded file into the cache after checking its hash (and `check(path)`)."""
    src = Path(path)
    if not src.is_file():
        raise ModelUnavailableError(f"{path}: no such file")
    pin = _accept(w, src, allow_unpinned, str(path))
    if check is not None:
        check(src)
    dest = cache_dir() / w.filename
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(dest.suffix + ".part")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dest)
    if pin:
        _record_pin(w, pin)
    return dest
