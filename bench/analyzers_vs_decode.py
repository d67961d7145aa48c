"""Analyzer cost as a ratio of full decode time, measured in one run on a generated 30 s 1080x1920
H.264 clip with speech-like audio, cuts and on-screen text.

    python bench/analyzers_vs_decode.py [--seconds 30] [--repeat 3]

Prints: full decode time (every frame converted at full resolution, the baseline), reelscore's own
sampled decode pass, each analyzer's time, and the ratios analyzers/full-decode for the visual
analyzers (issue 3 budget) and the motion/pacing/hook/faces/text/audio/loop set (issue 4 budget).
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

VISUAL = ("quality", "aesthetics", "technical", "exposure", "sharpness", "color")
TEMPORAL = ("cuts", "motion", "hook", "faces", "ocr", "audio", "loop")


def full_decode(path: Path) -> float:
    import av

    t0 = time.perf_counter()
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        s.thread_type = "AUTO"
        for f in c.decode(s):
            f.to_ndarray(format="rgb24")
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--video", default=None)
    ap.add_argument("--repeat", type=int, default=3, help="runs; ratios are reported per run and as medians")
    a = ap.parse_args()
    from reelscore.analyzers import Context, all_analyzers
    from reelscore.ingest import decode
    from reelscore.samples import make_video

    path = Path(a.video) if a.video else Path(tempfile.mkdtemp()) / "bench.mp4"
    if not a.video:
        make_video(path, 1080, 1920, seconds=a.seconds, cuts=tuple(float(x) for x in range(3, int(a.seconds), 3)),
                   text="Wait for the end", text_span=(0, a.seconds), audio="beat")
    # warm up models so one-time loading is not counted as per-video cost
    # 10 s: enough frames for full batches, so one-time model loading and ONNX Runtime shape planning
    # are not counted as per-video cost
    warm = decode(path, __import__("reelscore.config").config.AnalysisConfig(max_seconds=10))
    for an in all_analyzers():
        an.run(warm, Context(caption="warm up"))
    runs = []
    for _ in range(a.repeat):  # interleaved: each run measures the baseline and the analyzers back to back
        base = full_decode(path)
        t0 = time.perf_counter()
        media = decode(path)
        ours = time.perf_counter() - t0
        times = {}
        for an in all_analyzers():
            s = an.run(media, Context(caption="3 tips nobody tells you. Save this! #tips"))
            times[an.name] = s.seconds
        runs.append((base, ours, times))
    print(f"clip: {path} ({media.info.width}x{media.info.height}, {media.info.analyzed_s:.1f} s), {a.repeat} run(s)")
    for i, (base, ours, times) in enumerate(runs, 1):
        vis = sum(times[k] for k in VISUAL)
        tmp = sum(times[k] for k in TEMPORAL)
        print(f"run {i}: full decode {base:.2f} s; sampled decode {ours / base:.2f}x; visual {vis / base:.2f}x; "
              f"temporal {tmp / base:.2f}x")
    times = runs[-1][2]
    med = lambda f: float(np.median([f(r) for r in runs]))  # noqa: E731
    print(f"full decode (baseline, every frame to RGB), median: {med(lambda r: r[0]):.2f} s")
    print(f"reelscore sampled decode pass: ratio {med(lambda r: r[1] / r[0]):.2f}")
    for k in sorted(times, key=lambda k: -med(lambda r: r[2][k])):
        print(f"  {k:<12} {med(lambda r: r[2][k]):7.2f} s  ratio {med(lambda r: r[2][k] / r[0]):.2f}")
    vis = med(lambda r: sum(r[2][k] for k in VISUAL) / r[0])
    tmp = med(lambda r: sum(r[2][k] for k in TEMPORAL) / r[0])
    print(f"visual analyzers {VISUAL}: median {vis:.2f}x full decode (budget 1.0x)")
    print(f"temporal/audio analyzers {TEMPORAL}: median {tmp:.2f}x full decode (budget 1.0x)")

if __name__ == "__main__":
    main()
