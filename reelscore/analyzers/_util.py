"""Small numeric helpers shared by analyzers."""
from __future__ import annotations

import numpy as np


def luma(rgb: np.ndarray) -> np.ndarray:
    """BT.601 luma, float32 0..255."""
    return rgb[..., 0] * np.float32(0.299) + rgb[..., 1] * np.float32(0.587) + rgb[..., 2] * np.float32(0.114)


def per_second(times: list[float], values: list[float] | np.ndarray) -> list[tuple[float, float]]:
    """Mean of `values` in each whole second (t, mean)."""
    if not len(times):
        return []
    t = np.asarray(times)
    v = np.asarray(values, float)
    out = []
    for s in range(int(np.floor(t.max())) + 1):
        m = (t >= s) & (t < s + 1)
        if m.any():
            out.append((float(s), float(v[m].mean())))
    return out


def runs(mask: np.ndarray, times: np.ndarray, min_len: float) -> list[tuple[float, float]]:
    """Time spans where `mask` holds for at least `min_len` seconds."""
    spans, start = [], None
    for i, m in enumerate(mask):
        if m and start is None:
            start = times[i]
        if (not m or i == len(mask) - 1) and start is not None:
            end = times[i]
            if end - start >= min_len:
                spans.append((float(start), float(end)))
            start = None
    return spans
