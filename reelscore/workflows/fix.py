"""`reelscore fix`: apply the mechanical fixes the analysis found worth points and hand back a better
file, with the score before and after.

    analyze(input) -> plan (each fix on its own, with its predicted gain) -> render (fix_render) ->
    analyze(output) -> FixResult (score before/after, changed factors, applied, skipped and why)

Fixes, each optional (`only=`) and each planned only when the analysis found it worth points:
- loudness: the platform's integrated loudness with its true-peak ceiling (BS.1770, see `loudness`);
- trim:     a dead opening (black or frozen picture *and* silent audio) and a dead tail; a stretch with
            sound over a black picture, or a moving picture without sound, is content and is kept;
- reframe:  landscape, square or letterboxed footage to 9:16 at the profile's size: a crop that
            follows the faces (when the faces signal has boxes) or the motion and detail, or a blurred-
            background pad when a crop would cut the subject (faces wider apart than the crop, text on
            screen most of the time);
- export:   the platform's settings: H.264 High, 30 fps where the source has more (60 -> 30, 50 -> 25),
            AAC 48 kHz, yuv420p, faststart;
- cover:    the best cover frame (framed like the output) written next to it as JPEG; with
            `cover_first` it is also the output's first frame (platforms that take the first frame).

The input is never written: the output may not be the input (same path, a link to it, or the same file
by inode), it is written atomically through `outputs.atomic_output`, and a failure leaves no partial file.
Predicted gains re-score the analysis' own signals with the changed values (the same scoring code), so
they are the model's estimate; the score after comes from analyzing the output itself.
"""
from __future__ import annotations

import os
import time
from fractions import Fraction
from pathlib import Path
from typing import Callable

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..errors import InputError, OptionError, display
from ..outputs import atomic_output, atomic_write, check_destination, resolved

FIXES = ("loudness", "trim", "reframe", "export", "cover")
OUT_SUFFIXES = (".mp4", ".m4v", ".mov")
# trim thresholds (on the analysis' 72-px frames and 16 kHz mono audio)
BLACK_MEAN, BLACK_P98 = 24.0, 48.0  # luma 0-255
FROZEN_MAD = 1.5  # mean |dY| against the held frame below which the picture has not changed
SILENCE_DB = -45.0  # RMS dBFS of 50 ms windows (the audio analyzer's definition of silence)
MIN_TRIM_START, MIN_TRIM_TAIL = 0.3, 0.5  # s: shorter dead stretches are left alone
MIN_LEFT = 1.0  # s: a trim never leaves less than this
LUFS_BAND = (-18.0, -10.0)  # integrated loudness the audio component already scores 100 for
ASPECT_TOL = 0.03


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChangedFactor(_M):
    """A factor whose sub-score or points changed between the input and the fixed file."""

    name: str
    score_before: float | None = None
    score_after: float | None = None
    points_before: float | None = Field(None, description="points the factor moved the Virality Score (before)")
    points_after: float | None = None


class PlannedFix(_M):
    name: str
    reason: str = Field(description="what the analysis found")
    action: str = Field(description="what the fix does")
    predicted_gain: float | None = Field(None, description="predicted change of the Virality Score from this fix alone")
    params: dict = Field(default_factory=dict)


class FixResult(_M):
    """What `reelscore fix` did (or, with dry_run, would do)."""

    input: str
    output: str | None = Field(None, description="the fixed file (None in a dry run or when nothing needed fixing)")
    cover: str | None = Field(None, description="the cover JPEG written next to the output")
    platform: str
    dry_run: bool = False
    score_before: float
    score_after: float | None = Field(None, description="the fixed file's Virality Score (re-analysed)")
    predicted_score_after: float | None = Field(None, description="the score the plan predicted (all fixes together)")
    applied: list[str] = Field(default_factory=list, description="fix names applied (planned, in a dry run)")
    planned: list[PlannedFix] = Field(default_factory=list)
    skipped: dict[str, str] = Field(default_factory=dict, description="fix name -> why it was not applied")
    loudness_target_lufs: float
    true_peak_ceiling_dbtp: float
    loudness_before_lufs: float | None = None
    loudness_after_lufs: float | None = None
    true_peak_after_dbtp: float | None = None
    trimmed_start_s: float = 0.0
    trimmed_end_s: float = 0.0
    duration_before_s: float | None = None
    duration_after_s: float | None = None
    size_after: list[int] | None = None
    fps_after: float | None = None
    encoder: str | None = None
    changed_factors: list[ChangedFactor] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    seconds: float = 0.0


# ---- options -------------------------------------------------------------------------------------------
def parse_only(only) -> set[str]:
    """`only` as a set of fix names (None -> all); OptionError naming the choices for anything else."""
    if only is None:
        return set(FIXES)
    items = only.split(",") if isinstance(only, str) else list(only)
    names = {str(x).strip().lower() for x in items if str(x).strip()}
    bad = sorted(names - set(FIXES))
    if bad or not names:
        raise OptionError(f"--only: {'unknown fix ' + ', '.join(map(repr, bad)) if bad else 'empty'}; "
                          f"choose from {', '.join(FIXES)}")
    return names


