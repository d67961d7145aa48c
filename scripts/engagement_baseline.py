"""The issues' reference points for the engagement model, under reelscore's 5-fold CV grouped by
creator: follower count alone, and a plain LightGBM (defaults, 100 rounds) on metadata alone.
Prints Spearman of predicted vs actual log views.

    python scripts/engagement_baseline.py [--data ../shared/data/tiktok_2025_train.csv]
    python scripts/engagement_baseline.py --data ../shared/data/smp_video_train.csv     # the broad sample
"""
import argparse

import lightgbm as lgb
import numpy as np
from scipy.stats import spearmanr

from reelscore.models.engagement.data import load_posts
from reelscore.models.engagement.features import prepare
from reelscore.models.engagement.metrics import group_folds

COLS = ["log_followers", "duration_s", "log_age_days", "hour", "weekday", "tag_count", "cap_length", "sound_original",
        "log_sound_uses_any"]
# SMP-Video: the account columns it adds (the quick baseline also used them)
COLS_BROAD = ["log_followers", "log_following", "log_account_likes", "log_videos", "duration_s", "hour", "weekday",
              "tag_count", "sound_original"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data/tiktok_2025_train.csv")
    a = ap.parse_args()
    posts = [p for p in load_posts(a.data) if p.views is not None]
    rows, _, y = prepare(posts, use_embeddings=False)
    folds = group_folds([p.user for p in posts], 5)
    lf = np.array([r["log_followers"] for r in rows])
    print(f"{len(posts)} posts ({posts[0].source} sample); followers alone: Spearman "
          f"{spearmanr(lf, y['views'], nan_policy='omit')[0]:.3f}")
    broad = posts[0].source == "broad"
    cols = COLS_BROAD if broad else COLS
    X = np.array([[r[c] for c in cols] for r in rows], float)
    params = dict(objective="regression", verbose=-1, num_threads=1, seed=0)
    variants = [("metadata", slice(None))] if broad else [("with sound use count", slice(None)),
                                                            ("without sound use count", slice(0, len(cols) - 1))]
    for label, sel in variants:
        pred = np.full(len(rows), np.nan)
        for test in folds:
            train = np.setdiff1d(np.arange(len(rows)), test)
            b = lgb.train(params, lgb.Dataset(X[train][:, sel], y["views"][train]), num_boost_round=100)
            pred[test] = b.predict(X[test][:, sel])
        print(f"plain LightGBM on {label}: Spearman {spearmanr(pred, y['views'])[0]:.3f}")


if __name__ == "__main__":
    main()
