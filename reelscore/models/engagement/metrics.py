"""Metrics and splits for engagement models: rank correlations, conformal margins, grouped folds,
and the follower baseline ("what accounts of that size get"). Pure functions over arrays."""
from __future__ import annotations

import numpy as np


def group_folds(users: list[str | None], k: int = 5, seed: int = 0) -> list[np.ndarray]:
    """Test-index folds with every creator in exactly one fold."""
    names = sorted({u or f"_anon{i}" for i, u in enumerate(users)})
    rng = np.random.default_rng(seed)
    assign = dict(zip(names, rng.permutation(len(names)) % k))
    fold = np.array([assign[u or f"_anon{i}"] for i, u in enumerate(users)])
    return [np.nonzero(fold == j)[0] for j in range(k)]


def cqr_margin(P: np.ndarray, y: np.ndarray, coverage: float = 0.8) -> float:
    """Conformalised quantile regression margin for [p10, p90] to reach `coverage`."""
    ok = np.isfinite(y)
    E = np.maximum(P[ok, 0] - y[ok], y[ok] - P[ok, 2])
    n = len(E)
    if n == 0:
        return float("nan")  # nothing to calibrate on (e.g. no likes in a sample that gives only views)
    q = min(1.0, coverage * (1 + 1 / n))
    return float(np.quantile(E, q))


def spearman(a, b) -> float | None:
    from scipy.stats import spearmanr

    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 3:
        return None
    r = spearmanr(a[ok], b[ok])[0]
    return None if np.isnan(r) else float(r)


def within_creator_spearman(pred, y, users, min_posts: int = 3) -> tuple[float | None, int]:
    """Mean Spearman between prediction and outcome inside each creator with >= min_posts posts."""
    by: dict[str, list[int]] = {}
    for i, u in enumerate(users):
        if u:
            by.setdefault(u, []).append(i)
    rs = []
    for idx in by.values():
        if len(idx) >= min_posts:
            r = spearman(pred[idx], y[idx])
            if r is not None:
                rs.append(r)
    return (float(np.mean(rs)) if rs else None), len(rs)


def evaluate_predictions(P: np.ndarray, y: np.ndarray, followers: np.ndarray, users: list) -> dict:
    """Metrics of log10-view predictions P (N,3) against y = log10(views+1)."""
    ok = np.isfinite(y)
    lf = np.where(np.isfinite(followers), followers, np.nan)
    wc, n_wc = within_creator_spearman(P[:, 1], y, users)
    has_f = np.isfinite(lf)
    return {
        "n": int(ok.sum()),
        "spearman_views": spearman(P[:, 1], y),
        "spearman_views_per_follower": spearman(P[:, 1] - lf, y - lf) if has_f.sum() >= 3 else None,
        "mae_log_views": float(np.nanmean(np.abs(P[ok, 1] - y[ok]))),
        "coverage_80": float(np.mean((y[ok] >= P[ok, 0]) & (y[ok] <= P[ok, 2]))),
        "interval_width_log10": float(np.mean(P[ok, 2] - P[ok, 0])),
        "within_creator_spearman": wc, "within_creator_n_creators": n_wc,
    }


def follower_baseline(lf: np.ndarray, y: np.ndarray, bins: int = 10) -> dict:
    """Median log10 views by follower-count decile: 'what accounts of that size get'."""
    ok = np.isfinite(lf) & np.isfinite(y)
    edges = np.unique(np.quantile(lf[ok], np.linspace(0, 1, bins + 1)))
    centers, meds = [], []
    for a, b in zip(edges[:-1], edges[1:]):
        m = ok & (lf >= a) & (lf <= b)
        if m.sum() >= 10:
            centers.append(float(np.median(lf[m])))
            meds.append(float(np.median(y[m])))
    return {"log_followers": centers, "median_log_views": meds, "global_median_log_views": float(np.nanmedian(y))}


def baseline_at(ref: dict, log_followers: float | None) -> float:
    if log_followers is None or not np.isfinite(log_followers) or not ref["log_followers"]:
        return ref["global_median_log_views"]
    return float(np.interp(log_followers, ref["log_followers"], ref["median_log_views"]))
