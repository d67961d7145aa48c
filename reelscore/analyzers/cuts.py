"""Cuts and pacing: shot boundaries, hard and gradual, from the shared small frames.

Hard cuts: PySceneDetect's ContentDetector (HSV + edges), plus one-frame changes over most of the
picture that stand out from the motion around them (cuts between look-alike shots, which the colour
threshold misses: two talking heads against one backdrop, a jump to a closer framing). A boundary
into a segment that lasts at most FLASH_MAX_S and then returns to what came before (a white flash, a
single inserted frame), or one in the first FLASH_MAX_S (a cover frame flashed before the video
starts) or in the last FLASH_MAX_S (a stray end frame), is a flash, not a cut.

Gradual transitions, which ContentDetector misses because no single frame differs enough:
- dissolve: each frame of a run is close to a blend (1 - a) A + a B of the frames before and after
  the run, with `a` rising from 0 to 1 over several frames;
- wipe: each part of the picture shows either A or B, the B part lies beyond a straight left/right
  or up/down edge, and that edge sweeps the frame steadily;
- fade: the picture's contrast falls steadily to a uniform frame (black, white) and/or rises out
  of it; out and in together are one boundary.
Camera moves, zooms, motion blur and exposure changes also change every frame a little. They are
told apart by what a real change of shot does and they do not: the progress stops (the shots before
and after change at most half as fast as the transition), most of the picture changes, the colours
change (hue-saturation histograms), and halfway through a dissolve both pictures show at half
contrast, so the frame's gradient energy dips in every direction (motion blur lowers it in one).

The fits run on luma at half the small-frame size (about 36 px short side) averaged over 4 x 4
blocks, which averages away noise, grain and the movement of objects inside a shot.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..schema import Evidence
from ._util import index_runs, work_scale
from .base import Analyzer, Context, register

FLASH_MAX_S = 0.2  # a segment this short that returns to the previous picture is a flash
SCALES_S = (0.07, 0.13, 0.2, 0.3, 0.45, 0.65)  # half-widths of the windows searched for gradual transitions
MIN_CHANGE = 9.0  # mean |dY| (0-255) between the two ends of a transition: two different pictures
BLEND_RESID = 0.3  # candidates: the middle frame is within this share of |B - A| of the blend of the ends
WIPE_RESID = 0.3  # candidates: the middle frame's pixels are within this share of |B - A| of A or B
FIT_LIMIT = {"dissolve": 0.4, "wipe": 0.3}  # verified: mean misfit of the frames inside the transition
WIPE_MIN_S = 0.3  # a faster wipe is a cut to the eye (and a whip pan's leading edge looks like a short wipe)
MIN_SWEEP = 0.85  # a wipe's edge sweeps the frame steadily (see wipe_path)
MAX_DIP = 0.8  # a dissolve's middle frame has at most this share of its ends' mean gradient energy (both directions)
MIN_SPREAD = 0.5  # share of the picture (coarse blocks) that changes in a transition between two shots
CHANGED_BLOCK = 12.0  # mean |dY| of a coarse block that counts as changed
SAME_SCENE_HIST = 0.35  # the two ends of a dissolve or wipe differ at least this much in colour (histogram distance)
GRID = 4  # block size of the coarse grid the fits run on (px at the 36 px scale)
UNIFORM_STD = 6.0  # luma standard deviation of a uniform (black, white, solid colour) frame
PICTURE_STD = 15.0  # ... and of a picture a fade starts from or ends on
FADE_MAX_S = 1.5  # longest fade out (or in) looked for
JUMP_MIN = 6.0  # mean |dY| of a one-frame change that can be a cut between look-alike shots ...
JUMP_OVER_LOCAL = 4.0  # ... this many times the median change around it ...
JUMP_OVER_NEXT = 2.5  # ... and the changes just before and after it ...
JUMP_SPREAD = 0.4  # ... over at least this share of the picture


@dataclass
class Transition:
    start: float  # s
    end: float
    mid: float
    kind: str  # "dissolve", "wipe", "fade"
    i0: int  # frame indices of the two ends (pure A, pure B)
    i1: int


def frame_stack(frames: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(N, h, w) float32 luma of the small frames at half their size, and (N, 128) normalised
    hue-saturation histograms (16 hue x 8 saturation bins) of each frame."""
    import cv2

    ys, hs = [], []
    for f in frames:
        f = np.ascontiguousarray(work_scale(f))
        y = cv2.cvtColor(f, cv2.COLOR_RGB2GRAY)
        ys.append(cv2.resize(y, (max(1, y.shape[1] // 2), max(1, y.shape[0] // 2)), interpolation=cv2.INTER_AREA))
        h = cv2.calcHist([cv2.cvtColor(f, cv2.COLOR_RGB2HSV)], [0, 1], None, [16, 8], [0, 180, 0, 256]).reshape(-1)
        hs.append(h / max(float(h.sum()), 1.0))
    return np.stack(ys).astype(np.float32), np.stack(hs).astype(np.float32)


def hist_distance(h1: np.ndarray, h2: np.ndarray) -> float:
    """Hellinger (Bhattacharyya) distance of two normalised histograms, 0 (same) .. 1 (disjoint)."""
    return float(np.sqrt(max(0.0, 1.0 - float(np.sqrt(h1 * h2).sum()))))


def _progress(Y: np.ndarray, s: int, e: int, kind: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Per-frame progress from A = Y[s] to B = Y[e] (about 0..1) and per-frame misfit (share of
    |B - A| the frame is away from the model) for a blend ("dissolve") or a spatial switch along a
    straight moving edge ("wipe"); None when |B - A| is too small to be a change of picture."""
    A, B = Y[s], Y[e]
    dBA = B - A
    mag = np.abs(dBA)
    D = float(mag.mean())
    if D < MIN_CHANGE:
        return None
    F = Y[s : e + 1]
    if kind == "dissolve":
        den = float((dBA * dBA).sum())
        a = ((F - A) * dBA).sum((1, 2)) / den
        res = np.abs(F - A - a[:, None, None] * dBA).mean((1, 2)) / D
        return np.clip(a, -0.2, 1.2), res
    changed = mag > 0.5 * D
    w = mag * changed
    toB = np.abs(F - B) < np.abs(F - A)
    p = (toB * w).sum((1, 2)) / max(float(w.sum()), 1e-6)
    res = np.minimum(np.abs(F - A), np.abs(F - B)).mean((1, 2)) / D
    # the B region is the part of the frame beyond a straight edge: pixels off that shape are the
    # main misfit (motion inside the shots and blocks the edge crosses add the rest)
    return p, 0.5 * res + (1 - _edge_fit(toB, np.broadcast_to(w, toB.shape)))


def _edge_fit(toB: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Per frame, the weighted share of changed pixels on the right side of the best straight
    left/right or up/down edge (one direction for the whole run): 1 for a clean wipe."""
    n = toB.shape[0]
    tot = np.maximum(w.sum((1, 2)), 1e-6)
    best = np.zeros(n)
    wb = toB * w
    for axis in (1, 2):  # sum over rows: per-column weights (an edge that is a column), or the reverse
        cw, cb = w.sum(axis=axis), wb.sum(axis=axis)  # (n, columns or rows)
        zero = np.zeros((n, 1))
        cum_w, cum_b = np.concatenate([zero, np.cumsum(cw, 1)], 1), np.concatenate([zero, np.cumsum(cb, 1)], 1)
        tw, tb = cum_w[:, -1:], cum_b[:, -1:]
        for agree in (cum_b + (tw - cum_w) - (tb - cum_b), (cum_w - cum_b) + (tb - cum_b)):  # B first, A first
            fit = agree.max(1) / tot
            if fit.mean() > best.mean():
                best = fit
    return best


def _split(A: np.ndarray, B: np.ndarray, F: np.ndarray) -> tuple[float, int, int, bool]:
    """Best straight left/right or up/down split of frame F into a B part and an A part:
    (agreement 0..1, axis (0: the edge is a column, 1: a row), position in blocks, B first)."""
    mag = np.abs(B - A)
    w = mag * (mag > 0.5 * mag.mean())
    toB = (np.abs(F - B) < np.abs(F - A)) * w
    best = (-1.0, 0, 0, True)
    tot = max(float(w.sum()), 1e-6)
    for axis in (0, 1):
        cw, cb = w.sum(axis=axis), toB.sum(axis=axis)
        cum_w, cum_b = np.concatenate([[0.0], np.cumsum(cw)]), np.concatenate([[0.0], np.cumsum(cb)])
        b_first = cum_b + (cw.sum() - cum_w) - (cb.sum() - cum_b)  # B before the cut, A after
        a_first = (cum_w - cum_b) + (cb.sum() - cum_b)
        for arr, bf in ((b_first, True), (a_first, False)):
            i = int(np.argmax(arr))
            if arr[i] / tot > best[0]:
                best = (float(arr[i] / tot), axis, i, bf)
    return best


def wipe_path(Yc: np.ndarray, s: int, e: int, lo: float, hi: float) -> float:
    """How steadily the edge of a wipe sweeps the frame: the correlation of the edge's position with
    time over the frames inside the transition, signed so that a sweep from the side where B enters
    counts, times the share of the frame it crosses. About 1 for a wipe (straight, steady, edge to
    edge); low for a pan or a whip, whose 'edge' wanders."""
    A, B = Yc[s], Yc[e]
    ks = list(range(int(np.ceil(lo)), int(np.floor(hi)) + 1))
    if len(ks) < 3:
        return 0.0
    fits = [_split(A, B, Yc[k]) for k in ks]
    axis, bf = max(((f[1], f[3]) for f in fits), key=lambda x: sum(1 for f in fits if (f[1], f[3]) == x))
    n = Yc.shape[2] if axis == 0 else Yc.shape[1]
    pos = np.array([f[2] if bf else n - f[2] for f in fits], float)  # blocks of B: grows in a wipe
    if pos.std() < 1e-6:
        return 0.0
    r = float(np.corrcoef(np.arange(len(pos)), pos)[0, 1])
    return max(0.0, r) * float(min(1.0, (pos.max() - pos.min()) / (0.6 * n)))


def _gradual_ok(prog: np.ndarray, m: int, lo: float, hi: float) -> bool:
    """Progress rises from about 0 to about 1 over several frames without one dominating step (a
    hard cut), and the `m` frames on each side (the shots before and after) change at most half
    as fast as the transition does: a camera move or zoom changes the picture at a steady rate."""
    if m < 1 or prog[:m].max() > 0.2 or prog[-m:].min() < 0.8:
        return False
    steps = np.diff(prog)
    if steps.min() < -0.15 or steps.max() > 0.55:
        return False
    if int(((prog > 0.12) & (prog < 0.88)).sum()) < 2:
        return False
    inside = 0.75 / max(hi - lo, 1.0)  # progress per frame inside (the 12.5-87.5 % span)
    edge = max(prog[m] - prog[0], prog[-1] - prog[-1 - m]) / m
    return edge <= inside / 2


def _extent(prog: np.ndarray, s: int) -> tuple[float, float, float]:
    """(first, last, middle) frame index of the transition from its progress curve (fractional)."""
    x = np.arange(len(prog)) + s
    m = np.maximum.accumulate(prog)  # monotone version
    lo = float(np.interp(0.1, m, x)) if m[0] < 0.1 else float(s)
    hi = float(np.interp(0.9, m, x)) if m[-1] > 0.9 else float(x[-1])
    mid = float(np.interp(0.5, m, x))
    pad = 0.125 * (hi - lo)
    return max(float(s), lo - pad), min(float(x[-1]), hi + pad), mid


def _grad_energy(y: np.ndarray) -> np.ndarray:
    """Mean squared horizontal and vertical luma gradient of a frame (its visible structure)."""
    gy, gx = np.gradient(y)
    return np.array([float((gx * gx).mean()), float((gy * gy).mean())])


def dissolve_dip(Y: np.ndarray, s: int, e: int, mid: float) -> float:
    """Gradient energy of the frame halfway through a transition over the mean of its two ends', in
    the direction where it falls least: about 0.5 for a dissolve between unrelated pictures (each
    shown at half contrast: 0.25 Ea + 0.25 Eb), about 1 when a camera move, zoom or exposure change
    only displaces or rescales the structure, and motion blur lowers it in one direction only."""
    k = int(round(mid))
    ea, eb = _grad_energy(Y[s]), _grad_energy(Y[e])
    return float((_grad_energy(Y[k]) / np.maximum(0.5 * (ea + eb), 1e-6)).max())


def _coarse(Y: np.ndarray) -> np.ndarray:
    """Block means over GRID x GRID pixels: object motion inside a shot averages out, a blend of two
    pictures stays a blend."""
    n, h, w = Y.shape
    h2, w2 = max(1, h // GRID), max(1, w // GRID)
    return Y[:, : h2 * GRID, : w2 * GRID].reshape(n, h2, GRID, w2, GRID).mean((2, 4)) if h >= GRID and w >= GRID else Y


def _verify(Y: np.ndarray, s: int, e: int, kind: str, limit: float, longest: int):
    """Settle a candidate window: widen it on each side where the transition's progress still
    moves at the window's edge (up to `longest` frames), then check that the progress is flat in
    the margins, rises over several frames and fits the model. (lo, hi, mid, s, e) or None."""
    for grown in range(9):
        got = _progress(Y, s, e, kind)
        if got is None:
            return None
        prog, mis = got
        lo, hi, mid = _extent(prog, s)
        grow_s, grow_e = lo - s < 2 and s > 0, e - hi < 2 and e < len(Y) - 1
        if not (grow_s or grow_e) or e - s > longest or grown == 8:
            break
        step = max(2, int(round(0.25 * (hi - lo))))
        s, e = (max(0, s - step) if grow_s else s), (min(len(Y) - 1, e + step) if grow_e else e)
    m = min(int(np.floor(lo)) - s, e - int(np.ceil(hi)), 6)
    inner = (prog > 0.1) & (prog < 0.9)
    ok = bool(inner.any()) and _gradual_ok(prog, m, lo, hi)
    if not ok or mis[inner].mean() > limit or mis.max() > 1.6 * limit:
        return None
    return lo, hi, mid, s, e


def _fades(std: np.ndarray, times: np.ndarray, rate: float) -> list[Transition]:
    """Fades through a uniform frame (black, white, a solid colour) inside the clip: the picture's
    contrast falls steadily to nothing and/or rises steadily out of it. A cut to black and back
    is no fade (two hard cuts, and a black gap the continuity checks report)."""
    N = len(std)
    longest = max(2, int(round(FADE_MAX_S * rate)))
    out = []
    for u0, u1 in index_runs(std < UNIFORM_STD):
        if u0 == 0 or u1 == N - 1:
            continue  # opening fade in or closing fade out: no boundary between two shots
        fs = u0
        while fs > 0 and u0 - fs < longest and std[fs - 1] > std[fs] * 1.08 + 0.3:
            fs -= 1
        fe = u1
        while fe < N - 1 and fe - u1 < longest and std[fe + 1] > std[fe] * 1.08 + 0.3:
            fe += 1
        if (u0 - fs < 2 and fe - u1 < 2) or min(std[fs], std[fe]) < PICTURE_STD:
            continue  # cut to black and back, or a dark scene flickering around the threshold
        mid = 0.5 * (float(times[u0]) + float(times[u1]))
        out.append(Transition(float(times[fs]), float(times[fe]), mid, "fade", fs, fe))
    return out


def soft_transitions(Y: np.ndarray, H: np.ndarray, times: np.ndarray, rate: float) -> list[Transition]:
    """Dissolves, wipes and fades in a luma stack `Y` with per-frame colour histograms `H` (see the
    module notes)."""
    N = len(Y)
    std = Y.std((1, 2))
    uniform = std < UNIFORM_STD
    Yc = _coarse(Y)
    cands = []
    for hw in SCALES_S:
        w = max(1, int(round(hw * rate)))
        if N <= 2 * w + 1:
            continue
        A, B, M = Yc[: N - 2 * w], Yc[2 * w :], Yc[w : N - w]
        mag = np.abs(B - A)
        D = mag.mean((1, 2))
        R = np.abs(M - 0.5 * (A + B)).mean((1, 2)) / np.maximum(D, 1e-6)
        dA, dB = np.abs(M - A), np.abs(M - B)
        S = np.minimum(dA, dB).mean((1, 2)) / np.maximum(D, 1e-6)
        wgt = mag * (mag > 0.5 * D[:, None, None])
        P = ((dB < dA) * wgt).sum((1, 2)) / np.maximum(wgt.sum((1, 2)), 1e-6)
        score = np.where(D >= MIN_CHANGE, np.minimum(np.where(R <= BLEND_RESID, R, 9),
                                                      np.where((S <= WIPE_RESID) & (P > 0.25) & (P < 0.75), S, 9)), 9)
        # one candidate per neighbourhood: the best-fitting centre within +-w frames
        for i in np.nonzero(score < 9)[0]:
            if score[i] <= score[max(0, i - w) : i + w + 1].min():
                cands.append((float(score[i]), int(i), int(i + 2 * w), "dissolve" if R[i] == score[i] else "wipe"))
    cands.sort()
    longest = int(round(2 * SCALES_S[-1] * rate * 1.5))
    found = _fades(std, times, rate)
    taken = np.zeros(N, bool)
    for x in found:
        taken[x.i0 : x.i1 + 1] = True
    tried: set = set()
    for _, s, e, first in cands:
        if taken[(s + e) // 2]:
            continue
        for kind in (first, "wipe" if first == "dissolve" else "dissolve"):
            if (s, e, kind) in tried:
                continue
            tried.add((s, e, kind))
            got = _verify(Yc, s, e, kind, FIT_LIMIT[kind], longest)
            if got is None:
                continue
            lo, hi, mid, s2, e2 = got
            a, b = int(np.floor(lo)), int(np.ceil(hi))
            if taken[a + 1 : b].any() or uniform[s2] or uniform[e2]:
                break
            m = max(1, min(a - s2, e2 - b))
            hd = hist_distance(H[s2 : s2 + m].mean(0), H[e2 - m + 1 : e2 + 1].mean(0))
            dip = dissolve_dip(Y, s2, e2, mid)
            sweep = wipe_path(Yc, s2, e2, lo, hi) if kind == "wipe" else None
            spread = float((np.abs(Yc[e2] - Yc[s2]) > CHANGED_BLOCK).mean())  # share of the picture that changes
            if spread < MIN_SPREAD or hd < SAME_SCENE_HIST or (kind == "dissolve" and dip > MAX_DIP) or (
                    kind == "wipe" and (_t(times, hi) - _t(times, lo) < WIPE_MIN_S or sweep < MIN_SWEEP)):
                break
            taken[a + 1 : b] = True
            found.append(Transition(_t(times, lo), _t(times, hi), _t(times, mid), kind, s2, e2))
            break
    found.sort(key=lambda x: x.start)
    return found


def _t(times: np.ndarray, x: float) -> float:
    return float(np.interp(x, np.arange(len(times)), times))


def jump_cuts(Y: np.ndarray, rate: float) -> list[int]:
    """Cuts between shots that share their colours (two talking heads against one backdrop, a jump
    cut to a closer framing), which ContentDetector's colour/edge threshold misses: one frame-to-frame
    change that stands out from the changes around it (JUMP_OVER_LOCAL times their median, JUMP_OVER_NEXT
    times the changes just before and after, so steady motion or shake is not one) and covers most
    of the picture (a hand or a digit changing is not). Index of the first frame of the new shot."""
    if len(Y) < 4:
        return []
    c = np.abs(np.diff(Y, axis=0)).mean((1, 2))
    Yc = _coarse(Y)
    w = max(4, int(round(0.5 * rate)))
    out = []
    for j in np.nonzero(c >= JUMP_MIN)[0]:
        around = np.concatenate([c[max(0, j - w) : max(0, j - 1)], c[j + 2 : j + 2 + w]])
        nxt = max(c[j - 1] if j else 0.0, c[j + 1] if j + 1 < len(c) else 0.0)
        if len(around) < 4 or c[j] < JUMP_OVER_LOCAL * float(np.median(around)) or c[j] < JUMP_OVER_NEXT * nxt:
            continue
        if float((np.abs(Yc[j + 1] - Yc[j]) > CHANGED_BLOCK).mean()) >= JUMP_SPREAD:
            out.append(int(j + 1))
    return out


def flash_segments(Y: np.ndarray, cut_idx: list[int], rate: float) -> tuple[list[int], list[tuple[int, int]]]:
    """Split hard-cut indices (first frame of the new shot) into real cuts and flashes [(first,
    last) frame]: a segment of at most FLASH_MAX_S after which the picture returns to the frame
    before it (the cuts into and out of it both go), or one at the very start or the very end (a cover
    frame flashed before the video proper begins, a frame or two of something else after it ends)."""
    K = max(1, int(round(FLASH_MAX_S * rate)))
    N = len(Y)

    def d(i, j):
        return float(np.abs(Y[i] - Y[j]).mean())

    keep, flashes = [], []
    for c in cut_idx:
        if c <= K:  # the video proper starts here: what came before was a flash
            flashes.append((0, c - 1))
            continue
        if c >= N - K:  # the last FLASH_MAX_S: an end frame flashed after the video proper, not a shot
            flashes.append((c, N - 1))
            continue
        jump = d(c, c - 1)
        # into a flash: a later frame within K returns to the frame before the cut
        back = next((c + k for k in range(1, K + 1) if c + k < N and d(c + k, c - 1) <= 0.35 * jump), None)
        if back is not None:
            flashes.append((c, back - 1))
            continue
        # out of a flash: this frame returns to the one before a short segment that ends here
        start = next((c - k for k in range(1, K + 1) if c - k - 1 >= 0 and d(c, c - k - 1) <= 0.35 * jump), None)
        if start is not None:
            if not any(a <= c - 1 <= b for a, b in flashes):
                flashes.append((start, c - 1))
            continue
        keep.append(c)
    return keep, flashes


@register
class CutsAnalyzer(Analyzer):
    name = "cuts"
    cost = 2
    version = "3"
    description = ("shot boundaries: hard cuts (PySceneDetect ContentDetector, HSV+edges, plus isolated picture-wide "
                   "jumps) with flashes removed, dissolves, fades and wipes; pacing statistics")
    backend = "scenedetect.ContentDetector + blend/wipe fits"
    video_only = True

    def __init__(self, threshold: float = 27.0, min_shot_s: float = 0.25):
        self.threshold = threshold
        self.min_shot_s = min_shot_s

    def available(self):
        try:
            import scenedetect

            return True, f"scenedetect {scenedetect.__version__}"
        except Exception as e:  # pragma: no cover
            return False, f"scenedetect not importable ({e})"

    def compute(self, media, ctx: Context):
        from scenedetect import ContentDetector, FrameTimecode

        fs = media.small
        t = np.asarray(fs.times)
        dur = max(media.info.analyzed_s, float(t[-1]) if len(t) else 0.0)
        if len(fs) < 2:
            return self.not_applicable("fewer than two frames")
        rate = 1.0 / float(np.median(np.diff(t))) if len(t) > 1 else 30.0
        det = ContentDetector(threshold=self.threshold, min_scene_len=max(1, int(round(self.min_shot_s * rate))))
        cut_idx: list[int] = []
        for i, f in enumerate(fs.frames):
            # 72 px short side is plenty for HSV/edge differences
            bgr = np.ascontiguousarray(work_scale(f)[..., ::-1])
            for tc in det.process_frame(FrameTimecode(i, rate), bgr):
                cut_idx.append(tc.frame_num)
        for tc in det.post_process(FrameTimecode(len(fs) - 1, rate)) or []:
            cut_idx.append(tc.frame_num)
        Y, H = frame_stack(fs.frames)
        min_gap = max(1, int(round(self.min_shot_s * rate)))
        for j in jump_cuts(Y, rate):  # look-alike shots: only where ContentDetector found nothing near
            if all(abs(j - i) >= min_gap for i in cut_idx):
                cut_idx.append(j)
        hard, flashes = flash_segments(Y, sorted({i for i in cut_idx if 0 < i < len(t)}), rate)
        soft = [x for x in soft_transitions(Y, H, t, rate)
                if x.i0 > 0 and x.i1 < len(t) - 1]  # a fade in from the very start or out at the end is no boundary
        pad = 2.0 / rate

        def inside(tt):  # a hard cut or flash found inside a gradual transition is part of it
            return any(x.start - pad <= tt <= x.end + pad for x in soft)

        hard_t = [float(t[i]) for i in hard if not inside(t[i])]
        flashes = [(a, b) for a, b in flashes if not inside(t[a])]
        cuts = sorted(hard_t + [round(x.mid, 3) for x in soft])
        bounds = [0.0] + cuts + [dur]
        lengths = np.diff(bounds)
        k = int(np.argmax(lengths)) if len(lengths) else 0
        shots = lengths[lengths > 0]
        ev = [Evidence(t=c, note="cut") for c in hard_t]
        ev += [Evidence(t=x.start, t_end=x.end, note=x.kind) for x in soft]
        ev += [Evidence(t=float(t[a]), t_end=float(t[b]), note="flash (not a cut)") for a, b in flashes]
        ev.sort(key=lambda e: e.t)
        return self.signal(values={
            "cut_times": cuts, "n_cuts": len(cuts), "n_shots": len(cuts) + 1,
            "hard_cut_times": hard_t,
            "soft_transitions": [(round(x.start, 3), round(x.end, 3), x.kind) for x in soft],
            "flashes": [(float(t[a]), float(t[b]) + 1.0 / rate) for a, b in flashes],
            "shots_per_10s": float((len(cuts) + 1) / max(dur, 1e-6) * 10),
            "mean_shot_s": float(shots.mean()) if len(shots) else dur,
            "longest_shot_s": float(shots.max()) if len(shots) else dur,
            "longest_shot": [round(bounds[k], 3), round(bounds[k + 1], 3)] if len(lengths) else [0.0, dur],
            "first_cut_s": cuts[0] if cuts else None, "analyzed_rate_fps": round(rate, 3),
        }, evidence=ev[:50])
