"""Map analyzer signals to the components users see: a 0-100 sub-score, a one-line reason, the raw
values, evidence and concrete suggestions. Every mapping here is a documented heuristic prior
(see README, "How the score is built"); trained models replace parts of it as data allows.

Each builder takes the dict of signals and returns (Component | None, [Suggestion]).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..analyzers.technical import EFFICIENT_CODECS
from ..schema import Component, Evidence, Signal, Suggestion


def ramp(x: float | None, lo: float, hi: float) -> float:
    """0 at lo, 100 at hi, linear between (lo > hi allowed for decreasing)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return 50.0
    return float(np.clip((x - lo) / (hi - lo), 0, 1) * 100)


def band(x: float, lo0: float, lo1: float, hi1: float, hi0: float) -> float:
    """Trapezoid: 0 outside [lo0, hi0], 100 inside [lo1, hi1]."""
    if x < lo1:
        return ramp(x, lo0, lo1)
    if x > hi1:
        return ramp(x, hi0, hi1)
    return 100.0


def _c(name: str, score: float | None, why: str, sig: Signal | list[Signal], raw: dict,
       evidence: list[Evidence] | None = None, heuristic: bool | None = None) -> Component:
    sigs = sig if isinstance(sig, list) else [sig]
    return Component(name=name, score=None if score is None else round(float(np.clip(score, 0, 100)), 1),
                     applicable=score is not None, explanation=why, raw=raw,
                     backend=" + ".join(dict.fromkeys(s.backend for s in sigs)),
                     heuristic=all(s.heuristic for s in sigs) if heuristic is None else heuristic,
                     evidence=evidence if evidence is not None else [e for s in sigs for e in s.evidence][:12])


def _na(name: str, sig: Signal | None, why: str) -> Component:
    return Component(name=name, score=None, applicable=False, explanation=why,
                     backend=sig.backend if sig else "none", heuristic=sig.heuristic if sig else True)


def _ok(sig: Signal | None) -> bool:
    return sig is not None and sig.applicable and sig.error is None


def _why_missing(sig: Signal | None) -> str:
    if sig is None:
        return "analyzer not run"
    if sig.error:
        return f"analyzer failed: {sig.error}"
    return "; ".join(sig.notes) or "not applicable"


Builder = Callable[[dict[str, Signal]], tuple[Component | None, list[Suggestion]]]


@dataclass(frozen=True)
class BuilderSpec:
    name: str  # the component's name
    fn: Builder
    needs: tuple[str, ...]  # analyzers read, the first one guarded (component n/a when it did not run cleanly)
    rank: float  # display order (importance); new components without a rank follow in registration order
    guard: bool


BUILDERS: dict[str, BuilderSpec] = {}


def builder(name: str, needs: tuple[str, ...] | str, rank: float | None = None, guard: bool = True):
    """Register a component builder. `needs` names the analyzers it reads (the first is its guard:
    when that signal is missing, failed or not applicable the component is marked n/a with the reason,
    without calling the builder). A new analyzer is one analyzer module plus one builder here."""
    needs = (needs,) if isinstance(needs, str) else tuple(needs)

    def deco(fn):
        BUILDERS[name] = BuilderSpec(name, fn, needs, 1000.0 + len(BUILDERS) if rank is None else rank, guard)
        return fn
    return deco


