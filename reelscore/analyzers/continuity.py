"""Continuity and first impression: what an editor checks before anything else.

- The first frame: its detail (noise-corrected Laplacian variance, as the sharpness analyzer
  measures it) against the frames of the next second and a half, and its brightness. A blurred, smeared or
  motion-blurred first frame is what the feed shows while the video starts.
- Black frames: runs of frames with nothing visible (mean luma under BLACK_MEAN, 99th percentile
  under BLACK_P99), with where they sit (opening, middle, ending) and whether the picture faded
  into them (a deliberate fade) or was cut to black.
- Frozen frames: runs of exactly repeated frames (every pixel of the small frames within 1 level;
  a static scene still changes by its noise) longer than FROZEN_MIN_S, and whether the picture
  moved before or after (a stall) or is a still card held on screen.
- The subject shown early: whether the opening's content (EfficientNet-Lite0 ImageNet features of
  the sampled frames, the model the quality analyzer uses) looks like any later part of the clip.
  This is a check for a person to make, not a finding: it says when the opening shows something
  the rest does not.
"""
from __future__ import annotations

import numpy as np

from ..schema import Evidence
from ._util import deimpulse, index_runs, luma, noise_floor
from .base import Analyzer, Context, register
from .sharpness import detail_var

BLACK_MEAN = 20.0  # mean luma (0-255) of a black frame
BLACK_P99 = 40.0  # ... and its 99th percentile: nothing visible
FROZEN_MIN_S = 0.5  # exactly repeated frames for longer than this are frozen
FADE_FRAMES = 3  # frames before a black run checked for a fade (falling brightness)
BLOCKS = 6  # grid for the first-frame comparison
BLOCK_MIN_DETAIL = 20.0  # Laplacian variance of a block that has detail to lose
NEAR_S = 1.5  # the first frame is compared with the frames of the following NEAR_S seconds
CUT_JUMP = 15.0  # mean |difference| (0-255, RGB) of a cut into or out of a held picture
HEAD_CHANNELS = 1280  # EfficientNet-Lite0's last feature map


def _block_detail(y: np.ndarray) -> np.ndarray:
    """Variance of the Laplacian per block of a BLOCKS x BLOCKS grid, at the sharpness analyzer's scale."""
    import cv2

    from .sharpness import _ref_scale

    lap = cv2.Laplacian(_ref_scale(y.astype(np.float32))[0], cv2.CV_32F, ksize=3)
    h, w = lap.shape
    bh, bw = h // BLOCKS, w // BLOCKS
    return lap[: bh * BLOCKS, : bw * BLOCKS].reshape(BLOCKS, bh, BLOCKS, bw).var((1, 3)).reshape(-1)


def block_detail_ratio(first: np.ndarray, following: list[np.ndarray]) -> float | None:
    """Median over blocks of the first frame's detail over the following frames' (their median),
    among blocks that have detail in the following frames: a blurred first frame is soft in every
    block, text or a graphic arriving later adds detail to a few blocks only. None without enough
    blocks with detail."""
    f0 = _block_detail(first)
    fl = np.median([_block_detail(y) for y in following], axis=0)
    use = fl > BLOCK_MIN_DETAIL
    if use.sum() < 4:
        return None
    return float(np.median(f0[use] / fl[use]))


def _where(a: int, b: int, n: int, t: np.ndarray, dur: float) -> str:
    if a == 0 and b == n - 1:
        return "whole"
    if a == 0:
        return "opening"
    if b == n - 1 or t[a] >= dur - 1.0:
        return "ending"
    return "middle"


def black_runs(means: np.ndarray, p99: np.ndarray, t: np.ndarray, dur: float, rate: float) -> list[dict]:
    """Runs of black frames: start/end (s, the end is when the picture returns), duration, mean
    luma, where, and `fade` (the picture darkened over the frames before instead of cutting)."""
    n = len(means)
    out = []
    for a, b in index_runs((means < BLACK_MEAN) & (p99 < BLACK_P99)):
        before = means[max(0, a - FADE_FRAMES) : a]
        fade = bool(len(before) >= 2 and np.all(np.diff(before) < 0) and before[-1] < 0.6 * before[0])
        end = float(t[b]) + 1.0 / rate
        out.append({"start": round(float(t[a]), 3), "end": round(end, 3), "duration_s": round(end - float(t[a]), 3),
                    "mean_luma": round(float(means[a : b + 1].mean()), 1), "where": _where(a, b, n, t, dur), "fade": fade})
    return out


