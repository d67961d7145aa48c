"""Does the Virality Score judge the post, not the account? (issue #21)

- The same clip and caption at 100 ... 1,000,000 followers: the score's span (must be ~0) and the
  predicted views (must grow with the account).
- Real clips (../shared/media/real, ../shared/media, and the derived portrait clips if made with
  bench/derived_clips.py), each with a real caption drawn (seeded) from the 2025 sample: the score's
  10th-90th percentile span, and how many components contradict their neutral point.
- The engagement numbers and the score's within-creator ranking on the training samples come from
  `reelscore evaluate` (in-sample for the model) and from the post-effect model's grouped CV (its card).

    .venv/bin/python bench/post_score.py [--extra /tmp/reelscore_derived] [--limit N]
Writes bench/results/post_score.json.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
EXT = {".mp4", ".mov", ".mkv", ".webm", ".mpg", ".avi"}
SAMPLE_CAPTION = "3 coffee tips nobody tells you ☕ Save this for later! #coffee #barista #homecafe"


def contradictions(a) -> list[str]:
    out = []
    for c in a.components:
        if c.score is None or c.contribution is None or c.neutral is None:
            continue
        if c.score < c.neutral - 10 and c.contribution > 0.5 or c.score > c.neutral + 10 and c.contribution < -0.5:
            out.append(f"{c.name}: sub-score {c.score} vs neutral {c.neutral}, {c.contribution:+.1f} points")
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--extra", action="append", default=[])
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    import numpy as np

    import reelscore
    from reelscore.models.engagement.data import load_posts
    from reelscore.samples import make_video

    out: dict = {}
    sample = ROOT / "out" / "sample.mp4"
    if not sample.exists():
        sample.parent.mkdir(parents=True, exist_ok=True)
        make_video(sample)
    rows = []
    for f in (100, 500, 3142, 12000, 100_000, 1_000_000):
        a = reelscore.analyze(sample, caption=SAMPLE_CAPTION, followers=f)
        rows.append({"followers": f, "score": a.score, "views_p50": a.engagement.views.p50,
                     "views_p10": a.engagement.views.p10, "views_p90": a.engagement.views.p90,
                     "typical_post_views_p50": a.outlook.views.p50, "post_effect_x": a.post_effect.multiplier.p50})
        print(rows[-1])
    out["sample_by_followers"] = {"rows": rows, "score_span": max(r["score"] for r in rows) - min(r["score"] for r in rows)}

    rng = np.random.default_rng(args.seed)
    caps = [p.caption for p in load_posts(SHARED / "data" / "tiktok_2025_train.csv") if p.caption and p.caption.strip()]
    files = sorted(p for p in (SHARED / "media" / "real").rglob("*") if p.suffix.lower() in EXT)
    files += sorted(p for p in (SHARED / "media").glob("*") if p.suffix.lower() in EXT)
    for d in args.extra:
        files += sorted(p for p in Path(d).rglob("*") if p.suffix.lower() in EXT)
    clips = []
    for p in files[: args.limit]:
        cap = caps[int(rng.integers(len(caps)))]
        try:
            a = reelscore.analyze(p, caption=cap, followers=float(rng.choice([500, 12000, 1_000_000])))
        except reelscore.errors.ReelscoreError as e:
            print(f"skip {p.name}: {e}")
            continue
        if (a.media.duration_s or 0) < 1.0:
            continue
        bad = contradictions(a)
        clips.append({"clip": p.name, "vertical": a.media.height > a.media.width, "score": a.score,
                      "post_effect_x": a.post_effect.multiplier.p50 if a.post_effect else None,
                      "caption": cap[:80], "contradictions": bad,
                      "suggestions": len(a.suggestions)})
        print(f"{p.name:45s} {a.score:5.1f}  x{clips[-1]['post_effect_x']}  {len(bad)} contradictions")
    s = np.array([c["score"] for c in clips])
    v = np.array([c["score"] for c in clips if c["vertical"]])
    out["real_clips"] = {"n": len(clips), "score_p10": float(np.percentile(s, 10)), "score_p90": float(np.percentile(s, 90)),
                         "span_p10_p90": float(np.percentile(s, 90) - np.percentile(s, 10)),
                         "vertical_n": int(len(v)),
                         "vertical_span_p10_p90": float(np.percentile(v, 90) - np.percentile(v, 10)) if len(v) >= 5 else None,
                         "contradicting_components": sum(len(c["contradictions"]) for c in clips), "clips": clips}
    print(json.dumps({k: v for k, v in out["real_clips"].items() if k != "clips"}, indent=1))
    res = ROOT / "bench" / "results"
    res.mkdir(parents=True, exist_ok=True)
    (res / "post_score.json").write_text(json.dumps(out, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
