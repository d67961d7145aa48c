"""Safe zones: which on-screen text and faces a platform's interface covers, and whether the cover
survives the profile-grid crop. A derived signal, computed after the analyzers from their cached,
platform-independent outputs (OCR text boxes, face boxes), for the platform(s) chosen.

Overlap rule. A box (x, y, w, h, fractions of the frame) is hidden by a platform when at least
TEXT_HIDDEN (20 %) of a text line's area, or FACE_HIDDEN (30 %) of a face's, lies under the union
of its overlays (measured on a 24x24 grid of points over the box). A fifth of a line is two or three
letters of a short title, enough to lose a word; a face is still recognisable with a sixth under the
icon column, but not with an eye or the mouth gone. The overlay named is the one covering most.

Grid crop. The profile grid shows the cover cut to `grid_crop_aspect` (3:4 on Instagram and TikTok)
around the centre. Text and faces at the cover's time with less than GRID_KEEP (70 %) of their area
inside that crop are reported as cut.

The boxes are given for the video's own frame. A video that is not 9:16 is shown at full width with
bars (or cropped); the overlays are placed on that displayed 9:16 screen, so boxes are mapped to it
first (`to_screen`).
"""
from __future__ import annotations

import numpy as np

from ..platforms import PlatformProfile, get_profile
from ..schema import Evidence, Signal

TEXT_HIDDEN = 0.20
FACE_HIDDEN = 0.30
GRID_KEEP = 0.70
GRID_N = 24
MAX_ITEMS = 40
MARGIN = 0.02  # moves leave this much (fraction of the height/width) clear of the overlay
VERSION = "1"


def to_screen(box, aspect: float | None) -> list[float]:
    """A box in a frame of width/height `aspect`, as placed on a 9:16 phone screen that shows the
    frame at full width, centred (bars above and below a wider frame; a taller frame is cropped
    top and bottom)."""
    x, y, w, h = (float(v) for v in box)
    if not aspect or abs(aspect - 9 / 16) < 0.01:
        return [x, y, w, h]
    k = (9 / 16) / aspect  # the frame's displayed height as a fraction of the screen's
    top = (1 - k) / 2
    return [x, top + y * k, w, h * k]


def coverage(box, overlays) -> tuple[float, str | None]:
    """(fraction of the box under the union of `overlays`, name of the overlay covering most)."""
    x, y, w, h = box
    if w <= 0 or h <= 0:
        return 0.0, None
    gx = x + (np.arange(GRID_N) + 0.5) / GRID_N * w
    gy = y + (np.arange(GRID_N) + 0.5) / GRID_N * h
    X, Y = np.meshgrid(gx, gy)
    under = np.zeros_like(X, bool)
    best, best_n = None, 0
    for o in overlays:
        ox, oy, ow, oh = o.box
        m = (X >= ox) & (X < ox + ow) & (Y >= oy) & (Y < oy + oh)
        under |= m
        if int(m.sum()) > best_n:
            best, best_n = o.name, int(m.sum())
    return float(under.mean()), best


def move_advice(box, overlay: str, profile: PlatformProfile, kind: str = "text") -> str:
    """Where to move a hidden box so it clears the platform's overlays: a distance in % of the frame
    and the band it should land in."""
    x, y, w, h = box
    top, bottom = profile.safe_band()
    right = profile.safe_right()
    thing = "the text" if kind == "text" else "the face"
    band = f"the band between {top:.0%} and {bottom:.0%} of the height"
    o = profile.overlay(overlay)
    if o is not None and o.box[2] < 0.5:  # a column at the side
        need = (x + w) - (right - MARGIN)
        if w > right - 2 * MARGIN:
            return f"make {thing} narrower so it ends left of {right:.0%} of the width"
        return f"move {thing} left by ~{max(need, 0.01):.0%} of the width (keep it left of {right:.0%})"
    if h > (bottom - top) - 2 * MARGIN:
        return f"make {thing} smaller so it fits {band}"
    if o is not None and o.box[1] <= 1e-9:  # the top bar
        need = (top + MARGIN) - y
        return f"move {thing} down by ~{max(need, 0.01):.0%} of the height, into {band}"
    need = (y + h) - (bottom - MARGIN)
    return f"move {thing} up by ~{max(need, 0.01):.0%} of the height, into {band}"


def grid_crop(profile: PlatformProfile, aspect: float = 9 / 16) -> list[float]:
    """The profile grid's crop of a frame of width/height `aspect`, as [x, y, w, h] fractions."""
    g = profile.grid_crop_aspect
    if g >= aspect:  # the grid tile is wider: keep the full width, cut top and bottom
        hh = aspect / g
        return [0.0, (1 - hh) / 2, 1.0, hh]
    ww = g / aspect
    return [(1 - ww) / 2, 0.0, ww, 1.0]


def inside(box, crop) -> float:
    x, y, w, h = box
    cx, cy, cw, ch = crop
    ix = max(0.0, min(x + w, cx + cw) - max(x, cx))
    iy = max(0.0, min(y + h, cy + ch) - max(y, cy))
    return ix * iy / (w * h) if w > 0 and h > 0 else 1.0


