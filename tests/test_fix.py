"""`reelscore fix` (issue 25): the done-when on a real clip, end to end, and the guarantees one by one.

The degraded source is made here from a real clip (../shared/media/real/openmpf/video_02.mp4, CC-BY-2.0,
Peter Stevens, Flickr, per the openmpf NOTICE): landscape 16:9 at 640x360, a 2.5 s black and silent
opening, audio at about -30 LUFS, and a marker (one white frame and a 1 kHz beep of one frame's length,
together) in the kept part. True peak and loudness are measured here on the decoded output, with our
own 4x oversampling (scipy's polyphase resampler) and pyloudnorm."""
from __future__ import annotations

import errno
import hashlib
import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from conftest import write_clip, MEDIA

REAL = MEDIA / "real" / "openmpf" / "video_02.mp4"
PRE = 2.5
SR = 48000


def cli(*args, timeout=900):
    return subprocess.run([sys.executable, "-m", "reelscore.presentation.cli", *map(os.fsdecode, args)],
                          capture_output=True, text=True, timeout=timeout)


def one_line_exit_2(p, *needles):
    assert p.returncode == 2, (p.returncode, p.stderr)
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in p.stderr and "internal error" not in p.stderr, p.stderr
    for n in needles:
        assert n in lines[0], lines[0]


def sha(p) -> str:
    return hashlib.sha256(Path(p).read_bytes()).hexdigest()


def true_peak_db(x: np.ndarray) -> float:
    from scipy.signal import resample_poly

    up = resample_poly(np.asarray(x, np.float64), 4, 1, axis=0)
    return float(20 * np.log10(np.abs(up).max() + 1e-12))




def add_marker(frames, audio, fps, t, sr=SR):
    """A white frame and a 1 kHz beep of one frame's length, both starting at frame round(t * fps)."""
    k = int(round(t * float(fps)))
    frames[k] = np.full_like(frames[0], 255)
    i0, nb = int(round(k / float(fps) * sr)), int(sr / float(fps))
    audio[i0 : i0 + nb] = 0.5 * np.sin(2 * np.pi * 1000 * np.arange(nb) / sr)
    return k / float(fps)


def degraded_real_clip(dst, seconds=6.0, lufs=-30.0):
    """The done-when source: the real clip as landscape 16:9 640x360 + 2.5 s black and silent opening,
    audio at `lufs`, a flash+beep marker 1.5 s into the content."""
    import av
    import cv2
    import pyloudnorm

    frames, chunks = [], []
    with av.open(str(REAL)) as c:
        vs = c.streams.video[0]
        fps = Fraction(vs.average_rate).limit_denominator(1001)
        for f in c.decode(vs):
            if f.time is not None and f.time >= seconds:
                break
            a = f.to_ndarray(format="rgb24")
            H, W = a.shape[:2]
            ch = int(W * 9 / 16) // 2 * 2
            y0 = (H - ch) // 2
            frames.append(cv2.resize(a[y0 : y0 + ch], (640, 360), interpolation=cv2.INTER_AREA))
    with av.open(str(REAL)) as c:
        res = av.AudioResampler(format="flt", layout="mono", rate=SR)
        for f in c.decode(audio=0):
            chunks += [r.to_ndarray().reshape(-1) for r in res.resample(f)]
    au = np.concatenate(chunks)[: int(seconds * SR)].astype(np.float64)
    au *= 10 ** ((lufs - pyloudnorm.Meter(SR).integrated_loudness(au)) / 20)
    n_pre = int(round(PRE * float(fps)))
    frames = [np.zeros_like(frames[0])] * n_pre + frames
    au = np.concatenate([np.zeros(int(round(n_pre / float(fps) * SR))), au])
    marker = add_marker(frames, au, fps, n_pre / float(fps) + 1.5)
    write_clip(dst, frames, fps, au)
    return {"fps": float(fps), "duration": len(frames) / float(fps), "marker": marker, "pre": n_pre / float(fps)}


def decode_all(path):
    """(video luma means, frame times, display size, fps, rotation, colour range, audio (n, ch), sr,
    packets that failed to decode)."""
    import av

    errors = 0
    lum, times = [], []
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        size = (vs.codec_context.width, vs.codec_context.height)
        fps = float(vs.average_rate)
        rot, rng = 0, None
        for pkt in c.demux(vs):
            try:
                for f in pkt.decode():
                    lum.append(f.to_ndarray(format="gray").mean())
                    times.append(float(f.time))
                    rot, rng = f.rotation, int(f.color_range)
            except av.error.FFmpegError:
                errors += 1
    x, sr = None, None
    with av.open(str(path)) as c:
        if c.streams.audio:
            sr = c.streams.audio[0].codec_context.sample_rate
            ch = []
            for pkt in c.demux(c.streams.audio[0]):
                try:
                    ch += [f.to_ndarray().T for f in pkt.decode()]
                except av.error.FFmpegError:
                    errors += 1
            x = np.concatenate(ch).astype(np.float64)
    return dict(lum=np.array(lum), times=np.array(times), size=size, fps=fps, rotation=rot, range=rng, audio=x, sr=sr,
                errors=errors)


