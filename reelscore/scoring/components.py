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

from ..analyzers.continuity import NEAR_S
from ..analyzers.technical import EFFICIENT_CODECS
from ..schema import Check, Component, Evidence, Signal, Suggestion


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


def platform_profile(s: dict[str, Signal]):
    """The profile the result is for: named by the safe_zones signal (the pipeline derives it for the
    chosen platform), else the default (Reels)."""
    from ..platforms import get_profile

    sz = s.get("safe_zones")
    return get_profile(sz.values.get("platform") if sz is not None else None)


def _where(box) -> str:
    x, y, w, h = box
    return f"x {x:.0%}, y {y:.0%}, {w:.0%} wide, {h:.0%} tall"


def _span(ts: list[float]) -> str:
    lo, hi = min(ts), max(ts)
    return f"{lo:.1f} s" if hi - lo < 0.05 else f"{lo:.1f}-{hi:.1f} s"


def _grouped(items: list[dict]) -> list[tuple[dict, list[float]]]:
    """Hidden items grouped by what they are (same text, or the same place for faces): (first item, times)."""
    groups: dict[tuple, tuple[dict, list[float]]] = {}
    for it in items:
        key = (it["kind"], it.get("text", "").lower().strip() or tuple(round(v, 1) for v in it["box"]), it["overlay"])
        if key in groups:
            groups[key][1].append(it["t"])
        else:
            groups[key] = (it, [it["t"]])
    return list(groups.values())


def duration_fit(prof, d: float) -> float:
    """0-100: how a clip of `d` seconds fits the platform's length rules (100 from the platform's minimum to
    the end of its recommended range: a short clip that lands one idea is fine, an editor's review marked
    every "make it longer" wrong;
    longer, a fall to 60 at its maximum, since platforms say they recommend long ones less; 0 outside them)."""
    lo, hi = prof.recommended_duration_s
    if d < prof.min_duration_s - 0.1 or d > prof.max_duration_s + 0.5:
        return 0.0
    if d > hi:
        return 100.0 - 40.0 * (d - hi) / max(prof.max_duration_s - hi, 1e-6)
    return 100.0


@builder("format", needs=('format',), rank=2)
def format_fit(s):
    from .platform_rules import platform_duration_advice

    sig = s.get("format")
    v = sig.values
    prof = platform_profile(s)
    aspect = v["aspect"]
    # the picture's own shape counts, not the frame's: a 16:9 picture with bars in a 9:16 frame is 16:9
    content = v.get("content_aspect", aspect)
    # 9:16 -> 100, 4:5 -> 60, square -> 35, 16:9 -> 10 (linear between); taller than 9:16 loses a little
    a_score = float(np.interp(content, [0.4, 0.5625, 0.8, 1.0, 1.78, 2.4], [80, 100, 60, 35, 10, 5]))
    short = min(v.get("content_width", v["short_side"]), v.get("content_height", v["short_side"]))
    r_score = band(short, 240, 1080, 1e9, 2e9) if short < 1080 else 100.0
    r_score = 0.85 * 100 + 0.15 * r_score if short >= 720 else r_score * 0.85
    sug, parts = [], []
    W, H = prof.width, prof.height
    if v["kind"] == "video":
        fps = v["fps"] or 0
        f_score = 100.0 if 23.5 <= fps <= 60.5 else (60.0 if fps > 60.5 else ramp(fps, 10, 23.5))
        d = v["duration_s"]
        # the platform's own length rules (the learned `duration` factor says what real posts show): full marks
        # in the recommended range, down to 60 at the platform's limits, 0 outside them
        d_score = duration_fit(prof, d)
        score = 0.4 * a_score + 0.3 * r_score + 0.1 * f_score + 0.2 * d_score
        parts.append(f"{v['width']}x{v['height']} {v['orientation']}, {fps:.0f} fps, {d:.1f} s")
        if abs(content - aspect) > 0.05:
            parts.append(f"picture {v['content_width']}x{v['content_height']} inside black bars")
        adv = platform_duration_advice(prof, d)
        if adv is not None:
            sug.append(adv)
        if not 23.5 <= fps <= 60.5:
            sug.append(Suggestion(problem='fps', component="format", message=f"Export at {prof.export.get('fps', 30)} fps (the file is {fps:.1f} fps).", priority=3))
    else:
        score = 0.55 * a_score + 0.45 * r_score
        parts.append(f"image {v['width']}x{v['height']} {v['orientation']}")
    if v["orientation"] != "vertical" or abs(aspect - 0.5625) > 0.03:
        sug.append(Suggestion(problem='not_vertical', component="format", message=f"Reframe to {prof.aspect} vertical ({W}x{H}) for {prof.label}; the file is {v['width']}x{v['height']} ({v['orientation']}), so it will be shown with bars or cropped.", priority=1))
    if short < 720:
        sug.append(Suggestion(problem='low_resolution', component="format", message=f"Export at least 720x1280 (ideally {W}x{H}); the short side is {short} px.", priority=1))
    bars = min(1.0, v.get("letterbox", 0.0) + v.get("pillarbox", 0.0))
    score -= 10 * bars  # burned-in bars waste the screen and stop the platform from cropping or zooming
    if abs(content - aspect) > 0.05:
        sug.append(Suggestion(problem='black_bars', component="format", message=f"The picture fills only {v['content_width']}x{v['content_height']} of the frame (black bars); crop or reframe it to fill {prof.aspect}.", priority=1))
    raw = {k: v.get(k) for k in ("aspect", "content_aspect", "short_side", "fps", "duration_s", "orientation")}
    raw["platform"] = prof.name
    ev = [e for e in sig.evidence][:6]
    sz = s.get("safe_zones")
    if sz is not None and sz.applicable:
        faces = [h for h in sz.values.get("hidden", []) if h["kind"] == "face"]
        raw["face_hidden"] = bool(faces)
        # a video that is not vertical gets the reframing advice first: where things sit changes with it
        upright = v["orientation"] == "vertical"
        if faces and upright:
            score -= 10
            first, ts = max(_grouped(faces), key=lambda g: len(g[1]))
            parts.append(f"face under the {prof.label} {first['overlay']} at {_span(ts)}")
            ev += [Evidence(t=h["t"], value=h["covered"], note=f"face under the {h['overlay']} ({_where(h['box'])})") for h in faces[:4]]
            sug.append(Suggestion(problem="face_hidden", component="format", priority=1, target=_span(ts),
                                  evidence=ev[-min(4, len(faces)):],
                                  message=f"On {prof.label} the face at {_span(ts)} ({_where(first['box'])}) sits under the {first['overlay']}: {first['move']}."))
        cover = sz.values.get("cover") or {}
        cut = cover.get("cut") or []
        raw["cover_grid_cut"] = bool(cut)
        if cut and prof.grid_crop_aspect > 0.57 and upright:
            score -= 5
            it = max(cut, key=lambda c: 1 - c["inside"])
            what = f"the text '{it['text']}'" if it.get("text") else "the face"
            cx, cy, cw, ch = cover["crop"]
            ev.append(Evidence(t=cover["t"], value=it["inside"], note=f"grid crop keeps {it['inside']:.0%} of {what}"))
            tile = "3:4" if abs(prof.grid_crop_aspect - 0.75) < 0.01 else f"{prof.grid_crop_aspect:.2f}:1"
            sug.append(Suggestion(problem="cover_crop", component="format", priority=2, target=f"cover at {cover['t']:.1f} s",
                                  evidence=ev[-1:],
                                  message=f"The {prof.label} profile grid shows the cover (the frame at {cover['t']:.1f} s) cut to {tile}, "
                                          f"which keeps only {it['inside']:.0%} of {what}: choose a cover where it sits between "
                                          f"{cy:.0%} and {cy + ch:.0%} of the height, or upload a cover image."))
    return _c("format", score, "; ".join(parts), sig, raw, evidence=ev), sug


