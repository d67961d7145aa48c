"""What the page shows beside the result itself, read from a stored result (its JSON form, so entries
written by an older version still open): the timeline under the video, the band of the score, and
the entry's pictures."""
from __future__ import annotations

from pathlib import Path

from .models import HiddenItem, Mark, OverlayBox, Picture, PlatformView, Span, Timeline

HOOK_S = 3.0  # the opening window (the hook analyzer's and the scoring's "first 3 s")
QUIET_LUFS = -50.0  # a 3 s short-term loudness window this quiet counts as silent


def _sig(result: dict, name: str) -> dict | None:
    s = (result.get("signals") or {}).get(name)
    return s if s and s.get("applicable", True) and not s.get("error") else None


def _merge(spans: list[tuple[float, float, str]], gap: float = 0.05) -> list[Span]:
    out: list[list] = []
    for a, b, note in sorted(spans):
        if out and a <= out[-1][1] + gap and out[-1][2] == note:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b, note])
    return [Span(start=round(a, 3), end=round(b, 3), note=n) for a, b, n in out if b > a]


def timeline(result: dict) -> Timeline | None:
    media = result.get("media") or {}
    if media.get("kind") != "video":
        return None
    dur = float(media.get("analyzed_s") or media.get("duration_s") or 0.0)
    if dur <= 0:
        return None
    tl = Timeline(duration_s=round(dur, 3), hook=Span(start=0.0, end=round(min(HOOK_S, dur), 3), note="the hook"))
    if (s := _sig(result, "cuts")) is not None:
        tl.cuts = [round(float(t), 3) for t in s["values"].get("cut_times") or [] if 0 <= t <= dur]
    if (s := _sig(result, "audio")) is not None:
        v = s["values"]
        tl.speech = _merge([(float(a), float(b), "speech") for a, b in v.get("speech_segments") or []])
        quiet = []
        if v.get("silent"):
            quiet.append((0.0, dur, "no sound"))
        elif (lead := float(v.get("leading_silence_s") or 0.0)) >= 0.3:
            quiet.append((0.0, min(lead, dur), "silence at the start"))
        for t, lufs in s.get("timeline") or []:
            if lufs <= QUIET_LUFS:
                quiet.append((float(t), min(float(t) + 3.0, dur), "silence"))
        tl.silence = _merge([(a, b, "silence" if n != "no sound" else n) for a, b, n in quiet], gap=0.5)
    elif media.get("has_audio") is False:
        tl.silence = [Span(start=0.0, end=round(dur, 3), note="no sound track")]
    if (s := _sig(result, "ocr")) is not None:
        tl.text_checked = [round(float(t), 3) for t, _ in s.get("timeline") or []]
        tl.text = [Mark(t=round(float(e["t"]), 3), note=e.get("note") or "text")
                   for e in s.get("evidence") or [] if e.get("t") is not None]
    if (s := _sig(result, "faces")) is not None:
        pts = sorted((float(t), float(n)) for t, n in s.get("timeline") or [])
        tl.face_checked = [round(t, 3) for t, _ in pts]
        spans = []
        for i, (t, n) in enumerate(pts):
            if n > 0:
                end = pts[i + 1][0] if i + 1 < len(pts) else min(dur, t + 0.5)
                spans.append((t, max(end, t + 0.05), "face"))
        tl.faces = _merge(spans)
    if (s := _sig(result, "quality")) is not None and s["values"].get("worst_t") is not None:
        tl.worst_frame = Mark(t=round(float(s["values"]["worst_t"]), 3),
                              note=f"lowest frame quality (MOS {float(s['values'].get('frame_mos_min') or 0):.2f})")
    if (s := _sig(result, "motion")) is not None:
        tl.static = _merge([(float(a), float(b), "nothing moves") for a, b in s["values"].get("static_spans") or []])
    return tl


