"""The fast paths of issue 16 give the same answers as the slow ones: OpenCV plane scaling vs swscale,
parallel vs sequential analyzers, silero-vad without torch vs the package, bounded frame memory, and
no torch import on a default analysis once the ONNX exports are cached. (Speed itself is measured by
bench/catalogue_targets.py, not here.)"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from reelscore.config import AnalysisConfig, SamplingConfig
from reelscore.ingest import decode

from conftest import MEDIA, need


def _frames(path, n=3):
    import av

    with av.open(str(path)) as c:
        out = []
        for f in c.decode(video=0):
            out.append(f)
            if len(out) == n:
                return out
    return out


@pytest.mark.parametrize("size", [(72, 128), (384, 682), (1080, 1920)])
def test_opencv_plane_scaling_matches_swscale(videos, size):
    """The same picture as swscale's conversion (BT.601 limited range), to within a few grey levels."""
    from reelscore.ingest.decode import scaled_rgb, yuv420

    for f in _frames(videos["vertical"]):
        w, h = size
        ours = scaled_rgb(f, w, h).astype(int)
        ref = f.to_ndarray(format="rgb24", width=w, height=h).astype(int)
        assert ours.shape == ref.shape
        assert np.abs(ours - ref).mean() < 4.0, size
        y = yuv420(f, w, h)
        assert y.shape == (h * 3 // 2, w)


def test_other_pixel_formats_take_the_swscale_path(tmp_path):
    from reelscore.samples import make_video

    a = decode(make_video(tmp_path / "a.mp4", 360, 640, seconds=1.0, cuts=(), audio=None))
    b = decode(make_video(tmp_path / "b.mp4", 360, 640, seconds=1.0, cuts=(), audio=None, pix_fmt="yuv444p"))
    assert len(a.small) == len(b.small) and a.small.frames[0].shape == b.small.frames[0].shape
    assert np.abs(a.small.frames[5].astype(int) - b.small.frames[5].astype(int)).mean() < 8
    assert a.heavy.frames[0].shape == b.heavy.frames[0].shape


def test_frame_memory_is_bounded_by_the_caps_not_the_length(videos):
    cfg = AnalysisConfig(sampling=SamplingConfig(small_max_frames=30, heavy_max_frames=3, heavy_fps=10))
    d = decode(videos["vertical"], cfg)  # 4 s at 30 fps: 120 frames would otherwise be kept
    assert 15 <= len(d.small) <= 30
    assert d.small.times[0] == 0.0 and d.small.times[-1] > 3.5  # still spans the whole clip
    assert np.diff(d.small.times).max() < 0.2
    assert len(d.heavy) <= 3 and set(d.covers) == set(d.heavy.indices)
    assert d.info.n_frames == 120  # every frame is still counted


def test_parallel_analyzers_give_the_sequential_result(videos):
    from reelscore.pipeline import analyze

    def run(threads):
        a = analyze(videos["vertical"], "3 tips nobody tells you #tips", followers=2000,
                    config=AnalysisConfig(use_cache=False, threads=threads))
        return a.score, list(a.signals), {k: s.values for k, s in a.signals.items()}

    s1, order1, v1 = run(1)
    s4, order4, v4 = run(4)
    assert order1 == order4  # stable order, however they finished
    assert s1 == s4
    assert json.dumps(v1, sort_keys=True, default=str) == json.dumps(v4, sort_keys=True, default=str)


def test_silero_vad_segmentation_matches_the_package():
    pytest.importorskip("torch")
    from silero_vad import get_speech_timestamps_from_probs

    from reelscore.models.vad import segments_from_probs

    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(1, 300))
        probs = list(np.clip(np.cumsum(rng.normal(0, 0.25, n)) % 1.3, 0, 1))
        length = n * 512 - int(rng.integers(0, 512))
        ref = get_speech_timestamps_from_probs(probs, 16000, audio_length_samples=length, return_seconds=True)
        assert segments_from_probs(probs, 16000, length) == [(d["start"], d["end"]) for d in ref]


def test_silero_vad_probabilities_match_the_package_runner():
    torch = pytest.importorskip("torch")
    from silero_vad import get_speech_timestamps, load_silero_vad

    from reelscore.models.vad import SileroVAD

    audio = decode(need(MEDIA / "bigbuckbunny.mp4")).audio
    ours = SileroVAD()
    ref = get_speech_timestamps(torch.from_numpy(audio), load_silero_vad(onnx=True), sampling_rate=16000,
                                return_seconds=True)
    assert ours.speech_timestamps(audio) == [(d["start"], d["end"]) for d in ref]
    assert len(ref) >= 1  # the clip has speech: the comparison is not vacuous


def test_a_default_analysis_does_not_import_torch(videos, tmp_path):
    """torch costs about 1 s and 170 MB per process; once the ONNX exports are cached (first run,
    or `reelscore doctor`), a default analysis runs on ONNX Runtime alone."""
    code = ("import sys, reelscore\n"
            "a = reelscore.analyze(sys.argv[1], 'hello #tips', followers=1000)\n"
            "print('torch' in sys.modules, a.signals['quality'].values['backbone_runtime'],"
            " a.signals['audio'].applicable)")
    env = dict(os.environ, REELSCORE_CACHE_DIR=str(tmp_path / "cache"))
    first = subprocess.run([sys.executable, "-c", code, str(videos["vertical"])], capture_output=True, text=True,
                           env=env, timeout=600)
    assert first.returncode == 0, first.stderr[-2000:]
    again = subprocess.run([sys.executable, "-c", code, str(videos["vertical"])], capture_output=True, text=True,
                           env=env, timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]
    assert again.stdout.split() == ["False", "onnxruntime", "True"], again.stdout


def test_camera_shift_is_accurate_and_the_same_on_every_run():
    """Phase correlation written out (cv2.phaseCorrelate in opencv 4.14 answers differently on every
    call with the same input): sub-pixel shifts recovered, identical across runs."""
    import cv2

    from reelscore.analyzers.motion import global_shifts

    rng = np.random.default_rng(0)
    img = cv2.GaussianBlur(rng.random((160, 100)).astype(np.float32) * 255, (0, 0), 2)
    pos = [(0, 0), (3, 0), (3, 2), (-1, 3), (0.5, 3), (0.8, 2.4)]
    frames = [np.clip(cv2.warpAffine(img, np.float32([[1, 0, x], [0, 1, y]]), (100, 160))[10:138, 10:82], 0, 255)
              .astype(np.uint8) for x, y in pos]
    got = global_shifts(frames)
    want = np.diff(np.asarray(pos, float), axis=0)
    assert np.abs(got - want).max() < 0.3, got
    assert np.array_equal(global_shifts(frames), got)
