"""Evaluation commands: engagement predictions on held-out posts, frame quality on rated images."""
from __future__ import annotations

import time

import numpy as np

from ..errors import ReelscoreError
from ..models.engagement.data import load_posts
from ..models.engagement.features import prepare
from ..models.engagement.metrics import evaluate_predictions
from ..models.engagement.store import load_model, resolve_model_path


def evaluate_engagement(data: str, model: str | None = None) -> dict:
    """Metrics of a trained model on FILE. Never trains on FILE."""
    path = resolve_model_path(model)
    if path is None:
        raise ReelscoreError("no engagement model found")
    m = load_model(str(path))
    posts = [p for p in load_posts(data) if p.views is not None]
    # predict at each post's real age when known (the outcome was read then)
    rows, emb, y = prepare(posts, m.use_embeddings)
    P = m.predict(rows, emb)["views"]
    lf = np.array([r["log_followers"] for r in rows])
    res = evaluate_predictions(P, y["views"], lf, [p.user for p in posts])
    res["model"] = str(path)
    res["followers_known_fraction"] = float(np.isfinite(lf).mean())
    return res


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
