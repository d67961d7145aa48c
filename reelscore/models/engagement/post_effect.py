"""The post-effect model: what makes one of a creator's posts do better than their others.

The engagement model learns mostly *between* accounts (a big account gets more views); its post inputs
carry little about which of one creator's posts will do best (grouped CV: within-creator Spearman 0.03 for
its caption, duration, posting-time and sound effects). This model learns *within* creators: the target is
a post's log10 views minus its creator's mean (creators with at least two posts), the post's age is a
nuisance input fixed to the horizon at prediction, and the inputs are what the creator chooses: caption
features and a caption text score (character n-grams, learned on the same within-creator target out of
fold), hashtags, duration, posting hour and weekday, and the sound (original or borrowed, the borrowed
sound's use count).

Effects by group (caption, duration, timing, sound) are partial dependences over real reference posts:
E_g(post) = mean_j f(post's g, reference post j's other inputs) - mean_k mean_j f(reference k's g, j's
other inputs), so an average real post's group adds 0. sklearn-style: hyperparameters in __init__,
learning in `fit`, state in attributes ending in `_`; `save`/`load` one gzipped JSON file.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .jsonio import load_json_gz, save_json_gz
from .features import HORIZON_DAYS
from .model import TextModel

FORMAT = "reelscore-post-effect-1"
GROUPS = {
    "caption": ["cap_length", "cap_words", "cap_lines", "cap_emoji", "cap_questions", "cap_exclaims", "cap_caps_ratio",
                "cap_has_cta", "cap_has_hook", "cap_mentions", "cap_sentiment", "cap_empty", "tag_count", "tag_generic",
                "tag_niche", "tag_mean_len", "cap_text_score"],
    "duration": ["duration_s"],
    "timing": ["hour", "weekday"],
    "sound": ["sound_original", "sound_title_original", "log_sound_uses_borrowed"],
}
NUISANCE = ["log_age_days"]
FEATURES = [f for g in GROUPS.values() for f in g] + NUISANCE
N_REFERENCE = 64


def demeaned(y: np.ndarray, users: list) -> tuple[np.ndarray, np.ndarray]:
    """(y minus its creator's mean, mask of posts whose creator has >= 2 posts with views)."""
    out = np.full(len(y), np.nan)
    by: dict = {}
    for i, u in enumerate(users):
        if u and np.isfinite(y[i]):
            by.setdefault(u, []).append(i)
    for idx in by.values():
        if len(idx) >= 2:
            out[idx] = y[idx] - y[idx].mean()
    return out, np.isfinite(out)


@dataclass
class PostEffectModel:
    n_estimators: int = 300
    learning_rate: float = 0.03
    num_leaves: int = 7
    min_child_samples: int = 40
    seed: int = 0

    def _matrix(self, rows: list[dict], text_scores: np.ndarray | None = None) -> np.ndarray:
        X = np.full((len(rows), len(FEATURES)), np.nan)
        for i, r in enumerate(rows):
            X[i] = [r.get(f, np.nan) for f in FEATURES]
        j = FEATURES.index("cap_text_score")
        if text_scores is not None:
            X[:, j] = text_scores
        elif getattr(self, "text_", None) is not None:
            X[:, j] = self.text_.predict([r.get("_text", "") for r in rows])
        return X

    def fit(self, rows: list[dict], y: np.ndarray, users: list) -> "PostEffectModel":
        import lightgbm as lgb

        yd, ok = demeaned(np.asarray(y, float), users)
        idx = np.nonzero(ok)[0]
        texts = [rows[i].get("_text", "") for i in idx]
        self.text_ = TextModel.fit(texts, yd[idx])
        oof = TextModel.out_of_fold(texts, yd[idx], [users[i] for i in idx])
        X = self._matrix([rows[i] for i in idx], oof)
        params = dict(objective="huber", alpha=0.5, learning_rate=self.learning_rate, num_leaves=self.num_leaves,
                      min_child_samples=self.min_child_samples, subsample=0.8, subsample_freq=1, colsample_bytree=0.8,
                      reg_lambda=1.0, verbose=-1, seed=self.seed, num_threads=1)
        self.booster_ = lgb.train(params, lgb.Dataset(X, yd[idx]), num_boost_round=self.n_estimators)
        # reference posts for the partial dependences: real posts of the training data (with their inputs)
        rng = np.random.default_rng(self.seed)
        pick = rng.choice(idx, min(N_REFERENCE, len(idx)), replace=False)
        self.reference_ = self._matrix([rows[i] for i in pick])
        self.reference_[:, FEATURES.index("log_age_days")] = math.log10(1 + HORIZON_DAYS)
        self._centres = None
        return self

    def _pd(self, X: np.ndarray, group: str) -> np.ndarray:
        """Mean over reference posts of the prediction with `group`'s inputs taken from each row of X."""
        cols = [FEATURES.index(f) for f in GROUPS[group]]
        R = self.reference_
        n, k = len(X), len(R)
        Z = np.tile(R, (n, 1))
        Z[:, cols] = np.repeat(X[:, cols], k, axis=0)
        return self.booster_.predict(Z).reshape(n, k).mean(1)

    def centre(self, group: str) -> float:
        """The average reference post's value for the group (its effect is 0)."""
        if getattr(self, "_centres", None) is None:
            self._centres = {}
        if group not in self._centres:
            self._centres[group] = float(self._pd(self.reference_, group).mean())
        return self._centres[group]

    def effects(self, rows: list[dict], groups=tuple(GROUPS)) -> list[dict[str, float]]:
        """Each row's effect (log10 views vs the creator's typical post) per group it gives."""
        X = self._matrix(rows)
        out = [dict() for _ in rows]
        for g in groups:
            cols = [FEATURES.index(f) for f in GROUPS[g]]
            known = np.isfinite(X[:, cols]).any(1)
            if g == "caption":
                known[:] = True
            idx = np.nonzero(known)[0]
            if len(idx):
                v = self._pd(X[idx], g) - self.centre(g)
                for i, e in zip(idx, v):
                    out[i][g] = float(e)
        return out

    # -- persistence ------------------------------------------------------------------------------------
    def save(self, path: str | Path, card: dict | None = None) -> None:
        d = {"format": FORMAT, "params": {k: getattr(self, k) for k in
                                           ("n_estimators", "learning_rate", "num_leaves", "min_child_samples", "seed")},
             "booster": self.booster_.model_to_string(), "text": self.text_.to_json() if self.text_ else None,
             "reference": np.round(self.reference_, 5).tolist(), "features": FEATURES, "card": card or {}}
        save_json_gz(path, d)

    @classmethod
    def load(cls, path: str | Path) -> "PostEffectModel":
        import lightgbm as lgb

        d = load_json_gz(path)
        if d.get("format") != FORMAT or d.get("features") != FEATURES:
            raise ValueError(f"{path}: not a reelscore post-effect model of this version")
        m = cls(**d["params"])
        m.booster_ = lgb.Booster(model_str=d["booster"])
        m.text_ = TextModel.from_json(d.get("text"))
        m.reference_ = np.asarray(d["reference"], float)
        m.card_ = d.get("card", {})
        m._centres = None
        return m