def cover_path_for(out) -> Path:
    p = Path(out)
    return p.with_name(p.stem + ".cover.jpg")


def _check_out(path, out, dry_run: bool) -> Path | None:
    """Refuse an output that is (or resolves to) the input, a folder, a name that is not .mp4/.m4v/.mov;
    in a real run also one that cannot be written. Returns the cover path (None in a dry run)."""
    if out is None or str(out).strip() == "":
        raise OptionError("--out: the destination is empty; give a .mp4 file path")
    src, dst = Path(path), Path(out)
    try:
        same = dst.exists() and src.exists() and (os.path.samefile(dst, src) or resolved(dst) == resolved(src))
    except OSError:
        same = False
    if same or dst.absolute() == src.absolute():
        raise OptionError(f"--out {display(out)}: is the input file; refusing to overwrite it (give a new name)")
    if dst.suffix.lower() not in OUT_SUFFIXES:
        raise OptionError(f"--out {display(out)}: give a file name ending in .mp4 (the fixed video is MP4)")
    if dry_run:
        return None
    check_destination(out, "--out", [path])
    cover = cover_path_for(out)
    check_destination(cover, "cover", [path, out])
    return cover


# ---- measuring the source (from the analysis' decoded frames and audio) ---------------------------------
def _lumas(media) -> tuple[np.ndarray, list[np.ndarray]]:
    from ..analyzers._util import luma

    fs = media.small
    return np.asarray(fs.times, float), [luma(f) for f in fs.frames]


def picture_box(media) -> tuple[int, int, int, int]:
    """(x, y, w, h) of the picture inside the upright frame at display size: black bars excluded."""
    from ..analyzers._util import luma

    W, H = media.info.width, media.info.height
    fs = media.heavy.subsample(8)
    if not len(fs):
        return 0, 0, W, H
    edges = []
    for f in fs.frames:
        y = luma(f)
        h, w = y.shape
        rows = (y.mean(1) < 20) & (np.percentile(y, 98, axis=1) < 40)
        cols = (y.mean(0) < 20) & (np.percentile(y, 98, axis=0) < 40)
        if rows.all() or cols.all():  # a black frame says nothing about bars
            continue

        def run(m):
            return int(np.argmin(m)) if not m.all() else len(m)
        edges.append((run(cols) / w, run(rows) / h, run(cols[::-1]) / w, run(rows[::-1]) / h))
    if not edges:
        return 0, 0, W, H
    left, top, right, bottom = (float(np.median(e)) for e in zip(*edges))
    if max(left, top, right, bottom) < 0.02:
        return 0, 0, W, H
    x, y = round(left * W), round(top * H)
    return x, y, max(2, round(W * (1 - left - right))), max(2, round(H * (1 - top - bottom)))


def _audio_alive(media) -> tuple[float | None, float | None]:
    """First and last moment (s) the analysis' audio is above silence; (None, None) without sound."""
    a = media.audio
    if a is None or not len(a):
        return None, None
    sr = media.audio_rate
    win = int(0.05 * sr)
    n = len(a) // win
    if not n:
        return None, None
    db = 20 * np.log10(np.sqrt((a[: n * win].astype(np.float64).reshape(n, win) ** 2).mean(1)) + 1e-12)
    loud = np.nonzero(db > SILENCE_DB)[0]
    if not len(loud):
        return None, None
    return float(loud[0] * 0.05), float((loud[-1] + 1) * 0.05)


def dead_spans(media) -> dict:
    """Where the content starts and ends: the opening and tail where the picture is black or frozen AND
    the audio is silent (or absent). Times are source frame times (from the first video frame)."""
    times, ys = _lumas(media)
    out = {"start": 0.0, "end": None, "why_start": "", "why_end": ""}
    if len(ys) < 2:
        return out
    means = np.array([y.mean() for y in ys])
    p98 = np.array([np.percentile(y, 98) for y in ys])
    black = (means < BLACK_MEAN) & (p98 < BLACK_P98)
    frozen_first = np.array([np.abs(y - ys[0]).mean() < FROZEN_MAD for y in ys])
    frozen_last = np.array([np.abs(y - ys[-1]).mean() < FROZEN_MAD for y in ys])
    a_first, a_last = _audio_alive(media)
    has_audio = media.audio is not None
    dur = media.info.analyzed_s or (times[-1] + (times[1] - times[0]))
    # opening: the first frame that is neither black nor the held first frame
    dead = black | frozen_first
    alive = np.nonzero(~dead)[0]
    pic_start = float(times[alive[0]]) if len(alive) else float(dur)
    start = pic_start if a_first is None else min(pic_start, a_first)
    start = float(times[times <= start + 1e-6].max()) if (times <= start + 1e-6).any() else 0.0
    kind = "black" if black[: max(1, int(np.searchsorted(times, start)))].all() else "frozen"
    out["start"] = start
    out["why_start"] = (f"the first {start:.2f} s are a {kind} picture" +
                        (" with silent audio" if has_audio else " (no audio)"))
    # tail: from the last frame back, the frames that are black or the held last frame
    dead_t = black | frozen_last
    k = len(dead_t)
    while k > 0 and dead_t[k - 1]:
        k -= 1
    frame_dur = float(np.median(np.diff(times)))
    pic_end = float(times[k]) if k < len(times) else float(dur)
    if k == 0:
        pic_end = 0.0
    end = pic_end if a_last is None else max(pic_end, a_last)
    later = times[times >= end - 1e-6]
    end = float(later.min()) if len(later) else float(dur)
    if dur - end >= MIN_TRIM_TAIL - 1e-9:
        out["end"] = end
        kind = "black" if black[k:].all() else "frozen"
        out["why_end"] = f"the last {dur - end:.2f} s are a {kind} picture" + (" with silent audio" if has_audio else "")
    out["frame_s"] = frame_dur
    return out


