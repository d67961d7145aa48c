"""Issue 27's measurement side on real footage: shot boundaries (hard cuts, dissolves, fades, wipes),
the hook's "nothing changes in the first 3 s", exposure/colour/bitrate defects and the continuity
checks, against hand labels and against clips with known edits made from the real clips.

    .venv/bin/python bench/cuts_hook.py [--labels bench/labels] [--derived /tmp/reelscore_derived]
                                        [--json bench/results/cuts_hook.json] [--skip-real] [--skip-synthetic]

1. Labelled real clips (`labels/real_clips.csv`, and `labels/derived_clips.csv` when --derived points
   at the clips made by bench/derived_clips.py): cut precision and recall against `hard_cuts` +
   `soft_transitions` (a detected boundary matches a hard cut within 0.25 s, a soft transition when it
   falls inside its time range +-0.25 s), for reelscore and for PySceneDetect's ContentDetector alone
   (the previous detector); how many clips get "nothing changes in the first 3 s" now and under the
   previous rule; how many get each exposure/colour/bitrate advice now and under the previous rules
   (recomputed from the measures, which are kept); the continuity findings.
2. Clips with known edits, made here from real clips (pairs and timings that the thresholds were NOT
   tuned on): dissolves, fades through black and left-to-right wipes of 0.4 s and 1.0 s between two real
   shots, hard cuts, one-frame flashes; pans and zooms over real frames (no boundary). Recall within
   0.2 s of the true middle, boundaries found elsewhere. Titles animated in over real shots (no
   "nothing changes" allowed), a cover frame flashed for one frame, black/frozen/held frames in the
   middle, a blurred first frame, an opening from another clip.

The derived clips carry their sources' licences (CC BY 4.0, CC BY 2.0, Apache-2.0, Pexels, CC0, public
domain: see ../shared/media/real/*/NOTICE); nothing made here is kept.
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MEDIA = ROOT.parent / "shared" / "media"
REAL = MEDIA / "real"
ANALYZERS = ("cuts", "hook", "audio", "exposure", "color", "technical", "sharpness", "continuity")
TOL = 0.25


# ---------------------------------------------------------------- labels and matching
def _times(s: str) -> list[float]:
    return [float(x) for x in s.replace(",", ";").split(";") if x.strip()] if s and s.strip() else []


def _ranges(s: str) -> list[tuple[float, float]]:
    out = []
    for part in (s or "").split(";"):
        part = part.strip().split(" ")[0]
        if "-" in part:
            a, b = part.split("-")[:2]
            out.append((float(a), float(b)))
    return out


def match(found: list[float], hard: list[float], soft: list[tuple[float, float]]) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives): each label matched at most once."""
    used = set()
    tp = 0
    for t in sorted(found):
        hit = None
        for i, h in enumerate(hard):
            if ("h", i) not in used and abs(t - h) <= TOL:
                hit = ("h", i)
                break
        if hit is None:
            for i, (a, b) in enumerate(soft):
                if ("s", i) not in used and a - TOL <= t <= b + TOL:
                    hit = ("s", i)
                    break
        if hit is not None:
            used.add(hit)
            tp += 1
    return tp, len(found) - tp, len(hard) + len(soft) - tp


def prf(tp: int, fp: int, fn: int) -> dict:
    return {"tp": tp, "fp": fp, "fn": fn, "precision": round(tp / (tp + fp), 3) if tp + fp else None,
            "recall": round(tp / (tp + fn), 3) if tp + fn else None}


# ---------------------------------------------------------------- running the analyzers
def analyze(path: Path, names=ANALYZERS):
    from reelscore.analyzers import Context, all_analyzers
    from reelscore.ingest import decode

    media = decode(path)
    sig = {a.name: a.run(media, Context()) for a in all_analyzers(tuple(names))}
    return media, sig


