"""Drafts side by side (`reelscore.workflows.compare`): ranking, the factor table, a verdict that names
its reasons in points, and "cannot be told apart" only within the measured noise."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def analysis(score: float, points: dict[str, float | None], baseline: float = 50.0, views: float | None = None):
    from reelscore.schema import Analysis, Component, EngagementPrediction, Interval

    comps = [Component(name=k, score=None if v is None else min(100.0, max(0.0, 50 + 5 * v)), contribution=v, explanation=k, backend="t",
                       heuristic=True, applicable=v is not None) for k, v in points.items()]
    eng = None
    if views is not None:
        iv = Interval(p10=views / 4, p50=views, p90=views * 4)
        eng = EngagementPrediction(views=iv, likes=iv, comments=iv, shares=iv, saves=iv, model="t", trained=True)
    return Analysis(reelscore_version="t", score=score, score_definition="t", score_baseline=baseline,
                    components=comps, engagement=eng)


def test_winner_reason_names_the_factors_in_points():
    from reelscore.workflows.compare import compare

    a = analysis(60.0, {"hook": 1.0, "audio": 2.0, "caption": 7.0, "faces": 0.0})
    b = analysis(66.0, {"hook": 5.0, "audio": 4.0, "caption": 7.0, "faces": -0.0})
    res = compare([a, b], ["A", "B"], noise_points=1.5)
    assert [v.name for v in res.variants] == ["B", "A"] and [v.rank for v in res.variants] == [1, 2]
    v = res.verdict
    assert v.winner == "B" and not v.tie and v.margin_points == pytest.approx(6.0)
    assert v.reason.startswith("B wins by 6.0 points: hook +4.0, audio +2.0"), v.reason
    assert "caption" not in v.reason  # no difference, not a reason
    # every factor of every variant is in the table, the largest differences marked
    rows = {r.factor: r for r in res.factors}
    assert set(rows) == {"hook", "audio", "caption", "faces"}
    assert rows["hook"].marked and rows["audio"].marked and not rows["caption"].marked
    assert rows["hook"].points == {"B": 5.0, "A": 1.0} and rows["hook"].best == ["B"]
    assert res.variants[0].components == {"hook": 5.0, "audio": 4.0, "caption": 7.0, "faces": 0.0}


def test_losses_of_the_winner_are_said_too():
    from reelscore.workflows.compare import compare

    a = analysis(70.0, {"hook": 8.0, "audio": -2.0})
    b = analysis(62.0, {"hook": 0.0, "audio": 0.0})
    r = compare([a, b], ["cut 1", "cut 2"], noise_points=1.0).verdict.reason
    assert r.startswith("cut 1 wins by 8.0 points: hook +8.0") and "cut 2 is ahead on audio +2.0" in r


def test_tie_only_within_the_measured_noise():
    from reelscore.workflows.compare import NOISE_POINTS, compare

    assert NOISE_POINTS is not None and 0 < NOISE_POINTS < 10
    a = analysis(60.0, {"hook": 1.0})
    b = analysis(60.0 + NOISE_POINTS * 0.9, {"hook": 1.0 + NOISE_POINTS * 0.9})
    c = analysis(60.0 + NOISE_POINTS * 1.5, {"hook": 1.0 + NOISE_POINTS * 1.5})
    tie = compare([a, b], ["A", "B"]).verdict
    assert tie.tie and tie.winner is None and "cannot be told apart" in tie.reason and tie.tied_with == ["A"]
    win = compare([a, c], ["A", "C"]).verdict
    assert not win.tie and win.winner == "C" and "wins by" in win.reason
    # three variants: the best is tied with the second but not with the third
    three = compare([a, b, analysis(40.0, {"hook": -19.0})], ["A", "B", "Z"]).verdict
    assert three.tie and three.tied_with == ["A"]


def test_baseline_differences_are_a_row_and_a_reason():
    from reelscore.workflows.compare import compare

    a = analysis(58.0, {"hook": 3.0}, baseline=55.0)
    b = analysis(50.0, {"hook": 0.0}, baseline=50.0)
    res = compare([a, b], noise_points=1.0)
    assert [v.name for v in res.variants] == ["A", "B"]
    assert "baseline" in {r.factor for r in res.factors}
    assert "baseline +5.0" in res.verdict.reason and "hook +3.0" in res.verdict.reason


def test_refusals_and_names():
    from reelscore.errors import OptionError
    from reelscore.workflows.compare import compare

    a = analysis(50.0, {"hook": 0.0})
    with pytest.raises(OptionError):
        compare([a])
    with pytest.raises(OptionError):
        compare([a] * 11)
    with pytest.raises(OptionError):
        compare([a, a], ["only one"])
    res = compare([a, a], ["clip.mp4", "clip.mp4"])
    assert sorted(v.name for v in res.variants) == ["clip.mp4", "clip.mp4 (2)"]


def test_post_effect_ranks_when_present():
    """Variants rank by the post effect when the result carries it (the score is its percentile)."""
    from reelscore.workflows.compare import compare

    a = analysis(60.0, {"hook": 1.0})
    b = analysis(60.5, {"hook": 1.5})
    for x, lg in ((a, 0.30), (b, 0.10)):
        object.__setattr__(x, "post_effect", {"log10": lg, "multiplier": {"p10": 0.5, "p50": 10 ** lg, "p90": 4.0}})
    res = compare([a, b], ["A", "B"], noise_points=0.1)
    assert [v.name for v in res.variants] == ["A", "B"]
    assert res.variants[0].post_effect.multiplier.p50 == pytest.approx(10 ** 0.3)


def test_noise_constant_matches_its_bench():
    from reelscore.workflows.compare import NOISE_POINTS

    res = json.loads((ROOT / "bench" / "results" / "compare_noise.json").read_text())
    assert res["threshold_points"] == NOISE_POINTS
    assert res["clips"] >= 10 and res["pairs"] >= 60


def test_cli_compare(tmp_path, videos, capsys):
    from reelscore.presentation.cli import main

    out = tmp_path / "c.json"
    rc = main(["compare", str(videos["vertical"]), str(videos["noaudio"]), "--names", "long,short",
               "-c", "Which one? #fyp", "--json", str(out)])
    text = capsys.readouterr().out
    assert rc == 0, text
    d = json.loads(out.read_text())
    assert {v["name"] for v in d["variants"]} == {"long", "short"}
    assert d["verdict"]["reason"] and all(v["components"] for v in d["variants"])
    assert "audio" in text and d["verdict"]["reason"] in text
    assert main(["compare", str(videos["vertical"])]) == 2
    assert "2 to 10" in capsys.readouterr().err