@builder("format", needs=('format',), rank=2)
def format_fit(s):
    sig = s.get("format")
    v = sig.values
    aspect = v["aspect"]
    # the picture's own shape counts, not the frame's: a 16:9 picture with bars in a 9:16 frame is 16:9
    content = v.get("content_aspect", aspect)
    # 9:16 -> 100, 4:5 -> 60, square -> 35, 16:9 -> 10 (linear between); taller than 9:16 loses a little
    a_score = float(np.interp(content, [0.4, 0.5625, 0.8, 1.0, 1.78, 2.4], [80, 100, 60, 35, 10, 5]))
    short = min(v.get("content_width", v["short_side"]), v.get("content_height", v["short_side"]))
    r_score = band(short, 240, 1080, 1e9, 2e9) if short < 1080 else 100.0
    r_score = 0.85 * 100 + 0.15 * r_score if short >= 720 else r_score * 0.85
    sug, parts = [], []
    if v["kind"] == "video":
        fps = v["fps"] or 0
        f_score = 100.0 if 23.5 <= fps <= 60.5 else (60.0 if fps > 60.5 else ramp(fps, 10, 23.5))
        d = v["duration_s"]
        d_score = band(d, 1.0, 7.0, 60.0, 180.0)
        score = 0.4 * a_score + 0.3 * r_score + 0.1 * f_score + 0.2 * d_score
        parts.append(f"{v['width']}x{v['height']} {v['orientation']}, {fps:.0f} fps, {d:.1f} s")
        if abs(content - aspect) > 0.05:
            parts.append(f"picture {v['content_width']}x{v['content_height']} inside black bars")
        if d < 5:
            sug.append(Suggestion(component="format", message=f"At {d:.1f} s the video is very short; 7-30 s clips give the algorithm more watch time to measure.", priority=2))
        elif d > 90:
            sug.append(Suggestion(component="format", message=f"At {d:.0f} s the video is long for a Reel; trim to the strongest 15-60 s.", priority=2))
        if not 23.5 <= fps <= 60.5:
            sug.append(Suggestion(component="format", message=f"Export at 30 fps (the file is {fps:.1f} fps).", priority=3))
    else:
        score = 0.55 * a_score + 0.45 * r_score
        parts.append(f"image {v['width']}x{v['height']} {v['orientation']}")
    if v["orientation"] != "vertical" or abs(aspect - 0.5625) > 0.03:
        sug.append(Suggestion(component="format", message=f"Reframe to 9:16 vertical (1080x1920); the file is {v['width']}x{v['height']} ({v['orientation']}), so it will be shown with bars or cropped.", priority=1))
    if short < 720:
        sug.append(Suggestion(component="format", message=f"Export at least 720x1280 (ideally 1080x1920); the short side is {short} px.", priority=1))
    bars = min(1.0, v.get("letterbox", 0.0) + v.get("pillarbox", 0.0))
    score -= 10 * bars  # burned-in bars waste the screen and stop the platform from cropping or zooming
    if abs(content - aspect) > 0.05:
        sug.append(Suggestion(component="format", message=f"The picture fills only {v['content_width']}x{v['content_height']} of the frame (black bars); crop or reframe it to fill 9:16.", priority=1))
    return _c("format", score, "; ".join(parts), sig, {k: v.get(k) for k in ("aspect", "content_aspect", "short_side", "fps", "duration_s", "orientation")}), sug


@builder("exposure", needs=('exposure',), rank=7)
def exposure(s):
    sig = s.get("exposure")
    v = sig.values
    m = v["mean_luma"]
    score = band(m, 25, 85, 175, 240)
    score -= 200 * max(0.0, v["clipped_highlights"] - 0.03)
    score -= 100 * max(0.0, v["crushed_shadows"] - 0.25)
    sug = []
    if m < 85:
        why = f"underexposed (mean luma {m:.0f}/255)"
        sug.append(Suggestion(component="exposure", message="Brighten the footage (add light or raise exposure ~1 stop); it reads dark on a phone.", priority=1 if m < 60 else 2))
    elif m > 175:
        why = f"overexposed (mean luma {m:.0f}/255)"
        sug.append(Suggestion(component="exposure", message="Lower exposure; highlights are washing out.", priority=1 if m > 200 else 2))
    else:
        why = f"well exposed (mean luma {m:.0f}/255)"
    if v["clipped_highlights"] > 0.05:
        why += f", {v['clipped_highlights']:.0%} clipped highlights"
    return _c("exposure", score, why, sig, v), sug


def sharpness_score(edge_px_1080: float | None) -> float | None:
    """0-100 from the edge width in px at 1080 px short side: 100 at 0.8 px or less (crisp HD), 0 at 12
    px or more (a 144p clip on a phone), log scale between (each halving of the width is worth the same)."""
    from ..analyzers.sharpness import SHARP_PX_1080, SOFT_PX_1080

    if edge_px_1080 is None:
        return None
    return 100.0 * float(np.clip(math.log(SOFT_PX_1080 / max(edge_px_1080, 1e-3)) / math.log(SOFT_PX_1080 / SHARP_PX_1080), 0, 1))


@builder("sharpness", needs=('sharpness',), rank=8)
def sharpness(s):
    """How sharp the picture looks on a phone: edge width at 1080 px (see the sharpness analyzer). The
    soft-footage advice is given only when the source is soft at its own resolution; footage that is
    sharp but small is the resolution's problem (the technical and format components say so)."""
    sig = s.get("sharpness")
    v = sig.values
    w = v.get("edge_width_px_1080")
    score = sharpness_score(w)
    sug = []
    if score is None:
        return _c("sharpness", 50.0, "no clear edges to judge sharpness by (neutral)", sig, v), sug
    native = w * v.get("full_res_short_side", 1080) / 1080.0
    why = f"edges {w:.1f} px wide at 1080 px ({native:.1f} px at the source's {v.get('full_res_short_side')} px)"
    if score < 50 and native > NATIVE_SOFT_PX:
        sug.append(Suggestion(component="sharpness", message=f"The footage is soft: edges are {native:.1f} px wide even at its own resolution ({w:.1f} px at phone size). Clean the lens, lock focus on the subject, and avoid digital zoom and upscaling.", priority=1))
    label = "sharp" if score >= 60 else "soft" if score >= 30 else "blurry"
    return _c("sharpness", score, f"{label} ({why})", sig, v), sug