def _face_boxes(signals) -> list[tuple[float, list[tuple[float, float, float, float]]]]:
    """(t, [(x, y, w, h) fractions of the upright frame]) from the faces signal's per-frame boxes, when
    it has them (`values["boxes"]`: {"t", "box"} or {"t", "boxes"} entries)."""
    fa = signals.get("faces")
    if fa is None or fa.error or not fa.applicable:
        return []
    raw = fa.values.get("boxes") or []
    by_t: dict[float, list] = {}
    for e in raw:
        if not isinstance(e, dict) or "t" not in e:
            continue
        bs = e.get("boxes") if "boxes" in e else [e.get("box")]
        for b in bs or []:
            if b is not None and len(b) == 4:
                by_t.setdefault(round(float(e["t"]), 3), []).append(tuple(float(v) for v in b))
    return sorted(by_t.items())


def subject_track(media, box, signals) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """The crop centre over time, (times, cx, cy) as fractions of `box`: faces where the faces signal
    has boxes, else where motion and detail are (weighted toward the middle), smoothed so the window
    pans slowly and holds still when the subject barely moves. Also facts for the crop-or-pad choice."""
    import cv2

    fs = media.small
    W, H = media.info.width, media.info.height
    bx, by, bw, bh = box
    times = np.asarray(fs.times, float)
    facts: dict = {"faces_used": False}
    if not len(fs):
        return np.array([0.0]), np.array([0.5]), np.array([0.5]), facts
    cx = np.full(len(fs), 0.5)
    cy = np.full(len(fs), 0.5)
    moving = []  # (frame index, column profile of the movement) for the crop-or-pad choice
    prev = None
    for i, f in enumerate(fs.frames):
        h, w = f.shape[:2]
        x0, y0 = int(bx / W * w), int(by / H * h)
        x1, y1 = max(x0 + 2, int((bx + bw) / W * w)), max(y0 + 2, int((by + bh) / H * h))
        g = cv2.GaussianBlur((f[y0:y1, x0:x1].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)),
                             (0, 0), 1.0)
        gy, gx = np.gradient(g)
        sal = np.hypot(gx, gy)
        hh, ww = g.shape
        yy, xx = np.mgrid[0:hh, 0:ww]
        prior = np.exp(-(((xx / ww - 0.5) / 0.35) ** 2 + ((yy / hh - 0.5) / 0.35) ** 2) / 2)
        wmap = sal / (sal.sum() + 1e-6)
        if prev is not None and prev.shape == g.shape:
            # the camera's own movement is taken out (phase correlation) so what remains is the subject's
            (sx, sy), resp = cv2.phaseCorrelate(prev, g)
            if resp > 0.1 and abs(sx) < ww / 4 and abs(sy) < hh / 4:
                prev = cv2.warpAffine(prev, np.float32([[1, 0, sx], [0, 1, sy]]), (ww, hh), borderMode=cv2.BORDER_REPLICATE)
            d = np.abs(g - prev)
            m = int(max(abs(sx), abs(sy))) + 2 if resp > 0.1 else 2
            d[:m], d[-m:], d[:, :m], d[:, -m:] = 0, 0, 0, 0  # the edges the shift uncovered
            d = np.maximum(0.0, d - np.median(d) - 4.0)  # noise and small global changes removed
            if d.sum() > 2e-3 * d.size:
                wmap = 0.3 * wmap + 0.7 * d / d.sum()
                moving.append((i, d.sum(0)))
        wmap = wmap * prior
        s = wmap.sum()
        if s > 0:
            cx[i] = float((wmap * xx).sum() / s / max(1, ww - 1))
            cy[i] = float((wmap * yy).sum() / s / max(1, hh - 1))
        prev = g
    faces = _face_boxes(signals)
    if faces:
        ft = np.array([t for t, _ in faces])
        fx, fy, spans = [], [], []
        for _, bs in faces:
            # the face boxes in picture-box fractions; the crop centres on their union
            xs = [((b[0] * W - bx) / bw, (b[0] * W + b[2] * W - bx) / bw) for b in bs]
            ys_ = [((b[1] * H - by) / bh, (b[1] * H + b[3] * H - by) / bh) for b in bs]
            lo, hi = min(x[0] for x in xs), max(x[1] for x in xs)
            fx.append((lo + hi) / 2)
            fy.append((min(y[0] for y in ys_) + max(y[1] for y in ys_)) / 2)
            spans.append(hi - lo)
        near = np.abs(times[:, None] - ft[None, :]).min(1) <= 0.75
        if near.any():
            cx[near] = np.interp(times[near], ft, fx)
            cy[near] = np.interp(times[near], ft, fy)
            facts["faces_used"] = True
        facts["face_span"] = spans
    # smoothing: median (outliers), then a 0.6 s Gaussian; a window that would move less than 6 % of
    # the picture holds still
    fps = 1.0 / max(1e-3, float(np.median(np.diff(times)))) if len(times) > 1 else 30.0
    from scipy.ndimage import gaussian_filter1d, median_filter

    for arr in (cx, cy):
        if len(arr) > 3:
            arr[:] = median_filter(arr, size=max(3, int(fps * 0.5) | 1), mode="nearest")
            arr[:] = gaussian_filter1d(arr, sigma=max(1.0, 0.6 * fps), mode="nearest")
        if arr.max() - arr.min() < 0.06:
            arr[:] = float(np.median(arr))
    cx, cy = np.clip(cx, 0, 1), np.clip(cy, 0, 1)
    facts["moving"] = moving
    return times, cx, cy, facts


