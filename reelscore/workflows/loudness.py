"""Loudness normalisation with a true-peak ceiling (ITU-R BS.1770-4 / EBU R128), in numpy.

Two passes: measure the integrated loudness (pyloudnorm's BS.1770-4 meter: K-weighting, 400 ms blocks,
absolute and relative gates), apply the gain to the target, then a look-ahead true-peak limiter keeps
the inter-sample peaks (found by 4x oversampling, as BS.1770-4 Annex 2 measures true peak) under the
ceiling; the limiter costs a little loudness, so gain and limiter alternate until the loudness is
within 0.1 LU of the target (or the ceiling makes that impossible, which is said).

The limiter's gain never rises above what the peaks allow: a trailing minimum of the needed gain over
HOLD_S, then a moving average over ATTACK_S taken forward in time, is at every sample at most the gain
that sample needs (each averaged value already includes it), so the gain ramps down *before* a peak
and recovers after the hold. It is applied to the original samples, so nothing is delayed: audio stays
where it was against the picture.

For stereo the limiter also keeps the mono fold-down ((L + R) / sqrt 2, FFmpeg's default downmix with
the -3 dB pan law; what a phone's single speaker plays) under the ceiling: centred sound at the ceiling
in both channels would otherwise fold down 3 dB over it and distort there.
"""
from __future__ import annotations

import math

import numpy as np

OVERSAMPLE = 4
ATTACK_S = 0.005  # the gain ramps down over this long before a peak
HOLD_S = 0.060  # and holds the reduction this long (no pumping on bass notes)


def integrated_lufs(x: np.ndarray, sr: int) -> float | None:
    """Integrated loudness (LUFS) of (n, channels) or (n,) float audio; None when too short or silent."""
    import pyloudnorm

    a = np.asarray(x, np.float64)
    if a.ndim == 1:
        a = a[:, None]
    if a.shape[0] < int(0.4 * sr) + 1:
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        v = float(pyloudnorm.Meter(sr).integrated_loudness(a))
    return v if math.isfinite(v) and v > -70 else None


FOLD = 1 / math.sqrt(2)


def _oversampled_peaks(x: np.ndarray, fold_down: bool = False) -> np.ndarray:
    """Per original sample, the largest |value| of the 4x-oversampled signal around it (all channels,
    and with `fold_down` the stereo mono fold-down as well)."""
    from scipy.signal import resample_poly

    a = np.asarray(x, np.float64)
    if a.ndim == 1:
        a = a[:, None]
    if fold_down and a.shape[1] == 2:
        a = np.column_stack([a, FOLD * (a[:, 0] + a[:, 1])])
    n = a.shape[0]
    up = np.abs(resample_poly(a, OVERSAMPLE, 1, axis=0))[: n * OVERSAMPLE]
    pk = up.max(axis=1).reshape(n, OVERSAMPLE).max(axis=1)
    return np.maximum(pk, np.abs(a).max(axis=1))


def true_peak_dbtp(x: np.ndarray, fold_down: bool = False) -> float:
    """True peak (dBTP) by 4x oversampling (polyphase FIR), as BS.1770-4 Annex 2 (`fold_down`: the stereo
    mono fold-down counts too)."""
    if len(x) == 0:
        return -math.inf
    pk = float(_oversampled_peaks(x, fold_down).max())
    return 20 * math.log10(pk) if pk > 0 else -math.inf


def limit_true_peak(x: np.ndarray, sr: int, ceiling_dbtp: float) -> np.ndarray:
    """`x` with its true peaks brought under `ceiling_dbtp` by a look-ahead gain (see the module doc)."""
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    a = np.asarray(x, np.float64)
    ceil = 10 ** (ceiling_dbtp / 20)
    need = np.minimum(1.0, ceil / np.maximum(_oversampled_peaks(a, fold_down=True), 1e-12))
    if need.min() >= 1.0:
        return a
    hold = max(1, int(HOLD_S * sr))
    att = max(1, min(hold, int(ATTACK_S * sr)))
    # trailing minimum over `hold` samples: g[m] = min(need[m-hold+1 .. m])
    g = minimum_filter1d(need, size=hold, origin=(hold - 1) // 2, mode="nearest")
    # forward moving average over `att` samples: s[n] = mean(g[n .. n+att-1]) <= need[n]
    s = uniform_filter1d(g, size=att, origin=-(att // 2), mode="nearest")
    s = np.minimum(s, need)  # edges of the filters (mode="nearest") keep the guarantee too
    return a * (s[:, None] if a.ndim == 2 else s)


def normalise(x: np.ndarray, sr: int, target_lufs: float, ceiling_dbtp: float, max_rounds: int = 6) -> tuple[np.ndarray, dict]:
    """Bring `x` to `target_lufs` with true peaks at or below `ceiling_dbtp`. Returns the audio and a
    report: lufs_before, true_peak_before_dbtp, gain_db, lufs_after, true_peak_after_dbtp, and `note` when the target could not be reached under the ceiling."""
    a = np.asarray(x, np.float64)
    before = integrated_lufs(a, sr)
    rep = {"lufs_before": before, "true_peak_before_dbtp": round(true_peak_dbtp(a), 2)}
    if before is None:
        rep["note"] = "too short or silent to measure loudness"
        return a, rep
    gain_db = target_lufs - before
    y = a * 10 ** (gain_db / 20)
    total_gain = gain_db
    now, last = target_lufs, None
    for _ in range(max_rounds):
        y = limit_true_peak(y, sr, ceiling_dbtp)
        now = integrated_lufs(y, sr)
        if now is None or abs(now - target_lufs) <= 0.1:
            break
        if last is not None and abs(target_lufs - now) > abs(target_lufs - last) - 0.05:  # no progress: the
            # limiter eats every dB added
            break
        last = now
        step = target_lufs - now
        y = y * 10 ** (step / 20)
        total_gain += step
    rep.update(gain_db=round(total_gain, 2), lufs_after=None if now is None else round(now, 2),
               true_peak_after_dbtp=round(true_peak_dbtp(y), 2))
    if y.ndim == 2 and y.shape[1] == 2:
        rep["fold_down_true_peak_dbtp"] = round(true_peak_dbtp(y, fold_down=True), 2)
    if now is not None and abs(now - target_lufs) > 0.5:
        rep["note"] = (f"reached {now:.1f} LUFS, not {target_lufs:g}: the {ceiling_dbtp:g} dBTP ceiling would need "
                       "more limiting than is clean")
    return y, rep
