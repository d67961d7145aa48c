"""Drafts side by side: rank 2-10 analyzed variants of a post and say which factors make the difference.

    compare([analysis_a, analysis_b], ["A", "B"]).verdict.reason
    -> "B wins by 6.0 points: hook +4.1, audio +2.0"

Variants are ranked by the post's predicted effect (its Virality Score, which is a percentile of that
effect, when the effect itself is not in the result). Every factor's points are listed per variant;
the factors that differ most are marked. "Cannot be told apart" is said only when the margin is
within NOISE_POINTS, the spread of scores of the same clip re-encoded or re-scored (measured, see
below); a larger margin names its reasons in points.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from ..schema import Analysis, Interval

# Two scores of the same video differ by up to this much when it is only re-encoded (H.264 CRF 18,
# 24, 30 vs the original) or re-scored: the 95th percentile of |score difference| over 14 real clips
# x 6 pairs of versions (84 pairs; median 0.6, 90th pct 2.7, 95th 2.9, max 5.4; re-scoring the same file:
# 0.0), measured on the score that judges the post (schema 2.0: the percentile of the post effect), with
# one caption and follower count. The largest moves come from face detection flipping on a re-encode
# (faces: 95th pct 6.0 points) and from the format/technical factors reading the re-encoded stream.
# In post-effect terms: 95th pct 0.034 log10 views (x1.08). Measured by bench/compare_noise.py, result
# in bench/results/compare_noise.json ("threshold_points"). Re-run the bench when the score changes.
NOISE_POINTS = 3.0
MARKED = 3  # at most this many factors are marked as "largest differences"
MIN_MARKED_POINTS = 0.5  # a factor differing by less than this is never marked


class PostEffect(BaseModel):
    """This post vs a typical post of the same account: x times the views (with an 80 % interval)."""

    log10: float | None = None
    multiplier: Interval | None = None


class Variant(BaseModel):
    name: str
    rank: int = Field(description="1 = best")
    score: float = Field(description="Virality Score, 0-100")
    post_effect: PostEffect | None = Field(None, description="present when the result carries the post effect")
    views: Interval | None = Field(None, description="predicted views, 80 % interval")
    components: dict[str, float] = Field(description="factor -> points it adds to the score (applicable factors)")
    baseline: float | None = Field(None, description="the score with every factor at its neutral value")
    history_id: str | None = Field(None, description="the web app's history entry of this variant")


class FactorRow(BaseModel):
    factor: str
    points: dict[str, float | None] = Field(description="variant name -> points (None: not applicable)")
    spread: float = Field(description="largest minus smallest points across the variants")
    best: list[str] = Field(description="the variants with the most points for this factor (within 0.05; "
                            "none when all are equal)")
    marked: bool = Field(description="one of the largest differences")


class Verdict(BaseModel):
    winner: str | None = Field(description="the best variant; None when it cannot be told apart from the next")
    runner_up: str | None = None
    margin_points: float = Field(description="score of the best minus the second best")
    tie: bool = Field(description="the margin is within the measured noise")
    tied_with: list[str] = Field(default_factory=list, description="variants within the noise of the best")
    noise_points: float = Field(description="the measured noise floor (bench/compare_noise.py)")
    reason: str = Field(description='e.g. "B wins by 6.0 points: hook +4.1, audio +2.0"')
    differences: dict[str, float] = Field(default_factory=dict,
                                          description="factor -> points of the best minus the second best")


class CompareResult(BaseModel):
    variants: list[Variant] = Field(description="best first")
    factors: list[FactorRow] = Field(description="every factor, largest spread first")
    verdict: Verdict


def _post_effect(a: Analysis) -> PostEffect | None:
    pe: Any = getattr(a, "post_effect", None)  # added by the score's post-effect version; absent before
    if pe is None:
        return None
    if isinstance(pe, BaseModel):
        pe = pe.model_dump()
    try:
        return PostEffect.model_validate(pe)
    except ValueError:
        return None


def _points(a: Analysis) -> dict[str, float]:
    return {c.name: float(c.contribution) for c in a.components if c.contribution is not None}


def _fmt(x: float) -> str:
    return f"{x:+.1f}"


def compare(analyses: list[Analysis], names: list[str] | None = None, noise_points: float | None = None,
            history_ids: list[str | None] | None = None) -> CompareResult:
    """Rank the variants, table their factors' points and give a verdict with its reasons."""
    from ..errors import OptionError

    if not 2 <= len(analyses) <= 10:
        raise OptionError(f"compare needs 2 to 10 variants, got {len(analyses)}")
    names = list(names) if names else [chr(ord("A") + i) for i in range(len(analyses))]
    if len(names) != len(analyses):
        raise OptionError(f"compare: {len(names)} names for {len(analyses)} variants")
    seen: dict[str, int] = {}
    for i, n in enumerate(names):  # two uploads called clip.mp4 stay apart
        seen[n] = seen.get(n, 0) + 1
        if seen[n] > 1:
            names[i] = f"{n} ({seen[n]})"
    noise = NOISE_POINTS if noise_points is None else noise_points
    hids = history_ids or [None] * len(analyses)
    variants = []
    for a, n, h in zip(analyses, names, hids):
        variants.append(Variant(name=n, rank=0, score=round(a.score, 2), post_effect=_post_effect(a),
                                views=a.engagement.views if a.engagement is not None else None,
                                components={k: round(v, 3) for k, v in _points(a).items()},
                                baseline=a.score_baseline, history_id=h))

    # by the post effect when every variant has it, else by the score (its percentile among typical posts)
    by_effect = all(x.post_effect is not None and x.post_effect.log10 is not None for x in variants)
    variants.sort(key=lambda v: (-v.post_effect.log10, -v.score) if by_effect else (-v.score,))
    for i, v in enumerate(variants):
        v.rank = i + 1
    factors = _factor_rows(variants)
    return CompareResult(variants=variants, factors=factors, verdict=_verdict(variants, noise))