def inside_share(moving, cx: np.ndarray, keep: float) -> float | None:
    """Median share of the movement (per frame that has some) inside a crop window `keep` wide
    centred on the track; None when nothing moves."""
    shares = []
    for i, prof in moving:
        n = len(prof)
        lo = float(np.clip(cx[i] - keep / 2, 0, 1 - keep))
        a, b = int(round(lo * n)), int(round((lo + keep) * n))
        tot = float(prof.sum())
        if tot > 0:
            shares.append(float(prof[a:max(a + 1, b)].sum()) / tot)
    return float(np.median(shares)) if len(shares) >= 3 else None


def choose_framing(media, signals, profile, allow: bool) -> tuple[dict | None, str]:
    """(reframe plan or None, reason). The plan: mode crop|pad, box, and the centre track."""
    info = media.info
    box = picture_box(media)
    bw, bh = box[2], box[3]
    aspect = bw / bh
    target = profile.width / profile.height
    bars = (bw, bh) != (info.width, info.height)
    if abs(aspect - target) <= ASPECT_TOL and not bars:
        return None, f"already {profile.aspect} ({info.width}x{info.height})"
    why = (f"the picture is {bw}x{bh}" + (f" inside a {info.width}x{info.height} frame with black bars" if bars else "")
           + f" ({'landscape' if aspect > 1.05 else 'square' if aspect > 0.95 else 'portrait'}, not {profile.aspect})")
    if not allow:
        return None, why
    times, cx, cy, facts = subject_track(media, box, signals)
    keep = min(1.0, (bh * target) / bw) if aspect > target else min(1.0, (bw / target) / bh)
    mode, how = "crop", "crop following " + ("the faces" if facts["faces_used"] else "the motion and detail")
    spans = facts.get("face_span") or []
    if spans and np.mean([s > 0.9 * keep for s in spans]) >= 0.25:
        mode, how = "pad", "blurred-background pad: the faces are wider apart than a 9:16 crop"
    share = inside_share(facts.get("moving", []), cx, keep) if aspect > target else None
    if mode == "crop" and not facts["faces_used"] and share is not None and share < 0.55:
        mode, how = "pad", (f"blurred-background pad: the movement spreads wider than a 9:16 crop "
                            f"(a crop would keep {share:.0%} of it)")
    ocr = signals.get("ocr")
    if (mode == "crop" and ocr is not None and not ocr.error and ocr.applicable
            and ocr.values.get("text_fraction", 0) >= 0.5 and keep < 0.65):
        mode, how = "pad", "blurred-background pad: on-screen text in most frames would be cut by a crop"
    return {"mode": mode, "box": box, "times": times, "cx": cx, "cy": cy, "keep": keep, "how": how,
            "movement_inside_crop": share}, why


def output_fps(info, profile, allow_export: bool) -> Fraction:
    """The platform's rate where the source is faster (60 -> 30, 50 -> 25, halves when they land in
    24-30), else the source's own rate (a variable rate becomes its rounded mean)."""
    src = Fraction(info.fps or profile.export.get("fps", 30)).limit_denominator(1001)
    cap = Fraction(profile.export.get("fps", 30))
    if info.variable_frame_rate:  # the mean rate (frames / seconds), not the median interval's
        mean = info.n_frames / info.analyzed_s if info.n_frames and info.analyzed_s else float(src)
        src = Fraction(min((12, 15, 24, 25, 30, 48, 50, 60), key=lambda r: abs(r - mean)))  # a common rate
    if not allow_export or src <= cap + Fraction(1, 2):
        return src
    half = src / 2
    return half if Fraction(47, 2) <= half <= cap + Fraction(1, 2) else cap