NATIVE_SOFT_PX = 2.5  # edge width (px at the source's own resolution) above which the footage itself is out of focus


@builder("color", needs=('color',), rank=9)
def color(s):
    sig = s.get("color")
    m = sig.values["colorfulness"]
    score = ramp(m, 5, 55)
    sug = [] if score >= 40 else [Suggestion(component="color", message="Colours are flat; add colour to the scene or grade for more saturation and contrast.", priority=3)]
    return _c("color", score, f"colourfulness {m:.0f} ({'vivid' if m > 45 else 'moderate' if m > 20 else 'muted'})", sig, sig.values), sug


def quiet_static_spans(motion: dict, audio: dict | None = None, pad: float = 0.3,
                       min_len: float | None = None) -> list[tuple[float, float]]:
    """The motion analyzer's `static_spans` (no change anywhere in the picture) minus the time anyone
    speaks (the audio signal's `speech_segments`, padded by `pad` s): the stretches where nothing
    happens at all. Pieces shorter than the motion analyzer's minimum are dropped."""
    from ..analyzers.motion import MIN_STATIC_S

    min_len = MIN_STATIC_S if min_len is None else min_len
    speech = sorted((a - pad, b + pad) for a, b in (audio or {}).get("speech_segments", []) or [])
    out = []
    for a, b in motion.get("static_spans", []) or []:
        pieces = [(a, b)]
        for sa, sb in speech:
            nxt = []
            for pa, pb in pieces:
                if sb <= pa or sa >= pb:
                    nxt.append((pa, pb))
                    continue
                if sa > pa:
                    nxt.append((pa, sa))
                if sb < pb:
                    nxt.append((sb, pb))
            pieces = nxt
        out.extend((round(pa, 2), round(pb, 2)) for pa, pb in pieces if pb - pa >= min_len)
    return out


@builder("motion", needs=('motion', 'audio'), rank=10)
def motion(s):
    """Movement that holds attention (the busiest part of the picture, so a gesture counts), minus chaos
    (whole-frame change above 18 grey levels per frame). Camera shake is measured and advised here (the
    one shake suggestion of the whole result; technical does not repeat it) but costs no points: added
    noise and compression hide jitter, so a shake penalty would let a noisier copy score higher, and
    hand-held footage is normal on the platforms; the advice says what to fix."""
    sig = s.get("motion")
    v = sig.values
    au = s.get("audio")
    av = au.values if _ok(au) else None
    e = v["motion_energy"]
    loc = v.get("local_motion", e)
    score = min(ramp(math.log10(max(loc, 1e-3)), math.log10(0.3), math.log10(8.0)), ramp(e, 45, 18))
    px, thr = v.get("shake_px_1080"), v.get("shaky_threshold_px_1080", 4.0)
    quiet = quiet_static_spans(v, av)
    speech = sum(b - a for a, b in (av or {}).get("speech_segments", []) or [])
    sug = []
    if v["is_static"] and speech < 1.0:
        sug.append(Suggestion(component="motion", message="Nothing moves in almost the whole video and nobody speaks; add movement (camera moves, gestures, B-roll) to hold attention.", priority=1))
    elif quiet:
        for a, b in quiet[:2]:
            sug.append(Suggestion(component="motion", message=f"Nothing moves and nobody speaks from {a:.1f} s to {b:.1f} s; cut it or add motion.", target=f"{a:.1f}-{b:.1f} s", priority=2))
    if px is not None and px > thr:
        span = v.get("shake_worst_span")
        where = f", worst at {span[0]:.1f}-{span[1]:.1f} s ({v.get('shake_worst_px_1080', px):.0f} px)" if span else ""
        sug.append(Suggestion(component="motion", message=f"The camera shakes: jitter of {px:.0f} px at 1080 px width{where}, over the {thr:.0f} px that reads as steady. Stabilise it (gimbal, tripod, or the editor's stabiliser).",
                              target=f"{span[0]:.1f}-{span[1]:.1f} s" if span else None, priority=2))
    desc = "static" if loc < 0.3 else "little movement" if loc < 1.5 else "moving"
    why = f"{desc} (change {e:.1f}, busiest area {loc:.1f} grey levels per frame)"
    if px is not None:
        why += f", camera jitter {px:.1f} px at 1080 width" + (" (shaky)" if px > thr else "")
    if quiet:
        why += f", nothing happens for {sum(b - a for a, b in quiet):.1f} s"
    raw = {k: v.get(k) for k in ("motion_energy", "local_motion", "shake", "shake_px_1080", "shake_worst_span", "static_fraction", "is_static")}
    raw["quiet_static_spans"] = quiet
    return _c("motion", score, why, [sig] + ([au] if av is not None else []), raw), sug


