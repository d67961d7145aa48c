"""Caption text features: sentiment, intensity, hook in the first line, call to action, hashtags,
mentions, emoji, length against the visible-before-'more' limit, readability, language.

`caption_features(text)` is a pure function used by the caption analyzer, the engagement model's
inputs and the scoring rules alike (one definition, imported downward).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

MAX_CAPTION_CHARS = 10_000  # TikTok allows 4,000 and Instagram 2,200: anything longer is not a caption
VISIBLE_CHARS = 125  # Instagram shows about this much before "... more"; TikTok about 100-150
GENERIC_TAGS = {"fyp", "foryou", "foryoupage", "fypシ", "fypage", "viral", "viralvideo", "reels", "reel", "trending",
                "trend", "explore", "explorepage", "tiktok", "instagood", "xuhuong", "xh", "fypviral", "capcut",
                "foryourpage", "viraltiktok", "reelsinstagram", "shorts", "youtubeshorts"}
SPAMMY_TAGS = {"followforfollow", "f4f", "like4like", "l4l", "follow4follow", "likeforlike", "followback", "sub4sub"}
# call to action, several languages (en, vi, es, pt, fr, de, id)
CTA = {
    "comment": r"\b(comment|tell me|let me know|drop (a|your)|which one|bình luận|comment cho|comenta|commente|kommentier|komen)",
    "save": r"\b(save (this|it|for)|bookmark|lưu (lại|video)|guarda|salva|enregistre|speicher|simpan)",
    "share": r"\b(share (this|with)|send (this|it) to|tag (a|your|someone)|chia sẻ|gửi cho|tag (ngay|người)|comparte|compartilh|partage|teile|bagikan)",
    "follow": r"\b(follow (me|for|us)|subscribe|theo dõi|follow để|sígueme|siga|abonne|folge|ikuti)",
    "link": r"\b(link in (my )?bio|link ở bio|enlace en (la )?bio|link na bio|lien en bio)",
    "like": r"\b(double tap|like if|thả tim|tim cho|dale like|curte)",
}
HOOK_PATTERNS = {
    "question": r"\?",
    "number": r"\b\d+\b",
    "pov": r"\bpov\b",
    "how_to": r"\b(how to|cách|como|comment faire|wie man|cara)\b",
    "curiosity": r"\b(secret|nobody|no one|you won'?t believe|wait (for|till) (it|the end)|watch till|bí mật|không ai|chờ đến cuối|xem đến cuối|the truth|why you|stop)\b",
    "list": r"\b(top \d+|\d+ (ways|tips|things|reasons|mẹo|cách))\b",
}
INTENSIFIERS = r"\b(very|so|really|super|extremely|totally|absolutely|insanely|rất|quá|cực|siêu)\b"
EMOJI_RE = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\U0001F1E6-\U0001F1FF]")
HASHTAG_RE = re.compile(r"#([^\s#.,!?;:]+)")
MENTION_RE = re.compile(r"(?<!\w)@([\w.]{2,})")
ENGLISH_ONLY = ("sentiment", "intensifiers", "curiosity")


@lru_cache(maxsize=1)
def _langid():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(["en", "vi", "es", "pt", "fr", "de", "id", "it", "ru", "ja", "ko", "zh", "ar", "hi", "th", "tr", "he"])
    return ident


def detect_language(text: str) -> tuple[str | None, float]:
    """(ISO 639-1 code, probability) or (None, 0) for text without letters."""
    letters = "".join(ch for ch in text if ch.isalpha())
    if len(letters) < 3:
        return None, 0.0
    lang, p = _langid().classify(text)
    return lang, float(p)


@lru_cache(maxsize=1)
def _vader():
    from ..models.sentiment import VaderBackend

    return VaderBackend()


@lru_cache(maxsize=1)
def _default_sentiment():
    from ..models.sentiment import get_backend

    return get_backend("default")


def sentiment_of(body: str, lang: str | None, sentiment=None) -> dict:
    """The caption body's sentiment and which backend read it. The trained model reads English (and
    text whose language cannot be told); other languages, and emoji-only captions, fall back to
    VADER with its emoji lexicon, said in `note` and `reliable`."""
    backend = sentiment or _default_sentiment()
    langs = getattr(backend, "languages", None)
    letters = any(ch.isalpha() for ch in body)
    note = None
    if langs and lang is not None and lang not in langs:
        note = f"the {backend.name} sentiment model was trained on {', '.join(langs)} text, not {lang}: VADER used"
        backend = _vader()
    elif langs and not letters:
        note = "no words, only emoji/symbols: VADER's emoji lexicon used"
        backend = _vader()
    res = backend.predict([body])[0]
    english = lang in (None, "en")
    return {**res.as_dict(), "backend": getattr(backend, "name", "vader"),
            "trained": not getattr(backend, "heuristic", True),
            "reliable": bool(english or not getattr(backend, "heuristic", True) and not langs), "note": note}


def clean_caption(text: str | None) -> str | None:
    """The caption as it will be analyzed: lone surrogates (undecodable bytes from a terminal or a
    file) replaced, NUL removed; OptionError when longer than MAX_CAPTION_CHARS."""
    if text is None:
        return None
    from ..errors import OptionError

    if len(text) > MAX_CAPTION_CHARS:
        raise OptionError(f"caption is {len(text):,} characters, over the {MAX_CAPTION_CHARS:,}-character limit "
                          "(TikTok allows 4,000, Instagram 2,200)")
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")


def split_caption(text: str) -> tuple[str, list[str]]:
    """(body without hashtags, hashtags lower-cased in order)."""
    tags = [t.lower() for t in HASHTAG_RE.findall(text)]
    body = HASHTAG_RE.sub(" ", text)
    return re.sub(r"\s+", " ", body).strip(), tags


def readability(body: str) -> float | None:
    """Flesch reading ease (English syllable heuristic); None for < 3 words."""
    words = re.findall(r"[A-Za-z']+", body)
    if len(words) < 3:
        return None
    sents = max(1, len(re.findall(r"[.!?]+", body)))
    syl = sum(max(1, len(re.findall(r"[aeiouy]+", w.lower())) - (w.lower().endswith("e") and len(w) > 3)) for w in words)
    return float(206.835 - 1.015 * len(words) / sents - 84.6 * syl / len(words))


def caption_features(text: str | None, extra_hashtags: list[str] | None = None, sentiment=None) -> dict:
    """All caption signals as a flat dict of JSON values. `sentiment` is a backend (default: the
    trained MiniLM head for English, see `sentiment_of`)."""
    text = unicodedata.normalize("NFC", text or "")
    body, tags = split_caption(text)
    if extra_hashtags:
        tags += [t.lower().lstrip("#") for t in extra_hashtags if t and t.lower().lstrip("#") not in tags]
    first_line = (text.strip().splitlines() or [""])[0]
    # the hook is the opening sentence of the first line: what a scrolling viewer reads first
    first_line_body = HASHTAG_RE.sub("", first_line).strip()
    first_line_body = (re.match(r".*?(?:[.!?…]+(?=\s|$)|$)", first_line_body).group(0) or first_line_body).strip()
    low = body.lower()
    lang, lang_p = detect_language(body)
    english = lang == "en" or (lang is None)
    ctas = [k for k, pat in CTA.items() if re.search(pat, low)]
    hooks = [k for k, pat in HOOK_PATTERNS.items() if re.search(pat, first_line_body.lower())]
    emojis = EMOJI_RE.findall(text)
    letters = [c for c in body if c.isalpha()]
    caps_ratio = (sum(c.isupper() for c in letters) / len(letters)) if letters else 0.0
    generic = [t for t in tags if t in GENERIC_TAGS]
    spammy = [t for t in tags if t in SPAMMY_TAGS]
    dup = len(tags) - len(set(tags))
    cta_pos = None
    for pat in CTA.values():
        m = re.search(pat, low)
        if m and (cta_pos is None or m.start() < cta_pos):
            cta_pos = m.start()
    return {
        "length": len(text), "body_length": len(body), "words": len(body.split()),
        "lines": len([ln for ln in text.splitlines() if ln.strip()]),
        "empty": not text.strip(),
        "first_line": first_line_body[:200],
        "over_visible_limit": len(body) > VISIBLE_CHARS,
        "language": lang, "language_confidence": round(lang_p, 3), "english": english,
        "sentiment": sentiment_of(body, lang, sentiment),
        "exclamations": text.count("!"), "questions": text.count("?"), "caps_ratio": round(caps_ratio, 3),
        "intensifiers": len(re.findall(INTENSIFIERS, low)),
        "emoji_count": len(emojis), "emoji_only": bool(emojis) and not letters,
        "hook_patterns": hooks, "has_hook": bool(hooks),
        "question_not_first_line": "?" in body and "?" not in first_line_body,
        "cta": ctas, "has_cta": bool(ctas), "cta_visible": cta_pos is not None and cta_pos <= VISIBLE_CHARS,
        "mentions": MENTION_RE.findall(text)[:20],
        "hashtags": tags[:60], "hashtag_count": len(tags), "generic_hashtags": generic, "spammy_hashtags": spammy,
        "niche_hashtag_count": len([t for t in tags if t not in GENERIC_TAGS and t not in SPAMMY_TAGS]),
        "duplicate_hashtags": dup, "long_hashtags": [t for t in tags if len(t) > 24],
        "readability": readability(body) if english else None,
        "english_only_signals_unreliable": [] if english else list(ENGLISH_ONLY),
    }
