"""Registry of downloadable weights: pinned URL, SHA-256 (full, or the 8-hex prefix that the
publisher put in the file name, torch-hub style), licence, and the architecture that loads it; a cache
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
    description: str
    usable: bool  # False when reelscore has no architecture for it yet (listed so users know)
    arch: str = ""  # loader: "mobilenet_v1" / "mobilenet_v2" (Keras HDF5 via models.keras_h5)
    task: str = ""  # "aesthetic" (AVA) or "technical"

    @property
    def filename(self) -> str:
        return self.url.rsplit("/", 1)[-1]


_PYIQA = "https://github.com/chaofengc/IQA-PyTorch/releases/download/v0.1-weights/"
_IDEALO = "https://github.com/idealo/image-quality-assessment/raw/master/models/MobileNet/"
REGISTRY: dict[str, Weights] = {w.name: w for w in (
    # titu1994 v0.3 release asset; SHA-256 as recorded from the upstream release by a third-party
    # project's pin (2026-08-30); reelscore could not download it here to re-check (no network).
    Weights("nima-ava-mobilenet-titu1994",
            "https://github.com/titu1994/neural-image-assessment/releases/download/v0.3/mobilenet_weights.h5",
            "feff35c54daed3fcd2534c310ebe82257bfdd488b8d227d25c736bce95aef9e2", "MIT",
            "NIMA aesthetics on AVA, Keras MobileNet v1 (alpha 1, 224 px)", True, "mobilenet_v1", "aesthetic"),
    Weights("nima-ava-mobilenet-idealo", _IDEALO + "weights_mobilenet_aesthetic_0.07.hdf5", "", "Apache-2.0",
            "NIMA aesthetics on AVA, Keras MobileNet v1 (idealo; no published hash)", True, "mobilenet_v1", "aesthetic"),
    Weights("nima-tid2013-mobilenet-idealo", _IDEALO + "weights_mobilenet_technical_0.11.hdf5", "", "Apache-2.0",
            "NIMA technical quality on TID2013, Keras MobileNet v1 (idealo; no published hash)", True,
            "mobilenet_v1", "technical"),
    # torchvision's ImageNet ResNet-50 (IMAGENET1K_V1; file name carries the SHA-256 prefix)
    Weights("resnet50-imagenet", "https://download.pytorch.org/models/resnet50-0676ba61.pth", "0676ba61",
            "BSD-3-Clause (torchvision)", "ResNet-50 ImageNet: VSFA's content-aware features", True, "resnet50",
            "features"),
    Weights("vsfa-konvid1k", "https://github.com/lidq92/VSFA/raw/master/models/VSFA.pt", "",
            "see github.com/lidq92/VSFA", "VSFA GRU + pooling trained on KoNViD-1k (authors' weights; no published hash)",
            True, "vsfa", "video-quality"),
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
    atomic_write_text(_pins_path(), json.dumps(pins, indent=1, sort_keys=True))


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


def check_loads(w: Weights, path: Path, what: str) -> None:
    """Refuse a file that does not load into the entry's architecture (before it is cached)."""
    if not w.arch:
        return
    try:
        if w.arch.startswith("mobilenet"):
            from .keras_h5 import load_nima

            load_nima(path, w.arch)
        elif w.arch == "resnet50":
            from .resnet import load_resnet50

            load_resnet50(path)
        elif w.arch == "vsfa":
            import torch

            from .quality.vsfa import build_vsfa

            build_vsfa().load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    except Exception as e:  # wrong layout, wrong shapes, not a checkpoint at all
        msg = str(e).splitlines()[0][:300] if str(e) else type(e).__name__
        raise ModelUnavailableError(f"{what}: not {w.name}: {msg}") from None


def cached_path(name: str) -> Path | None:
    """The cached, verified file of `name`, or None."""
    w = REGISTRY.get(name)
    if w is None:
        return None
    p = cache_dir() / w.filename
    return p if p.is_file() and expected_hash(w) else None


def fetch(name: str, registry: dict[str, Weights] | None = None, timeout: float = 30.0,
          allow_unpinned: bool = False) -> Path:
    """Download `name` into the cache (verified), or raise ModelUnavailableError with what to do offline."""
    reg = registry or REGISTRY
    if name not in reg:
        raise ModelUnavailableError(f"unknown weights {name!r}; known: {', '.join(reg)}")
    w = reg[name]
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
        if pin:
            check_loads(w, tmp, w.url)
    except ModelUnavailableError:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, dest)
    if pin:
        _record_pin(w, pin)
    return dest


def import_file(name: str, path: str | Path, registry: dict[str, Weights] | None = None,
                allow_unpinned: bool = False) -> Path:
    """Copy a manually downloaded file into the cache after checking its hash."""
    reg = registry or REGISTRY
    if name not in reg:
        raise ModelUnavailableError(f"unknown weights {name!r}; known: {', '.join(reg)}")
    w = reg[name]
    src = Path(path)
    if not src.is_file():
        raise ModelUnavailableError(f"{path}: no such file")
    pin = _accept(w, src, allow_unpinned, str(path))
    check_loads(w, src, str(path))
    dest = cache_dir() / w.filename
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(dest.suffix + ".part")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dest)
    if pin:
        _record_pin(w, pin)
    return dest
