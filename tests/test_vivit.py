"""ViViT learns what is in the video: on generated clips whose views depend on their motion and
colour, a model trained with `reelscore train vivit` ranks unseen clips (through `reelscore analyze
--model NAME`, component `vivit`) with Spearman >= 0.6; the same run on shuffled labels does not."""
from __future__ import annotations

import csv
import json
import subprocess
import sys

import numpy as np
import pytest


def _clip(path, speed: float, red: float, seed: int):
    import av

    rng = np.random.default_rng(seed)
    w, h, fps, n = 96, 160, 15, 30
    bg = np.array([60 + 180 * red, 80, 60 + 180 * (1 - red)], np.float32)
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=fps)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        s.options = {"preset": "ultrafast", "crf": "20"}
        x, y = rng.uniform(10, 60), rng.uniform(10, 120)
        ang = rng.uniform(0, 2 * np.pi)
        for i in range(n):
            img = np.empty((h, w, 3), np.float32)
            img[:] = bg
            img += rng.normal(0, 3, img.shape)
            x = (x + speed * np.cos(ang)) % (w - 20)
            y = (y + speed * np.sin(ang)) % (h - 20)
            img[int(y) : int(y) + 20, int(x) : int(x) + 20] = 250
            for p in s.encode(av.VideoFrame.from_ndarray(np.clip(img, 0, 255).astype(np.uint8), format="rgb24")):
                out.mux(p)
        for p in s.encode():
            out.mux(p)
    return path


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    d = tmp_path_factory.mktemp("vivit")
    vids = d / "videos"
    vids.mkdir()
    rng = np.random.default_rng(7)
    rows, test = [], []
    for i in range(64):
        speed, red = rng.uniform(0, 6), rng.uniform(0, 1)
        label = 0.6 * (speed / 6) + 0.4 * red + rng.normal(0, 0.03)
        f = _clip(vids / f"post{i:03d}.mp4", speed, red, i)
        if i < 48:
            rows.append({"user_name": "me", "vid_id": f"post{i:03d}", "vid_nview": int(10 ** (3 + label)),
                         "vid_postTime": f"2025-01-{1 + i % 28:02d} {8 + i // 28:02d}:00:00", "vid_caption": "clip"})
        else:
            test.append((f, label))
    hist = d / "posts.csv"
    with open(hist, "w", newline="") as fh:
        wr = csv.DictWriter(fh, fieldnames=list(rows[0]))
        wr.writeheader()
        wr.writerows(rows)
    shuffled = d / "shuffled.csv"
    perm = np.random.default_rng(1).permutation(len(rows))
    with open(shuffled, "w", newline="") as fh:
        wr = csv.DictWriter(fh, fieldnames=list(rows[0]))
        wr.writeheader()
        wr.writerows([{**r, "vid_nview": rows[j]["vid_nview"]} for r, j in zip(rows, perm)])
    return {"history": hist, "shuffled": shuffled, "videos": vids, "test": test}


def _train(history, videos, name, *extra):
    p = subprocess.run([sys.executable, "-m", "reelscore.presentation.cli", "train", "vivit", "--history", str(history),
                        "--videos", str(videos), "--name", name, "--epochs", "80", *extra],
                       capture_output=True, text=True, timeout=900)
    return p, json.loads(p.stdout[p.stdout.index("{"):p.stdout.rindex("}") + 1]) if "{" in p.stdout else None


def _rank_unseen(test, name):
    from scipy.stats import spearmanr

    import reelscore
    from reelscore.config import AnalysisConfig

    cfg = AnalysisConfig(use_cache=False, analyzers=("vivit", "format"))
    preds = []
    for f, _ in test:
        c = reelscore.analyze(f, model=name, config=cfg).component("vivit")
        assert c is not None and c.applicable and not c.heuristic and "vivit" in c.backend
        preds.append(c.raw["prediction"])
    return spearmanr(preds, [lab for _, lab in test])[0]


@pytest.mark.slow
def test_vivit_learns_content_and_shuffled_labels_do_not(dataset):
    p, res = _train(dataset["history"], dataset["videos"], "vtest")
    assert p.returncode == 0, p.stderr[-2000:]
    assert res["saved_to"] and res["val_spearman"] > (res["baseline_without_video_spearman"] or 0)
    assert _rank_unseen(dataset["test"], "vtest") >= 0.6
    # shuffled labels: refused without --force (no better than the baseline) or, forced, no ranking
    p, res = _train(dataset["shuffled"], dataset["videos"], "vshuf", "--force")
    assert p.returncode == 0, p.stderr[-2000:]
    assert _rank_unseen(dataset["test"], "vshuf") < 0.6


def test_no_vivit_component_without_a_model(videos):
    import reelscore
    from reelscore.config import AnalysisConfig

    a = reelscore.analyze(videos["noaudio"], config=AnalysisConfig(use_cache=False, analyzers=("vivit", "format")))
    assert a.component("vivit") is None


def test_vivit_forward_shapes_and_audio_variant():
    import torch

    from reelscore.models.vivit import ViViTConfig, build

    for tokens in ("patches", "backbone"):
        for audio in (False, True):
            cfg = ViViTConfig(tokens=tokens, audio=audio, feature_dim=32)
            m = build(cfg)
            x = torch.rand(2, 8, 3, 64, 64) if tokens == "patches" else torch.rand(2, 8, 32)
            out = m(x, torch.rand(2, 8, 16) if audio else None)
            assert out.shape == (2,)