def frozen_runs(frames: list[np.ndarray], t: np.ndarray, dur: float, rate: float, moving: np.ndarray) -> list[dict]:
    """Runs of repeated frames lasting more than FROZEN_MIN_S: start/end (s), duration, where, and
    `stall` (the picture was moving and stops, or starts from where it stopped, without a cut: the
    footage freezes) as opposed to a still picture cut in and held (a card, a screen).

    Repeated = within 1-2 levels (mean difference under 0.05) at the small frames' size, where a static
    scene's noise still changes every frame; the frames an encoder spends refining a newly frozen
    picture (differences that shrink to nothing) count as part of the run."""
    n = len(frames)

    def diff(i, j):  # frames converted a pair at a time: memory stays flat for thousands of frames
        d = np.abs(frames[i].astype(np.int16) - frames[j])
        return float(d.mean()), int(d.max())

    same = np.zeros(n, bool)
    for i in range(1, n):
        if frames[i].shape == frames[i - 1].shape:
            m, mx = diff(i, i - 1)
            same[i] = m < 0.05 and mx <= 2
    out = []
    w = max(1, int(round(0.5 * rate)))
    for a, b in index_runs(same):
        a -= 1  # the first frame of the run is the one that is repeated
        while a > 0 and frames[a - 1].shape == frames[a].shape and diff(a - 1, b)[0] < 1.0:
            a -= 1  # encoder refinement of the frozen picture
        end = float(t[b]) + 1.0 / rate
        if end - float(t[a]) <= FROZEN_MIN_S:
            continue
        cut_in = a == 0 or diff(a, a - 1)[0] > CUT_JUMP
        cut_out = b == n - 1 or diff(b + 1, b)[0] > CUT_JUMP
        stall = bool((not cut_in and moving[max(0, a - w) : a].mean() > 0.5)
                     or (not cut_out and moving[b + 1 : b + 1 + w].mean() > 0.5))
        out.append({"start": round(float(t[a]), 3), "end": round(end, 3), "duration_s": round(end - float(t[a]), 3),
                    "where": _where(a, b, n, t, dur), "stall": stall})
    return out


def opening_vs_rest(feats: np.ndarray, times: np.ndarray, opening_s: float = 3.0) -> dict | None:
    """How much the opening's frames look like the rest (cosine similarity of the backbone's top
    features): the opening's best match among later frames, and for comparison how well later
    frames match each other (their 10th percentile of best matches). None without enough of both."""
    op = times < opening_s
    rest = times >= opening_s
    if op.sum() < 1 or rest.sum() < 3:
        return None
    f = feats / np.maximum(np.linalg.norm(feats, axis=1, keepdims=True), 1e-9)
    sim = f @ f.T
    opening_best = float(sim[np.ix_(op, rest)].max(1).mean())
    r = np.nonzero(rest)[0]
    rest_best = []
    for i in r:  # each later frame's best match among later frames at least 2 s away (not its neighbour)
        far = [j for j in r if abs(times[j] - times[i]) >= 2.0]
        if far:
            rest_best.append(float(sim[i, far].max()))
    if len(rest_best) < 3:
        return None
    return {"opening_best_match": round(opening_best, 3), "rest_best_match_p10": round(float(np.percentile(rest_best, 10)), 3)}


