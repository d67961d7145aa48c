"""Smallest face the faces analyzer finds, and what searching smaller would cost.

Real heads (head and shoulders around an MTCNN box, from five labelled clips: three talking heads, a signer, a
selfie) are scaled so the face box is 3-10 % of a 384x682 portrait frame's width (the analyzer's frame size for
a 9:16 video) and pasted onto two real face-free backgrounds; each composite is searched at the analyzer's
smallest face (1/16 of the short side) and at 1/20 and 1/24, counting a find at the analyzer's face score.
The CPU time of 24 such frames is reported per setting.

    python bench/faces_size_curve.py [--out bench/results/faces_size_curve.json]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
REAL = ROOT.parent / "shared" / "media" / "real"
HEADS = ["grid_lipnet/bbaf2n.mpg", "grid_lipnet/lbax4n.mpg", "androidx_media/sample.mp4",
         "intel_sample_videos/asl_sister.mkv", "openmpf/new_face_video-90.mp4"]
BACKGROUNDS = [("androidx_media/hdr10-av1.mp4", 0), ("intel_sample_videos/bottle-detection.mp4", 3)]
WIDTHS = (0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.10)
W, H = 384, 682


def main(argv=None) -> int:
    from reelscore.analyzers.faces import DETECTOR_THRESHOLDS, FACE_SCORE
    from reelscore.ingest import decode
    from reelscore.models.mtcnn import detector

    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "faces_size_curve.json"))
    a = ap.parse_args(argv)
    det = detector(DETECTOR_THRESHOLDS)
    heads = []
    for s in HEADS:
        f = decode(REAL / s).heavy.frames[0]
        b = max(det.detect([f], 20)[0], key=lambda x: x.width).box
        cx, cy, fw = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2, b[2] - b[0]
        x0, x1 = int(max(cx - 1.1 * fw, 0)), int(min(cx + 1.1 * fw, f.shape[1]))
        y0, y1 = int(max(cy - 1.0 * fw, 0)), int(min(cy + 1.6 * fw, f.shape[0]))
        heads.append((f[y0:y1, x0:x1], fw / (x1 - x0)))
    bgs = [cv2.resize(decode(REAL / s).heavy.frames[i], (W, H), interpolation=cv2.INTER_AREA) for s, i in BACKGROUNDS]
    out = {"date": date.today().isoformat(), "frame": [W, H], "face_score": FACE_SCORE, "settings": {}}
    for name, frac in (("1/16 (analyzer)", 1 / 16), ("1/20", 1 / 20), ("1/24", 1 / 24)):
        found = {}
        for target in WIDTHS:
            hits = n = 0
            for bg in bgs:
                for crop, rel in heads:
                    s = target * W / (rel * crop.shape[1])
                    c = cv2.resize(crop, (max(1, round(crop.shape[1] * s)), max(1, round(crop.shape[0] * s))),
                                   interpolation=cv2.INTER_AREA)
                    img = bg.copy()
                    y, x = H // 3, W // 2 - c.shape[1] // 2
                    img[y:y + c.shape[0], x:x + c.shape[1]] = c
                    hits += any(f.score >= FACE_SCORE for f in det.detect([img], frac * W)[0])
                    n += 1
            found[str(target)] = [hits, n]
        t = time.process_time()
        det.detect([bgs[0]] * 24, frac * W)
        out["settings"][name] = {"found_by_face_width": found, "cpu_s_24_frames": round(time.process_time() - t, 3)}
        print(name, {k: f"{v[0]}/{v[1]}" for k, v in found.items()}, f"cpu {out['settings'][name]['cpu_s_24_frames']} s")
    Path(a.out).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