DARK_ADVICE = 60  # mean luma of the footage under which brightening is advised (a graded 70 is a look)


@builder("exposure", needs=('exposure',), rank=7)
def exposure(s):
    """Brightness of the camera footage (frames that are mostly drawn white, such as app screens and
    logo cards, are bright by design and left out), with blown highlights in the footage (clipped
    areas that roll off like an overexposed picture) as the defect; drawn white is reported, never
    penalised. Advice only when the footage itself is too dark or too bright."""
    sig = s.get("exposure")
    v = sig.values
    m = v.get("mean_luma_natural", v["mean_luma"])
    blown = v.get("blown_highlights", v["clipped_highlights"])
    drawn = v.get("drawn_white", 0.0)
    sug = []
    if m is None:  # every sampled frame is a screen or a card
        score = 70.0
        why = f"drawn white screens or cards throughout (mean luma {v['mean_luma']:.0f}/255, by design)"
        return _c("exposure", score, why, sig, v), sug
    score = band(m, 25, 85, 175, 240)
    # blown highlights and crushed shadows are read from clipped pixels, which noise breaks up (a noisy
    # copy of a clip with a blown sky reads less blown): they weigh a third of what brightness does, so
    # that with the exposure prior at 0.03 (raised for brightness) they weigh what they did at 0.01
    score -= (200 / 3) * max(0.0, blown - 0.03)
    score -= (100 / 3) * max(0.0, v["crushed_shadows"] - 0.25)
    if m < 85:
        why = f"underexposed (mean luma {m:.0f}/255)"
    # 70-85 is low-key rather than wrong (night scenes, film looks): noted, not advised; a dark picture whose
    # brightest parts are already blown (a graded scene against a white sky) is not helped by more exposure
    if m < DARK_ADVICE and blown < 0.02:
        sug.append(Suggestion(problem='exposure', component="exposure", evidence=[Evidence(value=round(m, 1), note="mean luma of the footage (0-255)")],
                              message=f"Brighten the footage (add light or raise exposure ~1 stop); its mean luma is {m:.0f}/255 and it reads dark on a phone.", priority=1 if m < 60 else 2))
    if m > 175:
        why = f"overexposed (mean luma {m:.0f}/255)"
    if m > 200 or (m > 175 and blown >= 0.05):  # a bright scene (snow, a beach) is bright; blown-out areas are damage
        where = f", {blown:.0%} of the picture blown out" if blown > 0.02 else ""
        sug.append(Suggestion(problem='exposure', component="exposure", message=f"Lower exposure: the footage's mean luma is {m:.0f}/255{where}.", priority=1 if m > 200 else 2))
    if 85 <= m <= 175:
        why = f"well exposed (mean luma {m:.0f}/255)"
    if blown > 0.05:
        why += f", {blown:.0%} blown highlights" + (f" (worst at {v['worst_blown_t']:.1f} s)" if v.get("worst_blown_t") is not None else "")
    if drawn > 0.05:
        why += f", {drawn:.0%} drawn white (graphics, screens: not a defect)"
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
        sug.append(Suggestion(problem="blur", component="sharpness", evidence=[Evidence(value=round(native, 2), note="edge width, px at the source's resolution")],
                              message=f"The footage is soft: edges are {native:.1f} px wide even at its own resolution ({w:.1f} px at phone size). Clean the lens, lock focus on the subject, and avoid digital zoom and upscaling.", priority=1))
    label = "sharp" if score >= 60 else "soft" if score >= 30 else "blurry"
    return _c("sharpness", score, f"{label} ({why})", sig, v), sug


NATIVE_SOFT_PX = 2.5  # edge width (px at the source's own resolution) above which the footage itself is out of focus


