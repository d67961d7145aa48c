"""Sentiment backends behind one interface: `predict(texts) -> list[SentimentResult]`.

- `vader` (default): VADER lexicon + emoji lexicon, offline, English only.
- `transformers:<path-or-hub-id>`: any Hugging Face sequence-classification checkpoint (e.g. a
  Twitter-trained RoBERTa sentiment model) loaded from a local path or the HF cache, never
  downloaded implicitly (HF_HUB_OFFLINE is honoured; a missing checkpoint raises ModelUnavailableError).
"""
from __future__ import annotations

from dataclasses import dataclass

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


def get_backend(spec: str = "vader"):
    """Build a backend from a spec: 'vader' or 'transformers:<path-or-id>'."""
    if spec == "vader":
        return VaderBackend()
    if spec.startswith("transformers:"):
        return TransformersBackend(spec.split(":", 1)[1])
    raise ValueError(f"unknown sentiment backend {spec!r} (use 'vader' or 'transformers:<path>')")