def _factor_rows(variants: list[Variant]) -> list[FactorRow]:
    order: list[str] = []
    for v in variants:
        order += [f for f in v.components if f not in order]
    baselines = [v.baseline for v in variants]
    rows = []
    for f in order:
        pts = {v.name: v.components.get(f) for v in variants}
        vals = [0.0 if x is None else x for x in pts.values()]
        top = max(vals)
        spread = round(top - min(vals), 3)
        best = [n for n, x in pts.items() if top - (0.0 if x is None else x) < 0.05] if spread >= 0.05 else []
        rows.append(FactorRow(factor=f, points=pts, spread=spread, best=best, marked=False))
    if None not in baselines and max(baselines) - min(baselines) > 0.05:
        # the baseline moves with what differs outside the factors (e.g. the duration): a row of its own
        pts = {v.name: v.baseline for v in variants}
        rows.append(FactorRow(factor="baseline", points=pts, spread=round(max(baselines) - min(baselines), 3),
                              best=[n for n, x in pts.items() if max(baselines) - x < 0.05], marked=False))
    rows.sort(key=lambda r: -r.spread)
    for r in rows[:MARKED]:
        r.marked = r.spread >= MIN_MARKED_POINTS
    return rows


def _differences(a: Variant, b: Variant) -> dict[str, float]:
    d = {f: a.components.get(f, 0.0) - b.components.get(f, 0.0) for f in set(a.components) | set(b.components)}
    if a.baseline is not None and b.baseline is not None and abs(a.baseline - b.baseline) > 0.05:
        d["baseline"] = a.baseline - b.baseline
    return {f: round(x, 2) for f, x in sorted(d.items(), key=lambda kv: -abs(kv[1])) if abs(x) >= 0.05}


def _verdict(variants: list[Variant], noise: float) -> Verdict:
    best, second = variants[0], variants[1]
    margin = round(best.score - second.score, 2)
    tied = [v.name for v in variants[1:] if best.score - v.score <= noise]
    diffs = _differences(best, second)
    gains = [(f, x) for f, x in diffs.items() if x > 0][:3]
    losses = [(f, x) for f, x in diffs.items() if x < 0][:2]
    parts = ", ".join(f"{f} {_fmt(x)}" for f, x in gains)
    against = ", ".join(f"{f} {_fmt(x)}" for f, x in losses)
    if tied:
        who = " and ".join([best.name] + tied) if len(tied) < 3 else f"{best.name} and {len(tied)} others"
        reason = (f"{who} cannot be told apart: {margin:.1f} points apart, within the {noise:.1f}-point noise of "
                  "scoring the same video twice (re-encoded)")
        if parts:
            reason += f"; {best.name} is ahead on {parts}" + (f", behind on {against}" if against else "")
        return Verdict(winner=None, runner_up=second.name, margin_points=margin, tie=True, tied_with=tied,
                       noise_points=noise, reason=reason, differences=diffs)
    reason = f"{best.name} wins by {margin:.1f} points" + (f": {parts}" if parts else "")
    if against:
        reason += f" (though {second.name} is ahead on {', '.join(f'{f} {_fmt(-x)}' for f, x in losses)})"
    return Verdict(winner=best.name, runner_up=second.name, margin_points=margin, tie=False, tied_with=[],
                   noise_points=noise, reason=reason, differences=diffs)


def compare_table(res: CompareResult) -> str:
    """The comparison as text (the CLI's `reelscore compare`)."""
    names = [v.name for v in res.variants]
    w = max(8, *(len(n) for n in names))
    lines = [f"{'':16}" + "".join(f"{n[:w]:>{w + 2}}" for n in names),
             f"{'score':16}" + "".join(f"{v.score:>{w + 2}.1f}" for v in res.variants)]
    if all(v.post_effect is not None and v.post_effect.multiplier is not None for v in res.variants):
        lines.append(f"{'post effect':16}" + "".join(f"{'x%.2f' % v.post_effect.multiplier.p50:>{w + 2}}"
                                                     for v in res.variants))
    if all(v.views is not None for v in res.variants):
        lines.append(f"{'views (median)':16}" + "".join(f"{v.views.p50:>{w + 2}.0f}" for v in res.variants))
    lines.append("")
    for r in res.factors:
        cells = "".join(f"{'n/a' if r.points[n] is None else format(r.points[n], '+.1f'):>{w + 2}}" for n in names)
        lines.append(f"{('* ' if r.marked else '  ') + r.factor:16}{cells}")
    lines += ["", "(* = largest differences; points each factor adds to the score)", "", res.verdict.reason]
    return "\n".join(lines)