def content_detector_only(media) -> list[float]:
    """The previous detector: PySceneDetect's ContentDetector on the small frames, nothing else."""
    from scenedetect import ContentDetector, FrameTimecode

    from reelscore.analyzers._util import work_scale

    t = np.asarray(media.small.times)
    if len(t) < 2:
        return []
    rate = 1.0 / float(np.median(np.diff(t)))
    det = ContentDetector(threshold=27.0, min_scene_len=max(1, int(round(0.25 * rate))))
    idx = []
    for i, f in enumerate(media.small.frames):
        idx += [tc.frame_num for tc in det.process_frame(FrameTimecode(i, rate), np.ascontiguousarray(work_scale(f)[..., ::-1]))]
    idx += [tc.frame_num for tc in det.post_process(FrameTimecode(len(t) - 1, rate)) or []]
    return sorted({float(t[i]) for i in idx if 0 < i < len(t)})


def old_hook_nothing_changes(media, old_cuts: list[float]) -> bool:
    """The previous rule: no ContentDetector cut and no hook-frame pair with mean |dY| > 12 (noise
    removed) in the first 3 s."""
    from reelscore.analyzers._util import luma, robust_diffs

    fs = media.hook
    first_cut = old_cuts[0] if old_cuts else None
    ttc = None
    if len(fs) >= 2:
        d = robust_diffs([luma(f) for f in fs.frames])
        strong = np.nonzero(d > 12.0)[0]
        ttc = float(fs.times[strong[0] + 1]) if len(strong) else None
    change = min([x for x in (first_cut, ttc) if x is not None], default=None)
    return not (change is not None and change < 3)


def advice(sig) -> dict:
    """Which of this helper's advice kinds a clip gets now, and under the previous rules."""
    from reelscore.scoring import components as C

    out = {}
    s = dict(sig)
    hook_comp, hook_sug = C.hook(s)
    out["hook_nothing_changes"] = any("Nothing changes" in x.message for x in hook_sug)
    out["hook_reason"] = hook_comp.explanation
    if s["exposure"].error is None:
        _, ex_sug = C.exposure(s)
        out["exposure_advice"] = [x.message for x in ex_sug]
        ev = s["exposure"].values
        out["old_exposure_advice"] = ev["mean_luma"] < 85 or ev["mean_luma"] > 175
    if s["color"].error is None:
        _, co_sug = C.color(s)
        out["color_flat_advice"] = bool(co_sug)
        out["old_color_flat_advice"] = C.ramp(s["color"].values["colorfulness"], 5, 55) < 40
        out["color_look"] = s["color"].values.get("look")
    if s["technical"].error is None:
        s.setdefault("format", None)
        comp, te_sug = C.technical(s)
        flags = {f["flag"] for f in comp.raw["flags"]}
        out["flags"] = sorted(flags)
        tv = s["technical"].values
        bpp = tv.get("bits_per_pixel")
        thr = 0.012 if str(tv.get("codec")) in C.EFFICIENT_CODECS else 0.02
        fine = tv.get("fine_detail_ratio")
        out["old_low_bitrate"] = bool(bpp is not None and bpp < thr and (tv["noise_sigma"] < 0.2 or (fine or 1) < 0.14))
        out["old_clipped_highlights"] = s["exposure"].values["clipped_highlights"] > 0.08 if s["exposure"].error is None else None
        out["technical_advice"] = [x.message for x in te_sug]
    if s["continuity"].error is None:
        comp, co_sug = C.continuity(s)
        out["continuity"] = [x.message for x in co_sug]
    return out


