"""Evaluation commands: engagement predictions on held-out posts, frame quality on rated images."""
from __future__ import annotations

import time

import numpy as np

from pathlib import Path

from ..errors import ReelscoreError
from ..platforms import get_profile
from ..models.engagement.data import load_posts
from ..models.engagement.features import prepare, with_history
from ..models.engagement.metrics import evaluate_predictions, spearman, within_creator_spearman
from ..models.engagement.store import DEFAULT_MODEL, load_model, resolve_model_path


def evaluate_engagement(data: str, model: str | None = None, source: str | None = None, history: bool = True,
                        platform: str | None = None) -> dict:
    """Metrics of a trained model on FILE (either layout: the 2025 scrape's or SMP-Video's, account
    columns optional). Never trains on FILE.

    source: "broad" / "viral" (default: detected from the columns; the 2025 trending scrape's layout is
    "viral", SMP-Video's and personal exports "broad"): which scale the model predicts on and which
    calibration its intervals use. history: each post gets the views of its account's earlier posts
    in FILE as its recent-views input (nothing later than the post itself is used).

    platform: reels / tiktok / shorts. When FILE has a `platform` column, only its posts of that platform
    are scored; without one, FILE is taken to come from that platform. Either way, when FILE has a
    platform column the result carries `by_platform`: the same metrics per platform (the shipped model is
    calibrated on TikTok data; a creator's Reels or Shorts history shows how far that carries)."""
    path = resolve_model_path(model)
    if path is None:
        raise ReelscoreError("no engagement model found")
    m = load_model(str(path))
    want = get_profile(platform).name if platform else None
    posts = [p for p in load_posts(data, source=source) if p.views is not None]
    has_column = any(p.platform for p in posts)
    if want and has_column:
        posts = [p for p in posts if p.platform == want]
    if not posts:
        raise ReelscoreError(f"{data}: no posts with views" + (f" on {want}" if want and has_column else ""))
    if history:
        with_history(posts)
    rows, emb, y = prepare(posts, m.use_embeddings)
    P = m.predict(rows, emb)["views"]
    lf = np.array([r["log_followers"] for r in rows])
    res = evaluate_predictions(P, y["views"], lf, [p.user for p in posts])
    res["followers_only_spearman"] = spearman(lf, y["views"])
    res["model"] = str(path)
    res["sample"] = posts[0].source
    res["followers_known_fraction"] = float(np.isfinite(lf).mean())
    res["history_used_fraction"] = float(np.mean([bool(p.recent_views) for p in posts]))
    res["content_features_fraction"] = float(np.mean([p.content is not None for p in posts]))
    plats = [p.platform or "unknown" for p in posts] if has_column else [want or "unknown"] * len(posts)
    res["platform"] = want if want else (plats[0] if len(set(plats)) == 1 else "mixed")
    res["model_calibrated_on"] = "tiktok" if Path(str(path)).name == DEFAULT_MODEL else "the model's own training data"
    if has_column:
        res["by_platform"] = {}
        arr = np.array(plats)
        users = [p.user for p in posts]
        for name in sorted(set(plats)):
            m_ = arr == name
            if m_.sum() >= 3:
                sub = evaluate_predictions(P[m_], y["views"][m_], lf[m_], [u for u, k in zip(users, m_) if k])
                sub["bias_log10"] = float(np.nanmean(P[m_, 1] - y["views"][m_]))
                res["by_platform"][name] = sub
            else:
                res["by_platform"][name] = {"n": int(m_.sum()), "note": "fewer than 3 posts"}
    res.update(_score_metrics(m, posts, rows, y, lf))
    return res


def _score_metrics(m, posts, rows, y, lf) -> dict:
    """The Virality Score on these posts (no video: the video factors sit at their neutral values) and the
    predictions the result shows (the account's outlook x the post effect): within-creator Spearman of the
    score and of each learned part of the post effect, and the shown predictions' accuracy."""
    from ..models.engagement.store import load_post_effect
    from ..scoring.effects import LEARNED, PostEffects
    from ..scoring.reference import load_reference
    from ..text.caption import caption_features

    ref = load_reference()
    if ref is None:
        return {"within_creator_spearman_score": None, "score_note": "no score reference shipped"}
    pe = PostEffects(m, ref, load_post_effect())
    groups = tuple(g for g in LEARNED if g != "faces" or any(p.content for p in posts))
    feats = [caption_features(r["_text"]) for r in rows]
    eff = pe.effects(rows, [f.get("clarity_issues") or [] for f in feats], groups,
                     languages=[f.get("language") for f in feats])
    E = np.array([sum(e.values()) for e in eff])
    score = np.array([ref.percentile(e) for e in E])
    users = [p.user for p in posts]
    wc, n_wc = within_creator_spearman(score, y["views"], users)
    out = {"within_creator_spearman_score": wc, "within_creator_score_n_creators": n_wc,
           "score_spread_p10_p90": [float(np.percentile(score, 10)), float(np.percentile(score, 90))],
           "within_creator_spearman_effects": {}}
    for g in groups:
        v = np.array([e.get(g, np.nan) for e in eff])
        if np.isfinite(v).any():
            out["within_creator_spearman_effects"][g] = within_creator_spearman(np.nan_to_num(v), y["views"], users)[0]
    # the shown prediction: the account's typical post (outlook) shifted by the post effect
    P = m.predict([pe.outlook_row(r) for r in rows], None)["views"] + E[:, None]
    shown = evaluate_predictions(P, y["views"], lf, users)
    out["shown_prediction"] = {k: shown[k] for k in ("spearman_views", "mae_log_views", "coverage_80",
                                                      "interval_width_log10", "within_creator_spearman")}
    return out


def evaluate_quality(labels: str, images: str, head: str | None = None, limit: int | None = None) -> dict:
    from PIL import Image

    from ..models.quality.frame_quality import FrameQualityModel
    from .quality import metrics, read_labels
    from pathlib import Path

    rows = read_labels(labels)[:limit]
    m = FrameQualityModel.load(head)
    preds = []
    t0 = time.perf_counter()
    for name, _ in rows:
        im = np.asarray(Image.open(Path(images) / name).convert("RGB"))
        preds.append(float(m.predict([im])[0]))
    dt = time.perf_counter() - t0
    res = metrics(np.array(preds), np.array([y for _, y in rows]))
    res["seconds_per_image"] = dt / max(1, len(rows))
    return res
