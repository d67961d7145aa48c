"""Caption analysis: sentiment with known polarity, CTA/hook/hashtags, Unicode robustness, backends."""
import json
import subprocess
import sys

import numpy as np
import pytest

from reelscore.text.caption import caption_features
from reelscore.models.sentiment import VaderBackend


@pytest.mark.parametrize("text,sign", [
    ("I love this, it is amazing!", 1), ("This is terrible and I hate it.", -1),
    ("😍😍🔥", 1), ("😡💔", -1), ("This is not good at all.", -1), ("I don't hate it, it's great", 1),
])
def test_vader_polarity(text, sign):
    c = VaderBackend().predict([text])[0].compound
    assert c * sign > 0.05, (text, c)


def test_cta_hook_hashtags():
    f = caption_features("How to make cold brew in 3 steps? Save this for later! #coffee #coldbrew #fyp #fyp")
    assert f["has_hook"] and {"question", "number", "how_to"} <= set(f["hook_patterns"])
    assert "save" in f["cta"] and f["cta_visible"]
    assert f["hashtag_count"] == 4 and f["generic_hashtags"] == ["fyp", "fyp"] and f["duplicate_hashtags"] == 1
    assert f["niche_hashtag_count"] == 2


def test_cta_other_languages():
    assert "comment" in caption_features("Bình luận cho mình biết nhé")["cta"]
    assert "follow" in caption_features("Sígueme para más recetas")["cta"]


@pytest.mark.parametrize("text", ["", "   ", "مرحبا بالعالم! هذا رائع", "这个视频太好看了！#美食", "Xin chào các bạn, món này ngon lắm",
                                  "👩‍👩‍👧‍👦👨🏽‍💻🏳️‍🌈", "a" * 10_000, "\u0000\u200b\ufeff", "#" * 50])
def test_any_unicode_is_safe(text):
    f = caption_features(text)
    assert -1 <= f["sentiment"]["compound"] <= 1


def test_non_english_sentiment_marked_unreliable():
    f = caption_features("Món này ngon lắm các bạn ơi, thử ngay nhé")
    assert f["language"] == "vi" and not f["sentiment"]["reliable"]
    assert "sentiment" in f["english_only_signals_unreliable"]


@pytest.mark.slow
def test_caption_cli_json_keys():
    p = subprocess.run([sys.executable, "-m", "reelscore.presentation.cli", "caption",
                        "My morning routine #morning #fyp", "--json"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert -1 <= d["sentiment"]["compound"] <= 1
    assert d["call_to_action"]["present"] is False
    msgs = " ".join(s["message"] for s in d["suggestions"])
    assert "call to action" in msgs  # the other advice only where the learned caption effect gains from it
    assert all(s["expected_gain"] > 0 for s in d["suggestions"])
    assert any(s.get("target") for s in d["suggestions"])


def test_suggestions_name_the_fix():
    from reelscore.workflows.caption import analyze_caption

    d = analyze_caption("Great view today. Is this the best beach in Bali? #travel")
    msgs = [s["message"] for s in d["suggestions"]]
    assert any("Move the question to the first line" in m for m in msgs), msgs
    assert any("Save this for later" in m for m in msgs), msgs


@pytest.mark.parametrize("text", [
    "Get yours today on Lazada! Smart plug 50% off #smarthome",
    "What smart home tech do you use? #smarthome",
    "Ikuti lomba foto dan menangkan hadiah jutaan rupiah! #lomba",
    "¿Cuál prefieres tú? #cafe",
])
def test_no_call_to_action_advice_when_the_caption_has_one(text):
    """Questions put to the viewer, shopping calls and contests are calls to action too (issue 27)."""
    from reelscore.workflows.caption import analyze_caption

    d = analyze_caption(text)
    assert d["call_to_action"]["present"], text
    assert not any("call to action" in s["message"].lower() for s in d["suggestions"]), d["suggestions"]


def test_transformers_backend_with_tiny_model(tmp_path):
    """Load, batch and output shape with a randomly initialised model and tokenizer files made here."""
    transformers = pytest.importorskip("transformers")
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    from reelscore.models.sentiment import TransformersBackend

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "i", "love", "hate", "this", "coffee", "!", "."]
    (tmp_path / "vocab.txt").write_text("\n".join(vocab) + "\n")
    tok = BertTokenizerFast(vocab_file=str(tmp_path / "vocab.txt"))
    cfg = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=32, num_labels=3,
                     id2label={0: "negative", 1: "neutral", 2: "positive"}, label2id={"negative": 0, "neutral": 1, "positive": 2})
    BertForSequenceClassification(cfg).save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    be = TransformersBackend(str(tmp_path), batch_size=2)
    out = be.predict(["i love this coffee !", "i hate this .", "coffee", ""])
    assert len(out) == 4
    for r in out:
        assert set(r.probs) == {"negative", "neutral", "positive"}
        assert sum(r.probs.values()) == pytest.approx(1, abs=1e-5) and -1 <= r.compound <= 1
    _ = transformers


def test_transformers_backend_missing_weights_message(tmp_path):
    from reelscore.errors import ModelUnavailableError
    from reelscore.models.sentiment import TransformersBackend

    with pytest.raises(ModelUnavailableError, match="not found locally"):
        TransformersBackend(str(tmp_path / "absent"))


def test_trends_file_load_and_match(tmp_path):
    from reelscore.errors import InputError
    from reelscore.text.trends import install, load, match

    good = tmp_path / "t.csv"
    good.write_text("kind,name,weight,date\nhashtag,#CoffeeTok,0.8,2026-11-01\ntopic,home espresso,0.5,2026-11-01\n")
    dest = install(good)
    t = load(dest)
    assert [x.name for x in t] == ["coffeetok", "home espresso"]
    m = match(["coffeetok", "cats"], "my espresso routine at home", t)
    assert m["trending_hashtags"][0]["name"] == "coffeetok" and m["trend_weight"] == 0.8
    assert m["closest_topic"] == "home espresso" and m["topic_similarity"] > 0.3
    bad = tmp_path / "bad.csv"
    bad.write_text("kind,name,weight,date\nhashtag,x,high,2026-11-01\n")
    with pytest.raises(InputError, match="weight must be a number"):
        install(bad)
    assert load(dest)[0].name == "coffeetok", "a rejected file leaves the active one in place"


def test_onnx_embeddings_match_sentence_transformers():
    """The fast path (ONNX Runtime + tokenizers) gives the sentence-transformers vectors."""
    from reelscore.models.embeddings import embed

    texts = ["3 coffee tips nobody tells you ☕ Save this!", "", "Đơn giản dễ làm lắm đó quý vị ơi..", "long " * 400]
    fast = embed(texts, runtime="onnxruntime")
    ref = embed(texts, runtime="sentence-transformers")
    assert fast.shape == (4, 384) and not fast[1].any()
    assert np.abs(fast - ref).max() < 1e-4
    np.testing.assert_allclose(np.linalg.norm(fast[[0, 2, 3]], axis=1), 1.0, atol=1e-5)