@builder("pacing", needs=('cuts', 'audio', 'motion'), rank=11)
def pacing(s):
    """Cut rate (2.5-6 shots per 10 s ideal) and movement within shots: a long shot that moves holds
    attention, a long static one does not (60 % cut rate, 40 % share of time with movement)."""
    sig, au, mo = s.get("cuts"), s.get("audio"), s.get("motion")
    v = sig.values
    spt = v["shots_per_10s"]
    cut_score = band(spt, 0.5, 2.5, 6.0, 12.0)
    static = mo.values["static_fraction"] if _ok(mo) else None
    score = cut_score if static is None else 0.6 * cut_score + 0.4 * 100 * (1 - static)
    score -= 3 * max(0.0, v["longest_shot_s"] - 8)
    raw = {k: v[k] for k in ("n_cuts", "shots_per_10s", "mean_shot_s", "longest_shot_s", "cut_times")}
    raw["static_fraction"] = static
    sigs = [sig] + ([mo] if static is not None else [])
    why = f"{v['n_cuts']} cuts, {spt:.1f} shots per 10 s, longest shot {v['longest_shot_s']:.1f} s"
    if static is not None and static > 0.2:
        why += f", nothing moves {static:.0%} of the time"
    on_beat = cuts_on_beats(v["cut_times"], au.values.get("beat_times", []) if _ok(au) else [],
                            au.values.get("tempo_bpm") if _ok(au) else None)
    if on_beat is not None:
        raw["cuts_on_beat_fraction"] = on_beat
        sigs.append(au)
        score += 10 * (on_beat - 0.5)
        why += f", {on_beat:.0%} of cuts on the beat"
    sug = []
    if v["longest_shot_s"] > 8 and v.get("n_cuts", 0) >= 0:
        sug.append(Suggestion(component="pacing", message=f"The longest shot runs {v['longest_shot_s']:.1f} s; break it with a cut, zoom or B-roll every 2-4 s.", priority=2))
    if on_beat is not None and on_beat < 0.5 and v["n_cuts"] >= 3:
        sug.append(Suggestion(component="pacing", message="Cuts fall off the beat; snap them to the music's beats.", priority=3))
    return _c("pacing", score, why, sigs, raw), sug


def cuts_on_beats(cuts: list[float], beats: list[float], bpm: float | None, tol: float = 0.08) -> float | None:
    """Share of cuts within `tol` s of a beat, or None without beats or cuts."""
    if not cuts or not beats or not bpm:
        return None
    b = np.asarray(beats)
    return float(np.mean([np.min(np.abs(b - c)) <= tol for c in cuts]))


@builder("hook", needs=('hook', 'cuts', 'faces', 'ocr'), rank=1)
def hook(s):
    h = s.get("hook")
    v = h.values
    sigs = [h]
    reasons, sug = [], []
    pts = 0.0
    sharp = ramp(math.log10(max(v["first_frame_sharpness"], 1e-3)), math.log10(15), math.log10(400))
    expo = band(v["first_frame_luma"], 25, 80, 180, 240)
    pts += 0.15 * sharp + 0.15 * expo
    if sharp < 40:
        sug.append(Suggestion(component="hook", message="The first frame is blurry; open on a sharp, well-lit frame.", target="0.0 s", priority=1))
    if expo < 40:
        sug.append(Suggestion(component="hook", message="The first frame is badly exposed; open on a bright, clear frame.", target="0.0 s", priority=1))
    cut = s.get("cuts")
    first_cut = cut.values.get("first_cut_s") if _ok(cut) else None
    ttc = v.get("time_to_first_change_s")
    change = min([x for x in (first_cut, ttc) if x is not None], default=None)
    if change is not None and change < 3:
        pts += 20 * ramp(change, 3.0, 0.5)  # 20 points at <= 0.5 s, none at 3 s
        reasons.append(f"{'something changes' if change <= 1.5 else 'first change'} at {change:.1f} s")
    else:
        reasons.append("no cut or strong motion in the first 3 s")
        sug.append(Suggestion(component="hook", message="Nothing changes in the first 3 s; open with movement, a cut or a bold visual by 1.5 s.", target="0-3 s", priority=1))
    om = v.get("visual_change_mean")
    if om is not None:  # movement through the opening, temporal noise excluded
        pts += 10 * min(1.0, om / 3.0)
    if _ok(cut):
        sigs.append(cut)
    fa = s.get("faces")
    if _ok(fa):
        sigs.append(fa)
        if fa.values["face_in_first_3s"]:
            pts += 15
            reasons.append("a face in the opening")
    ocr = s.get("ocr")
    if _ok(ocr):
        sigs.append(ocr)
        if ocr.values["text_in_first_3s"]:
            pts += 15
            reasons.append("on-screen text in the opening")
        else:
            sug.append(Suggestion(component="hook", message="Add a short on-screen text hook in the first second (what the viewer will get).", target="0-1 s", priority=2))
    au = v.get("audio_start_s")
    if au is not None and au <= 0.5:
        pts += 20
        reasons.append("audio from the start")
    elif au is not None:
        pts += 5
        reasons.append(f"audio starts at {au:.1f} s")
        sug.append(Suggestion(component="hook", message=f"Sound starts only at {au:.1f} s; start speech or music in the first half-second.", target=f"0-{au:.1f} s", priority=2))
    else:
        reasons.append("silent opening")
    raw = {k: v.get(k) for k in ("first_frame_sharpness", "first_frame_luma", "time_to_first_change_s", "audio_start_s")}
    raw["first_cut_s"] = first_cut
    return _c("hook", pts, "; ".join(reasons), sigs, raw), sug


