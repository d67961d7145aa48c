"""Caption rewrites behind the caption suggestions (what-if re-scoring): each takes the caption
and returns the edited one (unchanged when the edit does not apply)."""
from __future__ import annotations

import re

from .caption import CTA, GENERIC_TAGS, SPAMMY_TAGS


CAPTION_EDITS = {
    "caption:add_cta": lambda c: c.rstrip() + "\nSave this for later and share it with a friend!",
    "caption:add_hook": lambda c: "Did you know this? " + c.lstrip(),
    "caption:move_question": lambda c: _move_question(c),
    "caption:move_cta": lambda c: _move_cta(c),
    "caption:trim_hashtags": lambda c: _keep_tags(c, 5),
    "caption:drop_generic": lambda c: _drop_tags(c, generic=True),
    "caption:drop_spammy": lambda c: _drop_tags(c, spammy=True),
    "caption:dedupe_hashtags": lambda c: _dedupe(c),
    "caption:add_emoji": lambda c: _add_emoji(c),
}


def _move_question(c: str) -> str:
    parts = re.split(r"(?<=[.!?])\s+", c.strip())
    q = [p for p in parts if p.endswith("?")]
    return " ".join(q[:1] + [p for p in parts if p not in q[:1]]) if q else c


def _move_cta(c: str) -> str:
    parts = re.split(r"(?<=[.!?\n])\s+", c.strip())
    cta = [p for p in parts if any(re.search(pat, p.lower()) for pat in CTA.values())]
    return " ".join(parts[:1] + cta[:1] + [p for p in parts[1:] if p not in cta[:1]]) if cta else c


def _keep_tags(c: str, n: int) -> str:
    seen = []

    def sub(m):
        seen.append(m.group(0))
        return m.group(0) if len(seen) <= n else ""
    return re.sub(r"#[^\s#.,!?;:]+", sub, c).strip()


def _drop_tags(c: str, generic=False, spammy=False) -> str:
    bad = (GENERIC_TAGS if generic else set()) | (SPAMMY_TAGS if spammy else set())
    return re.sub(r"#([^\s#.,!?;:]+)", lambda m: "" if m.group(1).lower() in bad else m.group(0), c).strip()


def _dedupe(c: str) -> str:
    seen = set()

    def sub(m):
        k = m.group(0).lower()
        if k in seen:
            return ""
        seen.add(k)
        return m.group(0)
    return re.sub(r"#[^\s#.,!?;:]+", sub, c).strip()


def _add_emoji(c: str) -> str:
    lines = c.split("\n")
    lines[0] = lines[0].rstrip() + " 🔥"
    return "\n".join(lines)
