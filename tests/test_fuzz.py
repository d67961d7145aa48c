"""Fuzz: a few hundred mutations (truncations, bit flips, byte runs, spliced headers) of small real
files (a generated H.264 clip, the shared carphone clip, a JPEG, a PNG, a GIF): every one ends in a
valid result or a one-line refusal naming the file; never another exception, never over 60 s."""
from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import MEDIA

HERE = Path(__file__).parent


def _seeds(tmp, videos) -> dict[str, bytes]:
    from PIL import Image

    rng = np.random.default_rng(0)
    img = Image.fromarray(rng.integers(0, 255, (96, 64, 3), dtype=np.uint8))
    out = {"clip.mp4": videos["noaudio"].read_bytes()}
    for name, fmt in (("pic.jpg", "JPEG"), ("pic.png", "PNG"), ("pic.gif", "GIF")):
        b = io.BytesIO()
        img.save(b, fmt)
        out[name] = b.getvalue()
    carphone = MEDIA / "carphone_distorted.mp4"
    if carphone.exists():
        out["carphone.mp4"] = carphone.read_bytes()
    return out


def mutations(seed: bytes, rng: np.random.Generator, n: int):
    for k in range(n):
        d = bytearray(seed)
        kind = k % 6
        if kind == 0:  # truncate
            d = d[: int(rng.integers(1, max(2, len(d))))]
        elif kind == 1:  # flip bits
            for i in rng.integers(0, len(d), int(rng.integers(1, 50))):
                d[i] ^= 1 << int(rng.integers(0, 8))
        elif kind == 2:  # overwrite a run with random bytes
            i = int(rng.integers(0, len(d)))
            run = rng.integers(0, 256, int(rng.integers(1, 400)), dtype=np.uint8).tobytes()
            d[i : i + len(run)] = run
        elif kind == 3:  # zero a run (header fields at 0: sizes, dimensions)
            i = int(rng.integers(0, min(len(d), 4096)))
            d[i : i + int(rng.integers(1, 64))] = b"\x00" * 64
        elif kind == 4:  # 0xFF run (huge sizes)
            i = int(rng.integers(0, min(len(d), 4096)))
            d[i : i + 8] = b"\xff" * 8
        else:  # duplicate a chunk (inconsistent offsets)
            i, j = sorted(rng.integers(0, len(d), 2))
            d = d[:j] + d[i:j] + d[j:]
        yield bytes(d)


@pytest.mark.slow
def test_fuzz_mutations_never_crash(tmp_path, videos):
    rng = np.random.default_rng(1234)
    folder = tmp_path / "fuzz"
    folder.mkdir()
    n = 0
    for name, seed in _seeds(tmp_path, videos).items():
        for i, data in enumerate(mutations(seed, rng, 48)):
            (folder / f"{i:03d}-{name}").write_bytes(data)
            n += 1
    assert n >= 200
    p = subprocess.run([sys.executable, str(HERE / "fuzz_worker.py"), str(folder), "format,exposure,sharpness,motion,cuts"],
                       capture_output=True, text=True, timeout=1500)
    rows = [json.loads(ln) for ln in p.stdout.splitlines() if ln.startswith("{")]
    assert p.returncode == 0 and len(rows) == n, (p.returncode, len(rows), p.stderr[-2000:])
    crashes = [r for r in rows if r["outcome"] == "crash"]
    assert not crashes, json.dumps(crashes[:3], indent=1)
    slow = [r for r in rows if r["seconds"] > 60]
    assert not slow, slow
    refused = [r for r in rows if r["outcome"] == "refused"]
    assert all(r["one_line"] and r["names_file"] for r in refused), [r for r in refused if not r["names_file"]][:3]
    assert refused and any(r["outcome"] == "ok" for r in rows)  # both paths exercised
