"""The hook: what the first seconds show before a viewer decides to swipe.

Measured from the dense opening frames (6 fps at 480 px), the small frames of the same seconds
(every frame, for flashes) and the audio's first seconds. Cuts and transitions come from the `cuts`
analyzer, faces, on-screen text and speech from theirs; the `hook` component combines them.

A change counts only when it persists: a region (or the whole picture) that changes and is still
changed a sixth of a second later. A frame that differs from both neighbours and reverts, or a
cover frame flashed before the video proper starts, is a flash: it is reported, never counted, and
the first-frame measures are taken on the first frame that is held.
"""
from __future__ import annotations

import cv2
import numpy as np

from ._util import luma, noise_floor
from .base import Analyzer, Context, register
from .sharpness import detail_var

FLASH_MAX_S = 0.2  # a picture shown this briefly before the previous one returns (or the video starts) is a flash
FLASH_JUMP = 18.0  # mean |dY| (0-255) of a jump into a flash
CELL_CHANGE = 12.0  # mean |dY| of a grid cell (noise removed) that counts as changed
GRID = 10  # cells across the short side
SCENE_AREA = 0.5  # share of the picture changed by a scene change
ELEMENT_AREA = 0.02  # smallest change that counts (a title line, a product moved into view)
WORK_SHORT = 120  # px short side the opening frames are compared at
GRAPHIC_EDGE = 250.0  # Sobel magnitude at WORK_SHORT of the hard edges of overlaid text and graphics


def opening_flashes(ys: list[np.ndarray], times: list[float]) -> list[tuple[float, float]]:
    """Flashes [(start, end) s] in luma frames `ys` shown at `times`: a picture that appears and is
    gone again within FLASH_MAX_S (the picture before it returns), or the first frames of the clip
    when they last under FLASH_MAX_S and differ from the held picture after them."""
    if len(ys) < 3:
        return []
    t = np.asarray(times)
    rate = 1.0 / float(np.median(np.diff(t)))
    K = max(1, int(round(FLASH_MAX_S * rate)))

    def d(i, j):
        return float(np.abs(ys[i] - ys[j]).mean())

    out = []
    # a cover frame: the first frames differ from a picture that then holds for at least K frames
    for h in range(1, K + 1):
        if h + K >= len(ys):
            break
        if d(h, h - 1) > FLASH_JUMP and all(d(h + k, h) < 0.35 * d(h, h - 1) for k in range(1, K + 1)):
            out.append((0.0, float(t[h])))
            break
    i = 1
    while i < len(ys) - 1:
        jump = d(i, i - 1)
        back = None
        if jump > FLASH_JUMP and not any(a <= t[i] < b for a, b in out):
            back = next((i + k for k in range(1, K + 1) if i + k < len(ys) and d(i + k, i - 1) <= 0.35 * jump), None)
        if back is not None:
            out.append((float(t[i]), float(t[back])))
            i = back
        i += 1
    return out


def _in(t: float, spans: list[tuple[float, float]]) -> bool:
    return any(a - 1e-6 <= t < b - 1e-6 for a, b in spans)


def _edges(y: np.ndarray) -> np.ndarray:
    gx = cv2.Sobel(y, cv2.CV_32F, 1, 0)
    gy = cv2.Sobel(y, cv2.CV_32F, 0, 1)
    return np.hypot(gx, gy)


def _graphic_edges_appear(before: np.ndarray, after: np.ndarray, mask: np.ndarray) -> bool:
    """Hard, synthetic edges (overlaid text, graphics: much stronger than a camera's) are in `mask`
    of frame `after` and were not in `before`."""
    b, a = (float((_edges(y)[mask] > GRAPHIC_EDGE).mean()) for y in (before, after))
    return a >= 0.05 and a >= 3 * b + 0.02


