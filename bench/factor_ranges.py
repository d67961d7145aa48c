"""How many points each factor can add or remove, for one clip: every video component's sub-score set
to 0 and to 100 in turn (the others as measured), and the caption's effect at its bound, re-scored
with the same model. Prints a Markdown table (used in the README's "What the score means").

    .venv/bin/python bench/factor_ranges.py out/sample.mp4 --caption "..." --followers 12000
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
    ap.add_argument("--followers", type=float, default=12000)
    args = ap.parse_args()
    import numpy as np

    import reelscore
    from reelscore.schema import Account
    from reelscore.scoring.prior import PRIOR_WEIGHTS
    from reelscore.scoring.virality import CAPTION_CAP, Scorer, score_analysis

    a = reelscore.analyze(args.video, caption=args.caption, followers=args.followers)
    comps = [c for c in a.components if c.name not in ("account", "timing")]
    acct = Account(followers=args.followers)

    def rescore(changed):
        cs = [c.model_copy(update={"score": changed.get(c.name, c.score)}) for c in comps]
        return score_analysis(cs, [], a.signals, caption=args.caption, followers=args.followers,
                              duration_s=a.media.analyzed_s, account=acct).score

    base = a.score
    print(f"Sample clip score {base:.1f} (baseline {a.score_baseline:.1f}); points if a factor went to 0 / to 100:\n")
    print("| factor | sub-score now | at 0 | at 100 | range (points) |")
    print("|---|---|---|---|---|")
    sc = Scorer(None)
    for c in comps:
        if c.score is None or c.name == "caption" or (c.weight or 0) == 0 and c.name not in PRIOR_WEIGHTS:
            continue
        lo, hi = rescore({c.name: 0.0}), rescore({c.name: 100.0})
        if abs(hi - lo) < 0.05:
            continue
        print(f"| {c.name} | {c.score:.0f} | {lo - base:+.1f} | {hi - base:+.1f} | {hi - lo:.1f} |")
    # the caption: its learned effect is bounded to +-CAPTION_CAP log10 views
    cap = a.component("caption")
    from reelscore.scoring.virality import _grouped_contributions  # noqa: F401

    rel_now = None
    row, emb, P, contrib, shift = sc.predict_bounded(args.caption, acct, a.media.analyzed_s, None, None)
    lf = row["log_followers"]
    variant = "followers" if np.isfinite(lf) else "no_followers"
    rel_now = sc.relative(P["views"][0, 1], lf)
    eff = contrib.get("caption", 0.0) + contrib.get("hashtags", 0.0)
    lo = sc.percentile(rel_now - eff - CAPTION_CAP, variant) - sc.percentile(rel_now, variant)
    hi = sc.percentile(rel_now - eff + CAPTION_CAP, variant) - sc.percentile(rel_now, variant)
    print(f"| caption (learned, bounded +-{CAPTION_CAP} log10) | {cap.score if cap and cap.score is not None else 'n/a'} "
          f"| {lo:+.1f} | {hi:+.1f} | {hi - lo:.1f} |")


if __name__ == "__main__":
    main()
