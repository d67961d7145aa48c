"""Issue #16's targets, measured side by side in one run (the machines are noisy: only ratios count).

    .venv/bin/python bench/catalogue_targets.py [--repeat 5] [--skip-long] [--skip-batch] [--json FILE]

Baseline: a plain threaded PyAV decode of the same file (`thread_type = "AUTO"`, every frame
decoded), measured twice: frames left as decoded ("decode only", the strict baseline) and every frame
converted to an RGB array ("decode + RGB", what a typical `frame.to_ndarray(format="rgb24")` loop
costs). Each repetition runs the baseline and the measured step back to back and the ratio is taken
per repetition; medians are reported.

1. warm: `analyze()` in one process with the models loaded and the signal cache off, on a generated
   30 s 1080x1920 H.264 reel with AAC audio, cuts, a moving textured object and on-screen text;
   and reelscore's decode pass alone (`reelscore.ingest.decode`).
2. cold: `reelscore analyze CLIP --no-cache` as a new process vs a new process that decodes the clip.
   Peak RSS of the process tree is sampled every 20 ms.
3. memory: peak RSS of `reelscore analyze` on a 10-minute 1080x1920 video (the reel 20 times, stream
   copied) at --max-seconds 900, on a 4000x10 PNG, and on the 30 s reel.
4. batch: `reelscore batch` on a folder of 20 30 s 1080x1920 reels (4 generated with different seeds,
   texts, cut patterns and tempi, each stream-copied 5 times into files with different bytes) with 2
   workers and the signal cache off: reels per minute, including worker start-up.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CLI = [sys.executable, "-m", "reelscore.presentation.cli"]

DECODE_ONLY = """
import av, sys
with av.open(sys.argv[1]) as c:
    s = c.streams.video[0]; s.thread_type = "AUTO"
    for f in c.decode(s):
        pass
"""
DECODE_RGB = DECODE_ONLY.replace("        pass", "        f.to_ndarray(format='rgb24')")


def plain_decode(path: Path, rgb: bool) -> float:
    import av

    t0 = time.perf_counter()
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        s.thread_type = "AUTO"
        for f in c.decode(s):
            if rgb:
                f.to_ndarray(format="rgb24")
    return time.perf_counter() - t0


def run_measured(cmd: list[str], env=None) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MiB of the process and its children, return code)."""
    import psutil

    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    peak = 0
    ps = psutil.Process(p.pid)
    while p.poll() is None:
        try:
            rss = ps.memory_info().rss + sum(c.memory_info().rss for c in ps.children(recursive=True))
            peak = max(peak, rss)
        except psutil.Error:
            pass
        time.sleep(0.02)
    wall = time.perf_counter() - t0
    err = p.stderr.read().decode(errors="replace")
    if p.returncode not in (0, 2):
        print(f"  ! {' '.join(cmd[-4:])} exited {p.returncode}: {err.strip()[-300:]}")
    return wall, peak / 2**20, p.returncode


def make_reel(path: Path, seconds: float = 30.0, seed: int = 0, width: int = 1080, height: int = 1920):
    from reelscore.samples import make_video

    rng = np.random.default_rng(seed)
    step = float(rng.uniform(1.5, 4.0))
    cuts = tuple(float(x) for x in np.arange(step, seconds, step))
    texts = ["Wait for the end", "3 tips nobody tells you", "Day 12 of learning", "POV: it finally works"]
    return make_video(path, width, height, seconds=seconds, cuts=cuts, text=texts[seed % len(texts)],
                      text_span=(0, seconds), audio="beat", bpm=float(rng.integers(90, 140)), seed=seed)


def repeat_file(src: Path, dst: Path, times: int, tag: str = "") -> Path:
    """`src` played `times` times in a row, by stream copy (no re-encode: seconds, not the minutes a
    long generated video takes); `tag` goes into the container metadata so copies differ in bytes."""
    import av

    with av.open(str(dst), "w") as out:
        if tag:
            out.metadata["title"] = tag
        streams: dict = {}
        shift: dict = {}  # per stream: added to every timestamp of the current copy
        end: dict = {}  # per stream: where the copies so far end
        for _ in range(times):
            with av.open(str(src)) as inp:
                if not streams:
                    streams = {s.index: out.add_stream_from_template(s) for s in inp.streams if s.type in ("video", "audio")}
                started = set()
                for pkt in inp.demux():
                    i = pkt.stream.index
                    if pkt.dts is None or i not in streams:
                        continue
                    if i not in started:  # each copy starts where the last ended (audio starts below 0: priming)
                        started.add(i)
                        shift[i] = end.get(i, pkt.dts) - pkt.dts
                    pkt.dts += shift[i]
                    if pkt.pts is not None:
                        pkt.pts += shift[i]
                    end[i] = max(end.get(i, pkt.dts), pkt.dts + (pkt.duration or 1))
                    pkt.stream = streams[i]
                    out.mux(pkt)
    return dst