def opening_events(ys: list[np.ndarray], times: list[float], tau: float) -> tuple[list[dict], list[float]]:
    """Persistent changes in the opening frames `ys` (luma at WORK_SHORT) at `times`:
    [{t, kind, area, text_like}] where kind is "scene_change" (most of the picture) or "new_element"
    (a part: a title, a graphic, a person or product coming into view), and per pair of consecutive
    frames the share of the picture that changed (movement; noise below `tau` ignored).

    A change is seen against each of the three frames before (half a second), so a title that fades
    or slides in over several frames counts, and must still be there one frame later."""
    if len(ys) < 2:
        return [], []
    h, w = ys[0].shape
    c = max(4, min(h, w) // GRID)
    gh, gw = h // c, w // c

    def cells(a, b):
        d = np.abs(b - a)
        d = d * (d > tau)
        return d[: gh * c, : gw * c].reshape(gh, c, gw, c).mean((1, 3))

    def px(m):
        return np.kron(m, np.ones((c, c), bool))

    events, masks, moving = [], [], []
    for i in range(1, len(ys)):
        moving.append(float((cells(ys[i - 1], ys[i]) >= CELL_CHANGE).mean()))
        if i + 1 >= len(ys):
            continue
        kept = np.zeros((gh, gw), bool)
        for k in (1, 2, 3):
            if i - k >= 0:
                # changed since k frames ago and still changed a frame later: it stayed
                kept |= (cells(ys[i - k], ys[i]) >= CELL_CHANGE) & (cells(ys[i - k], ys[i + 1]) >= 0.6 * CELL_CHANGE)
        area = float(kept.mean())
        if area < ELEMENT_AREA:
            continue
        kind = "scene_change" if area >= SCENE_AREA else "new_element"
        text = kind == "new_element" and _graphic_edges_appear(ys[max(0, i - 3)][: gh * c, : gw * c],
                                                               ys[min(i + 3, len(ys) - 1)][: gh * c, : gw * c], px(kept))
        events.append({"t": round(float(times[i]), 3), "kind": kind, "area": round(area, 3), "text_like": bool(text)})
        masks.append(kept)
    # text animated in over the opening, whatever the animation: present at the end, not at the start
    final = cells(ys[0], ys[-1]) >= CELL_CHANGE
    if ELEMENT_AREA <= final.mean() < SCENE_AREA and _graphic_edges_appear(
            ys[0][: gh * c, : gw * c], ys[-1][: gh * c, : gw * c], px(final)):
        first = next((e for e, m in zip(events, masks) if (m & final).any()), None)
        if first is not None:
            first["text_like"] = True
    return events, moving


@register
class HookAnalyzer(Analyzer):
    name = "hook"
    cost = 1.5
    version = "4"
    description = ("opening seconds: persistent visual changes (scene changes, elements and text appearing), "
                   "movement, flashes (not counted), first held frame's sharpness/exposure, opening loudness")

    def compute(self, media, ctx: Context):
        fs = media.hook
        # flashes at the full frame rate of the small frames over the same seconds
        small_t = [t for t in media.small.times if t < fs.times[-1] + 0.5] if len(fs) else []
        small_y = [luma(f) for f in media.small.frames[: len(small_t)]]
        flashes = opening_flashes(small_y, small_t)
        keep = [i for i, t in enumerate(fs.times) if not _in(t, flashes)] or [0]
        first = keep[0]
        y0 = luma(fs.frames[first])
        vals = {"first_frame_sharpness": detail_var(y0), "first_frame_luma": float(y0.mean()),
                "first_held_frame_s": round(float(fs.times[first]), 3),
                "flashes": [(round(a, 3), round(b, 3)) for a, b in flashes],
                "first_frame_flash": bool(flashes and flashes[0][0] == 0.0),
                "hook_seconds": float(fs.times[-1]) if len(fs) else 0.0}
        events, moving = [], []
        if len(keep) >= 2:
            ys = []
            for i in keep:
                y = luma(fs.frames[i])
                s = WORK_SHORT / min(y.shape)
                if s < 1:
                    y = cv2.resize(y, (round(y.shape[1] * s), round(y.shape[0] * s)), interpolation=cv2.INTER_AREA)
                ys.append(cv2.GaussianBlur(y, (0, 0), 1.0))
            tau = 3.0 * np.sqrt(2.0) * noise_floor(ys) + 1.0  # temporal noise is not a change
            events, moving = opening_events(ys, [fs.times[i] for i in keep], tau)
        vals["opening_events"] = events
        vals["time_to_first_change_s"] = events[0]["t"] if events else None
        vals["text_appears_s"] = next((e["t"] for e in events if e["text_like"]), None)
        vals["moving_fraction"] = float(np.mean([m >= ELEMENT_AREA for m in moving])) if moving else None
        vals["visual_change_mean"] = float(np.mean(moving)) * 100 if moving else None  # % of the picture changing per step
        if media.audio is not None and len(media.audio):
            sr = media.audio_rate
            a = media.audio[: int(3 * sr)]
            win = max(1, int(0.05 * sr))
            n = len(a) // win
            if n:
                rms = np.sqrt((a[: n * win].reshape(n, win) ** 2).mean(1) + 1e-12)
                db = 20 * np.log10(rms)
                loud = np.nonzero(db > -40)[0]
                vals["audio_start_s"] = float(loud[0] * win / sr) if len(loud) else None
                vals["opening_rms_db"] = float(20 * np.log10(np.sqrt((a ** 2).mean() + 1e-12)))
        else:
            vals["audio_start_s"] = None
            vals["opening_rms_db"] = None
        return self.signal(values=vals, timeline=[(t, float(luma(f).mean())) for t, f in zip(fs.times, fs.frames)])
