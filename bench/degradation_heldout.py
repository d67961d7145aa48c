"""Held-out degradation bench: degradation types AND their parameters are drawn from a seed, over real
clips (../shared/media/real and ../shared/media), so the analyzers cannot have learned the cases.
Develop with seed 0 only; report seeds 1..N (never looked at while tuning).

Each case: a real clip (its first seconds, optionally shrunk to 192x144 at 10 fps, "tiny"), re-encoded
untouched (the control) and with one drawn degradation; both analyzed the same way; the degradation
must move its components the expected way (see EXPECT) and must not raise the overall score.

Degradations (parameters drawn per case):
  gaussian_noise  additive white noise, sigma 4-28 grey levels
  shot_noise      Poisson noise whose variance grows with brightness (sigma at mid grey 5-25)
  salt_pepper     impulses to 0/255 on 0.2-3 % of the pixels
  low_light       darkened to 10-35 %, shot + read noise added in the dark, then gained back up
                  (50-100 % of the way), as a phone does at night
  compression     re-encoded with x264 at 0.004-0.02 bits per pixel (blocking, smearing, mosquito noise)
  freeze          one frame held for the whole clip
  darken          brightness scaled to 25-55 %
  blur            Gaussian blur, sigma 1.2-3 px (per 360 px of short side)
  downscale       shrunk 2.5-4x and scaled back up

    .venv/bin/python bench/degradation_heldout.py --seeds 1,2,3 [--cases 8] [--json bench/results/degradation_heldout.json]
    .venv/bin/python bench/degradation_heldout.py --seeds 0 --fast   # development: component-level only, no overall score
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "media"

NOISE_KINDS = ("gaussian_noise", "shot_noise", "salt_pepper", "low_light", "compression")
KINDS = NOISE_KINDS + ("freeze", "darken", "blur", "downscale")
# kind -> {component or "overall": "lower" | "not_higher"}
EXPECT: dict[str, dict[str, str]] = {
    **{k: {"sharpness": "not_higher", "motion": "not_higher", "overall": "not_higher"} for k in NOISE_KINDS},
    "freeze": {"sharpness": "not_higher", "technical": "not_higher", "motion": "lower", "overall": "not_higher"},
    "darken": {"exposure": "lower", "overall": "lower"},
    "blur": {"sharpness": "lower", "overall": "not_higher"},
    "downscale": {"sharpness": "lower", "overall": "not_higher"},
}
TOL = 0.05  # "not higher" allows this much (scores are rounded to 0.1)
MAX_SECONDS = 6.0
MIN_SECONDS = 1.5
CAPTION = "3 smart home tips nobody tells you. Which one do you use? #smarthome #tech"


def sources() -> list[Path]:
    """Real clips at least MIN_SECONDS long, in a fixed order."""
    import av

    out = []
    files = sorted(p for p in (SHARED / "real").rglob("*") if p.suffix.lower() in {".mp4", ".mkv", ".mov", ".mpg", ".webm"})
    files += sorted(SHARED.glob("*.mp4"))
    for p in files:
        try:
            with av.open(str(p)) as c:
                vs = c.streams.video[0]
                d = float(vs.duration * vs.time_base) if vs.duration else float(c.duration or 0) / 1e6
        except Exception:
            continue
        if d >= MIN_SECONDS:
            out.append(p)
    return out


def draw_cases(seed: int, n: int, srcs: list[Path]) -> list[dict]:
    """`n` cases (source, variant, kind, parameters) drawn from `seed`."""
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(n):
        src = srcs[int(rng.integers(len(srcs)))]
        variant = "tiny" if rng.random() < 0.25 else "native"
        kind = KINDS[int(rng.integers(len(KINDS)))] if rng.random() < 0.45 else NOISE_KINDS[int(rng.integers(len(NOISE_KINDS)))]
        p: dict = {"seed": int(rng.integers(1 << 30))}
        if kind == "gaussian_noise":
            p["sigma"] = float(rng.uniform(4, 28))
        elif kind == "shot_noise":
            p["sigma_mid"] = float(rng.uniform(5, 25))
        elif kind == "salt_pepper":
            p["density"] = float(rng.uniform(0.002, 0.03))
        elif kind == "low_light":
            p.update(darken=float(rng.uniform(0.10, 0.35)), sigma_mid=float(rng.uniform(2, 6)),
                     read=float(rng.uniform(0.5, 2.5)), regain=float(rng.uniform(0.5, 1.0)))
        elif kind == "compression":
            p["bpp"] = float(np.exp(rng.uniform(np.log(0.004), np.log(0.02))))
        elif kind == "freeze":
            p["at"] = float(rng.uniform(0.1, 0.9))
        elif kind == "darken":
            p["factor"] = float(rng.uniform(0.25, 0.55))
        elif kind == "blur":
            p["sigma"] = float(rng.uniform(1.2, 3.0))
        elif kind == "downscale":
            p["factor"] = float(rng.uniform(2.5, 4.0))
        cases.append({"i": i, "source": str(src), "variant": variant, "kind": kind, "params": p})
    return cases


def read_clip(src: Path, variant: str):
    """(frames RGB uint8, fps, mono audio float32 or None, audio rate) of the first MAX_SECONDS;
    "tiny": 192x144 (or 144x192 for portrait-coded frames) at 10 fps."""
    import av
    import cv2

    frames, audio, sr = [], [], 44100
    with av.open(str(src)) as inp:
        vs = inp.streams.video[0]
        fps = float(vs.average_rate or 30)
        t0 = None
        for fr in inp.decode(vs):
            t = fr.time or 0.0
            t0 = t if t0 is None else t0
            if t - t0 > MAX_SECONDS:
                break
            f = fr.to_ndarray(format="rgb24")
            if min(f.shape[:2]) > 1080:  # 4K sources: 1080 short side keeps the bench affordable
                s = 1080 / min(f.shape[:2])
                f = cv2.resize(f, (round(f.shape[1] * s), round(f.shape[0] * s)), interpolation=cv2.INTER_AREA)
            frames.append(f)
        if inp.streams.audio:
            inp.seek(0)
            a = inp.streams.audio[0]
            sr = a.codec_context.sample_rate or sr
            res = av.AudioResampler(format="flt", layout="mono", rate=sr)
            for fr in inp.decode(a):
                for r in res.resample(fr):
                    audio.append(r.to_ndarray().reshape(-1))
    au = np.concatenate(audio)[: int(len(frames) / fps * sr)] if audio else None
    if variant == "tiny":
        step = max(1, int(round(fps / 10)))
        h, w = frames[0].shape[:2]
        size = (192, 144) if w >= h else (144, 192)
        frames = [cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in frames[::step]]
        fps = fps / step
    h, w = frames[0].shape[:2]
    frames = [np.ascontiguousarray(f[: h - h % 2, : w - w % 2]) for f in frames]
    return frames, fps, au, sr


def degrade_frames(frames: list[np.ndarray], kind: str, p: dict) -> list[np.ndarray]:
    import cv2

    rng = np.random.default_rng(p["seed"])
    h, w = frames[0].shape[:2]
    scale = min(h, w) / 360

    def u8(x):
        return np.clip(np.round(x), 0, 255).astype(np.uint8)

    if kind == "gaussian_noise":
        return [u8(f + rng.normal(0, p["sigma"], f.shape)) for f in frames]
    if kind == "shot_noise":
        k = p["sigma_mid"] ** 2 / 128.0  # variance = k * level (grey levels)
        return [u8(rng.poisson(f / k) * k) for f in frames]
    if kind == "salt_pepper":
        out = []
        for f in frames:
            g = f.copy()
            m = rng.random(f.shape[:2])
            g[m < p["density"] / 2] = 0
            g[m > 1 - p["density"] / 2] = 255
            out.append(g)
        return out
    if kind == "low_light":
        d, k = p["darken"], p["sigma_mid"] ** 2 / 128.0
        gain = 1 + (1 / d - 1) * p["regain"]
        out = []
        for f in frames:
            dark = f.astype(np.float64) * d
            noisy = rng.poisson(dark / k) * k + rng.normal(0, p["read"], f.shape)
            out.append(u8(noisy * gain))
        return out
    if kind == "freeze":
        return [frames[int(p["at"] * (len(frames) - 1))]] * len(frames)
    if kind == "darken":
        return [u8(f * p["factor"]) for f in frames]
    if kind == "blur":
        return [cv2.GaussianBlur(f, (0, 0), p["sigma"] * max(scale, 0.4)) for f in frames]
    if kind == "downscale":
        sw, sh = max(2, int(w / p["factor"])), max(2, int(h / p["factor"]))
        return [cv2.resize(cv2.resize(f, (sw, sh), interpolation=cv2.INTER_AREA), (w, h), interpolation=cv2.INTER_LINEAR)
                for f in frames]
    if kind in ("compression", "control"):
        return frames
    raise ValueError(kind)


def write_clip(dst: Path, frames, fps: float, audio, sr: int, bitrate: int | None = None) -> Path:
    """H.264 (CRF 18, or a fixed low bit rate) + AAC, like a phone export."""
    import av

    from reelscore.samples import _mux_audio

    h, w = frames[0].shape[:2]
    with av.open(str(dst), "w") as out:
        v = out.add_stream("libx264", rate=max(1, int(round(fps))))
        v.width, v.height, v.pix_fmt = w, h, "yuv420p"
        if bitrate:
            v.bit_rate = bitrate
            v.options = {"preset": "veryfast"}
        else:
            v.options = {"preset": "veryfast", "crf": "18"}
        a_s = None
        if audio is not None and len(audio):
            a_s = out.add_stream("aac", rate=sr)
            a_s.layout = "mono"
        for f in frames:
            for pk in v.encode(av.VideoFrame.from_ndarray(f, format="rgb24")):
                out.mux(pk)
        for pk in v.encode():
            out.mux(pk)
        if a_s is not None:
            _mux_audio(out, a_s, audio, sr)
    return dst


def make_pair(case: dict, d: Path) -> tuple[Path, Path]:
    src = Path(case["source"])
    frames, fps, au, sr = read_clip(src, case["variant"])
    ctl = d / f"{src.stem}-{case['variant']}-control.mp4"
    if not ctl.exists():
        write_clip(ctl, frames, fps, au, sr)
    deg = d / f"{src.stem}-{case['variant']}-{case['kind']}-{case['i']}.mp4"
    bitrate = None
    if case["kind"] == "compression":
        h, w = frames[0].shape[:2]
        bitrate = max(8000, int(case["params"]["bpp"] * w * h * fps))
    write_clip(deg, degrade_frames(frames, case["kind"], case["params"]), fps, au, sr, bitrate=bitrate)
    return ctl, deg


FAST_ANALYZERS = ("sharpness", "motion", "technical", "exposure", "format", "audio", "loop")


def measure(path: Path, fast: bool, cache: dict) -> dict:
    """Component scores (and the overall score unless `fast`) of one file."""
    key = str(path)
    if key in cache:
        return cache[key]
    if fast:
        from reelscore.analyzers import Context, all_analyzers
        from reelscore.ingest import decode
        from reelscore.scoring.components import BUILDERS

        media = decode(path)
        sigs = {a.name: a.run(media, Context()) for a in all_analyzers(FAST_ANALYZERS)}
        comps = {}
        for name in ("sharpness", "motion", "technical", "exposure"):
            c, _ = BUILDERS[name].fn(sigs)
            comps[name] = c.score if c is not None else None
        res = {"score": None, "components": comps,
               "values": {"sharpness": sigs["sharpness"].values, "motion": {k: v for k, v in sigs["motion"].values.items()
                                                                          if not isinstance(v, list)}}}
    else:
        import reelscore
        from reelscore.config import AnalysisConfig

        a = reelscore.analyze(path, caption=CAPTION, followers=12000, config=AnalysisConfig(use_cache=False))
        res = {"score": a.score, "components": {c.name: c.score for c in a.components if c.score is not None},
               "contributions": {c.name: c.contribution for c in a.components}}
    cache[key] = res
    return res


def check(case: dict, c0: dict, c1: dict) -> list[dict]:
    out = []
    for what, how in EXPECT[case["kind"]].items():
        if what == "overall":
            a, b = c0["score"], c1["score"]
            if a is None:
                continue
        else:
            a, b = c0["components"].get(what), c1["components"].get(what)
        if a is None or b is None:
            ok = False
        else:
            ok = b < a - 1e-9 if how == "lower" else b <= a + TOL
        out.append({"case": case["i"], "source": Path(case["source"]).name, "variant": case["variant"], "kind": case["kind"],
                    "params": {k: round(v, 4) for k, v in case["params"].items() if k != "seed"},
                    "what": f"{what} {how.replace('_', ' ')}", "control": a, "degraded": b, "ok": ok})
    return out


def run(seeds: list[int], n_cases: int, fast: bool, out_json: str | None, workdir: str | None = None) -> dict:
    srcs = sources()
    res: dict = {"seeds": seeds, "cases_per_seed": n_cases, "fast": fast, "checks": [], "cases": []}
    cache: dict = {}
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(workdir or tmp)
        for seed in seeds:
            d = base / f"seed{seed}"
            d.mkdir(parents=True, exist_ok=True)
            for case in draw_cases(seed, n_cases, srcs):
                ctl, deg = make_pair(case, d)
                c0, c1 = measure(ctl, fast, cache), measure(deg, fast, cache)
                rows = check(case, c0, c1)
                res["checks"].extend({"seed": seed, **r} for r in rows)
                res["cases"].append({"seed": seed, **case, "control": c0, "degraded": c1})
                for r in rows:
                    print(f"{'ok ' if r['ok'] else 'BAD'} s{seed} {r['source'][:26]:<26} {r['variant']:<6} {r['kind']:<14} "
                          f"{r['what']:<22} {r['control']} -> {r['degraded']}  {r['params']}", flush=True)
    bad = [c for c in res["checks"] if not c["ok"]]
    res["summary"] = {"checks": len(res["checks"]), "failed": len(bad),
                      "overall_rose": sum(1 for c in bad if c["what"] == "overall not higher"),
                      "by_kind": {k: f"{sum(c['ok'] for c in res['checks'] if c['kind'] == k)}/"
                                     f"{sum(1 for c in res['checks'] if c['kind'] == k)}" for k in KINDS},
                      "seconds": round(time.time() - t0, 1)}
    if out_json:
        Path(out_json).parent.mkdir(parents=True, exist_ok=True)
        Path(out_json).write_text(json.dumps(res, separators=(",", ":"), default=str))
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", default="1,2,3", help="comma-separated; 0 is the development seed")
    ap.add_argument("--cases", type=int, default=8, help="cases drawn per seed")
    ap.add_argument("--fast", action="store_true", help="component scores only (no overall score, no neural models)")
    ap.add_argument("--json", default=None)
    ap.add_argument("--workdir", default=None, help="keep the generated clips here")
    args = ap.parse_args()
    res = run([int(s) for s in args.seeds.split(",")], args.cases, args.fast, args.json, args.workdir)
    print(json.dumps(res["summary"]))


if __name__ == "__main__":
    main()
