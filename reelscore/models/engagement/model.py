"""The engagement model: LightGBM quantile regressors for log10 views (10/50/90 %) and per-view
rates of likes, comments, shares and saves, with conformal (CQR) widening so that the 80 %
intervals cover 80 % on creators not seen in training.

Two variants are fitted: with the follower count and without it (used when it is unknown, with
its own, wider, calibrated intervals). sklearn-style: hyperparameters in __init__, learning in
`fit`, learned state in attributes ending in `_`; `save`/`load` a single gzipped JSON file.
"""
from __future__ import annotations

from collections.abc import Mapping

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .jsonio import load_json_gz, save_json_gz
from .features import BASE_FEATURES, N_EMBED, TARGETS, TEXT_FEATURES, TREND_FEATURES, missing_key
from .metrics import baseline_at

FORMAT = "reelscore-engagement-2"
# the inputs of models saved before files recorded their layout
LEGACY_BASE = [
    "log_followers", "duration_s", "log_age_days", "hour", "weekday",
    "cap_length", "cap_words", "cap_lines", "cap_emoji", "cap_questions", "cap_exclaims", "cap_caps_ratio",
    "cap_has_cta", "cap_has_hook", "cap_mentions", "cap_sentiment", "cap_lang_vi", "cap_lang_en", "cap_empty",
    "tag_count", "tag_generic", "tag_niche", "tag_mean_len",
    "sound_original", "sound_title_original", "log_sound_uses_borrowed",
]
TREND_SHRINK = 5.0  # pseudo-posts pulling a hashtag's/sound's mean residual toward 0


class TrendTable:
    """Hashtag and sound trends learned from posts: the shrunk mean of log10 views above the global
    mean among posts using that hashtag (or borrowed sound). For training rows, each creator's own
    posts are left out of the statistics they see (no target leakage)."""

    def __init__(self, tags=None, sounds=None, glob=0.0):
        self.tags = tags or {}  # tag -> [sum of residuals, n posts, n creators]
        self.sounds = sounds or {}
        self.glob = glob
        self._by_user = {}

    @classmethod
    def fit(cls, rows: list[dict], y: np.ndarray) -> "TrendTable":
        ok = np.isfinite(y)
        t = cls(glob=float(np.mean(y[ok])))
        users: dict[str, set] = {}
        for r, v in zip(rows, y):
            if not np.isfinite(v):
                continue
            res = float(v) - t.glob
            u = r.get("_user") or ""
            for key, table in ([("t:" + g, t.tags) for g in r.get("_tags", [])] +
                               ([("s:" + r["_sound"], t.sounds)] if r.get("_sound") else [])):
                k = key[2:]
                e = table.setdefault(k, [0.0, 0, 0])
                e[0] += res
                e[1] += 1
                if u not in users.setdefault(key, set()):
                    users[key].add(u)
                    e[2] += 1
                bu = t._by_user.setdefault((key, u), [0.0, 0])
                bu[0] += res
                bu[1] += 1
        # keep entries seen from at least 2 creators (a trend, not one account's habit)
        t.tags = {k: v for k, v in t.tags.items() if v[2] >= 2}
        t.sounds = {k: v for k, v in t.sounds.items() if v[2] >= 2}
        return t

    def _stat(self, table, prefix, key, user, loo):
        e = table.get(key)
        if e is None:
            return None
        s, n = e[0], e[1]
        if loo and user is not None:
            bu = self._by_user.get((prefix + key, user))
            if bu:
                s, n = s - bu[0], n - bu[1]
        if n <= 0:
            return None
        return s / (n + TREND_SHRINK), n

    def features(self, row: dict, loo: bool = False) -> list[float]:
        u = row.get("_user") if loo else None
        vals = [v for g in row.get("_tags", []) if (v := self._stat(self.tags, "t:", g, u, loo)) is not None]
        w = [v[0] for v in vals]
        snd = self._stat(self.sounds, "s:", row["_sound"], u, loo) if row.get("_sound") else None
        nan = float("nan")
        return [max(w) if w else nan, float(np.mean(w)) if w else nan, float(len(w)),
                snd[0] if snd else nan, float(np.log10(1 + snd[1])) if snd else 0.0]

    def to_json(self) -> dict:
        return {"tags": self.tags, "sounds": self.sounds, "glob": self.glob}

