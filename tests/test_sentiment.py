"""The trained caption sentiment model: readings a person would agree with, the evaluate command,
training that beats its inputs, and fallbacks said out loud."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

CASES = [
    ("This was not good at all. Never buying again 😡", "negative"),
    ("Best day ever with my girls 😍🔥", "positive"),
    ("😂😂😂", "positive"),
    ("I hate how much I love this 😍", "positive"),
    ("Worst. Purchase. Ever.", "negative"),
    ("Not bad at all, actually pretty great", "positive"),
    ("I don't like it", "negative"),
    ("Great, my flight got cancelled again 🙄", "negative"),  # sarcasm marker
    ("Thanks for nothing 🙄", "negative"),
    ("This is absolutely amazing!!!", "positive"),
    ("so disappointed, it broke after one day 😢", "negative"),
    ("Thank you all for the support ❤️", "positive"),
    ("💔💔", "negative"),
    ("Never have I ever been this happy", "positive"),
]


@pytest.fixture(scope="module")
def backend():
    from reelscore.models.sentiment import get_backend

    return get_backend("default")


def test_default_is_the_trained_model(backend):
    assert backend.name == "minilm" and not backend.heuristic


@pytest.mark.parametrize("text,label", CASES)
def test_readings(backend, text, label):
    from reelscore.text.caption import caption_features

    s = caption_features(text)["sentiment"]
    assert s["label"] == label, (text, s)
    assert (s["compound"] < 0) if label == "negative" else (s["compound"] > 0)


def test_other_languages_fall_back_with_a_note():
    from reelscore.text.caption import caption_features

    s = caption_features("Hôm nay trời đẹp quá, mình đi chơi công viên với cả nhà")["sentiment"]
    assert s["backend"] == "vader" and s["note"] and "vi" in s["note"] and not s["reliable"]


def test_caption_cli_negative_compound():
    p = subprocess.run([sys.executable, "-m", "reelscore.presentation.cli", "caption",
                        "This was not good at all. Never buying again 😡", "--json"], capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    s = json.loads(p.stdout)["sentiment"]
    assert s["compound"] < 0 and s["backend"] == "minilm" and s["trained"]


def test_evaluate_sentiment_cli(tmp_path):
    f = tmp_path / "r.tsv"
    rows = ["id\tsentiment\ttext"] + [f"{i}\t{v}\t{t}" for i, (t, v) in enumerate([
        ("I love this so much", 3.2), ("This is terrible", -3.0), ("It's okay I guess", 0.3), ("Awful service", -2.5),
        ("Great job everyone", 2.8), ("meh", -0.2)])]
    f.write_text("\n".join(rows) + "\n")
    p = subprocess.run([sys.executable, "-m", "reelscore.presentation.cli", "evaluate-sentiment", "--data", str(f),
                        "--json"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["n"] == 6 and d["pearson"] > 0.8 and d["sign_accuracy"] >= 5 / 6 and d["backend"] == "minilm"
    p = subprocess.run([sys.executable, "-m", "reelscore.presentation.cli", "evaluate-sentiment", "--data", str(f),
                        "--sentiment", "vader", "--json"], capture_output=True, text=True, timeout=120)
    assert json.loads(p.stdout)["backend"] == "vader"


def test_head_training_beats_vader_and_round_trips(tmp_path):
    """Training on a subset of the human ratings: held-out Pearson above VADER's on the same rows."""
    import numpy as np

    from conftest import SHARED, need
    from reelscore.models.sentiment import SentimentHead
    from reelscore.workflows.sentiment import features, read_ratings

    texts, y, corpus = read_ratings(need(SHARED / "data" / "sentiment_hutto2014" / "movieReviewSnippets_train.tsv"))
    texts, y = texts[:900], y[:900]
    E, V, S = features(texts)
    tr, te = slice(0, 700), slice(700, 900)
    h = SentimentHead(n_trees=200).fit(E[tr], V[tr], S[tr], y[tr])
    p = h.predict_rating(E[te], V[te], S[te])
    r_model = np.corrcoef(p, y[te])[0, 1]
    r_vader = np.corrcoef(V[te, 0], y[te])[0, 1]
    assert r_model > r_vader + 0.05, (r_model, r_vader)
    h.save(tmp_path / "h.json.gz", {"test": True})
    h2 = SentimentHead.load(tmp_path / "h.json.gz")
    assert np.allclose(h2.predict_rating(E[te], V[te], S[te]), p)