# ---------------------------------------------------------------- 1. labelled real clips
def real_clips(labels: Path, derived: Path | None) -> dict:
    rows = []
    for r in csv.DictReader(open(labels / "real_clips.csv")):
        rows.append((MEDIA / r["file"], r))
    if derived is not None and (labels / "derived_clips.csv").exists():
        for r in csv.DictReader(open(labels / "derived_clips.csv")):
            if (derived / r["file"]).exists():
                rows.append((derived / r["file"], r))
    per, new_c, old_c = [], [0, 0, 0], [0, 0, 0]
    counts = {"hook_nothing_changes": 0, "old_hook_nothing_changes": 0, "exposure_advice": 0, "old_exposure_advice": 0,
              "color_flat_advice": 0, "old_color_flat_advice": 0, "low_bitrate": 0, "old_low_bitrate": 0,
              "clipped_highlights": 0, "old_clipped_highlights": 0, "continuity_findings": 0}
    t0 = time.time()
    for path, r in rows:
        if not path.exists():
            continue
        try:
            media, sig = analyze(path)
        except Exception as e:  # a clip reelscore refuses (too short, unreadable) is reported, not fatal
            per.append({"file": r["file"], "error": f"{type(e).__name__}: {e}"})
            continue
        hard, soft = _times(r["hard_cuts"]), _ranges(r["soft_transitions"])
        cv = sig["cuts"].values if sig["cuts"].error is None and sig["cuts"].applicable else {}
        found = cv.get("cut_times", [])
        old = content_detector_only(media) if media.info.kind == "video" else []
        m_new, m_old = match(found, hard, soft), match(old, hard, soft)
        new_c = [a + b for a, b in zip(new_c, m_new)]
        old_c = [a + b for a, b in zip(old_c, m_old)]
        row = {"file": r["file"], "labels": {"hard": hard, "soft": soft}, "found": found,
               "soft_found": cv.get("soft_transitions", []), "flashes": cv.get("flashes", []),
               "content_detector": old, "match_new": m_new, "match_old": m_old}
        if sig["hook"].applicable and sig["hook"].error is None and sig["exposure"].error is None:
            adv = advice(sig)
            adv["old_hook_nothing_changes"] = old_hook_nothing_changes(media, old)
            row["advice"] = adv
            counts["hook_nothing_changes"] += adv["hook_nothing_changes"]
            counts["old_hook_nothing_changes"] += adv["old_hook_nothing_changes"]
            counts["exposure_advice"] += bool(adv.get("exposure_advice"))
            counts["old_exposure_advice"] += bool(adv.get("old_exposure_advice"))
            counts["color_flat_advice"] += bool(adv.get("color_flat_advice"))
            counts["old_color_flat_advice"] += bool(adv.get("old_color_flat_advice"))
            counts["low_bitrate"] += "low_bitrate" in adv.get("flags", [])
            counts["old_low_bitrate"] += bool(adv.get("old_low_bitrate"))
            counts["clipped_highlights"] += "clipped_highlights" in adv.get("flags", [])
            counts["old_clipped_highlights"] += bool(adv.get("old_clipped_highlights"))
            counts["continuity_findings"] += len(adv.get("continuity", []))
        per.append(row)
        print(f"  {r['file'][:52]:52s} cuts {found} (labels {hard} {soft})", flush=True)
    return {"clips": len(per), "cuts_reelscore": prf(*new_c), "cuts_content_detector_only": prf(*old_c),
            "advice_counts": counts, "seconds": round(time.time() - t0, 1), "per_clip": per}


# ---------------------------------------------------------------- 2. clips with known edits
HELD_OUT = ["../bigbuckbunny.mp4", "openmpf/toronto-highway-shortened.mp4", "mdn_interactive_examples/stream-of-water.mp4",
            "intel_sample_videos/one-by-one-person-detection.mp4", "intel_sample_videos/bottle-detection.mp4",
            "intel_sample_videos/asl_sister.mkv", "grid_lipnet/lbax4n.mpg", "openmpf/video_01.mp4",
            "androidx_media/hdr10-av1.mp4", "androidx_media/sample_with_increasing_timestamps_320w_240h.mp4"]