def med(xs):
    return round(float(np.median(xs)), 3)


def warm(clip: Path, repeat: int) -> dict:
    from reelscore.config import AnalysisConfig
    from reelscore.ingest import decode
    from reelscore.pipeline import analyze

    cfg = AnalysisConfig(use_cache=False)
    cap = "3 tips nobody tells you. Save this! #tips"
    analyze(clip, cap, config=cfg, followers=5000)  # load every model once
    rows = []
    for _ in range(repeat):
        b0 = plain_decode(clip, False)
        t0 = time.perf_counter()
        decode(clip, cfg)
        dec = time.perf_counter() - t0
        b1 = plain_decode(clip, True)
        t0 = time.perf_counter()
        a = analyze(clip, cap, config=cfg, followers=5000)
        ana = time.perf_counter() - t0
        b2 = plain_decode(clip, False)
        rows.append({"plain_decode_s": (b0 + b2) / 2, "plain_decode_rgb_s": b1, "decode_pass_s": dec, "analysis_s": ana,
                     "analyzers_s": a.timings["analyzers"], "scoring_s": a.timings["scoring"]})
    out = {k: med([r[k] for r in rows]) for k in rows[0]}
    out["analysis_over_decode"] = med([r["analysis_s"] / r["plain_decode_s"] for r in rows])
    out["analysis_over_decode_rgb"] = med([r["analysis_s"] / r["plain_decode_rgb_s"] for r in rows])
    out["decode_pass_over_decode"] = med([r["decode_pass_s"] / r["plain_decode_s"] for r in rows])
    out["decode_pass_over_decode_rgb"] = med([r["decode_pass_s"] / r["plain_decode_rgb_s"] for r in rows])
    out["runs"] = rows
    return out


def cold(clip: Path, repeat: int, cache_home: str) -> dict:
    env = dict(os.environ, REELSCORE_CACHE_DIR=cache_home)
    ana = [*CLI, "analyze", str(clip), "--no-cache", "-q", "-c", "3 tips nobody tells you. Save this! #tips",
           "--followers", "5000"]
    run_measured(ana, env)  # first run: builds the ONNX exports in the cache, as `reelscore doctor` would
    rows = []
    for _ in range(repeat):
        d0 = run_measured([sys.executable, "-c", DECODE_ONLY, str(clip)])[0]
        d1 = run_measured([sys.executable, "-c", DECODE_RGB, str(clip)])[0]
        wall, rss, rc = run_measured(ana, env)
        rows.append({"process_decode_s": d0, "process_decode_rgb_s": d1, "cold_analyze_s": wall, "peak_rss_mb": rss})
    out = {k: med([r[k] for r in rows]) for k in rows[0]}
    out["cold_over_decode"] = med([r["cold_analyze_s"] / r["process_decode_s"] for r in rows])
    out["cold_over_decode_rgb"] = med([r["cold_analyze_s"] / r["process_decode_rgb_s"] for r in rows])
    out["runs"] = rows
    return out


def memory(tmp: Path, clip: Path, cache_home: str, skip_long: bool) -> dict:
    from PIL import Image

    env = dict(os.environ, REELSCORE_CACHE_DIR=cache_home)
    out = {}
    run_measured([*CLI, "analyze", str(clip), "--no-cache", "-q"], env)  # ONNX exports cached, as after a first run
    wall, rss, rc = run_measured([*CLI, "analyze", str(clip), "--no-cache", "-q"], env)
    out["reel_30s"] = {"peak_rss_mb": round(rss), "seconds": round(wall, 2), "exit": rc}
    img = tmp / "wide.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (10, 4000, 3), dtype=np.uint8)).save(img)
    wall, rss, rc = run_measured([*CLI, "analyze", str(img), "--no-cache", "-q"], env)
    out["image_4000x10"] = {"peak_rss_mb": round(rss), "seconds": round(wall, 2), "exit": rc}
    if not skip_long:
        long = repeat_file(clip, tmp / "ten_minutes.mp4", 20)  # the 1080x1920 reel, 20 times: 10 minutes
        d = plain_decode(long, False)
        wall, rss, rc = run_measured([*CLI, "analyze", str(long), "--no-cache", "-q", "--max-seconds", "900"], env)
        out["video_10min_max900"] = {"peak_rss_mb": round(rss), "seconds": round(wall, 2), "exit": rc,
                                     "plain_decode_s": round(d, 2), "over_decode": round(wall / d, 2)}
    return out


