"""Train a ViViT on a creator's own videos and their stats.

    reelscore train vivit --history posts.csv --videos DIR [--name NAME] [--target relative|trending]
                          [--tokens backbone|patches] [--device cpu|cuda] [--epochs N] [--resume] [--force]

Targets: `relative` = log10 views minus the median log10 views of the same account (what the content
adds to what the account usually gets); `trending` = views above twice the account's median (yes/no).
Validation is time-ordered within each account (each account's latest 25 % of posts), and the run
reports the ViViT's held-out Spearman beside a baseline without video (ridge on duration, caption
length, hashtag count and post hour). A model that does no better is not saved unless `force`.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import time
from pathlib import Path

import numpy as np

from ..errors import ReelscoreError
from ..models.engagement.data import load_posts, match_videos
from ..models.engagement.metrics import spearman
from ..models.vivit import ViViTConfig, ViViTRegressor, video_inputs
from ..paths import user_models_dir

VAL_SHARE = 0.25


def vivit_path(name: str) -> Path:
    return user_models_dir() / f"{name}.vivit.pt"


def _inputs_cache(path: Path, cfg: ViViTConfig) -> Path:
    from ..cache import default_cache_dir, video_key

    key = hashlib.sha256(f"{video_key(path)}|{cfg.tokens}|{cfg.frames}|{cfg.image_size}|{cfg.audio}".encode()).hexdigest()[:24]
    return default_cache_dir() / "vivit-inputs" / f"{key}.npz"


def inputs_for(path: Path, cfg: ViViTConfig) -> tuple[np.ndarray, np.ndarray | None]:
    """ViViT inputs of one video from the single decode (cached per video content and settings)."""
    from ..ingest import decode

    c = _inputs_cache(path, cfg)
    if c.is_file():
        d = np.load(c)
        return d["x"], (d["a"] if "a" in d else None)
    x, a = video_inputs(decode(path), cfg)
    c.parent.mkdir(parents=True, exist_ok=True)
    tmp = c.with_suffix(".tmp.npz")
    np.savez(tmp, x=x, **({"a": a} if a is not None else {}))
    tmp.replace(c)
    return x, a


def time_split(posts) -> tuple[list[int], list[int]]:
    """Indices (train, validation): each account's latest VAL_SHARE of posts (by post time, else file
    order) are held out."""
    by: dict[str, list[int]] = {}
    for i, p in enumerate(posts):
        by.setdefault(p.user or "", []).append(i)
    tr, va = [], []
    for idx in by.values():
        idx = sorted(idx, key=lambda i: (posts[i].post_time is None, posts[i].post_time or dt.datetime.min, i))
        n_val = max(1, int(round(len(idx) * VAL_SHARE))) if len(idx) >= 4 else 0
        tr += idx[: len(idx) - n_val]
        va += idx[len(idx) - n_val :]
    return tr, va


def targets(posts, kind: str) -> np.ndarray:
    lv = np.log10(np.array([p.views for p in posts], float) + 1)
    users = np.array([p.user or "" for p in posts])
    med = {u: float(np.median(lv[users == u])) for u in set(users)}
    rel = lv - np.array([med[u] for u in users])
    return rel if kind == "relative" else (rel > np.log10(2)).astype(float)


def metadata_baseline(posts, y, tr, va) -> float | None:
    """Held-out Spearman of a ridge on what is known without the video."""
    from sklearn.linear_model import Ridge

    def feats(p):
        return [p.duration or 0.0, len(p.caption or ""), len(p.hashtags), p.post_time.hour if p.post_time else 12.0]
    X = np.array([feats(p) for p in posts], float)
    mu, sd = X[tr].mean(0), X[tr].std(0) + 1e-9
    r = Ridge(alpha=1.0).fit((X[tr] - mu) / sd, y[tr])
    pred = r.predict((X[va] - mu) / sd)
    if np.ptp(pred) < 1e-9:  # the metadata do not vary: it cannot rank at all
        return 0.0
    return spearman(pred, y[va])


def train_vivit(history: str, videos: str, name: str = "vivit", target: str = "relative", tokens: str = "backbone",
                device: str = "cpu", epochs: int = 60, force: bool = False, resume: bool = False, audio: bool = True,
                log=print, seed: int = 0) -> dict:
    if target not in ("relative", "trending"):
        raise ReelscoreError(f"--target must be relative or trending, not {target!r}")
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise ReelscoreError("--device cuda: no CUDA device is available here")
    posts = [p for p in load_posts(history) if p.views is not None]
    files = match_videos(posts, videos)
    pairs = [(p, f) for p, f in zip(posts, files) if f is not None]
    if len(pairs) < 8:
        raise ReelscoreError(f"{history}: need at least 8 posts with views and a matching video in {videos}, "
                             f"found {len(pairs)}")
    posts = [p for p, _ in pairs]
    cfg = ViViTConfig(tokens=tokens, audio=audio)
    t0 = time.perf_counter()
    from tqdm import tqdm

    X, A = [], []
    for _, f in tqdm(pairs, desc="decoding", unit="video", disable=None):
        x, a = inputs_for(f, cfg)
        X.append(x)
        A.append(a if a is not None else np.zeros((cfg.frames, 16), np.float32))
    X, A = np.stack(X), (np.stack(A) if audio else None)
    prep_s = (time.perf_counter() - t0) / len(pairs)
    y = targets(posts, target)
    tr, va = time_split(posts)
    if not va:
        raise ReelscoreError("need at least 4 posts of one account for a time-ordered validation split")
    base = metadata_baseline(posts, y, tr, va)
    ckpt = vivit_path(name).with_suffix(".ckpt")
    bar = tqdm(total=epochs, desc="training", unit="epoch", disable=None)

    def progress(rec):
        bar.update(1)
        bar.set_postfix({k: round(v, 4) for k, v in rec.items() if k != "epoch"})

    def checkpoint(state):
        import torch

        ckpt.parent.mkdir(parents=True, exist_ok=True)
        torch.save(state, ckpt)

    est = ViViTRegressor(config=cfg, epochs=epochs, seed=seed, device=device)
    t1 = time.perf_counter()
    est.fit(X[tr], A[tr] if A is not None else None, y[tr], X[va], A[va] if A is not None else None, y[va],
            progress=progress, checkpoint=checkpoint, resume=ckpt if resume and ckpt.is_file() else None)
    bar.close()
    train_s = time.perf_counter() - t1
    pv = est.predict(X[va], A[va] if A is not None else None)
    sp = spearman(pv, y[va])
    t2 = time.perf_counter()
    est.predict(X[:1], A[:1] if A is not None else None)
    infer_s = time.perf_counter() - t2
    n_params = sum(p.numel() for p in est.model_.parameters())
    res = {"name": name, "n_videos": len(pairs), "n_train": len(tr), "n_val": len(va), "target": target,
           "tokens": tokens, "audio": audio, "device": device, "parameters": int(n_params),
           "val_spearman": sp, "baseline_without_video_spearman": base, "epochs_run": len(est.history_),
           "seconds_per_clip_inputs": round(prep_s, 3), "seconds_training": round(train_s, 2),
           "seconds_per_clip_inference_model_only": round(infer_s, 4)}
    better = sp is not None and (base is None or sp > base)
    if not better and not force:
        res["saved_to"] = None
        res["refused"] = ("held-out Spearman does not beat the baseline without video; not saved "
                          "(rerun with --force to save anyway)")
        return res
    card = {"model": f"vivit:{name}", "date": dt.date.today().isoformat(), "data": f"{history} + {videos}",
            "architecture": "ViViT factorised encoder" + (" + audio tokens" if audio else ""), **res,
            "command": f"reelscore train vivit --history {history} --videos {videos} --name {name} --target {target} "
                       f"--tokens {tokens} --device {device} --epochs {epochs}"}
    est.save(vivit_path(name), card)
    ckpt.unlink(missing_ok=True)
    res["saved_to"] = str(vivit_path(name))
    res["use"] = f"reelscore analyze VIDEO --model {name}"
    return res