class LazyBoosters(Mapping):
    """LightGBM boosters parsed from their saved text on first use: a prediction uses one variant
    (follower count known or not), half of them, so a cold start parses 15 of 30 (about 0.2 s less).
    Thread-safe."""

    def __init__(self, strings: dict[str, str]):
        import threading

        self._strings = dict(strings)
        self._parsed: dict = {}
        self._lock = threading.Lock()

    def __getitem__(self, key):
        with self._lock:
            b = self._parsed.get(key)
            if b is None:
                import lightgbm as lgb

                b = self._parsed[key] = lgb.Booster(model_str=self._strings[key])
            return b

    def __iter__(self):
        return iter(self._strings)

    def __len__(self):
        return len(self._strings)


class TextModel:
    """Caption text -> log10 views: character n-gram (2-4, within words) TF-IDF and a ridge.

    Its prediction is one input of the trees ("cap_text_score"). For the training rows that input is
    computed out of fold, grouped by creator, so the trees see what it does on unseen creators.
    In grouped CV it raised Spearman on views from 0.325 to 0.340 (followers known)."""

    ALPHA = 3.0
    MIN_TEXTS = 200

    def __init__(self, vocabulary: dict[str, int], idf: np.ndarray, coef: np.ndarray, intercept: float):
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vec = TfidfVectorizer(**self._params(), vocabulary=vocabulary)
        self.vec.idf_ = np.asarray(idf, float)
        self.coef, self.intercept = np.asarray(coef, float), float(intercept)

    @staticmethod
    def _params() -> dict:
        return dict(analyzer="char_wb", ngram_range=(2, 4), min_df=3, sublinear_tf=True, max_features=50000)

    @classmethod
    def fit(cls, texts: list[str], y: np.ndarray) -> "TextModel | None":
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import Ridge

        ok = [i for i, t in enumerate(texts) if t and t.strip() and np.isfinite(y[i])]
        if len(ok) < cls.MIN_TEXTS:
            return None
        vec = TfidfVectorizer(**cls._params())
        A = vec.fit_transform([texts[i] for i in ok])
        r = Ridge(alpha=cls.ALPHA).fit(A, y[ok])
        return cls({k: int(v) for k, v in vec.vocabulary_.items()}, vec.idf_, r.coef_, r.intercept_)

    @classmethod
    def out_of_fold(cls, texts: list[str], y: np.ndarray, users: list, k: int = 5) -> np.ndarray:
        """Each row's score from a model fitted without its creator's posts (grouped k-fold)."""
        names = sorted({u or f"_anon{i}" for i, u in enumerate(users)})
        fold_of = dict(zip(names, np.random.default_rng(1).permutation(len(names)) % k))
        fold = np.array([fold_of[u or f"_anon{i}"] for i, u in enumerate(users)])
        out = np.full(len(texts), np.nan)
        for j in range(k):
            tr, te = np.nonzero(fold != j)[0], np.nonzero(fold == j)[0]
            m = cls.fit([texts[i] for i in tr], y[tr])
            if m is not None:
                out[te] = m.predict([texts[i] for i in te])
        return out

    def predict(self, texts: list[str]) -> np.ndarray:
        out = np.full(len(texts), np.nan)
        idx = [i for i, t in enumerate(texts) if t and t.strip()]  # no text: unknown, not "average"
        if idx:
            out[idx] = self.vec.transform([texts[i] for i in idx]) @ self.coef + self.intercept
        return out

    def to_json(self) -> dict:
        return {"vocabulary": self.vec.vocabulary, "idf": [round(float(v), 5) for v in self.vec.idf_],
                "coef": [round(float(v), 6) for v in self.coef], "intercept": self.intercept}

    @classmethod
    def from_json(cls, d: dict | None) -> "TextModel | None":
        return None if not d else cls(d["vocabulary"], d["idf"], d["coef"], d["intercept"])


QUANTILES = (0.1, 0.5, 0.9)


