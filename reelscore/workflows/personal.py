"""A creator's personal model: the default model's prediction, corrected by what the creator's own
history shows, with shrinkage so that a short history moves it little.

    log10 views = default_p50(post) + offset + sum_k w_k * (s_k - neutral_k) / 50

(neutral_k: a typical real clip's sub-score, from the score reference; 50 without one)

offset   = mean residual of the creator's posts shrunk toward 0: sum(res) / (n + K_SHRINK)
w_k      = the prior weights (scoring.prior) refitted on the creator's residuals by ridge regression
           *toward the prior* (only when --videos gives analyzable files for >= 8 posts)
Cross-validated (k-fold over the creator's posts) against the default model on the same posts.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import ReelscoreError
from ..models.engagement.data import load_posts, match_videos
from ..models.engagement.features import prepare
from ..models.engagement.metrics import spearman
from ..models.engagement.model import EngagementModel
from ..models.engagement.store import load_model, resolve_model_path
from ..paths import user_models_dir
from ..pipeline import analyze
from ..scoring.prior import PRIOR_WEIGHTS

K_SHRINK = 10.0
RIDGE_TO_PRIOR = 5.0
LEARNED_EXTRA = ("vivit",)  # components with no prior weight that the personal model may still learn (from 0)


def video_scores(paths: list[Path | None], log=print, model: str | None = None) -> list[dict[str, float] | None]:
    """Video component scores per file; `model` selects a trained ViViT (its component becomes a feature)."""
    out = []
    keep = set(PRIOR_WEIGHTS) | set(LEARNED_EXTRA)
    for p in paths:
        if p is None:
            out.append(None)
            continue
        try:
            a = analyze(p, model=model)
            out.append({c.name: c.score for c in a.components if c.score is not None and c.name in keep and c.name != "caption"})
            log(f"analyzed {p.name}")
        except ReelscoreError as e:
            log(f"skipped {p.name}: {e}")
            out.append(None)
    return out


def _neutral() -> dict[str, float]:
    from ..scoring.reference import load_reference

    ref = load_reference()
    return ref.neutral if ref is not None else {}


def fit_personal(res: np.ndarray, vs: list[dict | None]) -> dict:
    offset = float(res.sum() / (len(res) + K_SHRINK))
    weights = dict(PRIOR_WEIGHTS)
    have = [i for i, v in enumerate(vs) if v]
    if len(have) >= 8:
        names = sorted({k for i in have for k in vs[i]})
        neutral = _neutral()
        X = np.array([[(vs[i].get(k, neutral.get(k, 50.0)) - neutral.get(k, 50.0)) / 50 for k in names] for i in have])
        w0 = np.array([PRIOR_WEIGHTS.get(k, 0.0) for k in names])  # a ViViT feature starts from 0
        y = res[have] - offset
        # ridge toward the prior: minimise |y - Xw|^2 + lam |w - w0|^2
        A = X.T @ X + RIDGE_TO_PRIOR * np.eye(len(names))
        w = np.linalg.solve(A, X.T @ y + RIDGE_TO_PRIOR * w0)
        weights.update(dict(zip(names, map(float, w))))
    return {"offset": offset, "video_weights": weights, "n": int(len(res)), "n_with_video": len(have)}


def _prior_shift(v: dict | None, weights: dict) -> float:
    if not v:
        return 0.0
    neutral = _neutral()
    return float(sum(weights[k] * (s - neutral.get(k, 50.0)) / 50 for k, s in v.items() if k in weights))


def train_personal(history: str, videos: str | None, name: str, base: str | None = None, log=print) -> dict:
    posts = [p for p in load_posts(history) if p.views is not None]
    if len(posts) < 5:
        raise ReelscoreError(f"{history}: need at least 5 posts with views, found {len(posts)}")
    base_path = resolve_model_path(base)
    if base_path is None:
        raise ReelscoreError("no default engagement model to start from")
    model = load_model(str(base_path))
    rows, emb, y = prepare(posts, model.use_embeddings)
    P = model.predict(rows, emb)["views"][:, 1]
    from .vivit import vivit_path

    vs = video_scores(match_videos(posts, videos), log, model=name if vivit_path(name).is_file() else None)
    yv = y["views"]
    res = yv - P
    # k-fold CV over the creator's posts
    k = min(5, len(posts))
    idx = np.arange(len(posts))
    pers = np.zeros(len(posts))
    for f in range(k):
        te = idx[idx % k == f]
        tr = idx[idx % k != f]
        fit = fit_personal(res[tr], [vs[i] for i in tr])
        pers[te] = P[te] + fit["offset"] + np.array([_prior_shift(vs[i], fit["video_weights"]) - _prior_shift(vs[i], PRIOR_WEIGHTS) for i in te])
    cv = {"default": {"mae_log_views": float(np.mean(np.abs(P - yv))), "spearman_views": spearman(P, yv)},
          "personal": {"mae_log_views": float(np.mean(np.abs(pers - yv))), "spearman_views": spearman(pers, yv)}}
    fit = fit_personal(res, vs)
    out = user_models_dir() / f"{name}.json.gz"
    personal = EngagementModel.load(base_path)
    personal.personal_ = fit
    card = dict(model.card_)
    card.update({"model": f"personal:{name}", "personal": {**fit, "history": str(history), "videos": videos, "cv": cv}})
    personal.card_ = card
    personal.save(out, card)
    return {"name": name, "saved_to": str(out), "n_posts": len(posts), "n_with_video": fit["n_with_video"],
            "offset_log10": fit["offset"], "cv": cv, "use": f"reelscore analyze VIDEO --model {name}"}
