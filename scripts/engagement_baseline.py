"""The issue's reference point for the engagement model: a plain LightGBM (defaults, 100 rounds) on
metadata alone, under reelscore's 5-fold CV grouped by creator. Prints Spearman of predicted vs
actual log views, with and without the sound use count (partly measured after posting).

    python scripts/engagement_baseline.py [--data ../shared/data/tiktok_2025_train.csv]
"""
import argparse

import lightgbm as lgb
import numpy as np
from scipy.stats import spearmanr

from reelscore.models.engagement.data import load_posts
from reelscore.models.engagement.metrics import group_folds, prepare

COLS = ["log_followers", "duration_s", "log_age_days", "hour", "weekday", "tag_count", "cap_length", "sound_original",
        "log_sound_uses_any"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data/tiktok_2025_train.csv")
    a = ap.parse_args()
    posts = [p for p in load_posts(a.data) if p.views is not None]
    rows, _, y = prepare(posts, use_embeddings=False)
    folds = group_folds([p.user for p in posts], 5)
    X = np.array([[r[c] for c in COLS] for r in rows], float)
    params = dict(objective="regression", verbose=-1, num_threads=1, seed=0)
    for label, cols in (("with sound use count", slice(None)), ("without sound use count", slice(0, len(COLS) - 1))):
        pred = np.full(len(rows), np.nan)
        for test in folds:
            train = np.setdiff1d(np.arange(len(rows)), test)
            b = lgb.train(params, lgb.Dataset(X[train][:, cols], y["views"][train]), num_boost_round=100)
            pred[test] = b.predict(X[test][:, cols])
        print(f"plain LightGBM on metadata, {label}: Spearman {spearmanr(pred, y['views'])[0]:.3f}")


if __name__ == "__main__":
    main()
