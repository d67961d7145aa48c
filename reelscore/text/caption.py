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
    "comment": (r"\b(comment|tell me|let me know|drop (a|your)|which one|bình luận|comment cho|coment[aáe]|"
                r"d[ií]me|cu[ée]ntame|commente[zr]?|dis-moi|kommentier|schreib(t)? (mir|uns)|komen|tulis di komentar)"),
    "save": (r"(\bsave (this|it|for)|\bbookmark|\blưu (lại|video)|gu[aá]rd[aá]lo|\bguarda\b|\bsalv[ae]\b|salva (esse|este|isso)|"
             r"\benregistre|\bsauvegarde|\bspeicher|\bmerk (dir|euch)|\bsimpan)"),
    "share": (r"(\bshare (this|with)|\bsend (this|it) to|\btag (a|your|someone)|chia sẻ|gửi cho|\btag (ngay|người)|"
              r"comp[aá]rt[eé]lo|\bcomparte|compartilh|\bpartage|\bteile|\bbagikan|\betiqueta|\bmarca (a|um|uma)|"
              r"\bidentifie|\bmarkier)"),
    "follow": (r"(\bfollow (me|for|us)|\bsubscribe|theo dõi|follow để|s[ií]gueme|\bsiga|\bsegue|\babonne|\bfolg(e|t) (mir|uns)|"
               r"\bikuti)"),
    "link": r"\b(link in (my )?bio|link ở bio|enlace en (la |mi )?bio|link na bio|lien (dans la|en) bio|link in (der )?bio)",
    "like": r"\b(double tap|like if|thả tim|tim cho|dale like|curte|like si|gef[äa]llt)",
}
# calls to action the engagement model was not trained with (it reads `has_cta_model`, the kinds above): a
# question put to the viewer, buying, and contests/giveaways, in the same languages
CTA_MORE = {
    "question": (r"(\b(what|which|who|how|would|do|did|have|are|will|can|where)\b[^?.!\n]{0,80}\b(you|your|y'?all)\b[^?.!\n]*\?"
                 r"|\b(bạn|các bạn|mọi người)\b[^?.!\n]*\?|\b(tú|tu|usted|ustedes|você|vocês|vous|du|ihr|kamu|anda|kalian)\b[^?.!\n]*\?)"),
    "shop": (r"\b(get yours|grab yours|shop (now|the|it|here)|buy (now|it|here|yours)|order (now|yours|today)|"
             r"available (now )?(on|at|in)|check (it )?out|use (my )?code|discount code|promo code|"
             r"mua ngay|đặt hàng|cómpralo|compra (ya|aquí|ahora)|compre (já|agora)|achète|bestell|kaufen|"
             r"beli (sekarang|di)|dapatkan|pesan sekarang|checkout)"),
    "contest": (r"\b(giveaway|give away|contest|enter to win|win (a|an|this|one)|sorteo|concurso|sorteio|concours|"
                r"gewinnspiel|kuis|lomba|menangkan|ikuti (lomba|kuis|giveaway|challenge)|hadiah|quà tặng|trúng thưởng|"
                r"minigame|mini game|challenge)\b"),
}
HOOK_PATTERNS = {
    "question": r"\?",
    "number": r"\b\d+\b",
    "pov": r"\bpov\b",
    "how_to": r"\b(how to|cách|como|comment faire|wie man|cara)\b",
    "curiosity": r"\b(secret|nobody|no one|you won'?t believe|wait (for|till) (it|the end)|watch till|bí mật|không ai|chờ đến cuối|xem đến cuối|the truth|why you|stop)\b",
    "list": r"\b(top \d+|\d+ (ways|tips|things|reasons|mẹo|cách))\b",
}
# hooks the engagement model was not trained with (it reads `has_hook_model`): a title line ("ASL sign of the day:
# BOOK"), a story opener ("He heard the word walk."), a reveal ("Meet ...", "This is ...", "Watch what ...")
HOOK_MORE = {
    "title": r"^[^:?!.]{3,40}:\s*\S",
    "story": (r"\b(he|she|they|i|we|my \w+|our \w+)\b[^.!?]{0,40}\b(heard|saw|found|tried|tested|made|built|asked|said|"
              r"learned|thought|decided|bought|quit|started)\b"),
    "reveal": r"\b(meet|this is|here'?s|watch (it|this|what|how)|guess (what|who|how)|the moment)\b",
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


def sentiment_of(body: str, lang: str | None, sentiment=None, lang_p: float = 1.0) -> dict:
    """The caption body's sentiment and which backend read it. The trained model reads English (and
    text whose language cannot be told); other languages, and emoji-only captions, fall back to
    VADER with its emoji lexicon, said in `note` and `reliable`."""
    backend = sentiment or _default_sentiment()
    langs = getattr(backend, "languages", None)
    letters = any(ch.isalpha() for ch in body)
    note = None
    sure = lang is not None and lang_p >= 0.9 and sum(ch.isalpha() for ch in body) >= 12  # short texts: langid guesses
    if langs and sure and lang not in langs:
        note = f"the {backend.name} sentiment model was trained on {', '.join(langs)} text, not {lang}: VADER used"
        backend = _vader()
    elif langs and not letters:
        note = "no words, only emoji/symbols: VADER's emoji lexicon used"
        backend = _vader()
    res = backend.predict([body])[0]
    trained = not getattr(backend, "heuristic", True)
    return {**res.as_dict(), "backend": getattr(backend, "name", "vader"), "trained": trained,
            "reliable": bool(trained or lang in (None, "en") or not sure), "note": note}


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


INSULTS = re.compile(
    r"\b(garbage|trash|stupid|idiot|idiots|moron|loser|losers|pathetic|worthless|disgusting|dumb|ugly|shut up|"
    r"hate you|kill yourself|kys|suck|sucks|scum|clown|clowns|fuck you|f\*ck|screw you|ngu|óc chó|đồ ngu|"
    r"idiota|est[uú]pido|basura|imb[eé]cil|connard|d[ée]bile|idiot(in)?|dummkopf|bodoh|goblok)\b", re.I)
SECOND_PERSON = re.compile(r"\b(you|your|you're|u|ur|bạn|mày|tú|tu|vous|du|kamu|lo)\b", re.I)
WALL_WORDS = 120  # more words than this in one caption: a wall of text nobody reads on a phone


def clarity_issues(text: str, body: str, words: list[str], sentiment: dict) -> list[str]:
    """What makes a caption unreadable or off-putting, whatever a model trained on other posts says:
    gibberish (keyboard mash, no word-like tokens), a repeated character, a wall of text, or hostility
    (an insult, or strongly negative words aimed at the viewer)."""
    out = []
    letters_total = sum(ch.isalpha() for ch in body)
    toks = [t for t in re.findall(r"[^\W\d_]+", body)]
    if letters_total >= 4:
        rep = sum(len(t) for t in toks if len(t) >= 6 and len(set(t.lower())) <= 2)
        if re.search(r"(.)\1{7,}", body) or rep / letters_total > 0.5:
            out.append("repeated_characters")
        latin = [t for t in toks if all(ord(c) < 0x250 for c in t)]
        if latin and sum(len(t) for t in latin) >= 0.6 * letters_total:
            def wordlike(t: str) -> bool:
                tl = t.lower()
                return bool(re.search(r"[aeiouyàáâãäåèéêëìíîïòóôõöùúûüýăơưđ]", tl)) and not re.search(
                    r"[^aeiouyàáâãäåèéêëìíîïòóôõöùúûüýăơư\W\d]{5,}", tl) and (len(set(tl)) >= 2 or len(tl) <= 2)
            mash = sum(len(t) for t in latin if not wordlike(t))
            if mash / max(1, sum(len(t) for t in latin)) >= 0.5 and "repeated_characters" not in out:
                out.append("gibberish")
    if len(words) > WALL_WORDS:
        out.append("wall_of_text")
    if INSULTS.search(body) or (SECOND_PERSON.search(body) and sentiment.get("compound", 0) <= -0.5):
        out.append("hostile")
    return out


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
    model_ctas = [k for k, pat in CTA.items() if re.search(pat, low)]
    ctas = model_ctas + [k for k, pat in CTA_MORE.items() if re.search(pat, low)]
    model_hooks = [k for k, pat in HOOK_PATTERNS.items() if re.search(pat, first_line_body.lower())]
    hooks = model_hooks + [k for k, pat in HOOK_MORE.items() if re.search(pat, first_line_body.lower())]
    emojis = EMOJI_RE.findall(text)
    letters = [c for c in body if c.isalpha()]
    caps_ratio = (sum(c.isupper() for c in letters) / len(letters)) if letters else 0.0
    generic = [t for t in tags if t in GENERIC_TAGS]
    spammy = [t for t in tags if t in SPAMMY_TAGS]
    dup = len(tags) - len(set(tags))
    cta_pos = None
    for pat in (*CTA.values(), *CTA_MORE.values()):
        m = re.search(pat, low)
        if m and (cta_pos is None or m.start() < cta_pos):
            cta_pos = m.start()
    sentiment_d = sentiment_of(body, lang, sentiment, lang_p)
    return {
        "length": len(text), "body_length": len(body), "words": len(body.split()),
        "clarity_issues": clarity_issues(text, body, body.split(), sentiment_d),
        "lines": len([ln for ln in text.splitlines() if ln.strip()]),
        "empty": not text.strip(),
        "first_line": first_line_body[:200],
        "over_visible_limit": len(body) > VISIBLE_CHARS,
        "language": lang, "language_confidence": round(lang_p, 3), "english": english,
        "sentiment": sentiment_d,
        "exclamations": text.count("!"), "questions": text.count("?"), "caps_ratio": round(caps_ratio, 3),
        "intensifiers": len(re.findall(INTENSIFIERS, low)),
        "emoji_count": len(emojis), "emoji_only": bool(emojis) and not letters,
        "hook_patterns": hooks, "has_hook": bool(hooks), "has_hook_model": bool(model_hooks),
        "question_not_first_line": "?" in body and "?" not in first_line_body,
        "cta": ctas, "has_cta": bool(ctas), "has_cta_model": bool(model_ctas), "cta_visible": cta_pos is not None and cta_pos <= VISIBLE_CHARS,
        "mentions": MENTION_RE.findall(text)[:20],
        "hashtags": tags[:60], "hashtag_count": len(tags), "generic_hashtags": generic, "spammy_hashtags": spammy,
        "niche_hashtag_count": len([t for t in tags if t not in GENERIC_TAGS and t not in SPAMMY_TAGS]),
        "duplicate_hashtags": dup, "long_hashtags": [t for t in tags if len(t) > 24],
        "readability": readability(body) if english else None,
        "english_only_signals_unreliable": [] if english else list(ENGLISH_ONLY),
    }