@builder("color", needs=('color',), rank=9)
def color(s):
    """Colourfulness, read with the tonal range: little colour with a full range is a look (black and
    white, a muted grade, overcast light) and is never advised against; little colour with little
    range in footage that is not dark is washed out, and that is advised with its measures."""
    sig = s.get("color")
    v = sig.values
    m = v["colorfulness"]
    look = v.get("look")
    score = ramp(m, 5, 55)
    sug = []
    rng = v.get("tonal_range")
    if look == "monochrome":
        score = max(score, 60.0)
        why = f"black and white with a full tonal range ({rng:.0f}/255): a deliberate look"
    elif look == "muted":
        score = max(score, 50.0)
        why = f"muted colour (colourfulness {m:.0f}) with a full tonal range ({rng:.0f}/255)"
    elif look == "flat" and v.get("hdr"):
        # HDR frames measured as decoded (no tone mapping) read washed out: say so instead of advising a grade
        score = max(score, 50.0)  # not measurable as decoded: no penalty for a look it may not have
        why = f"HDR ({v['hdr']}) measured without tone mapping: colourfulness {m:.0f}, tonal range {rng:.0f}/255"
        sug.append(Check(component="color", message=f"This is an HDR ({v['hdr']}) video; reelscore measures its frames "
                         "without tone mapping, where they look washed out. Check the colour on a phone after upload: "
                         "platforms convert HDR, and viewers on SDR screens see the converted picture."))
    elif look == "flat":
        why = f"washed out: colourfulness {m:.0f} and a tonal range of {rng:.0f}/255"
        sug.append(Suggestion(problem='flat_colour', component="color", message=f"The picture is washed out (colourfulness {m:.0f}, 5th-95th percentile "
                              f"luma range {rng:.0f}/255); raise contrast and saturation in the grade, or remove the haze.", priority=3))
    elif look == "dark":
        why = f"colourfulness {m:.0f} in dark footage (see exposure)"
    else:
        why = f"colourfulness {m:.0f} ({'vivid' if m > 45 else 'moderate' if m > 20 else 'muted'})"
    return _c("color", score, why, sig, v), sug


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
    (whole-frame change above 18 grey levels per frame). Camera shake is its own factor (`stability`),
    so that shaking never reads as movement that holds attention."""
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
        sug.append(Suggestion(problem="static", component="motion", message="Nothing moves in almost the whole video and nobody speaks; add movement (camera moves, gestures, B-roll) to hold attention.", priority=1))
    elif quiet:
        for a, b in quiet[:2]:
            sug.append(Suggestion(problem="static", component="motion", message=f"Nothing moves and nobody speaks from {a:.1f} s to {b:.1f} s; cut it or add motion.", target=f"{a:.1f}-{b:.1f} s", priority=2))
    desc = "static" if loc < 0.3 else "little movement" if loc < 1.5 else "moving"
    why = f"{desc} (change {e:.1f}, busiest area {loc:.1f} grey levels per frame)"
    if px is not None:
        why += f", camera jitter {px:.1f} px at 1080 width" + (" (shaky)" if px > thr else "")
    if quiet:
        why += f", nothing happens for {sum(b - a for a, b in quiet):.1f} s"
    raw = {k: v.get(k) for k in ("motion_energy", "local_motion", "shake", "shake_px_1080", "shake_worst_span", "static_fraction", "is_static")}
    raw["quiet_static_spans"] = quiet
    return _c("motion", score, why, [sig] + ([au] if av is not None else []), raw), sug


SHAKE_ZERO_X = 5.0  # jitter at this many times the steady threshold takes stability to 0


@builder("stability", needs=("motion",), rank=10.5)
def stability(s):
    """Camera steadiness: 100 up to the jitter that reads as steady (the motion analyzer's threshold, px at
    1080 px width, p95 of the frame-to-frame residual after the camera's smooth path), falling linearly
    to 0 at SHAKE_ZERO_X times it. The one shake suggestion of the whole result (technical does not repeat
    it). The jitter is measured by consensus over image tiles, so added noise and compression leave it
    about where it was (a clip with 55 px of jitter read 50-56 px under noise of sigma 12-25 and at 0.006
    bits per pixel); a frozen clip has no jitter, but loses more under continuity and motion."""
    sig = s.get("motion")
    v = sig.values
    px, thr = v.get("shake_px_1080"), v.get("shaky_threshold_px_1080", 6.0)
    if px is None:
        return _na("stability", sig, "camera jitter could not be measured (too little texture or too few frames)"), []
    score = 100.0 * (1.0 - min(1.0, max(0.0, (px - thr) / ((SHAKE_ZERO_X - 1.0) * thr))))
    sug = []
    span = v.get("shake_worst_span")
    if px > thr:
        where = f", worst at {span[0]:.1f}-{span[1]:.1f} s ({v.get('shake_worst_px_1080', px):.0f} px)" if span else ""
        sug.append(Suggestion(problem="shaky", component="stability",
                              evidence=[Evidence(t=span[0] if span else None, t_end=span[1] if span else None,
                                                 value=round(px, 2), note="camera jitter, px at 1080 px width (p95)")],
                              message=f"The camera shakes: jitter of {px:.0f} px at 1080 px width{where}, over the {thr:.0f} px that reads as steady. Stabilise it (gimbal, tripod, or the editor's stabiliser).",
                              target=f"{span[0]:.1f}-{span[1]:.1f} s" if span else None, priority=2))
    why = f"camera jitter {px:.1f} px at 1080 px width ({'shaky' if px > thr else 'steady'}; steady up to {thr:.0f} px)"
    raw = {k: v.get(k) for k in ("shake_px_1080", "shake_worst_px_1080", "shake_worst_span", "shake_measured_fraction",
                                 "shaky_threshold_px_1080")}
    return _c("stability", score, why, sig, raw), sug


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
    # a long shot carried by someone talking is a talking head, not a stalled edit
    a0, b0 = v.get("longest_shot") or (None, None)
    talk = 0.0
    if a0 is not None and _ok(au):
        talk = sum(max(0.0, min(b0, e) - max(a0, st)) for st, e in au.values.get("speech_segments") or []) / max(b0 - a0, 1e-6)
    if v["longest_shot_s"] > 8 and talk < 0.5:
        a, b = v.get("longest_shot") or (None, None)
        where = f" ({a:.1f}-{b:.1f} s; dissolves, fades and wipes count as shot changes)" if a is not None else ""
        sug.append(Suggestion(problem='long_shot', component="pacing", message=f"The longest shot runs {v['longest_shot_s']:.1f} s{where}; break it with a cut, zoom or B-roll every 2-4 s.",
                              target=f"{a:.1f}-{b:.1f} s" if a is not None else None, priority=2))
    # beat-sync advice only for music-led edits: music likely and speech not dominating
    music_led = (_ok(au) and au.values.get("music_likelihood", 0) > 0.5 and au.values.get("speech_fraction", 1) < 0.3
                 and au.values.get("beat_strength", 0) >= 0.12)  # and a beat one can hear (wind or hum has none)
    if on_beat is not None and on_beat < 0.5 and v["n_cuts"] >= 3 and music_led:
        sug.append(Suggestion(problem='off_beat', component="pacing", priority=3,
                              evidence=[Evidence(value=round(on_beat, 3), note=f"share of {v['n_cuts']} cuts within 80 ms of a beat "
                                                 f"({au.values.get('tempo_bpm') or 0:.0f} bpm)")],
                              message=f"Only {on_beat:.0%} of the {v['n_cuts']} cuts land on the music's beat "
                                      f"({au.values.get('tempo_bpm') or 0:.0f} bpm); snap them to the beats."))
    return _c("pacing", score, why, sigs, raw), sug


def cuts_on_beats(cuts: list[float], beats: list[float], bpm: float | None, tol: float = 0.08) -> float | None:
    """Share of cuts within `tol` s of a beat, or None without beats or cuts."""
    if not cuts or not beats or not bpm:
        return None
    b = np.asarray(beats)
    return float(np.mean([np.min(np.abs(b - c)) <= tol for c in cuts]))


OPENING_S = 3.0  # the opening a viewer judges before swiping


def _opening_changes(h: Signal, cut: Signal | None) -> list[tuple[float, str]]:
    """(time, what) of every visual change in the opening: cuts and transitions (the cuts analyzer,
    flashes already left out), and persistent changes the hook analyzer saw (a new scene, text or a
    graphic coming in, something coming into view), earliest first."""
    out = []
    if _ok(cut):
        out += [(t, "cut") for t in cut.values.get("hard_cut_times", cut.values.get("cut_times", [])) if t < OPENING_S]
        out += [(a, kind) for a, _, kind in cut.values.get("soft_transitions", []) if a < OPENING_S]
    seen = set()
    for e in h.values.get("opening_events", []):
        what = "text or a graphic appears" if e.get("text_like") else ("the picture changes" if e["kind"] == "scene_change"
                                                                        else "part of the picture changes")
        if what not in seen and e["t"] < OPENING_S:  # the first of each kind
            seen.add(what)
            out.append((e["t"], what))
    return sorted(out)


@builder("hook", needs=('hook', 'cuts', 'faces', 'ocr', 'audio'), rank=1)
def hook(s):
    """The opening: a sharp, well-exposed first held frame, something changing early (a cut or
    transition, text or a graphic coming in, a new scene), movement, a face, on-screen text and
    sound from the start. Flashes (a frame or two that revert, a cover frame before the video
    starts) are not changes. Advice to change the opening only when nothing at all happens in it:
    no visual change, little movement and no speech."""
    h = s.get("hook")
    v = h.values
    sigs = [h]
    reasons, sug = [], []
    pts = 0.0
    sharp = ramp(math.log10(max(v["first_frame_sharpness"], 1e-3)), math.log10(15), math.log10(400))
    expo = band(v["first_frame_luma"], 25, 80, 180, 240)
    pts += 0.15 * sharp + 0.15 * expo  # first-frame advice is the first_impression component's
    cut = s.get("cuts")
    if _ok(cut):
        sigs.append(cut)
    changes = _opening_changes(h, cut)
    change = changes[0][0] if changes else None
    if change is not None:
        pts += 20 * ramp(change, 3.0, 0.5)  # 20 points at <= 0.5 s, none at 3 s
        reasons.append(", ".join(f"{what} at {t:.1f} s" for t, what in changes[:3]))
    moving = v.get("moving_fraction")
    if moving is not None:  # movement through the opening, temporal noise excluded
        pts += 10 * min(1.0, moving / 0.6)
        if moving >= 0.5:
            reasons.append(f"movement in {moving:.0%} of the opening")
    flashes = v.get("flashes") or []
    if flashes:
        a, b = flashes[0]
        reasons.append(f"a {b - a:.2f} s flash at {a:.1f} s (not counted as a change)")
    au_sig = s.get("audio")
    speech = None
    if _ok(au_sig):
        segs = au_sig.values.get("speech_segments") or []
        speech = segs[0][0] if segs and segs[0][0] < OPENING_S else None
        if speech is not None:
            sigs.append(au_sig)
            reasons.append(f"speech from {speech:.1f} s")
    long_enough = v.get("hook_seconds", OPENING_S) >= OPENING_S - 0.6  # a 1 s clip has no "first 3 s"
    if change is None and (moving is None or moving < 0.3) and speech is None and long_enough:
        what = "no cut or transition, no text or scene coming in"
        if moving is not None:
            what += f", movement in {moving:.0%} of the opening"
        sug.append(Suggestion(problem='dead_opening', component="hook", message=f"Nothing changes in the first 3 s ({what}, no speech); open with "
                              "movement, a cut or a bold visual by 1.5 s.", target="0-3 s", priority=1))
        reasons.append("nothing changes in the first 3 s")
    fa = s.get("faces")
    if _ok(fa):
        sigs.append(fa)
        if fa.values["face_in_first_3s"]:
            pts += 15
            reasons.append("a face in the opening")
    ocr = s.get("ocr")
    text_seen = v.get("text_appears_s") is not None
    if _ok(ocr):
        sigs.append(ocr)
        if ocr.values["text_in_first_3s"] or text_seen:
            pts += 15
            reasons.append("on-screen text in the opening")
        else:
            sug.append(Suggestion(problem='no_text_hook', component="hook", message="Add a short on-screen text hook in the first second (what the viewer will get).", target="0-1 s", priority=2))
    elif text_seen:
        pts += 15
    au = v.get("audio_start_s")
    if au is not None and au < LATE_SOUND_S:
        pts += 20
        reasons.append("audio from the start")
    elif au is not None:
        pts += 5
        reasons.append(f"audio starts at {au:.1f} s")
        sug.append(Suggestion(problem='late_sound', component="hook", message=f"Sound starts only at {au:.1f} s; start speech or music in the first half-second.", target=f"0-{au:.1f} s", priority=2))
    else:
        reasons.append("silent opening")
    raw = {k: v.get(k) for k in ("first_frame_sharpness", "first_frame_luma", "first_held_frame_s", "time_to_first_change_s",
                                 "text_appears_s", "moving_fraction", "flashes", "audio_start_s")}
    raw["first_cut_s"] = cut.values.get("first_cut_s") if _ok(cut) else None
    raw["opening_changes"] = [{"t": round(t, 2), "what": w} for t, w in changes]
    raw["speech_start_s"] = speech
    return _c("hook", pts, "; ".join(reasons), sigs, raw), sug


FIRST_FRAME_BLUR = 0.4  # a first frame with under this share of the detail of the frames after it is blurred
FIRST_FRAME_SOFT = (0.55, 0.25)  # the penalty grows from 0 to its full 25 between these shares (no step at
# FIRST_FRAME_BLUR: a step let noise that smooths the sharp frames more than the soft one lift a clip by 25)


def _first_frame_dark(v: dict) -> bool:
    """The first frame has under 60 % of the brightness of the frames right after it."""
    a, b = v.get("first_frame_luma"), v.get("following_luma")
    return a is not None and b is not None and b > 20 and a < 0.6 * b


def _first_frame_penalty(ratio: float) -> float:
    hi, lo = FIRST_FRAME_SOFT
    return 25.0 * min(1.0, max(0.0, (hi - ratio) / (hi - lo)))
BLACK_MIN_S = 0.25  # a black run this long is a gap even when the picture faded into it
HELD_MAX_S = 2.0  # a still picture held longer than this in the middle stalls the video
SUBJECT_MATCH = 0.5  # the opening's best similarity to any later frame under this ...
SUBJECT_MARGIN = 0.2  # ... and this far under how well later frames match each other: it shows something else


@builder("continuity", needs=("continuity",), rank=1.5)
def continuity(s):
    """What an editor checks first: a sharp, clean first frame; no black or frozen frames in the
    middle; a still card not held too long; the opening showing what the video is about (a check,
    worded as one: the measure is that the opening resembles nothing later, not what the subject is)."""
    sig = s.get("continuity")
    v = sig.values
    sug, found, pen = [], [], 0.0
    ratio = v.get("first_frame_sharpness_ratio")
    black = v.get("black") or []
    opening_black = next((b for b in black if b["where"] == "opening"), None)
    if opening_black is not None:
        pen += 25
        found.append(f"opens on {opening_black['duration_s']:.2f} s of black")
        sug.append(Suggestion(problem='dead_opening', component="continuity", message=f"The video opens on {opening_black['duration_s']:.2f} s of black "
                              f"(mean luma {opening_black['mean_luma']:.0f}/255); start on the picture.",
                              target=f"0.0-{opening_black['end']:.2f} s", priority=1))
    elif ratio is not None:  # the softer the first frame than what follows, the more it costs
        pen += _first_frame_penalty(ratio)
        if ratio < FIRST_FRAME_BLUR and _first_frame_dark(v):
            # much darker than what follows (the camera's exposure still settling): less detail, not blur
            found.append(f"dark first frame (mean luma {v['first_frame_luma']:.0f} vs {v['following_luma']:.0f} after it)")
            sug.append(Suggestion(problem='dark_first_frame', component="continuity", message=f"The video opens on a dark frame "
                                  f"(mean luma {v['first_frame_luma']:.0f}/255 against {v['following_luma']:.0f} in the next "
                                  f"{NEAR_S:.1f} s: the exposure is still settling); trim the opening until the picture is bright, "
                                  "or lock exposure before recording.", target="0.0 s", priority=1))
        elif ratio < FIRST_FRAME_BLUR:
            found.append(f"blurred first frame ({ratio:.0%} of the detail after it)")
            sug.append(Suggestion(problem='blurred_first_frame', component="continuity", message=f"The first frame is blurred: it keeps {ratio:.0%} of the detail of the "
                                  f"frames in the next {NEAR_S:.1f} s (median over image blocks of the Laplacian variance; whole "
                                  f"frame {v['first_frame_sharpness']:.0f} vs {v['following_sharpness']:.0f}); start on a sharp frame "
                                  "(trim the soft frames or the transition at the start).", target="0.0 s", priority=1))
    for b in black:
        if b["where"] != "middle" or (b["fade"] and b["duration_s"] < BLACK_MIN_S):
            continue  # a quick fade through black is a transition
        pen += 20
        found.append(f"black {b['start']:.1f}-{b['end']:.1f} s")
        sug.append(Suggestion(problem='black_frames', component="continuity", message=f"Black frames from {b['start']:.2f} to {b['end']:.2f} s "
                              f"({b['duration_s']:.2f} s, mean luma {b['mean_luma']:.0f}/255); remove the gap.",
                              target=f"{b['start']:.2f}-{b['end']:.2f} s", priority=1))
    for f in v.get("frozen") or []:
        if f["where"] != "middle":
            continue  # a frozen opening is the hook's matter, a frozen or still ending is common
        if f["stall"]:
            pen += 20
            found.append(f"frozen {f['start']:.1f}-{f['end']:.1f} s")
            sug.append(Suggestion(problem='frozen_frames', component="continuity", message=f"The picture freezes from {f['start']:.2f} to {f['end']:.2f} s "
                                  f"({f['duration_s']:.2f} s of repeated frames); re-export or replace the frozen part.",
                                  target=f"{f['start']:.2f}-{f['end']:.2f} s", priority=1))
        elif f["duration_s"] > HELD_MAX_S:
            pen += 10
            found.append(f"still picture held {f['start']:.1f}-{f['end']:.1f} s")
            sug.append(Suggestion(problem='static', component="continuity", message=f"A still picture is held unchanged from {f['start']:.1f} to "
                                  f"{f['end']:.1f} s ({f['duration_s']:.1f} s of identical frames); shorten it or add movement.",
                                  target=f"{f['start']:.1f}-{f['end']:.1f} s", priority=2))
    sub = v.get("subject")
    if sub and sub["opening_best_match"] < SUBJECT_MATCH and sub["opening_best_match"] < sub["rest_best_match_p10"] - SUBJECT_MARGIN:
        pen += 10
        found.append("the opening resembles nothing later")
        sug.append(Check(component="continuity", message="Check 0-3 s: the opening shows something else than the rest of the "
                              f"video (its frames match later frames at {sub['opening_best_match']:.2f}, later frames match each "
                              f"other at {sub['rest_best_match_p10']:.2f} or more); make sure the subject appears in the first 3 s.",
                              target="0-3 s", evidence=[Evidence(t=0.0, t_end=3.0, value=round(sub["opening_best_match"], 3),
                                                                 note="opening's best match with a later frame")]))
    why = "; ".join(found) if found else "clean first frame, no black or frozen frames"
    raw = {k: v.get(k) for k in ("first_frame_sharpness", "following_sharpness", "first_frame_sharpness_ratio",
                                 "first_frame_luma", "black", "frozen", "subject")}
    return _c("continuity", 100 - pen, why, sig, raw), sug


@builder("faces", needs=('faces',), rank=12)
def faces(s):
    sig = s.get("faces")
    v = sig.values
    score = 35 + 65 * min(1.0, v["face_fraction"] / 0.5)
    score += 10 * v["eyes_to_camera_fraction"] * (v["face_fraction"] > 0)
    why = (f"faces in {v['face_fraction']:.0%} of checked frames" + (", one in the first frame" if v["face_in_first_frame"] else "")
           if v["face_fraction"] > 0 else "no face detected")
    sug = [] if v["face_fraction"] > 0 else [Suggestion(component="faces", problem="no_face", message="No face appears in the checked frames; a face (ideally looking at the camera) early on tends to hold viewers.", priority=3)]
    return _c("faces", score, why, sig, {k: v[k] for k in ("face_fraction", "face_in_first_frame", "face_in_first_3s", "largest_face_area", "eyes_to_camera_fraction")}), sug


# Legibility on a phone (issue 27): on-screen text is flagged when its estimated font size on a 1080x1920
# screen is under MIN_TEXT_PX (2.5 % of the height) or its contrast with what surrounds it is under
# MIN_CONTRAST. Font size: legibility.info's rule for text in video (full HD shown full-screen on an average
# 6.2" phone at 40 cm, visual acuity 0.5) gives a minimum of 40-60 px for body text (58 px in its worked
# example); 48 px is the middle. The W3C TTML/SDP-US default subtitle height is 5 % of the picture (twice
# this), so text under 2.5 % is small by broadcast standards too. Contrast: WCAG 2 asks 3:1 for large text
# (SC 1.4.3). The OCR gives the ink height of a line; the font size is estimated from it by what the line's
# letters span (ascender to descender ~0.95 em, capitals or ascenders only ~0.72 em, x-height ~0.5 em).
MIN_TEXT_PX = 48.0
MIN_CONTRAST = 3.0


def font_px(ink_px: float, text: str) -> float:
    """Font size (em, px) estimated from a line's ink height and the letters it holds."""
    desc = any(c in "gjpqy" for c in text)
    asc = any(c.isupper() or c.isdigit() or c in "bdfhiklt" for c in text)
    k = 0.95 if (desc and asc) else 0.72 if (desc or asc) else 0.5
    return ink_px / k


def _iou(a, b) -> float:
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def illegible(boxes: list[dict]) -> list[dict]:
    """The text lines too small or too low in contrast to read on a phone: one entry per distinct text
    (its first time), with `font_px`, `contrast`, `why`, and `steady` (a line at the same place in another
    checked frame: burned-in text such as a title or caption, rather than a sign the camera passes)."""
    seen, out = set(), []
    for b in boxes:
        key = b.get("text", "").lower().strip()
        if not key or key in seen:
            continue
        px = b.get("screen_px") or b.get("height_px")
        fpx = font_px(px, b["text"]) if px else None
        con = b.get("contrast")
        why = []
        if fpx is not None and fpx < MIN_TEXT_PX:
            why.append("small")
        if con is not None and con < MIN_CONTRAST:
            why.append("low contrast")
        if why:
            seen.add(key)
            steady = any(o["t"] != b["t"] and _iou(o["box"], b["box"]) >= 0.5 for o in boxes)
            out.append({**b, "font_px": round(fpx, 1) if fpx else None, "why": why, "steady": steady})
    out.sort(key=lambda x: not x["steady"])  # burned-in lines first
    return out


@builder("text", needs=('ocr',), rank=13)
def onscreen_text(s):
    sig = s.get("ocr")
    v = sig.values
    prof = platform_profile(s)
    score = 45 + 30 * min(1.0, v["text_fraction"] / 0.5) + 25 * v["text_in_first_3s"]
    if v["mean_text_area"] > 0.35:
        score -= 20
    sug = []
    ev = list(sig.evidence)[:6]
    if v["watermark"]:
        score -= 60
        sug.append(Suggestion(problem='watermark', component="text", message=f"Remove the burned-in watermark/handle ('{v['watermark_text']}'); Instagram demotes reposted content.", priority=1))
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
    # under the platform's interface (safe zones)
    sz = s.get("safe_zones")
    fm = s.get("format")
    upright = not _ok(fm) or fm.values.get("orientation") == "vertical"  # else reframing comes first
    hidden = [h for h in (sz.values.get("hidden", []) if sz is not None else []) if h["kind"] == "text" and upright]
    raw["text_hidden"] = bool(hidden)
    raw["platform"] = prof.name
    if hidden:
        score -= 15
        groups = sorted(_grouped(hidden), key=lambda g: -len(g[1]))
        first, ts = groups[0]
        more = f" (and {len(groups) - 1} more line{'s' if len(groups) > 2 else ''})" if len(groups) > 1 else ""
        why += f"; text under the {prof.label} {first['overlay']}"
        ev += [Evidence(t=h["t"], value=h["covered"], note=f"'{h.get('text', '')}' {h['covered']:.0%} under the {h['overlay']} ({_where(h['box'])})")
               for h in hidden[:4]]
        sug.append(Suggestion(problem="text_hidden", component="text", priority=1, target=_span(ts), evidence=ev[-min(4, len(hidden)):],
                              message=f"On {prof.label} the text '{first.get('text', '')}' at {_span(ts)} ({_where(first['box'])}) "
                                      f"sits under the {first['overlay']}{more}: {first['move']}."))
    # legible on a phone
    bad = illegible(v.get("boxes") or [])
    raw["illegible"] = [{k: b.get(k) for k in ("t", "box", "text", "font_px", "contrast", "why", "steady")} for b in bad[:10]]
    if bad:
        score -= 10
        ev += [Evidence(t=b["t"], value=b["font_px"] if "small" in b["why"] else b["contrast"],
                        note=f"'{b['text']}' " + " and ".join(
                            (f"~{b['font_px']:.0f} px font" if w == "small" else f"contrast {b['contrast']:.1f}:1") for w in b["why"])
                        + f" ({_where(b['box'])})") for b in bad[:4]]
        b = bad[0]
        fixes = []
        if "small" in b["why"]:
            fixes.append(f"is about {b['font_px']:.0f} px (font size) on a 1080x1920 phone screen, under the {MIN_TEXT_PX:.0f} px "
                         f"(2.5 % of the height) a phone needs at arm's length: make it larger")
        if "low contrast" in b["why"]:
            fixes.append(f"stands out from what is behind it by only {b['contrast']:.1f}:1 (3:1 is the least for large text): "
                         f"add a dark outline, a shadow or a backing box")
        more = f" ({len(bad) - 1} other line{'s' if len(bad) > 2 else ''} too)" if len(bad) > 1 else ""
        if b["steady"]:  # burned in: a title, caption or stamp the creator put there
            msg = f"The on-screen text '{b['text']}' at {b['t']:.1f} s ({_where(b['box'])}) " + "; it ".join(fixes) + f"{more}."
        else:  # seen once: it may be a sign or a label in the scene, so a check, not an order
            msg = (f"Look at the text '{b['text']}' at {b['t']:.1f} s ({_where(b['box'])}): it " + "; it ".join(fixes)
                   + f" if it is text you added{more}.")
        b_ev = [Evidence(t=b["t"], value=b["font_px"] if "small" in b["why"] else b["contrast"],
                         note=("font px" if "small" in b["why"] else "contrast ratio") + f" ({_where(b['box'])})")]
        # a check, not an order: OCR cannot tell a title the creator added from text printed on clothes, signs or
        # test counters (an editor's review marked two of three such orders wrong)
        sug.append(Check(component="text", target=f"{b['t']:.1f} s", message=msg, evidence=b_ev))
        why += f"; {len(bad)} line{'s' if len(bad) > 1 else ''} hard to read on a phone"
    return _c("text", score, why, sig, raw, evidence=ev[:12]), sug


LOUDNESS_TARGET_LUFS = -14.0  # default playback loudness the platforms normalise to (a platform profile may pass its own)
OVER_LOUD_LU = 6.0  # LU above the target from which the master is called over-loud
UNDER_LOUD_LU = 6.0  # LU below the target from which it is called quiet


@builder("audio", needs=('audio',), rank=14, guard=False)
def audio(s):
    from .platform_rules import loudness_target

    return audio_component(s.get("audio"), target_lufs=loudness_target(platform_profile(s))[0])


def audio_component(sig: Signal | None, target_lufs: float = LOUDNESS_TARGET_LUFS):
    """Loudness relative to `target_lufs` (the platform's normalisation target), distortion by clipping
    (the analyzer's `clipped`: flat-topped waveform, never peak values, which a loud clean master and
    the codec push past 0 dBFS), silence at the start, and whether there is voice or music."""
    if sig is None or (not sig.applicable and sig.error is None and "no audio" in " ".join(sig.notes)):
        return _c("audio", 10, "no audio track: silent videos rarely travel", sig or Signal(analyzer="audio", version="1", backend="none"), {"has_audio": False}), [
            Suggestion(problem="no_sound", component="audio", message="Add sound: a trending track or a voice-over (silent videos are rarely pushed).", priority=1)]
    if not _ok(sig):
        return _na("audio", sig, _why_missing(sig)), []
    v = sig.values
    sug = []
    if v["silent"]:
        return _c("audio", 10, "the audio track is silent", sig, v), [Suggestion(problem="no_sound", component="audio", message="The audio track is silent; add music or voice.", priority=1)]
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
        ev = [Evidence(value=round(lufs, 1), note="integrated loudness, LUFS")]
        if v["speech_fraction"] < 0.1 and (v["music_likelihood"] <= 0.5 or v.get("beat_strength", 0) < 0.12):
            # only background sound (wind, rumble, room tone): turning it up makes the noise loud
            sug.append(Suggestion(problem="no_sound", component="audio", evidence=ev, priority=2,
                                  message=f"The sound is quiet background noise only ({lufs:.0f} LUFS, no speech or music found): "
                                          "add music or a voice-over rather than turning it up."))
        else:
            sug.append(Suggestion(problem="loudness", component="audio", evidence=ev, priority=2,
                                  message=f"Audio is quiet ({lufs:.0f} LUFS, {t - lufs:.0f} LU under the {t:.0f} LUFS the platform plays at); normalise it to about {t:.0f} LUFS."))
    if lufs is not None and lufs > t + OVER_LOUD_LU:
        parts.append(f"over-loud by {lufs - t:.0f} LU")
        sug.append(Suggestion(problem="loudness", component="audio", evidence=[Evidence(value=round(lufs, 1), note="integrated loudness, LUFS")],
                              message=f"Audio is mastered very loud ({lufs:.0f} LUFS): the platform turns it down by about {lufs - t:.0f} dB to {t:.0f} LUFS, and what was squashed to make it loud stays squashed. Master to about {t:.0f} LUFS with the peaks intact.", priority=3))
    if clipped:
        spans = v.get("clip_times") or []
        where = ", ".join(f"{a:.1f}-{b:.1f} s" for a, b in spans[:3]) + (" ..." if len(spans) > 3 else "")
        how = (f"{v.get('flat_topped_peaks', 0)} flat-topped peaks" if v.get("flat_topped_peaks", 0) >= 10
               else f"{v.get('clip_pileup', 0):.0%} of the sound stuck at one level")
        parts.append(f"clipped ({how})")
        sug.append(Suggestion(problem="clipping", component="audio", message=f"The audio is clipped ({how}{', at ' + where if where else ''}): the waveform is cut flat, which distorts. Re-record or re-export with the gain lowered, and use a limiter instead of boosting.",
                              target=where or None, priority=1))
    # a late start matters when sound follows it; a clip that stays near-silent after a blip has no late
    # sound to bring forward (its problem is the missing sound, said elsewhere)
    if v["leading_silence_s"] >= LATE_SOUND_S and v.get("silence_fraction_after_start", 0.0) < 0.5:
        sug.append(Suggestion(problem="late_sound", component="audio", message=f"The first {v['leading_silence_s']:.1f} s are silent; trim them or start the sound immediately.", target=f"0-{v['leading_silence_s']:.1f} s", priority=1))
    keys = ("integrated_lufs", "peak_dbfs", "clipped", "clipping_fraction", "flat_topped_peaks", "clip_times", "leading_silence_s",
            "speech_fraction", "music_likelihood", "tempo_bpm", "beat_strength")
    raw = {k: v.get(k) for k in keys}
    raw["loudness_target_lufs"] = t
    return _c("audio", score, ", ".join(parts), sig, raw), sug


NEAR_LOOP_MAX_S = 20.0  # a seamless loop matters for clips watched on repeat, not for a 40 s demo
LATE_SOUND_S = 1.0  # sound starting this late is a silent opening (a fade-in over the first half second is not)


@builder("loop", needs=('loop',), rank=15)
def loop(s):
    """Neutral (50) for a video that does not loop, which is the normal case; above 50 for a real loop
    (the ending returns to the opening picture after leaving it: 60 at the loop threshold, 100 when the
    two are nearly the same picture). Loop advice only where it is within reach: the ending is already
    close to the opening (a near-loop)."""
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
        dur = v.get("duration_s") or 0.0
        if v.get("near_loop") and sim < LOOP_SIMILARITY and dur <= NEAR_LOOP_MAX_S:  # close, not already there
            sug.append(Suggestion(problem="loop", component="loop", message=f"The ending is already close to the opening ({sim:.0%} similar): end on the exact opening picture (same framing and position) so replays run on seamlessly.", target="last second", priority=3))
        # no advice for other clips: an editor's review found "end on the opening" pointless where the video
        # progresses (a flower opening, a drive, a race) and moot where a still shot already ends as it began
    return _c("loop", score, why, sig, v), sug


@builder("frame_quality", needs=('quality',), rank=3)
def frame_quality(s):
    sig = s.get("quality")
    v = sig.values
    score = 100 * v["frame_mos_median"]
    sug = []
    if score < 45:
        sug.append(Suggestion(problem='low_quality', component="frame_quality", message="Frames look low quality (blur, noise or compression); reshoot in better light or export at a higher bitrate.", priority=1))
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
    # a heuristic index, not a trained model: what it measures is worth a look, not an order
    if v["clutter"] > 0.2:
        sug.append(Check(component="aesthetics", message=f"Look at the background: the frames are busy (edge clutter "
                         f"{v['clutter']:.2f}); a simpler background lets the subject stand out.",
                         evidence=[Evidence(value=round(v["clutter"], 3), note="edge clutter")]))
    if v["subject_bg_sharpness"] < 1.2:
        sug.append(Check(component="aesthetics", message=f"Look at the subject: it is barely sharper than the background "
                         f"({v['subject_bg_sharpness']:.2f}x); getting closer or blurring the background separates it.",
                         evidence=[Evidence(value=round(v["subject_bg_sharpness"], 3), note="subject/background sharpness")]))
    return _c("aesthetics", score, f"heuristic composition/colour index {v['aesthetic_index']:.2f} (no trained aesthetics model present)", sig, v), sug


BLOCKY = 3.5  # blockiness over which 8-px block borders show (clean footage measures 1.2-3)
SMEARED_FINE = 0.13  # fine-detail ratio under which ...
SMEARED_NOISE = 0.15  # ... with grain under this, compression has smeared the texture away


@builder("technical", needs=('technical', 'sharpness', 'exposure', 'format'), rank=6)
def technical(s):
    t = s.get("technical")
    v = dict(t.values)
    flags, sug = [], []
    sigs = [t]

    def flag(name, cond, penalty, msg, prio=2, value=None, advise=True):
        if cond:
            flags.append({"flag": name, "value": value})
            if advise:  # False when another flag's advice already covers the same problem
                ev = [Evidence(value=round(float(value), 4), note=name)] if isinstance(value, (int, float)) else []
                # burned-in bars are one problem however they were measured (the format factor names it too)
                problem = "black_bars" if name in ("letterbox", "pillarbox") else name
                sug.append(Suggestion(component="technical", message=msg, priority=prio, problem=problem, evidence=ev))
            return penalty
        return 0.0

    pen = 0.0
    # noise, blocking, fine detail: measured at the source resolution (a central crop), where they show
    # visible noise costs at least as much as the missing-fine-detail and low-bitrate flags it switches off
    # (both read fine detail, which noise imitates): adding noise never makes a clip technically better
    pen += flag("noise", v["noise_sigma"] > 3, min(40, 3 * (v["noise_sigma"] - 3) + 20), f"Visible noise (sigma {v['noise_sigma']:.1f} grey levels at full resolution): shoot in more light or apply light denoising.", value=v["noise_sigma"])
    pen += flag("banding", v["banding"] > 0.3, 10, "Colour banding in gradients: export with a higher bitrate or add slight grain.", 3, v["banding"])
    pen += flag("letterbox", v["letterbox"] > 0.06, 20, "Black bars top/bottom: crop or reframe to fill 9:16.", 1, v["letterbox"])
    pen += flag("pillarbox", v["pillarbox"] > 0.06, 20, "Black bars left/right: crop or reframe to fill the vertical frame.", 1, v["pillarbox"])
    # compression advice rests on artefacts measured in the picture, the bit rate only says why
    fine = v.get("fine_detail_ratio")
    blocky = v["blockiness"] > BLOCKY
    smeared = fine is not None and fine < SMEARED_FINE and v["noise_sigma"] < SMEARED_NOISE
    bpp, thr = v.get("bits_per_pixel"), (0.012 if str(v.get("codec")) in EFFICIENT_CODECS else 0.02)
    starved = bpp is not None and bpp < thr
    seen = ([f"blocking {v['blockiness']:.1f} at 8-px block borders (clean footage under {BLOCKY:.0f})"] if blocky else []) + (
        [f"texture smeared away (fine-detail ratio {fine:.3f}, grain {v['noise_sigma']:.2f}; sharp camera footage "
         f"keeps 0.12-0.25)"] if smeared else [])
    pen += flag("low_bitrate", starved and bool(seen), 20,
                f"Compression artefacts: {'; '.join(seen)}, at {bpp or 0:.3f} bits per pixel; export at a higher bitrate "
                "(about 8-12 Mbps for 1080x1920) and avoid re-encoding downloaded clips.", 1, bpp)
    # few bits and no grain left, but no artefact measured: a mild mark in the score, no advice
    pen += flag("low_bits_per_pixel", starved and not seen and v["noise_sigma"] < 0.2, 10, "", value=bpp, advise=False)
    pen += flag("blockiness", v["blockiness"] > 5.0, min(35, 3 * (v["blockiness"] - 5.0) + 10),
                f"Compression blocking ({v['blockiness']:.1f} at 8-px block borders): export at a higher bitrate and avoid "
                "re-encoding downloaded clips.", 1, v["blockiness"], advise=not (starved and blocky))
    pen += flag("low_resolution", v["source_short_side"] < 720, 15, f"Low resolution ({v['source_short_side']} px short side); export at 1080x1920.", 1, v["source_short_side"])
    sh = s.get("sharpness")
    lv = None
    if _ok(sh):
        sigs.append(sh)
        lv = sh.values["laplacian_var"]
        w = sh.values.get("edge_width_px_1080")
        native = None if w is None else w * sh.values.get("full_res_short_side", 1080) / 1080.0
        # out of focus at the source's own resolution; the advice comes from the sharpness component
        pen += flag("blur", native is not None and native > NATIVE_SOFT_PX, 25 if (native or 0) > 2 * NATIVE_SOFT_PX else 12,
                    "", 1, native, advise=False)
    # detail at the usual scale but none at the finest: upscaled (blurry footage is the blur flag's,
    # texture smeared by compression the low-bitrate flag's)
    pen += flag("upscaled_or_soft", fine is not None and fine < 0.085 and v["noise_sigma"] < 3 and (lv is None or lv >= 40), 20,
                f"No detail at the finest scale (fine-detail ratio {fine or 0:.3f}; sharp footage at {v['measured_short_side']} px "
                "keeps 0.12-0.25) although the picture is otherwise sharp: it looks upscaled from a lower resolution; "
                "use the original high-resolution source.", 2, fine, advise=not (starved and smeared))
    ex = s.get("exposure")
    if _ok(ex):
        sigs.append(ex)
        # camera frames only (drawn white screens and cards are bright by design); the exposure component
        # gives the advice, this flag only weighs it into the technical score
        m = ex.values.get("mean_luma_natural")
        m = ex.values["mean_luma"] if m is None and ex.values.get("graphic_frames", 0) < 0.5 else m
        pen += flag("underexposed", m is not None and m < 60, 15, "Underexposed: add light or raise exposure.", 1, m,
                    advise=False)
        pen += flag("overexposed", m is not None and m > 200, 15, "Overexposed: lower exposure.", 1, m, advise=False)
        # blown camera highlights only: drawn white (screens, cards, text plates) is clipped by design
        blown = ex.values.get("blown_highlights", ex.values["clipped_highlights"])
        worst = ex.values.get("worst_blown_t")
        # a mark in the score, never advice: in an editor's review of real clips every "expose for the bright
        # areas" was wrong (a sky or a ceiling light behind the subject; exposing for it darkens the subject)
        pen += flag("clipped_highlights", blown > 0.08, 10, f"Highlights are blown out in {blown:.0%} of the picture"
                    + (f" (worst at {worst:.1f} s)" if worst is not None else "") + ": expose for the bright areas.",
                    2, blown, advise=False)
    # camera shake is scored and advised under motion only (one problem, one suggestion; freezing a
    # shaky clip must not make it technically better)
    fm = s.get("format")
    if _ok(fm):
        sigs.append(fm)
        pen += flag("not_vertical", fm.values["orientation"] != "vertical", 10, "Not vertical: reframe to 9:16.", 1,
                    fm.values["aspect"], advise=False)  # the format component advises
    v["flags"] = flags
    why = "no technical problems found" if not flags else "flags: " + ", ".join(
        f["flag"] + (f" ({f['value']:.3f}, no artefact measured)" if f["flag"] == "low_bits_per_pixel" else "") for f in flags)
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
    from .platform_rules import caption_limits

    comp, sug = caption_component(s.get("caption"))
    sig = s.get("caption")
    if _ok(sig) and sig.values.get("text"):  # the platform's caption and hashtag limits
        sug = sug + caption_limits(platform_profile(s), sig.values["text"])
    return comp, sug


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