@dataclass
class EngagementModel:
    # chosen in grouped CV on both samples (broad / viral Spearman): 15 leaves, 400 trees, lr 0.03 -> 0.699 / 0.350;
    # 31 leaves, 600 trees -> 0.687 / 0.359; 31 leaves, 800 trees, lr 0.02 -> 0.690 / 0.361 (kept)
    n_estimators: int = 800
    learning_rate: float = 0.02
    num_leaves: int = 31
    min_child_samples: int = 30
    use_embeddings: bool = False  # MiniLM caption components lowered grouped-CV Spearman (0.294 vs 0.309)
    seed: int = 0
    drop_features: tuple = ()  # inputs left out (ablations: e.g. the content features)
    augment: bool = True  # broad posts copied with optional inputs withheld (see _augment_missing)

    # ---- features -------------------------------------------------------------------
    def feature_names(self, followers: bool) -> list[str]:
        stored = getattr(self, "features_", None)  # the layout a saved model was trained with
        if stored:
            return list(stored["followers" if followers else "no_followers"])
        names = [f for f in BASE_FEATURES if followers or f != "log_followers"] + TREND_FEATURES + TEXT_FEATURES
        if self.use_embeddings:
            names += [f"emb_{i}" for i in range(N_EMBED)]
        return [n for n in names if n not in set(self.drop_features)]

    def _legacy_layout(self) -> dict[str, list[str]]:
        """Feature layout of a file saved without one: today's, less the text score if its trees
        have one input fewer (models from before the text score)."""
        out = {}
        for v in ("followers", "no_followers"):
            names = [f for f in LEGACY_BASE if v == "followers" or f != "log_followers"] + TREND_FEATURES + TEXT_FEATURES
            n = self.boosters_[f"{v}|views|0.5"].num_feature()
            out[v] = names if n == len(names) else [f for f in names if f not in TEXT_FEATURES]
        return out

    def matrix(self, rows: list[dict], emb: np.ndarray | None, followers: bool, loo: bool = False,
               text_scores: np.ndarray | None = None) -> np.ndarray:
        """Model inputs. loo: trend features without each row's own creator; text_scores: the text
        model's out-of-fold scores of these rows (training), else the fitted text model scores them."""
        names = self.feature_names(followers)
        col = {n: j for j, n in enumerate(names)}
        X = np.full((len(rows), len(names)), np.nan)
        base = [n for n in names if not n.startswith("emb_") and n not in TREND_FEATURES + TEXT_FEATURES]
        bj = [col[n] for n in base]
        tj = [col[n] for n in TREND_FEATURES]
        for i, r in enumerate(rows):
            X[i, bj] = [r.get(n, np.nan) for n in base]
            X[i, tj] = self.trends_.features(r, loo)
        if "cap_text_score" in col:
            if text_scores is not None:
                X[:, col["cap_text_score"]] = text_scores
            elif getattr(self, "text_", None) is not None:
                X[:, col["cap_text_score"]] = self.text_.predict([r.get("_text", "") for r in rows])
        if self.use_embeddings:
            X[:, [col[f"emb_{i}"] for i in range(N_EMBED)]] = self.project(emb)
        return X

    def fit_projection(self, emb: np.ndarray) -> None:
        keep = np.abs(emb).sum(1) > 0
        E = emb[keep]
        self.emb_mean_ = E.mean(0)
        C = np.cov((E - self.emb_mean_).T)
        w, v = np.linalg.eigh(C)  # ascending eigenvalues
        self.emb_components_ = v[:, ::-1][:, :N_EMBED].T.copy()

    def project(self, emb: np.ndarray | None) -> np.ndarray:
        if emb is None:
            return np.full((0, N_EMBED), np.nan)
        Z = (emb - self.emb_mean_) @ self.emb_components_.T
        Z[np.abs(emb).sum(1) == 0] = np.nan  # no caption text: missing, not "average"
        return Z

    # ---- training ---------------------------------------------------------------------
    def _booster(self, X, y, alpha: float, w=None):
        import lightgbm as lgb

        # the median uses the Huber loss (better ranking here: Spearman 0.330 vs 0.321 in grouped CV);
        # the 10 % / 90 % bounds use the quantile loss and are then conformally calibrated
        params = dict(objective="huber" if alpha == 0.5 else "quantile", alpha=0.9 if alpha == 0.5 else alpha, learning_rate=self.learning_rate, num_leaves=self.num_leaves,
                      min_child_samples=self.min_child_samples, subsample=0.8, subsample_freq=1,
                      colsample_bytree=0.8, reg_lambda=1.0, verbose=-1, seed=self.seed, num_threads=1)
        return lgb.train(params, lgb.Dataset(X, y, weight=w), num_boost_round=self.n_estimators)

    def fit(self, rows: list[dict], emb: np.ndarray | None, y: dict[str, np.ndarray],
            calib: dict[str, dict[str, float]] | None = None) -> "EngagementModel":
        """Fit both variants. `calib` = conformal margins per variant/target (from `crossval`)."""
        if self.use_embeddings:
            self.fit_projection(emb)
        # hashtag/sound trends and the caption text model learn what goes with more views *within* a
        # kind of sample: views centred on their sample's mean, so neither learns "looks like the
        # viral scrape" (e.g. its language) as a sign of quality
        yc = _centred_by_source(rows, y["views"])
        self.trends_ = TrendTable.fit(rows, yc)
        texts = [r.get("_text", "") for r in rows]
        self.text_ = TextModel.fit(texts, yc)
        oof_text = TextModel.out_of_fold(texts, yc, [r.get("_user") for r in rows])
        self.boosters_ = {}
        for variant, fol in (("followers", True), ("no_followers", False)):
            X = self.matrix(rows, emb, fol, loo=True, text_scores=oof_text)
            X, Y, W = self._augment_missing(rows, X, y, fol)
            for t in TARGETS:
                ok = np.isfinite(Y[t])
                for q in QUANTILES if t == "views" else (0.1, 0.5, 0.9):
                    self.boosters_[f"{variant}|{t}|{q}"] = self._booster(X[ok], Y[t][ok], q, W[ok])
        self.calib_ = calib or {}
        return self

    # the broad sample always has account columns and content features, the viral scrape never: left
    # alone, the trees would read "inputs missing" as "a post that went viral". Copies of the broad
    # posts with those inputs withheld (weight AUG_WEIGHT each) teach what a creator who gives only a
    # follower count, or a caption without a video, should expect on the broad scale.
    AUG_PATTERNS = (("account", "history"), ("content",), ("account", "history", "content"))
    AUG_WEIGHT = 0.5

    def _augment_missing(self, rows, X, y, followers: bool):
        from .features import MISSING_GROUPS

        names = self.feature_names(followers)
        col = {n: j for j, n in enumerate(names)}
        broad = np.array([r.get("src_viral", 0.0) != 1.0 for r in rows])
        if not self.augment or not broad.any() or broad.all():
            return X, y, np.ones(len(X))
        parts, ys, ws = [X], [y], [np.ones(len(X))]
        for pat in self.AUG_PATTERNS:
            cols = [col[c] for g in pat for c in MISSING_GROUPS[g] if c in col]
            Xa = X[broad].copy()
            Xa[:, cols] = np.nan
            parts.append(Xa)
            ys.append({t: v[broad] for t, v in y.items()})
            ws.append(np.full(int(broad.sum()), self.AUG_WEIGHT))
        return np.vstack(parts), {t: np.concatenate([d[t] for d in ys]) for t in y}, np.concatenate(ws)

    # ---- prediction ---------------------------------------------------------------------
    def predict(self, rows: list[dict], emb: np.ndarray | None, raw: bool = False) -> dict[str, np.ndarray]:
        """{target: (N, 3) array of p10, p50, p90} in log10 units (views) / log10 rate (others).

        Rows without `log_followers` use the no-followers variant. Conformal margins are applied
        unless `raw`; quantiles are sorted so p10 <= p50 <= p90."""
        has_f = np.array([np.isfinite(r.get("log_followers", np.nan)) for r in rows])
        out = {t: np.zeros((len(rows), 3)) for t in TARGETS}
        for variant, fol, mask in (("followers", True, has_f), ("no_followers", False, ~has_f)):
            if not mask.any():
                continue
            sub = [r for r, m in zip(rows, mask) if m]
            X = self.matrix(sub, emb[mask] if emb is not None else None, fol)
            for t in TARGETS:
                P = np.stack([self.boosters_[f"{variant}|{t}|{q}"].predict(X) for q in QUANTILES], 1)
                P.sort(1)
                if t == "views" and getattr(self, "personal_", None):
                    P += self.personal_["offset"]
                if not raw:
                    m = np.array([self.margin(variant, t, r) for r in sub])
                    P[:, 0] -= m
                    P[:, 2] += m
                out[t][mask] = P
        return out

    def uses_content(self) -> bool:
        """Trained with video content statistics (faces, audio) as inputs."""
        return any(n.startswith("c_") for n in self.feature_names(True))

    def margin(self, variant: str, target: str, row: dict) -> float:
        """The conformal margin (log10) for a row: calibrated on its kind of sample (broad or viral) and
        its pattern of missing inputs, never narrower than with complete inputs."""
        cal = self.calib_.get(variant, {})
        if "sources" in cal:  # per-sample calibration (models from v2 on)
            src = "viral" if row.get("src_viral") == 1.0 else "broad"
            cal = cal["sources"].get(src) or next(iter(cal["sources"].values()))
        base = cal.get(target, 0.0)
        return max(base, cal.get("missing", {}).get(missing_key(row), {}).get(target, base))

    def baseline(self, log_followers: float | None) -> float:
        """Median log10 views of training posts of accounts of that size (the score's "typical")."""
        return baseline_at(self.reference_["baseline"], log_followers)

    def contributions(self, row: dict, emb: np.ndarray | None) -> dict[str, float]:
        """Tree SHAP contributions (log10 views) of each feature to the median view prediction."""
        fol = np.isfinite(row.get("log_followers", np.nan))
        variant = "followers" if fol else "no_followers"
        X = self.matrix([row], emb, fol)
        c = self.boosters_[f"{variant}|views|0.5"].predict(X, pred_contrib=True)[0]
        names = self.feature_names(fol)
        d = dict(zip(names, c[:-1]))
        d["_bias"] = float(c[-1])
        return d

    # ---- persistence --------------------------------------------------------------------
    def save(self, path: str | Path, card: dict | None = None) -> None:
        d = {"format": FORMAT, "params": {k: getattr(self, k) for k in
             ("n_estimators", "learning_rate", "num_leaves", "min_child_samples", "use_embeddings", "seed",
                "drop_features", "augment")},
             "boosters": {k: b.model_to_string() for k, b in self.boosters_.items()},
             "calib": self.calib_, "card": card or getattr(self, "card_", {}),
             "reference": getattr(self, "reference_", None), "personal": getattr(self, "personal_", None),
             "trends": self.trends_.to_json(),
             "text": self.text_.to_json() if getattr(self, "text_", None) is not None else None,
             "features": {"followers": self.feature_names(True), "no_followers": self.feature_names(False)}}
        if self.use_embeddings:
            d["emb_mean"] = self.emb_mean_.tolist()
            d["emb_components"] = self.emb_components_.tolist()
        save_json_gz(path, d)

    @classmethod
    def load(cls, path: str | Path) -> "EngagementModel":
        d = load_json_gz(path)
        if d.get("format") not in ("reelscore-engagement-1", FORMAT):
            raise ValueError(f"{path}: not a reelscore engagement model")
        m = cls(**d["params"])
        m.boosters_ = LazyBoosters(d["boosters"])
        m.calib_ = d["calib"]
        m.card_ = d.get("card", {})
        m.reference_ = d.get("reference")
        tr = d.get("trends") or {}
        m.trends_ = TrendTable(tr.get("tags"), tr.get("sounds"), tr.get("glob", 0.0))
        m.personal_ = d.get("personal")
        m.text_ = TextModel.from_json(d.get("text"))
        m.features_ = d.get("features") or (m._legacy_layout() if d["format"] == "reelscore-engagement-1" else None)
        if m.use_embeddings:
            m.emb_mean_ = np.asarray(d["emb_mean"])
            m.emb_components_ = np.asarray(d["emb_components"])
        return m


def _centred_by_source(rows: list[dict], y: np.ndarray) -> np.ndarray:
    src = np.array([r.get("src_viral", 0.0) == 1.0 for r in rows])
    out = y.astype(float).copy()
    for m in (src, ~src):
        ok = m & np.isfinite(out)
        if ok.any():
            out[m] -= np.mean(out[ok])
    return out


def today() -> str:
    return dt.date.today().isoformat()