@builder("faces", needs=('faces',), rank=12)
def faces(s):
    sig = s.get("faces")
    v = sig.values
    score = 35 + 65 * min(1.0, v["face_fraction"] / 0.5)
    score += 10 * v["eyes_to_camera_fraction"] * (v["face_fraction"] > 0)
    why = (f"faces in {v['face_fraction']:.0%} of checked frames" + (", one in the first frame" if v["face_in_first_frame"] else "")
           if v["face_fraction"] > 0 else "no face detected")
    sug = [] if v["face_fraction"] > 0 else [Suggestion(component="faces", message="No face appears; a face (ideally looking at the camera) early on tends to hold viewers.", priority=3)]
    return _c("faces", score, why, sig, {k: v[k] for k in ("face_fraction", "face_in_first_frame", "face_in_first_3s", "largest_face_area", "eyes_to_camera_fraction")}), sug


@builder("text", needs=('ocr',), rank=13)
def onscreen_text(s):
    sig = s.get("ocr")
    v = sig.values
    score = 45 + 30 * min(1.0, v["text_fraction"] / 0.5) + 25 * v["text_in_first_3s"]
    if v["mean_text_area"] > 0.35:
        score -= 20
    sug = []
    if v["watermark"]:
        score -= 60
        sug.append(Suggestion(component="text", message=f"Remove the burned-in watermark/handle ('{v['watermark_text']}'); Instagram demotes reposted content.", priority=1))
    raw = {k: v[k] for k in ("text_fraction", "text_in_first_3s", "mean_text_area", "words", "watermark", "watermark_text")}
    if v["words"].strip():
        # on-screen words get the caption analysis: a hook or call to action on screen counts too
        from ..text.caption import caption_features

        f = caption_features(v["words"])
        raw["onscreen_analysis"] = {k: f[k] for k in ("language", "sentiment", "hook_patterns", "cta", "emoji_count")}
        if f["has_cta"]:
            score += 5
    why = f"text in {v['text_fraction']:.0%} of checked frames" + (" incl. the opening" if v["text_in_first_3s"] else "")
    if v["watermark"]:
        why += f"; watermark '{v['watermark_text']}'"
    return _c("text", score, why, sig, raw), sug


LOUDNESS_TARGET_LUFS = -14.0  # default playback loudness the platforms normalise to (a platform profile may pass its own)
OVER_LOUD_LU = 6.0  # LU above the target from which the master is called over-loud
UNDER_LOUD_LU = 6.0  # LU below the target from which it is called quiet


@builder("audio", needs=('audio',), rank=14, guard=False)
def audio(s):
    return audio_component(s.get("audio"))


