"""Monotonicity of the scoring in the obvious directions (exposure, sharpness, format fit)."""
import cv2
import numpy as np

from reelscore.analyzers import Context, all_analyzers
from reelscore.scoring.components import build_components

from conftest import frames_media


def _textured(h=640, w=360, seed=0):
    rng = np.random.default_rng(seed)
    base = cv2.resize(rng.random((h // 8, w // 8, 3)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    img = (base * 160 + 50).astype(np.uint8)
    cv2.putText(img, "SALE 50%", (20, h // 2), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (255, 255, 255), 3)
    cv2.rectangle(img, (60, 60), (300, 200), (20, 20, 20), 4)
    return img


def comp_scores(frames, names=("exposure", "sharpness", "format")):
    media = frames_media(frames)
    sigs = {a.name: a.run(media, Context()) for a in all_analyzers(names)}
    comps, _ = build_components(sigs)
    return {c.name: c.score for c in comps if c.score is not None}


def test_exposure_monotone_in_darkening():
    img = _textured()
    scores = [comp_scores([(img * g).astype(np.uint8)] * 3)["exposure"] for g in (1.0, 0.6, 0.35, 0.15)]
    assert all(a > b for a, b in zip(scores, scores[1:])), scores


def test_sharpness_monotone_in_blur():
    img = _textured()
    scores = [comp_scores([cv2.GaussianBlur(img, (0, 0), s) if s else img] * 3)["sharpness"] for s in (0, 1.5, 3, 6)]
    assert all(a > b for a, b in zip(scores, scores[1:])), scores


def test_format_fit_prefers_vertical_hd():
    def fmt(w, h):
        return comp_scores([np.full((h, w, 3), 120, np.uint8)] * 2, ("format",))["format"]

    assert fmt(1080, 1920) > fmt(720, 1280) > fmt(1080, 1080) > fmt(1920, 1080)
    assert fmt(720, 1280) > fmt(360, 640)


def test_virality_score_rises_with_component_scores():
    from reelscore.schema import Component
    from reelscore.scoring.virality import score_analysis

    def score(s):
        comps = [Component(name=n, score=s, explanation="", backend="t", heuristic=True) for n in ("hook", "audio", "format")]
        return score_analysis(comps, [], {}, caption="How to brew coffee? Save this!", followers=10_000,
                              duration_s=20.0).score

    a, b, c = score(20), score(50), score(90)
    assert a < b < c