@register
class ContinuityAnalyzer(Analyzer):
    name = "continuity"
    version = "3"
    cost = 1.5
    video_only = True
    description = ("first frame against the clip's typical detail and brightness; black and frozen (exactly "
                   "repeated) frames with times; whether the opening shows what the rest does (backbone features)")
    backend = "numpy + efficientnet-lite0 features"

    def compute(self, media, ctx: Context):
        hv, hk = media.heavy, media.hook
        typical = float(np.median([detail_var(luma(f)) for f in hv.frames])) if len(hv) > 2 else None
        # the first frame against the frames that follow it within NEAR_S (same shot, lens and light as
        # a rule: a soft clip is the sharpness component's matter, a soft first frame is this one's),
        # block by block so that text or a graphic coming in over a few blocks does not count as detail
        # (impulse noise removed first: salt-and-pepper specks read as detail, and would sharpen a soft start)
        opening, _ = deimpulse([hk.frames[0]] + [f for f, t in zip(hk.frames[1:], hk.times[1:]) if t <= NEAR_S])
        near = [luma(f) for f in opening[1:]]
        y0 = luma(opening[0])
        first = detail_var(y0)
        ratio = block_detail_ratio(y0, near) if near else None
        vals = {"first_frame_sharpness": round(first, 1),
                "following_sharpness": round(float(np.median([detail_var(y) for y in near])), 1) if near else None,
                "first_frame_sharpness_ratio": None if ratio is None else round(ratio, 3),
                "typical_sharpness": None if typical is None else round(typical, 1),
                "first_frame_luma": round(float(y0.mean()), 1),
                "following_luma": round(float(np.median([y.mean() for y in near])), 1) if near else None,
                "first_frame_contrast": round(float(y0.std()), 1)}
        notes: list[str] = []
        fs = media.small
        t = np.asarray(fs.times)
        dur = max(media.info.analyzed_s, float(t[-1]) if len(t) else 0.0)
        rate = 1.0 / float(np.median(np.diff(t))) if len(t) > 1 else 30.0
        n = len(fs)
        # movement between consecutive small frames above the noise (for telling a stall from a held
        # card); luma made a frame at a time, so memory stays flat for thousands of frames
        probe = np.unique(np.linspace(0, n - 1, min(5, n)).round().astype(int))
        tau = 3.0 * np.sqrt(2.0) * noise_floor([luma(fs.frames[i]) for i in probe]) + 2.0
        means, p99, moving = np.zeros(n), np.zeros(n), np.zeros(n, bool)
        prev = None
        for i, f in enumerate(fs.frames):
            y = luma(f)
            means[i], p99[i] = y.mean(), np.percentile(y, 99)
            if prev is not None and prev.shape == y.shape:
                moving[i] = float((np.abs(y - prev) > tau).mean()) > 0.01
            prev = y
        vals["black"] = black_runs(means, p99, t, dur, rate)
        vals["frozen"] = frozen_runs(fs.frames, t, dur, rate, moving)
        try:
            vals["subject"] = self._opening_vs_rest(media)
        except ImportError as e:  # the backbone's packages are optional: the other checks stand
            vals["subject"] = None
            notes.append(f"opening-vs-rest check skipped: {e}")
        ev = [Evidence(t=b["start"], t_end=b["end"], value=b["mean_luma"], note=f"black frames ({b['where']})") for b in vals["black"]]
        ev += [Evidence(t=f["start"], t_end=f["end"], value=f["duration_s"],
                        note=f"frozen frames ({'stall' if f['stall'] else 'held still'}, {f['where']})") for f in vals["frozen"]]
        return self.signal(values=vals, evidence=sorted(ev, key=lambda e: e.t)[:20], notes=notes)

    @staticmethod
    def _opening_vs_rest(media) -> dict | None:
        hv = media.heavy
        times = np.asarray(hv.times)
        if (times < 3.0).sum() < 1 or (times >= 3.0).sum() < 3:
            return None
        import cv2

        from ..models import backbone

        frames = []
        for f in hv.frames:
            s = 160 / min(f.shape[:2])
            frames.append(cv2.resize(f, (round(f.shape[1] * s), round(f.shape[0] * s)), interpolation=cv2.INTER_AREA) if s < 1 else f)
        feats = backbone.extract(frames)
        # the features end with the spatial mean and standard deviation of the last (most semantic) map
        return opening_vs_rest(feats[:, -2 * HEAD_CHANNELS : -HEAD_CHANNELS], times)