def audio_component(sig: Signal | None, target_lufs: float = LOUDNESS_TARGET_LUFS):
    """Loudness relative to `target_lufs` (the platform's normalisation target), distortion by clipping
    (the analyzer's `clipped`: flat-topped waveform, never peak values, which a loud clean master and
    the codec push past 0 dBFS), silence at the start, and whether there is voice or music."""
    if sig is None or (not sig.applicable and sig.error is None and "no audio" in " ".join(sig.notes)):
        return _c("audio", 10, "no audio track: silent videos rarely travel", sig or Signal(analyzer="audio", version="1", backend="none"), {"has_audio": False}), [
            Suggestion(component="audio", message="Add sound: a trending track or a voice-over (silent videos are rarely pushed).", priority=1)]
    if not _ok(sig):
        return _na("audio", sig, _why_missing(sig)), []
    v = sig.values
    sug = []
    if v["silent"]:
        return _c("audio", 10, "the audio track is silent", sig, v), [Suggestion(component="audio", message="The audio track is silent; add music or voice.", priority=1)]
    lufs = v.get("integrated_lufs")
    t = target_lufs
    score = band(lufs, t - 26, t - 4, t + 4, t + 10) if lufs is not None else 50
    clipped = bool(v.get("clipped", False))
    score -= 15 * min(1.0, v["leading_silence_s"] / 1.0) if v["leading_silence_s"] > 0.3 else 0
    score += 10 * max(v["speech_fraction"] > 0.2, v["music_likelihood"] > 0.5)
    if clipped:  # audible distortion: never a good sound, however loud
        score = min(score, 20)
    parts = [f"{lufs:.1f} LUFS (target {t:.0f})" if lufs is not None else "loudness n/a",
             f"speech {v['speech_fraction']:.0%}", f"music {'likely' if v['music_likelihood'] > 0.5 else 'unlikely'}"]
    if v.get("tempo_bpm"):
        parts.append(f"{v['tempo_bpm']:.0f} bpm")
    if lufs is not None and lufs < t - UNDER_LOUD_LU:
        sug.append(Suggestion(component="audio", message=f"Audio is quiet ({lufs:.0f} LUFS, {t - lufs:.0f} LU under the {t:.0f} LUFS the platform plays at); normalise it to about {t:.0f} LUFS.", priority=2))
    if lufs is not None and lufs > t + OVER_LOUD_LU:
        parts.append(f"over-loud by {lufs - t:.0f} LU")
        sug.append(Suggestion(component="audio", message=f"Audio is mastered very loud ({lufs:.0f} LUFS): the platform turns it down by about {lufs - t:.0f} dB to {t:.0f} LUFS, and what was squashed to make it loud stays squashed. Master to about {t:.0f} LUFS with the peaks intact.", priority=3))
    if clipped:
        spans = v.get("clip_times") or []
        where = ", ".join(f"{a:.1f}-{b:.1f} s" for a, b in spans[:3]) + (" ..." if len(spans) > 3 else "")
        how = (f"{v.get('flat_topped_peaks', 0)} flat-topped peaks" if v.get("flat_topped_peaks", 0) >= 10
               else f"{v.get('clip_pileup', 0):.0%} of the sound stuck at one level")
        parts.append(f"clipped ({how})")
        sug.append(Suggestion(component="audio", message=f"The audio is clipped ({how}{', at ' + where if where else ''}): the waveform is cut flat, which distorts. Re-record or re-export with the gain lowered, and use a limiter instead of boosting.",
                              target=where or None, priority=1))
    if v["leading_silence_s"] > 0.5:
        sug.append(Suggestion(component="audio", message=f"The first {v['leading_silence_s']:.1f} s are silent; trim them or start the sound immediately.", target=f"0-{v['leading_silence_s']:.1f} s", priority=1))
    keys = ("integrated_lufs", "peak_dbfs", "clipped", "clipping_fraction", "flat_topped_peaks", "clip_times", "leading_silence_s",
            "speech_fraction", "music_likelihood", "tempo_bpm", "beat_strength")
    raw = {k: v.get(k) for k in keys}
    raw["loudness_target_lufs"] = t
    return _c("audio", score, ", ".join(parts), sig, raw), sug


LOOP_ADVICE_MAX_S = 8.0  # clips shorter than this are usually watched on repeat: loop advice is worth giving


