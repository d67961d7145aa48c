"""How close reelscore's face statistics come to SMP-Video's own protocol, on the labelled clips.

SMP-Video's content features (../shared/data/smp_video_train_content.csv), which the engagement model learned
from, were measured with facenet-pytorch's MTCNN (default settings: smallest face 20 px, thresholds 0.6/0.7/0.7)
on every frame at 1 fps at the video's full resolution (skyandkibo/SMPVideo, feature_engineering/face.py).
reelscore's faces analyzer computes the same statistics (`signals.faces.values.smp`) with its own MTCNN on its
sampled frames: 1 fps but at most 24 frames, short side 384, smallest face 1/16 of the short side. This script
runs both (and faces v3's Haar statistics, for comparison) on each labelled clip and reports their agreement
with SMP's protocol per statistic (Spearman rank correlation over clips, mean absolute difference).

    python bench/faces_smp_protocol.py [--derived DIR] [--out bench/results/faces_smp_protocol.json]
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def smp_protocol(path: Path) -> dict:
    """SMP's protocol: every frame at 1 fps (frame index multiple of int(fps)), full resolution, upright."""
    import av

    from reelscore.analyzers.faces import smp_face_stats
    from reelscore.ingest import probe
    from reelscore.ingest.decode import _upright
    from reelscore.models.mtcnn import detector

    info = probe(path)
    det = detector((0.6, 0.7, 0.7))
    areas = []
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        skip = max(int((vs.average_rate or vs.guessed_rate or 25) // 1), 1)
        for i, f in enumerate(c.decode(vs)):
            if i % skip:
                continue
            rgb = _upright(f.to_ndarray(format="rgb24"), info.rotation)
            h, w = rgb.shape[:2]
            faces = det.detect([rgb], min_face=20)[0]
            areas.append([max(0.0, (min(b.box[2], w) - max(b.box[0], 0))) * max(0.0, (min(b.box[3], h) - max(b.box[1], 0)))
                          / (w * h) for b in faces])
    return smp_face_stats(areas)


def main(argv=None) -> int:
    from scipy.stats import spearmanr

    from real_clips import haar_v3, load_labels
    from reelscore.analyzers.base import Context
    from reelscore.analyzers.faces import FacesAnalyzer
    from reelscore.ingest import decode

    ap = argparse.ArgumentParser()
    ap.add_argument("--derived", default="/tmp/reelscore_derived")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "faces_smp_protocol.json"))
    a = ap.parse_args(argv)
    d = Path(a.derived)
    clips, _ = load_labels(d if (d / "derived_clips.csv").is_file() else None)
    rows = []
    for c in clips:
        media = decode(c["path"])
        ours = FacesAnalyzer().run(media, Context()).values["smp"]
        ref = smp_protocol(c["path"])
        rows.append({"file": c["file"], "reelscore": ours, "smp_protocol": ref, "haar_v3": haar_v3(media)["smp"]})
        print(c["file"], {k: (round(ours[k], 3), round(ref[k], 3)) for k in ("face_frame_rate", "avg_face_area_ratio")},
              flush=True)
    agree = {}
    for who in ("reelscore", "haar_v3"):
        agree[who] = {}
        for k in rows[0]["reelscore"]:
            x = np.array([r[who][k] for r in rows])
            y = np.array([r["smp_protocol"][k] for r in rows])
            rho = float(spearmanr(x, y).statistic) if x.std() > 0 and y.std() > 0 else None  # None: a constant column
            agree[who][k] = {"spearman": None if rho is None else round(rho, 3),
                             "mean_abs_diff": round(float(np.mean(np.abs(x - y))), 4),
                             "mean": round(float(x.mean()), 4), "mean_smp_protocol": round(float(y.mean()), 4)}
    out = {"date": date.today().isoformat(), "clips": len(rows), "agreement": agree, "per_clip": rows}
    Path(a.out).write_text(json.dumps(out, indent=1))
    for who, d in agree.items():
        for k, v in d.items():
            print(who, k, v)
    return 0


if __name__ == "__main__":
    sys.exit(main())