def batch(tmp: Path, clip: Path, cache_home: str, n: int = 20, workers: int = 2, distinct: int = 4) -> dict:
    """`distinct` generated reels (about 85 s each to generate at 1080x1920), each stream-copied into
    n / distinct files that differ in bytes (so in content hash) but not in pictures or sound."""
    folder = tmp / "catalogue"
    folder.mkdir(exist_ok=True)
    bases = [clip] + [make_reel(tmp / f"base_{i}.mp4", seconds=30.0, seed=100 + i) for i in range(distinct - 1)]
    for i in range(n):
        repeat_file(bases[i % distinct], folder / f"reel_{i:02d}.mp4", 1, tag=f"copy {i}")
    env = dict(os.environ, REELSCORE_CACHE_DIR=cache_home)
    res = tmp / "batch.jsonl"
    wall, rss, rc = run_measured([*CLI, "batch", str(folder), "--out", str(res), "--workers", str(workers), "--no-cache"], env)
    recs = [json.loads(x) for x in res.read_text().splitlines() if x.strip()]
    ok = sum(r.get("ok", False) for r in recs)
    return {"reels": n, "workers": workers, "ok": ok, "seconds": round(wall, 1), "reels_per_minute": round(60 * len(recs) / wall, 1),
            "peak_rss_mb_all_processes": round(rss), "exit": rc}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--skip-long", action="store_true", help="skip the 10-minute video (about 2 min to generate)")
    ap.add_argument("--skip-batch", action="store_true")
    ap.add_argument("--only", default="warm,cold,memory,batch", help="comma-separated sections to run")
    ap.add_argument("--json", default=None)
    ap.add_argument("--clip", default=None, help="an existing 30 s reel to use instead of generating one (~85 s)")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="reelscore-bench-"))
    cache_home = str(tmp / "cache")
    clip = Path(a.clip) if a.clip else make_reel(tmp / "reel_30s.mp4")
    res = {"machine": {"cpus": len(os.sched_getaffinity(0)), "python": sys.version.split()[0]},
           "date": time.strftime("%Y-%m-%d")}
    only = set(a.only.split(","))
    if "warm" in only:
        print("warm (one process, models loaded, cache off)...")
        res["warm"] = w = warm(clip, a.repeat)
        print(f"  plain decode {w['plain_decode_s']:.2f} s (decode + RGB {w['plain_decode_rgb_s']:.2f} s); decode pass "
              f"{w['decode_pass_s']:.2f} s = {w['decode_pass_over_decode']:.2f}x ({w['decode_pass_over_decode_rgb']:.2f}x of "
              f"decode + RGB); analysis {w['analysis_s']:.2f} s = {w['analysis_over_decode']:.2f}x "
              f"({w['analysis_over_decode_rgb']:.2f}x of decode + RGB)")
    if "cold" in only:
        print("cold (new processes)...")
        res["cold"] = c = cold(clip, a.repeat, cache_home)
        print(f"  process decode {c['process_decode_s']:.2f} s (+ RGB {c['process_decode_rgb_s']:.2f} s); cold analyze "
              f"{c['cold_analyze_s']:.2f} s = {c['cold_over_decode']:.2f}x ({c['cold_over_decode_rgb']:.2f}x of decode + RGB); "
              f"peak RSS {c['peak_rss_mb']:.0f} MiB")
    if "memory" in only:
        print("memory...")
        res["memory"] = m = memory(tmp, clip, cache_home, a.skip_long)
        for k, v in m.items():
            print(f"  {k}: peak RSS {v['peak_rss_mb']} MiB, {v['seconds']} s, exit {v['exit']}")
    if not a.skip_batch and "batch" in only:
        print("batch (20 reels, 2 workers)...")
        res["batch"] = b = batch(tmp, clip, cache_home)
        print(f"  {b['ok']}/{b['reels']} ok in {b['seconds']} s: {b['reels_per_minute']} reels/min")
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=1))
        print(f"saved {a.json}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