def pictures(assets: Path, url_base: str, best_t: float | None) -> tuple[list[Picture], Picture | None]:
    """The entry's sampled frames (`frame-<ms>.jpg`) and cover (`cover-<ms>.jpg`) as URLs."""
    frames, cover = [], None
    if not assets.is_dir():
        return frames, cover
    for p in sorted(assets.glob("frame-*.jpg"), key=lambda p: int(p.stem.split("-")[1])):
        t = int(p.stem.split("-")[1]) / 1000
        frames.append(Picture(t=t, url=f"{url_base}/{p.name}", cover=best_t is not None and abs(t - best_t) < 1e-3))
    for p in assets.glob("cover-*.jpg"):
        cover = Picture(t=int(p.stem.split("-")[1]) / 1000, url=f"{url_base}/{p.name}", cover=True)
    return frames, cover


def hidden_frames(assets: Path, url_base: str) -> dict[float, Picture]:
    """The entry's frames where a platform's interface hides something (`hidden-<ms>.jpg`), by time."""
    out = {}
    if assets.is_dir():
        for p in assets.glob("hidden-*.jpg"):
            t = int(p.stem.split("-")[1]) / 1000
            out[t] = Picture(t=t, url=f"{url_base}/{p.name}")
    return out


def screen_aspect(result: dict) -> float | None:
    media = result.get("media") or {}
    w, h = media.get("width"), media.get("height")
    return round(w / h, 5) if w and h else None


def platform_views(result: dict, hidden: dict[float, Picture]) -> list[PlatformView]:
    """Each platform the result was checked for (the result's first): its overlays, what they hide, the
    cover's grid crop, and its rules for this upload (length, caption, loudness), from the stored
    `safe_zones` signal and the platform profiles."""
    from ...pipeline import calibration_note
    from ...platforms import PLATFORMS, get_profile
    from ...scoring.platform_rules import compare_platforms
    from ...scoring.safe_zones import to_screen

    primary = result.get("platform")
    if primary not in PLATFORMS:
        return []
    sz = _sig(result, "safe_zones")
    values = sz["values"] if sz else {}
    by = values.get("by_platform") or {}
    names = [primary] + [n for n in by if n != primary and n in PLATFORMS]
    media = result.get("media") or {}
    dur = float(media.get("analyzed_s") or media.get("duration_s") or 0.0) if media.get("kind") == "video" else None
    model = (result.get("engagement") or {}).get("model")
    try:
        rules = compare_platforms(names, dur, result.get("caption"), values or None)
    except Exception:  # noqa: BLE001 - a profile this version cannot read: no platform view, the rest stands
        return []
    aspect = screen_aspect(result)
    out = []
    for n in names:
        prof, r = get_profile(n), rules[n]
        cover = (by.get(n) or {}).get("cover") or (values.get("cover") if n == primary else None)
        items = [HiddenItem(**{k: h.get(k) for k in ("t", "box", "kind", "overlay", "covered", "text")},
                            move=h.get("move") or "") for h in r["hidden"]]
        first = items[0].t if items else None
        pic = next((p for t, p in hidden.items() if first is not None and abs(t - first) < 1e-3), None)
        out.append(PlatformView(
            name=n, label=prof.label, primary=n == primary,
            overlays=[OverlayBox(name=o.name, box=list(o.box)) for o in prof.overlays],
            grid_crop=[round(v, 4) for v in to_screen(cover["crop"], aspect)] if cover and cover.get("crop") else None,
            grid_aspect=prof.grid_crop_aspect, hidden=items, text_hidden=r["text_hidden"], face_hidden=r["face_hidden"],
            cover_cut=r["cover_cut"], hidden_frame=pic, duration_case=r["duration_case"],
            duration_advice=r["duration_advice"], caption=r["caption"], loudness_lufs=r["loudness_lufs"],
            true_peak_dbtp=r["true_peak_dbtp"], calibration=calibration_note(n, model)))
    return out