@builder("loop", needs=('loop',), rank=15)
def loop(s):
    """Neutral (50) for a video that does not loop, which is the normal case; above 50 for a real loop
    (the ending returns to the opening picture after leaving it: 60 at the loop threshold, 100 when the
    two are nearly the same picture). Loop advice only where it is within reach: the ending is already
    close to the opening, or the clip is short enough to be watched on repeat."""
    from ..analyzers.loop import LOOP_SIMILARITY

    sig = s.get("loop")
    v = sig.values
    sim = v.get("loop_similarity", v.get("end_to_start_similarity", 0.0))
    sug = []
    if v.get("is_loop"):
        score = 60.0 + 0.4 * ramp(sim, LOOP_SIMILARITY, 0.97)
        why = f"loops: the ending returns to the opening picture ({sim:.0%} similar)"
    else:
        score = 50.0
        why = f"not a loop (neutral): the ending is {sim:.0%} similar to the opening"
        if not v.get("moving", True):
            why = "not a loop (neutral): the picture barely changes, so there is nothing to loop"
        dur = v.get("duration_s")
        if v.get("near_loop"):
            sug.append(Suggestion(component="loop", message=f"The ending is already close to the opening ({sim:.0%} similar): end on the exact opening picture (same framing and position) so replays run on seamlessly.", target="last second", priority=3))
        elif v.get("moving") and dur is not None and dur < LOOP_ADVICE_MAX_S:
            sug.append(Suggestion(component="loop", message=f"At {dur:.1f} s the clip is short enough to be watched on repeat: end on the opening picture so the replay runs on seamlessly.", target="last second", priority=3))
    return _c("loop", score, why, sig, v), sug


@builder("frame_quality", needs=('quality',), rank=3)
def frame_quality(s):
    sig = s.get("quality")
    v = sig.values
    score = 100 * v["frame_mos_median"]
    sug = []
    if score < 45:
        sug.append(Suggestion(component="frame_quality", message="Frames look low quality (blur, noise or compression); reshoot in better light or export at a higher bitrate.", priority=1))
    return _c("frame_quality", score, f"predicted quality MOS {v['frame_mos_median']:.2f} (0-1 scale, BIQ2021-trained), worst at {v['worst_t']:.1f} s",
              sig, {k: v[k] for k in ("frame_mos_median", "frame_mos_min", "frame_mos_max", "worst_t", "best_t")}), sug


@builder("video_quality", needs=('quality',), rank=4)
def video_quality(s):
    sig = s.get("quality")
    v = sig.values
    c = _c("video_quality", 100 * v["video_mos_vsfa"],
           f"VSFA-pooled quality {v['video_mos_vsfa']:.2f} (worst moments weigh more)", sig,
           {"video_mos_vsfa": v["video_mos_vsfa"], "vsfa": v["vsfa"], "timeline": sig.timeline})
    return c, []


@builder("aesthetics", needs=('aesthetics',), rank=5)
def aesthetics(s):
    sig = s.get("aesthetics")
    v = sig.values
    if v.get("nima_ava"):
        n = v["nima_ava"]
        return _c("aesthetics", (n["mean"] - 1) / 9 * 100, f"NIMA-AVA mean rating {n['mean']:.2f}/10 (sd {n['std']:.2f})", sig, v), []
    score = 100 * v["aesthetic_index"]
    sug = []
    if v["clutter"] > 0.2:
        sug.append(Suggestion(component="aesthetics", message="The frame is busy; simplify the background so the subject stands out.", priority=3))
    if v["subject_bg_sharpness"] < 1.2:
        sug.append(Suggestion(component="aesthetics", message="The subject does not stand out from the background; get closer or blur the background.", priority=3))
    return _c("aesthetics", score, f"heuristic composition/colour index {v['aesthetic_index']:.2f} (no trained aesthetics model present)", sig, v), sug


