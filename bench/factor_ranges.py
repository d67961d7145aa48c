"""How many points each factor can add or remove, for one clip: each prior factor's sub-score set to 0
and to 100 in turn (the others as measured), and each learned factor at the bounds of its effect, re-scored
against the same reference. Prints a Markdown table (used in the README's "What the score means").
The score does not depend on the account, so no follower count is asked for.

    .venv/bin/python bench/factor_ranges.py out/sample.mp4 --caption "..."
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("video")
    ap.add_argument("--caption", default="3 coffee tips nobody tells you ☕ Save this for later! #coffee #barista #homecafe")
    args = ap.parse_args()

    import reelscore
    from reelscore.scoring.effects import CAPS
    from reelscore.scoring.virality import Scorer

    a = reelscore.analyze(args.video, caption=args.caption)
    sc = Scorer(None)
    total = a.post_effect.log10 if a.post_effect else 0.0
    base = a.score
    print(f"Clip score {base:.1f} (baseline {a.score_baseline:.1f}, post effect {total:+.3f} log10); points if a "
          "factor went to its worst / best:\n")
    print("| factor | source | sub-score now | neutral | at worst | at best | range (points) |")
    print("|---|---|---|---|---|---|---|")
    for c in a.components:
        if c.score is None or c.contribution is None:
            continue
        e_now = c.raw.get("log10_views_effect") if c.effect_source == "learned" else c.weight * (c.score - c.neutral) / 50
        if c.effect_source == "learned":
            g = {"posting_time": "timing"}.get(c.name, c.name)
            lo_e, hi_e = -CAPS[g], CAPS[g]
        else:
            lo_e, hi_e = c.weight * (0 - c.neutral) / 50, c.weight * (100 - c.neutral) / 50
        lo = sc.percentile(total - e_now + lo_e) - base
        hi = sc.percentile(total - e_now + hi_e) - base
        print(f"| {c.name} | {c.effect_source} | {c.score:.0f} | {c.neutral:.0f} | {lo:+.1f} | {hi:+.1f} | {hi - lo:.1f} |")


if __name__ == "__main__":
    main()