def export_gaps(info, profile) -> list[str]:
    """What in the source differs from the platform's export settings."""
    ex = profile.export
    gaps = []
    if (info.video_codec or "") not in ("h264",):
        gaps.append(f"video codec {info.video_codec} (not H.264)")
    if info.fps and info.fps > ex.get("fps", 30) + 0.5:
        gaps.append(f"{info.fps:.0f} fps (platform: {ex.get('fps', 30)})")
    if info.variable_frame_rate:
        gaps.append("variable frame rate")
    if info.has_audio and (info.audio_codec or "") != "aac":
        gaps.append(f"audio codec {info.audio_codec} (not AAC)")
    if info.has_audio and info.audio_sample_rate and info.audio_sample_rate != ex.get("audio_rate", 48000):
        gaps.append(f"audio at {info.audio_sample_rate} Hz (platform: {ex.get('audio_rate', 48000)})")
    if (info.container or "").split(",")[0] not in ("mov", "mp4"):
        gaps.append(f"container {info.container} (not MP4)")
    if min(info.width, info.height) > min(profile.width, profile.height) + 8:
        gaps.append(f"{info.width}x{info.height}, larger than the platform's {profile.width}x{profile.height} "
                    "(it would downscale it itself)")
    return gaps


def keep_size(info, profile, allow_export: bool) -> tuple[int, int] | None:
    """Coded (w, h) for an un-reframed output larger than the platform's size: scaled to fit it."""
    short, target = min(info.width, info.height), min(profile.width, profile.height)
    if not allow_export or short <= target + 8:
        return None
    s = target / short
    return (max(2, round(info.coded_width * s / 2) * 2), max(2, round(info.coded_height * s / 2) * 2))


# ---- predicted gains: the analysis' own signals with the changed values, re-scored ---------------------
def _rescore(before, signals, duration_s, caption, account, model) -> float:
    from ..scoring.components import build_components
    from ..scoring.virality import score_analysis

    comps, sugs = build_components(signals)
    r = score_analysis(comps, sugs, signals, caption=caption, followers=account.followers if account else None,
                       duration_s=duration_s, model=model, account=account)
    return r.score


def _modified(signals: dict, fix: str, plan: dict, media, profile) -> tuple[dict, float | None]:
    """Copies of the signals a fix changes, with the values it is expected to produce."""
    from ..analyzers._util import luma
    from ..analyzers.sharpness import detail_var

    sig = {k: v.model_copy(deep=True) for k, v in signals.items()}
    dur = None
    if fix == "loudness" and "audio" in sig and sig["audio"].values.get("integrated_lufs") is not None:
        v = sig["audio"].values
        gain = profile.loudness_lufs - v["integrated_lufs"]
        v["integrated_lufs"] = profile.loudness_lufs
        v["peak_dbfs"] = min(profile.true_peak_dbtp, v.get("peak_dbfs", -99) + gain)
        if "hook" in sig and sig["hook"].values.get("opening_rms_db") is not None:
            sig["hook"].values["opening_rms_db"] += gain
    elif fix == "trim":
        t0, t1 = plan["t0"], plan["t1"]
        end = t1 if t1 is not None else (media.info.analyzed_s or media.info.duration_s)
        dur = max(0.0, end - t0)
        if "audio" in sig and sig["audio"].applicable:
            v = sig["audio"].values
            if "leading_silence_s" in v:
                v["leading_silence_s"] = max(0.0, v["leading_silence_s"] - t0)
        if "hook" in sig and sig["hook"].applicable:
            v = sig["hook"].values
            if v.get("audio_start_s") is not None:
                v["audio_start_s"] = max(0.0, v["audio_start_s"] - t0)
            elif media.audio is not None:
                a_first, _ = _audio_alive(media)
                if a_first is not None and a_first - t0 < 3.0:
                    v["audio_start_s"] = max(0.0, a_first - t0)
            fsrc = media.hook if len(media.hook) and t0 <= media.hook.times[-1] else media.heavy
            if len(fsrc):
                i = int(np.argmin(np.abs(np.asarray(fsrc.times) - t0)))
                y = luma(fsrc.frames[i])
                v["first_frame_luma"] = float(y.mean())
                v["first_frame_sharpness"] = detail_var(y)
            cuts = sig.get("cuts")
            later = [c - t0 for c in (cuts.values.get("cut_times", []) if cuts and cuts.applicable else []) if c > t0 + 0.1]
            v["time_to_first_change_s"] = later[0] if later and later[0] < 3.0 else None
            if cuts is not None and cuts.applicable:
                cuts.values["first_cut_s"] = later[0] if later else None
        if "format" in sig:
            sig["format"].values["duration_s"] = dur
    elif fix == "reframe" and "format" in sig:
        v = sig["format"].values
        w, h = profile.width, profile.height
        v.update(width=w, height=h, aspect=round(w / h, 4), content_width=w, content_height=h,
                 content_aspect=round(w / h, 4), letterbox=0.0, pillarbox=0.0, orientation="vertical",
                 short_side=min(w, h), long_side=max(w, h))
        if "technical" in sig and sig["technical"].applicable:
            tv = sig["technical"].values
            tv.update(letterbox=0.0, pillarbox=0.0)
            if "source_short_side" in tv:
                tv["source_short_side"] = max(tv["source_short_side"], min(w, h))
    elif fix == "export" and "format" in sig:
        sig["format"].values["fps"] = float(plan["fps"])
    return sig, dur