@builder("technical", needs=('technical', 'sharpness', 'exposure', 'format'), rank=6)
def technical(s):
    t = s.get("technical")
    v = dict(t.values)
    flags, sug = [], []
    sigs = [t]

    def flag(name, cond, penalty, msg, prio=2, value=None, advise=True):
        if cond:
            flags.append({"flag": name, "value": value})
            if advise:
                sug.append(Suggestion(component="technical", message=msg, priority=prio))
            return penalty
        return 0.0

    pen = 0.0
    # noise, blocking, fine detail: measured at the source resolution (a central crop), where they show
    # visible noise costs at least as much as the missing-fine-detail and low-bitrate flags it switches off
    # (both read fine detail, which noise imitates): adding noise never makes a clip technically better
    pen += flag("noise", v["noise_sigma"] > 3, min(40, 3 * (v["noise_sigma"] - 3) + 20), f"Visible noise (sigma {v['noise_sigma']:.1f} grey levels at full resolution): shoot in more light or apply light denoising.", value=v["noise_sigma"])
    pen += flag("blockiness", v["blockiness"] > 5.0, min(35, 3 * (v["blockiness"] - 5.0) + 10), "Compression blocking: export at a higher bitrate and avoid re-encoding downloaded clips.", 1, v["blockiness"])
    pen += flag("banding", v["banding"] > 0.3, 10, "Colour banding in gradients: export with a higher bitrate or add slight grain.", 3, v["banding"])
    pen += flag("letterbox", v["letterbox"] > 0.06, 20, "Black bars top/bottom: crop or reframe to fill 9:16.", 1, v["letterbox"])
    pen += flag("pillarbox", v["pillarbox"] > 0.06, 20, "Black bars left/right: crop or reframe to fill the vertical frame.", 1, v["pillarbox"])
    fine = v.get("fine_detail_ratio")
    pen += flag("upscaled_or_soft", fine is not None and fine < 0.085 and v["noise_sigma"] < 3, 20, "No fine detail at full resolution: the footage looks upscaled or "
                "out of focus; use the original high-resolution source and lock focus.", 2, fine)
    bpp, thr = v.get("bits_per_pixel"), (0.012 if str(v.get("codec")) in EFFICIENT_CODECS else 0.02)
    pen += flag("low_bitrate", bpp is not None and bpp < thr and (v["noise_sigma"] < 0.2 or (fine or 1) < 0.14), 20,
                f"Low bitrate ({bpp or 0:.3f} bits per pixel) has smoothed away texture: export at a higher bitrate "
                "(about 8-12 Mbps for 1080x1920).", 1, bpp)
    pen += flag("low_resolution", v["source_short_side"] < 720, 15, f"Low resolution ({v['source_short_side']} px short side); export at 1080x1920.", 1, v["source_short_side"])
    sh = s.get("sharpness")
    if _ok(sh):
        sigs.append(sh)
        w = sh.values.get("edge_width_px_1080")
        native = None if w is None else w * sh.values.get("full_res_short_side", 1080) / 1080.0
        # out of focus at the source's own resolution; the advice comes from the sharpness component
        pen += flag("blur", native is not None and native > NATIVE_SOFT_PX, 25 if (native or 0) > 2 * NATIVE_SOFT_PX else 12,
                    "", 1, native, advise=False)
    ex = s.get("exposure")
    if _ok(ex):
        sigs.append(ex)
        m = ex.values["mean_luma"]
        pen += flag("underexposed", m < 60, 15, "Underexposed: add light or raise exposure.", 1, m)
        pen += flag("overexposed", m > 200, 15, "Overexposed: lower exposure.", 1, m)
        pen += flag("clipped_highlights", ex.values["clipped_highlights"] > 0.08, 10, "Highlights are clipped: expose for the bright areas.", 2, ex.values["clipped_highlights"])
    # camera shake is scored and advised under motion only (one problem, one suggestion; freezing a
    # shaky clip must not make it technically better)
    fm = s.get("format")
    if _ok(fm):
        sigs.append(fm)
        pen += flag("not_vertical", fm.values["orientation"] != "vertical", 10, "Not vertical: reframe to 9:16.", 1, fm.values["aspect"])
    v["flags"] = flags
    why = "no technical problems found" if not flags else "flags: " + ", ".join(f["flag"] for f in flags)
    return _c("technical", 100 - pen, why, sigs, v), sug


@builder("vivit", needs=("vivit",), rank=17, guard=False)
def vivit(s):
    """Only when a trained ViViT was selected: its raw prediction (relative log10 views for the
    `relative` target, a logit for `trending`) mapped to 0-100 around 50 = the account's typical post."""
    sig = s.get("vivit")
    if not _ok(sig):
        return None, []
    v = sig.values
    p = v["prediction"]
    scale = 0.5 if v.get("target", "relative") == "relative" else 2.0
    score = 50 + 50 * math.tanh(p / scale)
    why = (f"ViViT predicts {10 ** p:.2f}x the account's typical views" if v.get("target", "relative") == "relative"
           else f"ViViT trending logit {p:+.2f}")
    if v.get("val_spearman") is not None:
        why += f" (held-out Spearman {v['val_spearman']:.2f} vs {v.get('baseline_without_video_spearman') or 0:.2f} without video)"
    return _c("vivit", score, why, sig, {"prediction": p, "target": v.get("target"), "checkpoint": v.get("checkpoint")},
              heuristic=False), []


@builder("caption", needs=('caption',), rank=16, guard=False)
def caption(s):
    from .caption_rules import caption_component

    return caption_component(s.get("caption"))


def build_components(signals: dict[str, Signal]) -> tuple[list[Component], list[Suggestion]]:
    """Every registered builder whose analyzers are registered, in rank order."""
    from ..analyzers import all_analyzer_names

    known = set(all_analyzer_names())
    comps, sugs = [], []
    for b in sorted(BUILDERS.values(), key=lambda b: b.rank):
        if not set(b.needs) <= known:
            continue
        first = signals.get(b.needs[0])
        if b.guard and not _ok(first):
            comps.append(_na(b.name, first, _why_missing(first)))
            continue
        c, sg = b.fn(signals)
        if c is not None:
            comps.append(c)
        sugs.extend(sg)
    return comps, sugs
