"""Extract frozen EfficientNet-Lite0 multi-level features of BIQ2021 images at the scales the
frame-quality model uses. Step 1 of `reelscore train quality` (cached to an .npz)."""
from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from reelscore.models.quality.frame_quality import SCALES, prepare


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--labels", default="../shared/data/biq2021/train_subset_mos.csv")
    ap.add_argument("--images", default="../shared/data/biq2021/images")
    ap.add_argument("--out", default=".cache/biq_features.npz")
    a = ap.parse_args(argv)
    from reelscore.models import backbone

    rows = list(csv.DictReader(open(a.labels, newline="", encoding="utf-8")))
    names, mos, feats = [], [], []
    t0 = time.time()
    for i, r in enumerate(rows):
        im = np.asarray(Image.open(Path(a.images) / r["image"]).convert("RGB"))
        feats.append(np.concatenate([backbone.extract([prepare(im, s)])[0] for s in SCALES]))
        names.append(r["image"])
        mos.append(float(r["mos"]))
        if i % 200 == 0:
            print(f"{i}/{len(rows)} {time.time() - t0:.0f}s", file=sys.stderr, flush=True)
    np.savez_compressed(a.out, names=np.array(names), mos=np.array(mos, np.float32), X=np.stack(feats))
    print(f"wrote {a.out} in {time.time() - t0:.0f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