def flash_and_beep(d):
    from scipy.signal import butter, sosfiltfilt

    lum = d["lum"]  # the white frame may fill only part of a padded picture: the brightest jump counts
    flash = d["times"][np.nonzero(lum > np.median(lum) + 0.6 * (lum.max() - np.median(lum)))[0][0]]
    sos = butter(6, [900, 1100], btype="band", fs=d["sr"], output="sos")
    env = np.abs(sosfiltfilt(sos, d["audio"].mean(1)))
    win = int(d["sr"] * 0.002)
    env = env[: len(env) // win * win].reshape(-1, win).max(1)
    beep = np.nonzero(env > 0.5 * env.max())[0][0] * win / d["sr"]
    return float(flash), float(beep)


@pytest.fixture(scope="module")
def degraded(tmp_path_factory):
    if not REAL.is_file():
        pytest.skip("needs ../shared/media/real/openmpf/video_02.mp4")
    d = tmp_path_factory.mktemp("fix")
    src = d / "degraded.mp4"
    meta = degraded_real_clip(src)
    return src, meta


# ---- the done-when ---------------------------------------------------------------------------------------
@pytest.mark.slow
def test_done_when_real_clip_fixed_for_reels(degraded, tmp_path):
    import pyloudnorm

    from reelscore.platforms import get_profile

    src, meta = degraded
    before_hash = sha(src)
    out, js = tmp_path / "fixed.mp4", tmp_path / "fix.json"
    p = cli("fix", src, "--out", out, "--platform", "reels", "--json", js)
    assert p.returncode == 0, p.stderr
    r = json.loads(js.read_text())
    prof = get_profile("reels")
    assert sha(src) == before_hash  # the input is byte-identical
    d = decode_all(out)
    assert d["errors"] == 0 and len(d["times"]) > 0  # decodes cleanly
    assert d["size"] == (1080, 1920)
    lufs = pyloudnorm.Meter(d["sr"]).integrated_loudness(d["audio"])
    assert abs(lufs - prof.loudness_lufs) <= 1.0, lufs
    tp = true_peak_db(d["audio"])
    assert tp <= prof.true_peak_dbtp, tp
    first = d["times"] < 0.5
    assert d["lum"][first].min() > 30  # not black
    rms = 20 * np.log10(np.sqrt((d["audio"][: int(0.5 * d["sr"])] ** 2).mean()) + 1e-12)
    assert rms > -45  # not silent
    dur = d["times"][-1] + 1 / d["fps"]
    assert abs(dur - (meta["duration"] - meta["pre"])) <= 0.2, (dur, meta)
    flash, beep = flash_and_beep(d)
    assert abs(flash - beep) <= 1 / d["fps"], (flash, beep)
    assert r["score_after"] > r["score_before"], r
    assert set(r["applied"]) >= {"loudness", "trim", "reframe"}
    assert r["loudness_target_lufs"] == prof.loudness_lufs and r["true_peak_ceiling_dbtp"] == prof.true_peak_dbtp
    assert r["output"] == str(out) and Path(r["cover"]).is_file()
    assert abs(r["trimmed_start_s"] - meta["pre"]) < 0.05
    assert {c["name"] for c in r["changed_factors"]} >= {"format", "audio"}
    # faststart: the index (moov) comes before the media data
    head = out.read_bytes()[:1 << 20]
    assert head.find(b"moov") != -1 and head.find(b"moov") < head.find(b"mdat")
    print(f"\nfix numbers: LUFS {lufs:.2f}, true peak {tp:.2f} dBTP, sync {1000 * (flash - beep):+.1f} ms, "
          f"duration {meta['duration']:.3f} -> {dur:.3f} s, score {r['score_before']} -> {r['score_after']} "
          f"(predicted {r['predicted_score_after']}), {r['seconds']} s")


@pytest.mark.slow
def test_dry_run_writes_nothing_but_the_asked_json(degraded, tmp_path):
    src, _ = degraded
    out, js = tmp_path / "fixed.mp4", tmp_path / "plan.json"
    p = cli("fix", src, "--out", out, "--dry-run", "--json", js)
    assert p.returncode == 0, p.stderr
    assert sorted(x.name for x in tmp_path.iterdir()) == ["plan.json"]
    r = json.loads(js.read_text())
    assert r["dry_run"] and r["output"] is None and r["score_after"] is None
    assert {"loudness", "trim", "reframe"} <= set(r["applied"])
    assert all(pf["predicted_gain"] is not None for pf in r["planned"] if pf["name"] != "cover")
    assert "Planned fixes" in cli("fix", src, "--out", out, "--dry-run").stdout
    assert sorted(x.name for x in tmp_path.iterdir()) == ["plan.json"]


# ---- never lose work -------------------------------------------------------------------------------------
def test_out_onto_the_input_is_refused(tmp_path, videos):
    src = tmp_path / "in.mp4"
    src.write_bytes(videos["horizontal"].read_bytes())
    h = sha(src)
    one_line_exit_2(cli("fix", src, "--out", src), "--out", "input file")
    link = tmp_path / "link.mp4"
    link.symlink_to(src)
    one_line_exit_2(cli("fix", src, "--out", link), "input file")
    hard = tmp_path / "hard.mp4"
    os.link(src, hard)
    one_line_exit_2(cli("fix", src, "--out", hard), "input file")
    one_line_exit_2(cli("fix", src, "--out", tmp_path / ".." / tmp_path.name / "in.mp4"), "input file")
    assert sha(src) == h and link.is_symlink()


def test_refusals_are_one_line(tmp_path, videos):
    from PIL import Image

    img = tmp_path / "photo.jpg"
    Image.fromarray(np.full((64, 64, 3), 128, np.uint8)).save(img)
    one_line_exit_2(cli("fix", img, "--out", tmp_path / "o.mp4"), "photo.jpg", "image")
    one_line_exit_2(cli("fix", videos["noaudio"], "--out", tmp_path / "o.mp4", "--only", "loudness"),
                    "no audio track")
    one_line_exit_2(cli("fix", videos["noaudio"], "--out", tmp_path / "o.mp4", "--only", "loudness,colour"), "--only")
    one_line_exit_2(cli("fix", videos["noaudio"], "--out", tmp_path / "o.mp4", "--platform", "vine"), "--platform")
    one_line_exit_2(cli("fix", videos["noaudio"], "--out", tmp_path / "o.txt"), "--out", ".mp4")
    if Path("/proc/self").exists():
        one_line_exit_2(cli("fix", videos["noaudio"], "--out", "/proc/o.mp4"), "--out /proc/o.mp4", "cannot write")
    assert not list(tmp_path.glob("o.*"))


def test_a_failed_write_leaves_no_file(tmp_path, videos, monkeypatch):
    from reelscore.outputs import OutputError
    from reelscore.workflows import fix_render
    from reelscore.workflows.fix import fix

    def full_disk(*a, **k):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(fix_render, "render", full_disk)
    out = tmp_path / "o.mp4"
    with pytest.raises(OutputError, match=f"--out {out}: cannot write \\(No space left on device\\)"):
        fix(videos["horizontal"], out, only="reframe")
    assert list(tmp_path.iterdir()) == []


def test_no_audio_skips_loudness_with_a_reason(tmp_path, videos):
    from reelscore.workflows.fix import fix

    seen = []
    r = fix(videos["noaudio"], tmp_path / "o.mp4", dry_run=True, progress=lambda s, f: seen.append((s, f)))
    assert r.skipped["loudness"] == "no audio track to normalise"
    assert seen and {s for s, _ in seen} == {"analyze"} and all(0 <= f <= 1 for _, f in seen)
    fr = [f for _, f in seen]
    assert fr == sorted(fr) and fr[-1] > 0.9  # one analysis' progress, never going back (the web app's bar)
    assert not (tmp_path / "o.mp4").exists()


# ---- the render on its own: timing, rotation, range, rate ------------------------------------------------
def _tone_clip(n, fps, w=320, h=180):
    rng = np.random.default_rng(0)
    frames = [np.clip(rng.normal(100, 30, (h, w, 3)), 0, 255).astype(np.uint8) for _ in range(n)]
    t = np.arange(int(n / float(fps) * SR)) / SR
    audio = 0.05 * np.sin(2 * np.pi * 220 * t)
    return frames, audio


def test_sixty_fps_becomes_thirty_and_stays_in_sync(tmp_path):
    from reelscore.workflows.fix_render import Framing, RenderSpec, render

    fps = Fraction(60)
    frames, audio = _tone_clip(240, fps)
    marker = add_marker(frames, audio, fps, 2.4)
    src = write_clip(tmp_path / "s.mp4", frames, fps, audio)
    out = tmp_path / "o.mp4"
    rep = render(src, out, RenderSpec(t0=1.0, fps=Fraction(30), framing=Framing("keep"), duration_hint=4.0))
    d = decode_all(out)
    assert d["fps"] == 30 and abs(rep.duration_s - 3.0) < 0.04
    flash, beep = flash_and_beep(d)
    assert abs(flash - (marker - 1.0)) <= 1 / 30 and abs(flash - beep) <= 1 / 30, (flash, beep, marker)


def test_keep_framing_keeps_rotation_and_full_range(tmp_path):
    from av.video.reformatter import ColorRange

    from reelscore.workflows.fix_render import Framing, RenderSpec, render

    fps = Fraction(30)
    frames, audio = _tone_clip(30, fps, 320, 180)
    src = write_clip(tmp_path / "s.mp4", frames, fps, audio, color_range=ColorRange.JPEG, rotation=90)
    s = decode_all(src)
    assert s["rotation"] == 90 and s["range"] == int(ColorRange.JPEG)
    out = tmp_path / "o.mp4"
    render(src, out, RenderSpec(fps=fps, framing=Framing("keep"), duration_hint=1.0), rotation=90)
    d = decode_all(out)
    assert d["rotation"] == 90 and d["range"] == int(ColorRange.JPEG) and d["size"] == (320, 180)
    assert abs(np.mean(d["lum"]) - np.mean(s["lum"])) < 2  # same levels: the range was not squeezed


def test_reframe_applies_rotation(tmp_path):
    """A coded-landscape clip displayed as portrait (rotation 90) reframed: the output is upright."""
    from reelscore.workflows.fix_render import Framing, RenderSpec, render

    fps = Fraction(30)
    frames = []
    for _ in range(10):
        f = np.zeros((180, 320, 3), np.uint8)
        f[:, :160] = 255  # coded: left half white
        frames.append(f)
    src = write_clip(tmp_path / "s.mp4", frames, fps, None, rotation=90)
    out = tmp_path / "o.mp4"
    # displayed (rotated 90 counter-clockwise) the white half is at the bottom
    render(src, out, RenderSpec(fps=fps, framing=Framing("pad", 180, 320, (0, 0, 180, 320)), duration_hint=0.4),
           rotation=90)
    import av

    with av.open(str(out)) as c:
        f = next(c.decode(video=0))
        assert f.rotation == 0
        y = f.to_ndarray(format="gray").astype(float)
    assert y[-60:].mean() > 200 and y[:60].mean() < 60


# ---- loudness ---------------------------------------------------------------------------------------------
def test_normalise_hits_target_under_the_ceiling():
    from reelscore.workflows.loudness import integrated_lufs, normalise

    t = np.arange(10 * SR) / SR
    x = 0.01 * np.sin(2 * np.pi * 330 * t) + 0.2 * np.exp(-(t % 0.5) * 25) * np.sin(2 * np.pi * 70 * t)
    x = np.stack([x, 0.8 * x], 1)
    y, rep = normalise(x, SR, -14.0, -1.0)
    assert abs(integrated_lufs(y, SR) + 14.0) < 0.2
    assert true_peak_db(y) <= -1.0 + 1e-6
    quiet = x * 0.03  # 30 dB quieter (about -62 LUFS): still reaches the target, peaks held under the ceiling
    y, rep = normalise(quiet, SR, -14.0, -1.0)
    assert true_peak_db(y) <= -1.0 + 1e-6 and abs(rep["lufs_after"] + 14.0) < 0.5


def test_limiter_touches_only_near_peaks():
    from reelscore.workflows.loudness import limit_true_peak

    x = 0.1 * np.sin(2 * np.pi * 440 * np.arange(2 * SR) / SR)
    x[SR] = 0.9  # one spike
    y = limit_true_peak(x, SR, -6.0)
    assert true_peak_db(y) <= -6.0 + 1e-6
    assert np.allclose(y[: SR // 2], x[: SR // 2]) and np.allclose(y[-SR // 2 :], x[-SR // 2 :])


def test_stereo_fold_down_stays_under_the_ceiling():
    """Centred stereo at the ceiling in both channels would fold down to mono (phone speakers, FFmpeg's
    -3 dB pan law) 3 dB over it: the limiter keeps the fold-down under the ceiling too."""
    from reelscore.workflows.loudness import normalise

    t = np.arange(5 * SR) / SR
    m = 0.02 * np.sin(2 * np.pi * 200 * t) + 0.2 * np.exp(-(t % 0.4) * 30) * np.sin(2 * np.pi * 90 * t)
    y, rep = normalise(np.stack([m, m], 1), SR, -14.0, -1.0)
    assert true_peak_db((y[:, 0] + y[:, 1]) / np.sqrt(2)) <= -1.0 + 1e-6
    assert abs(rep["lufs_after"] + 14.0) < 0.5


def test_only_parsing():
    from reelscore.errors import OptionError
    from reelscore.workflows.fix import FIXES, parse_only

    assert parse_only(None) == set(FIXES) and parse_only(" Loudness ,trim") == {"loudness", "trim"}
    for bad in ("", "colour", ","):
        with pytest.raises(OptionError, match="--only"):
            parse_only(bad)


# ---- planning on synthetic decoded media (no decoding) -----------------------------------------------
def _media(frames, fps=30.0, audio=None, sr=16000, size=None):
    from types import SimpleNamespace

    from reelscore.ingest.media import FrameSet

    times = [i / fps for i in range(len(frames))]
    fs = FrameSet(list(frames), times, list(range(len(frames))))
    h, w = size or frames[0].shape[:2]
    info = SimpleNamespace(width=w, height=h, analyzed_s=len(frames) / fps, duration_s=len(frames) / fps)
    return SimpleNamespace(small=fs, heavy=fs.subsample(24), hook=fs, audio=audio, audio_rate=sr, info=info)


def _moving(n, h=72, w=128, seed=0):
    rng = np.random.default_rng(seed)
    base = rng.integers(40, 200, (h, w, 3)).astype(np.uint8)
    return [np.roll(base, 3 * i, axis=1) for i in range(n)]


@pytest.mark.parametrize("case,start,end", [
    ("black+silent", 1.0, None), ("black+sound", 0.0, None), ("moving+silent", 0.0, None),
    ("frozen+silent", 1.0, None), ("black, no audio", 1.0, None), ("frozen silent tail", 0.0, 2.0)])
def test_dead_spans(case, start, end):
    from reelscore.workflows.fix import dead_spans

    fps, sr = 30.0, 16000
    live = _moving(60)
    if case.startswith("black"):
        frames = [np.zeros_like(live[0])] * 30 + live
    elif case.startswith("frozen+"):
        frames = [live[0]] * 30 + live
    elif case == "frozen silent tail":
        frames = live + [live[-1]] * 30
    else:
        frames = live
    n = len(frames)
    audio = 0.1 * np.sin(2 * np.pi * 300 * np.arange(int(n / fps * sr)) / sr).astype(np.float32)
    if "silent" in case and "tail" not in case:
        audio[: int(1.0 * sr)] = 0
    if case == "frozen silent tail":
        audio[int(2.0 * sr):] = 0
    if "no audio" in case:
        audio = None
    d = dead_spans(_media(frames, fps, audio, sr))
    assert abs(d["start"] - start) < 1e-6 if start else d["start"] < 0.3, (case, d)
    assert (d["end"] is None) if end is None else abs(d["end"] - end) < 1e-6, (case, d)


def test_letterboxed_picture_is_reframed_from_its_content():
    from reelscore.platforms import get_profile
    from reelscore.workflows.fix import choose_framing

    frames = []
    for f in _moving(30, 72, 128):  # a 16:9 picture inside a 9:16 frame (black bars top and bottom)
        c = np.zeros((228, 128, 3), np.uint8)
        c[78:150] = f
        frames.append(c)
    fr, why = choose_framing(_media(frames), {}, get_profile("reels"), True)
    assert "black bars" in why and fr is not None
    x, y, w, h = fr["box"]
    assert abs(y - 78) <= 2 and abs(h - 72) <= 3 and w == 128


def test_faces_far_apart_get_a_pad_close_together_a_crop():
    from reelscore.platforms import get_profile
    from reelscore.schema import Signal
    from reelscore.workflows.fix import choose_framing

    media = _media(_moving(30, 72, 128))
    for boxes, mode in (([[0.05, 0.3, 0.1, 0.2], [0.85, 0.3, 0.1, 0.2]], "pad"), ([[0.6, 0.3, 0.1, 0.2]], "crop")):
        faces = Signal(analyzer="faces", version="x", backend="test",
                       values={"boxes": [{"t": t, "boxes": boxes} for t in (0.0, 0.5, 0.9)]})
        fr, _ = choose_framing(media, {"faces": faces}, get_profile("reels"), True)
        assert fr["mode"] == mode, fr["how"]
        if mode == "crop":  # centred on the face (at 0.65 of the width)
            assert abs(float(np.median(fr["cx"])) - 0.65) < 0.05