def _analysis_share(stage: str, frac: float) -> float:
    """Where an analysis is (0-1) from its own stage and that stage's fraction: reading the video is
    about 40 % of it, the analyzers 55 %, scoring the rest (a stage that is not an analysis' own, such
    as "render", passes its fraction through)."""
    frac = min(max(float(frac), 0.0), 1.0)
    if stage == "decode":
        return 0.4 * frac
    if stage.startswith("analyze:"):
        return 0.4 + 0.55 * frac
    if stage in ("probe",):
        return 0.0
    if stage in ("scoring", "pictures", "saving"):
        return 0.95 + 0.05 * frac
    return frac


def _duration(before) -> float | None:
    return before.media.analyzed_s or before.media.duration_s if before.media else None


# ---- the whole workflow ---------------------------------------------------------------------------------
def fix(path: str | os.PathLike, out: str | os.PathLike, platform: str | None = None, only=None, *,
        dry_run: bool = False, cover_first: bool = False, caption: str | None = None, account=None,
        config=None, model: str | None = None, report_path: str | os.PathLike | None = None,
        progress: Callable[[str, float], None] | None = None) -> FixResult:
    """Fix `path` into `out` for `platform` (reels, tiktok, shorts; None = reels): each fix in `only`
    (default: all of loudness, trim, reframe, export, cover) that the analysis finds worth points.

    dry_run: plan only, write nothing. cover_first: also show the cover frame as the first frame.
    caption/account/config/model: as for `reelscore.analyze` (they set the score before and after).
    report_path: write the fixed file's HTML report there. progress(stage, fraction): stages
    "analyze" (the input), "loudness" (measuring and normalising the sound, before the render's first
    frame; only when the loudness fix is applied), "render", "reanalyze" (the output); each stage's
    fraction runs from 0 to 1 without going back. Raises OptionError (bad options, an output onto the input, a
    fix asked for by name that cannot apply) or InputError (an image, an unreadable video).
    """
    from ..ingest import probe
    from ..pipeline import analyze, choose_best_frame, make_account
    from ..platforms import get_profile

    t_start = time.perf_counter()
    names = parse_only(only)
    profile = get_profile(platform)
    account = account or make_account()
    cover_dst = _check_out(path, out, dry_run)
    if report_path is not None and dry_run:
        raise OptionError("--report describes the fixed file; a --dry-run writes none")
    if report_path is not None:
        check_destination(report_path, "--report", [path, out])
    info = probe(path)
    if info.kind != "video":
        raise InputError(str(path), "is an image; reelscore fix works on videos")
    if names == {"loudness"} and not info.has_audio:
        raise OptionError(f"--only loudness: {display(path)} has no audio track to normalise")

    def stage(name, lo, hi):
        return (lambda s, f: progress(name, lo + (hi - lo) * _analysis_share(s, f))) if progress else None

    captured = {}

    def keep_media(a, media):
        captured["media"] = media
    p_an = stage("analyze", 0.0, 1.0)
    before = analyze(path, caption=caption, account=account, config=config, model=model,
                     progress=(lambda s, f: p_an(s, f)) if p_an else None, on_result=keep_media)
    if p_an:  # done (cached signals skip the stages that would have said so)
        p_an("scoring", 1.0)
    media = captured["media"]
    info = media.info
    sig = before.signals
    planned: list[PlannedFix] = []
    skipped: dict[str, str] = {}
    notes: list[str] = []
    plan: dict = {"t0": 0.0, "t1": None, "loudness": None, "framing": None}

    # loudness -------------------------------------------------------------------------------------------
    au = sig.get("audio")
    lufs = au.values.get("integrated_lufs") if au is not None and au.applicable and not au.error else None
    if "loudness" not in names:
        skipped["loudness"] = "not asked for (--only)"
    elif not info.has_audio:
        skipped["loudness"] = "no audio track to normalise"
    elif au is None or au.error or not au.applicable or au.values.get("silent"):
        skipped["loudness"] = "the audio track is silent" if au is not None and au.values.get("silent") else \
            "the audio could not be measured"
    elif lufs is None:
        skipped["loudness"] = "the audio is too short to measure its loudness"
    elif LUFS_BAND[0] <= lufs <= LUFS_BAND[1] and only is None:
        skipped["loudness"] = (f"already {lufs:.1f} LUFS, inside the {LUFS_BAND[0]:g} to {LUFS_BAND[1]:g} LUFS band that "
                               "scores full points")
    else:
        plan["loudness"] = (profile.loudness_lufs, profile.true_peak_dbtp)
        planned.append(PlannedFix(name="loudness", reason=f"integrated loudness {lufs:.1f} LUFS",
                                  action=f"normalise to {profile.loudness_lufs:g} LUFS with true peak at most "
                                         f"{profile.true_peak_dbtp:g} dBTP (two passes, 4x-oversampled limiter)",
                                  params={"from_lufs": round(lufs, 2), "to_lufs": profile.loudness_lufs}))
    # trim -----------------------------------------------------------------------------------------------
    dead = dead_spans(media)
    truncated = info.duration_s and info.analyzed_s and info.duration_s > info.analyzed_s + 0.5
    t0 = dead["start"] if dead["start"] >= MIN_TRIM_START else 0.0
    t1 = dead["end"] if dead["end"] is not None and not truncated else None
    span_end = t1 if t1 is not None else (info.analyzed_s or info.duration_s)
    if (t0 or t1 is not None) and span_end - t0 < MIN_LEFT:
        skipped["trim"] = "almost the whole video is dead (black or frozen and silent); nothing would be left"
    elif "trim" not in names:
        skipped["trim"] = "not asked for (--only)"
    elif not t0 and t1 is None:
        skipped["trim"] = "no dead opening or tail (black or frozen picture with silent audio)"
    else:
        plan["t0"], plan["t1"] = t0, t1
        parts = [dead["why_start"]] if t0 else []
        if t1 is not None:
            parts.append(dead["why_end"])
        planned.append(PlannedFix(name="trim", reason="; ".join(parts),
                                  action="cut " + " and ".join(
                                      ([f"the first {t0:.2f} s"] if t0 else []) +
                                      ([f"the last {span_end and (info.analyzed_s or info.duration_s) - t1:.2f} s"]
                                       if t1 is not None else [])) + " (picture and sound alike)",
                                  params={"start_s": round(t0, 4), "end_s": None if t1 is None else round(t1, 4)}))
    if truncated and dead["end"] is not None:
        notes.append("the tail was not checked: only the first part of the video was analyzed")
    # reframe --------------------------------------------------------------------------------------------
    framing, why = choose_framing(media, sig, profile, "reframe" in names)
    if framing is None:
        skipped["reframe"] = why if "reframe" in names or why.startswith("already") else "not asked for (--only)"
    else:
        plan["framing"] = framing
        planned.append(PlannedFix(name="reframe", reason=why,
                                  action=f"{profile.width}x{profile.height} {profile.aspect}: {framing['how']}",
                                  params={"mode": framing["mode"], "picture_box": list(framing["box"]),
                                          "kept_width_fraction": round(framing["keep"], 3)}))
    # export ---------------------------------------------------------------------------------------------
    gaps = export_gaps(info, profile)
    plan["fps"] = output_fps(info, profile, "export" in names)
    if "export" not in names:
        skipped["export"] = "not asked for (--only)"
    elif not gaps:
        skipped["export"] = "already H.264 + AAC at the platform's rate"
    else:
        planned.append(PlannedFix(name="export", reason="; ".join(gaps),
                                  action=f"H.264 High, {float(plan['fps']):g} fps, AAC {profile.export.get('audio_rate', 48000)} Hz, "
                                         "yuv420p, MP4 with faststart",
                                  params={"fps": float(plan["fps"])}))
    # cover ----------------------------------------------------------------------------------------------
    kept_end = span_end
    quality = sig.get("quality")
    best_t = None
    if quality is not None and quality.timeline:
        q = quality.model_copy(deep=True)
        q.timeline = [(t, v) for t, v in q.timeline if plan["t0"] - 1e-6 <= t < kept_end] or q.timeline
        best = choose_best_frame({**sig, "quality": q})
        best_t = best.t if best else None
    elif before.best_frame is not None:
        best_t = before.best_frame.t
    if "cover" not in names:
        skipped["cover"] = "not asked for (--only)"
    elif best_t is None:
        skipped["cover"] = "no cover frame was chosen (the quality analyzer did not run)"
    else:
        planned.append(PlannedFix(name="cover", reason=f"best cover frame at {best_t:.2f} s",
                                  action="write it next to the output as JPEG" +
                                         (" and show it as the first frame" if cover_first else ""),
                                  params={"t": round(best_t, 3), "first_frame": bool(cover_first)}))
    if cover_first and (best_t is None or "cover" not in names):
        notes.append("--cover-first: no cover frame to put first")
    elif cover_first and not profile.cover_from_first_frame:
        notes.append(f"{profile.label} lets you pick the cover; the cover frame is put first anyway (--cover-first)")

    # predicted gains ------------------------------------------------------------------------------------
    dur_before = _duration(before)
    fix_names = [p.name for p in planned if p.name != "cover"]
    all_sig, all_dur = dict(sig), dur_before
    for pf in planned:
        if pf.name == "cover":
            continue
        s1, d1 = _modified(sig, pf.name, plan, media, profile)
        pf.predicted_gain = round(_rescore(before, s1, d1 or dur_before, before.caption, account, model) - before.score, 1)
        s_all, d_all = _modified(all_sig, pf.name, plan, media, profile)
        all_sig, all_dur = s_all, d_all or all_dur
    predicted = round(_rescore(before, all_sig, all_dur, before.caption, account, model), 1) if fix_names else before.score

    result = FixResult(input=display(path), platform=profile.name, dry_run=dry_run, score_before=before.score,
                       predicted_score_after=predicted, planned=planned, skipped=skipped,
                       loudness_target_lufs=profile.loudness_lufs, true_peak_ceiling_dbtp=profile.true_peak_dbtp,
                       loudness_before_lufs=None if lufs is None else round(lufs, 2),
                       trimmed_start_s=round(plan["t0"], 4) if "trim" in fix_names else 0.0,
                       duration_before_s=dur_before, notes=notes + list(info.notes[:3]))
    if dry_run:
        result.applied = [p.name for p in planned]
        result.notes.append("dry run: nothing was written")
        result.seconds = round(time.perf_counter() - t_start, 2)
        return result
    if not fix_names:
        result.notes.append("nothing worth fixing: no file written")
        result.seconds = round(time.perf_counter() - t_start, 2)
        return result

    # render ---------------------------------------------------------------------------------------------
    from .fix_render import Framing, RenderSpec, render

    fr = plan["framing"]
    if fr is not None:
        times, cx, cy = fr["times"], fr["cx"], fr["cy"]

        def centre(t, times=times, cx=cx, cy=cy):
            return float(np.interp(t, times, cx)), float(np.interp(t, times, cy))
        framing = Framing(fr["mode"], profile.width, profile.height, tuple(fr["box"]), centre)
    else:
        framing = Framing("keep", coded_size=keep_size(info, profile, "export" in names))
    ex = profile.export
    cover_rgb = None
    if best_t is not None and "cover" in names:
        cover_rgb = media.cover_rgb(best_t)
        if cover_rgb.shape[:2] != (info.height, info.width):
            import cv2

            cover_rgb = cv2.resize(cover_rgb, (info.width, info.height), interpolation=cv2.INTER_CUBIC)
    spec = RenderSpec(t0=plan["t0"], t1=plan["t1"], fps=plan["fps"], framing=framing, loudness=plan["loudness"],
                      video_kbps=int(ex.get("video_kbps", 8000)), max_video_kbps=int(ex.get("max_video_kbps") or
                                                                                   2 * ex.get("video_kbps", 8000)),
                      audio_kbps=int(ex.get("audio_kbps", 128)), audio_channels=min(int(ex.get("audio_channels", 2)),
                                                                         info.audio_channels or 2),
                      cover_first=cover_rgb if cover_first else None,
                      duration_hint=max(info.duration_s or 0.0, info.analyzed_s or 0.0))
    if plan["loudness"] is not None and progress is not None:
        progress("loudness", 0.0)  # the render measures and normalises the sound before its first frame
    p_r = stage("render", 0.0, 1.0)
    with atomic_output(out, "--out", suffix=".tmp.mp4") as tmp:
        rep = render(path, tmp, spec, rotation=info.rotation, progress=(lambda f: p_r("render", f)) if p_r else None)
    result.output = display(out)
    result.applied = fix_names
    result.encoder = rep.encoder
    turned = framing.mode == "keep" and info.rotation in (90, 270)
    result.size_after = [rep.height, rep.width] if turned else [rep.width, rep.height]
    result.fps_after = round(rep.fps, 3)
    result.duration_after_s = rep.duration_s
    result.notes += rep.notes
    if "trim" in fix_names and plan["t1"] is not None:
        result.trimmed_end_s = round(max(0.0, (info.duration_s or rep.t1) - plan["t1"]), 4)
    if rep.audio:
        result.loudness_after_lufs = rep.audio.get("lufs_after")
        result.true_peak_after_dbtp = rep.audio.get("true_peak_after_aac_dbtp", rep.audio.get("true_peak_after_dbtp"))
        if rep.audio.get("note"):
            result.notes.append(f"loudness: {rep.audio['note']}")
    if cover_rgb is not None and cover_dst is not None:
        import io

        from PIL import Image

        from .fix_render import _Picture

        pic = cover_rgb if framing.mode == "keep" else _Picture(framing, 0).compose(cover_rgb, best_t)
        buf = io.BytesIO()
        Image.fromarray(pic).save(buf, format="JPEG", quality=92)
        result.cover = display(atomic_write(cover_dst, buf.getvalue(), "cover"))
        result.applied.append("cover")

    # after ----------------------------------------------------------------------------------------------
    def on_after(a, m):
        if report_path is not None:
            from .report import write_report

            write_report(a, report_path, m, option="--report")
    p_a = stage("reanalyze", 0.0, 1.0)
    after = analyze(out, caption=caption, account=account, config=config, model=model,
                    progress=(lambda s, f: p_a(s, f)) if p_a else None, on_result=on_after)
    if p_a:
        p_a("scoring", 1.0)
    result.score_after = after.score
    result.changed_factors = changed_factors(before, after)
    a_after = after.signals.get("audio")
    if result.loudness_after_lufs is None and a_after is not None and a_after.applicable and not a_after.error:
        result.loudness_after_lufs = a_after.values.get("integrated_lufs")
    result.seconds = round(time.perf_counter() - t_start, 2)
    return result


def changed_factors(before, after) -> list[ChangedFactor]:
    """Factors whose sub-score or points moved (by 0.1 or more), in the order users see them."""
    out = []
    b = {c.name: c for c in before.components}
    a = {c.name: c for c in after.components}
    for name in list(b) + [n for n in a if n not in b]:
        cb, ca = b.get(name), a.get(name)
        sb, sa = (cb.score if cb else None), (ca.score if ca else None)
        pb, pa = (cb.contribution if cb else None), (ca.contribution if ca else None)

        def moved(x, y):
            return (x is None) != (y is None) or (x is not None and abs(x - y) >= 0.1)
        if moved(sb, sa) or moved(pb, pa):
            out.append(ChangedFactor(name=name, score_before=sb, score_after=sa, points_before=pb, points_after=pa))
    return out


__all__ = ["fix", "FixResult", "PlannedFix", "ChangedFactor", "FIXES", "parse_only"]
