"""Trends file: hashtags, sounds and topics with a weight and a date, user-updatable.

CSV columns: `kind,name,weight,date` where kind is `hashtag`, `sound` or `topic`; weight is a
number (higher = hotter; the shipped file uses log10 views above the typical post, shrunk);
date is YYYY-MM-DD (when the trend was measured). `reelscore trends load FILE` validates a file and
makes it the active one (kept in the user data dir); `reelscore trends show` prints the active one.
The shipped default (`resources/trends_default.csv`) comes from the engagement model's training posts.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from functools import lru_cache
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..paths import bundled, data_dir

KINDS = ("hashtag", "sound", "topic")


@dataclass(frozen=True)
class Trend:
    kind: str
    name: str
    weight: float
    date: str
    posts: int | None = None  # training posts behind the weight (shipped file), if known
    creators: int | None = None


def user_trends_path() -> Path:
    """Where `reelscore trends load` keeps the user's active trends file."""
    return data_dir() / "trends.csv"


def active_path() -> Path:
    user = user_trends_path()
    if user.is_file():
        return user
    return bundled("trends_default.csv") or Path("trends_default.csv")


def parse(text: str, source: str = "trends") -> list[Trend]:
    out = []
    rd = csv.DictReader(io.StringIO(text))
    missing = {"kind", "name", "weight", "date"} - set(rd.fieldnames or [])
    if missing:
        raise InputError(source, f"trends CSV lacks columns: {', '.join(sorted(missing))}")
    for i, r in enumerate(rd, start=2):
        kind = (r["kind"] or "").strip().lower()
        if kind not in KINDS:
            raise InputError(source, f"line {i}: kind must be one of {', '.join(KINDS)}")
        try:
            w = float(r["weight"])
            dt.date.fromisoformat((r["date"] or "").strip())
        except ValueError:
            raise InputError(source, f"line {i}: weight must be a number and date YYYY-MM-DD") from None
        name = (r["name"] or "").strip().lstrip("#").lower() if kind == "hashtag" else (r["name"] or "").strip()
        if name:
            out.append(Trend(kind, name, w, r["date"].strip(), _int(r.get("posts")), _int(r.get("creators"))))
    return out


def _int(v) -> int | None:
    try:
        return int(v) if v not in (None, "") else None
    except ValueError:
        return None


def load(path: str | Path | None = None) -> list[Trend]:
    p = Path(path) if path else active_path()
    if not p.is_file():
        return []
    return parse(p.read_text(encoding="utf-8"), str(p))


def install(path: str | Path) -> Path:
    """Validate and activate a user's trends file."""
    parse(Path(path).read_text(encoding="utf-8"), str(path))
    dest = user_trends_path()
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, dest)
    return dest


@lru_cache(maxsize=4)
def _topic_embeddings(names: tuple[str, ...]) -> np.ndarray:
    from ..models.embeddings import embed

    return embed(list(names))


def match(caption_tags: list[str], caption_text: str, trends: list[Trend] | None = None, semantic: bool = True) -> dict:
    """Overlap of the caption's hashtags with trending ones, and (optionally) the caption's semantic
    closeness (MiniLM cosine) to trending topics and hashtags."""
    trends = trends if trends is not None else load()
    tags = {t.name: t for t in trends if t.kind == "hashtag"}
    hit = [tags[t] for t in caption_tags if t in tags]
    out = {"trending_hashtags": [{"name": t.name, "weight": t.weight, "date": t.date, "posts": t.posts,
                                  "creators": t.creators} for t in hit],
           "trend_weight": float(sum(t.weight for t in hit)), "trends_file_date": max((t.date for t in trends), default=None),
           "closest_topic": None, "topic_similarity": None}
    topics = [t for t in trends if t.kind == "topic"] or [t for t in trends if t.kind == "hashtag"][:200]
    if semantic and topics and caption_text.strip():
        from ..models.embeddings import embed

        T = _topic_embeddings(tuple(t.name.replace("_", " ") for t in topics))
        sims = T @ embed([caption_text])[0]
        j = int(np.argmax(sims))
        out["closest_topic"] = topics[j].name
        out["topic_similarity"] = float(sims[j])
    return out
