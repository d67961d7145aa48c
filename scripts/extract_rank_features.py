"""Features of synthetically distorted BIQ2021 images for the ranking constraints of the
frame-quality head (RankIQA-style: a distorted image must score below its source). Half of the
sources are first downscaled (144-300 px short side) so low-resolution video frames are covered."""
from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from reelscore.models.quality.distort import LEVELS, distort
from reelscore.models.quality.frame_quality import features


def main(labels="../shared/data/biq2021/train_subset_mos.csv", images="../shared/data/biq2021/images",
         out=".cache/rank_features.npz", n_src=600, seed=0):
    rows = list(csv.DictReader(open(labels, newline="", encoding="utf-8")))
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(rows), n_src, replace=False)
    X, src, kind, level = [], [], [], []
    t0 = time.time()
    for j, i in enumerate(pick):
        im = Image.open(Path(images) / rows[i]["image"]).convert("RGB")
        if rng.random() < 0.5:
            s = int(rng.integers(144, 301))
            im = im.resize((s, s), Image.BICUBIC)
        base = np.asarray(im)
        batch, meta = [base], [("none", 0)]
        for k in LEVELS:
            for lv in sorted(rng.choice([1, 2, 3, 4], 2, replace=False)):
                batch.append(distort(base, k, int(lv), seed=j))
                meta.append((k, int(lv)))
        X.append(features(batch))
        src += [int(i)] * len(batch)
        kind += [m[0] for m in meta]
        level += [m[1] for m in meta]
        if j % 50 == 0:
            print(f"{j}/{n_src} {time.time() - t0:.0f}s", file=sys.stderr, flush=True)
    np.savez_compressed(out, X=np.concatenate(X).astype(np.float32), src=np.array(src), kind=np.array(kind),
                        level=np.array(level), names=np.array([rows[i]["image"] for i in src]))


if __name__ == "__main__":
    main()