def _items(signals: dict[str, Signal]) -> list[dict]:
    """Text and face boxes from the OCR and face signals: {t, box, kind, text?}."""
    out = []
    ocr = signals.get("ocr")
    if ocr is not None and ocr.applicable and not ocr.error:
        for b in ocr.values.get("boxes") or []:
            out.append({"t": float(b["t"]), "box": list(b["box"]), "kind": "text", "text": b.get("text", "")})
    faces = signals.get("faces")
    if faces is not None and faces.applicable and not faces.error:
        for b in faces.values.get("boxes") or []:
            out.append({"t": float(b["t"]), "box": list(b["box"]), "kind": "face"})
    return out


def _aspect(signals: dict[str, Signal]) -> float | None:
    fmt = signals.get("format")
    if fmt is not None and fmt.applicable and not fmt.error:
        a = fmt.values.get("aspect")
        return float(a) if a else None
    return None


def check_platform(items: list[dict], profile: PlatformProfile, aspect: float | None = None,
                   cover_t: float | None = None) -> dict:
    """Hidden items and the cover's grid crop for one platform."""
    hidden = []
    for it in items:
        box = to_screen(it["box"], aspect)
        frac, name = coverage(box, profile.overlays)
        if frac >= (TEXT_HIDDEN if it["kind"] == "text" else FACE_HIDDEN):
            rec = {"t": round(it["t"], 3), "box": [round(v, 4) for v in box], "kind": it["kind"], "overlay": name,
                   "covered": round(frac, 3), "move": move_advice(box, name, profile, it["kind"])}
            if it.get("text"):
                rec["text"] = it["text"]
            hidden.append(rec)
    cover = None
    if cover_t is not None:
        crop = grid_crop(profile, aspect or 9 / 16)
        cut = []
        for kind in ("text", "face"):
            kt = sorted({it["t"] for it in items if it["kind"] == kind})
            if not kt:
                continue
            t0 = min(kt, key=lambda t: abs(t - cover_t))
            if abs(t0 - cover_t) > 1.0:  # nothing measured near the cover's time
                continue
            for it in items:
                if it["kind"] == kind and it["t"] == t0:
                    keep = inside(it["box"], crop)
                    if keep < GRID_KEEP:
                        rec = {"t": round(t0, 3), "box": [round(v, 4) for v in it["box"]], "kind": kind,
                               "inside": round(keep, 3)}
                        if it.get("text"):
                            rec["text"] = it["text"]
                        cut.append(rec)
        cover = {"t": round(cover_t, 3), "crop": [round(v, 4) for v in crop], "grid_aspect": profile.grid_crop_aspect,
                 "cut": cut}
    return {"text_hidden": any(h["kind"] == "text" for h in hidden),
            "face_hidden": any(h["kind"] == "face" for h in hidden),
            "hidden": hidden[:MAX_ITEMS], "n_hidden": len(hidden), "cover": cover}


def safe_zones_signal(signals: dict[str, Signal], profile: PlatformProfile | str | None = None,
                      cover_t: float | None = None, also: list[str] | None = None) -> Signal:
    """The `safe_zones` signal for `profile` (the platform the result is for), with `by_platform`
    holding the same check for every name in `also` too (an upload checked for several platforms)."""
    profile = profile if isinstance(profile, PlatformProfile) else get_profile(profile)
    items = _items(signals)
    aspect = _aspect(signals)
    names = [profile.name] + [n for n in (also or []) if n != profile.name]
    by = {n: check_platform(items, get_profile(n), aspect, cover_t) for n in names}
    main = by[profile.name]
    have_text = "ocr" in signals and signals["ocr"].applicable and not signals["ocr"].error
    have_faces = ("faces" in signals and signals["faces"].applicable and not signals["faces"].error
                  and "boxes" in signals["faces"].values)
    notes = []
    if not have_text:
        notes.append("no text boxes (OCR not run or failed): text not checked")
    if not have_faces:
        notes.append("no face boxes in the faces signal: faces not checked")
    ev = [Evidence(t=h["t"], value=h["covered"],
                   note=f"{h['kind']} {('“' + h['text'] + '” ') if h.get('text') else ''}under the {h['overlay']} "
                        f"at x={h['box'][0]:.2f} y={h['box'][1]:.2f} w={h['box'][2]:.2f} h={h['box'][3]:.2f}")
          for h in main["hidden"][:10]]
    values = {"platform": profile.name, "text_hidden": main["text_hidden"], "face_hidden": main["face_hidden"],
              "hidden": main["hidden"], "n_hidden": main["n_hidden"], "cover": main["cover"],
              "overlays": [{"name": o.name, "box": list(o.box)} for o in profile.overlays],
              "text_checked": have_text, "faces_checked": have_faces,
              "rule": {"text_hidden_if_covered": TEXT_HIDDEN, "face_hidden_if_covered": FACE_HIDDEN,
                       "grid_keep": GRID_KEEP},
              "by_platform": {n: {k: v for k, v in r.items() if k != "n_hidden"} for n, r in by.items()}}
    return Signal(analyzer="safe_zones", version=VERSION, applicable=bool(have_text or have_faces),
                  backend=f"platform profile {profile.name} (resources/platforms.json)", heuristic=True,
                  values=values, evidence=ev, notes=notes)
