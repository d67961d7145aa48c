"""Registry of downloadable weights: pinned URL, SHA-256 (full, or the 8-hex prefix that the
publisher put in the file name, torch-hub style), licence; a cache directory; fetch with a clear
offline error; import of a local file. Nothing on the default path downloads anything.
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
    description: str
    usable: bool  # False when reelscore has no architecture for it yet (listed so users know)

    @property
    def filename(self) -> str:
        return self.url.rsplit("/", 1)[-1]


_PYIQA = "https://github.com/chaofengc/IQA-PyTorch/releases/download/v0.1-weights/"
REGISTRY: dict[str, Weights] = {w.name: w for w in (
    Weights("nima-ava-vgg16", _PYIQA + "NIMA_VGG16_ava-dc4e8265.pth", "dc4e8265", "pyiqa (CC BY-NC-SA 4.0 / AVA terms)",
            "NIMA aesthetics on AVA, VGG16 backbone (pyiqa checkpoint)", False),
    Weights("nima-ava-inception-resnet-v2", _PYIQA + "NIMA_InceptionV2_ava-b0c77c00.pth", "b0c77c00",
            "pyiqa (CC BY-NC-SA 4.0 / AVA terms)", "NIMA aesthetics on AVA, Inception-ResNet-v2 backbone", False),
    Weights("nima-koniq-inception-resnet-v2", _PYIQA + "NIMA_koniq-250367ae.pth", "250367ae",
            "pyiqa (CC BY-NC-SA 4.0)", "NIMA technical quality on KonIQ-10k", False),
)}


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
    return sha256_of(path).startswith(expected.lower())


def cached_path(name: str) -> Path | None:
    w = REGISTRY.get(name)
    if w is None:
        return None
    p = cache_dir() / w.filename
    return p if p.is_file() else None


def fetch(name: str, registry: dict[str, Weights] | None = None, timeout: float = 30.0) -> Path:
    """Download `name` into the cache (verified), or raise ModelUnavailableError with what to do offline."""
    reg = registry or REGISTRY
    if name not in reg:
        raise ModelUnavailableError(f"unknown weights {name!r}; known: {', '.join(reg)}")
    w = reg[name]
    dest = cache_dir() / w.filename
    if dest.is_file() and verify(dest, w.sha256):
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
            f"`reelscore models import {name} PATH`") from None
    if not verify(tmp, w.sha256):
        tmp.unlink(missing_ok=True)
        raise ModelUnavailableError(f"{name}: SHA-256 mismatch for {w.url} (expected {w.sha256}...)")
    os.replace(tmp, dest)
    return dest


def import_file(name: str, path: str | Path, registry: dict[str, Weights] | None = None) -> Path:
    """Copy a manually downloaded file into the cache after checking its hash."""
    reg = registry or REGISTRY
    if name not in reg:
        raise ModelUnavailableError(f"unknown weights {name!r}; known: {', '.join(reg)}")
    w = reg[name]
    src = Path(path)
    if not src.is_file():
        raise ModelUnavailableError(f"{path}: no such file")
    if not verify(src, w.sha256):
        raise ModelUnavailableError(f"{path}: SHA-256 does not match {name} (expected {w.sha256}...)")
    dest = cache_dir() / w.filename
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    return dest