def synthetic(d: Path) -> dict:
    import cv2

    from reelscore.samples import clip_frames, transition_frames, write_frames
    from reelscore.scoring import components as C

    W, H, fps, secs, at = 270, 480, 30, 5.0, 66  # transitions centred on 2.2 s
    F = {Path(p).stem: clip_frames(REAL / p, W, H, secs, fps) for p in HELD_OUT}
    names = list(F)
    pairs = [(names[i], names[(i + 3) % len(names)]) for i in range(len(names))]
    res = {"transitions": [], "motion": []}
    for a, b in pairs:
        for kind, length in (("dissolve", 12), ("dissolve", 30), ("fade", 12), ("fade", 30), ("wipe", 12), ("wipe", 30),
                             ("cut", 1), ("flash", 1)):
            p = write_frames(d / f"{kind}{length}_{a}_{b}.mp4", transition_frames(F[a], F[b], kind, at, length), fps)
            _, sig = analyze(p, ("cuts",))
            v = sig["cuts"].values
            want = None if kind == "flash" else at / fps
            hit = [c for c in v["cut_times"] if want is not None and abs(c - want) <= 0.2]
            res["transitions"].append({"kind": kind, "frames": length, "pair": [a, b], "found": v["cut_times"],
                                       "soft": v["soft_transitions"], "flashes": v["flashes"], "hit": bool(hit),
                                       "extra": len(v["cut_times"]) - (1 if hit else 0)})
    for n in names[:6]:
        big = cv2.resize(F[n][5], (W * 3, H * 3), interpolation=cv2.INTER_CUBIC)
        pan = [big[H : 2 * H, int(2 * W * i / 149) : int(2 * W * i / 149) + W] for i in range(150)]
        zoom = []
        for i in range(150):
            z = 1 + 2 * i / 149
            cw, ch = int(W * 3 / z), int(H * 3 / z)
            x0, y0 = (W * 3 - cw) // 2, (H * 3 - ch) // 2
            zoom.append(cv2.resize(big[y0 : y0 + ch, x0 : x0 + cw], (W, H), interpolation=cv2.INTER_AREA))
        for what, fr in (("pan", pan), ("zoom", zoom)):
            _, sig = analyze(write_frames(d / f"{what}_{n}.mp4", fr, fps), ("cuts",))
            res["motion"].append({"what": what, "source": n, "found": sig["cuts"].values["cut_times"]})
    tr = res["transitions"]
    summ = {}
    for kind in ("dissolve", "fade", "wipe", "cut"):
        rows = [x for x in tr if x["kind"] == kind]
        summ[kind] = {"n": len(rows), "found_within_0.2s": sum(x["hit"] for x in rows), "other_boundaries": sum(x["extra"] for x in rows)}
    fl = [x for x in tr if x["kind"] == "flash"]
    summ["flash"] = {"n": len(fl), "boundaries_reported": sum(len(x["found"]) for x in fl), "flashes_reported": sum(bool(x["flashes"]) for x in fl)}
    summ["pan_zoom"] = {"n": len(res["motion"]), "boundaries_reported": sum(len(x["found"]) for x in res["motion"])}
    res["summary"] = summ

    # the opening and continuity
    W2, H2 = 360, 640
    hk = []

    def title(frames, t0, t1, mode):
        out = []
        for i, f in enumerate(frames):
            t = i / fps
            f = f.copy()
            if t >= t0:
                x = min(1.0, (t - t0) / (t1 - t0))
                ov = f.copy()
                text = "3 THINGS I WISH I KNEW"
                (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, 0.8, 2)
                x0 = (W2 - tw) // 2 - (int((1 - x) * W2) if mode == "slide" else 0)
                cv2.rectangle(ov, (x0 - 8, 100 - th - 10), (x0 + tw + 8, 110), (250, 250, 250), -1)
                cv2.putText(ov, text, (x0, 100), cv2.FONT_HERSHEY_DUPLEX, 0.8, (15, 15, 15), 2, cv2.LINE_AA)
                f = (f * (1 - x) + ov * x).astype(np.uint8) if mode == "fade" else ov
            out.append(f)
        return out

    rng = np.random.default_rng(0)
    for n in names[:5]:
        base = clip_frames(REAL / HELD_OUT[names.index(n)], W2, H2, 4.0, fps)
        still = [np.clip(base[10] + rng.normal(0, 2, base[10].shape), 0, 255).astype(np.uint8) for _ in base]  # a held shot
        for mode in ("slide", "fade"):
            p = write_frames(d / f"title_{mode}_{n}.mp4", title(still, 0.3, 1.0, mode), fps)
            _, sig = analyze(p, ("cuts", "hook", "audio"))
            _, sug = C.hook(sig)
            hk.append({"clip": p.name, "text_appears_s": sig["hook"].values["text_appears_s"],
                       "nothing_changes": any("Nothing changes" in x.message for x in sug)})
        p = write_frames(d / f"static_{n}.mp4", still, fps)
        _, sig = analyze(p, ("cuts", "hook", "audio"))
        _, sug = C.hook(sig)
        hk.append({"clip": p.name, "control_static": True, "nothing_changes": any("Nothing changes" in x.message for x in sug)})
        cover = clip_frames(REAL / HELD_OUT[(names.index(n) + 5) % len(names)], W2, H2, 1.0, fps)[0]
        p = write_frames(d / f"cover_{n}.mp4", [cover] + still[1:], fps)
        _, sig = analyze(p, ("cuts", "hook", "audio"))
        comp, sug = C.hook(sig)
        hk.append({"clip": p.name, "cover_flash": True, "flashes": sig["hook"].values["flashes"],
                   "first_cut_s": sig["cuts"].values["first_cut_s"], "change_s": comp.raw["opening_changes"],
                   "nothing_changes": any("Nothing changes" in x.message for x in sug)})
    res["hook"] = hk
    res["hook_summary"] = {
        "animated_titles": sum(1 for x in hk if "text_appears_s" in x),
        "animated_titles_with_nothing_changes": sum(1 for x in hk if "text_appears_s" in x and x["nothing_changes"]),
        "animated_titles_text_found": sum(1 for x in hk if x.get("text_appears_s") is not None),
        "static_controls_with_nothing_changes": sum(1 for x in hk if x.get("control_static") and x["nothing_changes"]),
        "static_controls": sum(1 for x in hk if x.get("control_static")),
        "cover_flashes": sum(1 for x in hk if x.get("cover_flash")),
        "cover_flashes_counted_as_change": sum(1 for x in hk if x.get("cover_flash") and (x["change_s"] or x["first_cut_s"] is not None)),
    }
    ct = []
    for n in names[:5]:
        base = clip_frames(REAL / HELD_OUT[names.index(n)], W2, H2, 6.0, fps)
        other = clip_frames(REAL / HELD_OUT[(names.index(n) + 4) % len(names)], W2, H2, 3.0, fps)
        cases = {
            "black_mid": ([np.zeros_like(f) if 75 <= i < 84 else f for i, f in enumerate(base)], "black"),
            "frozen_mid": ([base[75] if 75 <= i < 96 else f for i, f in enumerate(base)], "freezes"),
            "blur_first": ([cv2.GaussianBlur(f, (0, 0), 4) if i < 2 else f for i, f in enumerate(base)], "first frame is blurred"),
            "other_opening": (other[:90] + base[:150], "opening shows something else"),
            "control": (base, None),
        }
        for case, (fr, want) in cases.items():
            p = write_frames(d / f"cont_{case}_{n}.mp4", fr, fps)
            _, sig = analyze(p, ("continuity",))
            _, sug = C.continuity(sig)
            msgs = [x.message for x in sug]
            ct.append({"clip": p.name, "case": case, "advice": msgs,
                       "found": (any(want.lower() in m.lower() for m in msgs) if want else not msgs)})
    res["continuity"] = ct
    res["continuity_summary"] = {c: f"{sum(x['found'] for x in ct if x['case'] == c)}/{sum(1 for x in ct if x['case'] == c)}"
                                 for c in ("black_mid", "frozen_mid", "blur_first", "other_opening", "control")}
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--labels", default=str(ROOT / "bench" / "labels"))
    ap.add_argument("--derived", default=None, help="folder of the clips bench/derived_clips.py made")
    ap.add_argument("--json", default=str(ROOT / "bench" / "results" / "cuts_hook.json"))
    ap.add_argument("--skip-real", action="store_true")
    ap.add_argument("--skip-synthetic", action="store_true")
    a = ap.parse_args(argv)
    out = {}
    if not a.skip_real:
        labels = Path(a.labels)
        if not (labels / "real_clips.csv").exists():
            print(f"{labels / 'real_clips.csv'} not found: pass --labels", file=sys.stderr)
            return 2
        out["real"] = real_clips(labels, Path(a.derived) if a.derived else None)
        print(json.dumps({k: v for k, v in out["real"].items() if k != "per_clip"}, indent=1))
    if not a.skip_synthetic:
        with tempfile.TemporaryDirectory() as d:
            out["synthetic"] = synthetic(Path(d))
        s = out["synthetic"]
        print(json.dumps({"transitions": s["summary"], "hook": s["hook_summary"], "continuity": s["continuity_summary"]}, indent=1))
    Path(a.json).parent.mkdir(parents=True, exist_ok=True)
    Path(a.json).write_text(json.dumps(out, indent=1, default=str))
    print(f"wrote {a.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
