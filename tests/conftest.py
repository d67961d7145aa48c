"""Shared fixtures: videos generated with PyAV (known truth) and the real videos in ../shared/media."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
MEDIA = SHARED / "media"
BIQ = SHARED / "data" / "biq2021"
TIKTOK = SHARED / "data" / "tiktok_2025_train.csv"


@pytest.fixture(autouse=True, scope="session")
def _isolated_dirs(tmp_path_factory):
    os.environ["REELSCORE_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    os.environ["REELSCORE_DATA_DIR"] = str(tmp_path_factory.mktemp("data"))
    os.environ["REELSCORE_WEIGHTS_DIR"] = str(tmp_path_factory.mktemp("weights"))


@pytest.fixture(scope="session")
def videos(tmp_path_factory):
    """Generated clips, created once per session."""
    from reelscore.samples import make_video

    d = tmp_path_factory.mktemp("videos")
    return {
        "vertical": make_video(d / "vertical.mp4", 1080, 1920, seconds=4.0, cuts=(1.0, 2.5), audio="beat"),
        "horizontal": make_video(d / "horizontal.mp4", 640, 360, seconds=3.0, cuts=(1.5,), audio="tone"),
        "noaudio": make_video(d / "noaudio.mp4", 360, 640, seconds=2.0, cuts=(), audio=None),
        "rotated": make_video(d / "rotated.mp4", 360, 640, seconds=2.0, cuts=(), audio=None, rotation=270),
        "vfr": make_video(d / "vfr.mp4", 360, 640, seconds=3.0, cuts=(), audio=None, vfr=True),
        "short": make_video(d / "short.mp4", 360, 640, seconds=0.2, cuts=(), audio="tone"),
        "silent": make_video(d / "silent.mp4", 360, 640, seconds=2.0, cuts=(), audio="silence"),
    }


def frames_media(frames: list[np.ndarray], fps: float = 30.0, audio: np.ndarray | None = None, kind="video"):
    """A DecodedMedia built directly from frames (fast unit tests of analyzers)."""
    from reelscore.ingest.media import DecodedMedia, FrameSet
    from reelscore.schema import MediaInfo

    h, w = frames[0].shape[:2]
    times = [i / fps for i in range(len(frames))]
    fs = FrameSet(list(frames), times, list(range(len(frames))))
    info = MediaInfo(path="mem", kind=kind, size_bytes=1, width=w, height=h, coded_width=w, coded_height=h,
                     duration_s=len(frames) / fps, analyzed_s=len(frames) / fps, fps=fps, n_frames=len(frames),
                     has_audio=audio is not None)
    hook = FrameSet([f for f, t in zip(frames, times) if t < 3], [t for t in times if t < 3],
                    [i for i, t in enumerate(times) if t < 3])
    return DecodedMedia(info=info, heavy=fs, small=fs, hook=hook, audio=audio, audio_rate=16000, frame_times=times)


def need(path: Path):
    """The shared data a test reads. Missing: skipped on a developer's machine, a failure in CI
    (CI=true), where ../shared is always laid out and a silent skip would hide lost coverage."""
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} missing in CI: ../shared must be present")
        pytest.skip(f"{path} not present")
    return path


def write_clip(path, frames, fps, audio: np.ndarray | None = None, sr: int = 48000, color_range=None, rotation=0):
    """H.264 (CRF 18) frames at `fps` and, when given, mono AAC audio; optional colour range and display rotation."""
    import av

    with av.open(str(path), "w") as out:
        v = out.add_stream("libx264", rate=fps)
        v.height, v.width = frames[0].shape[:2]
        v.pix_fmt = "yuv420p"
        v.options = {"preset": "veryfast", "crf": "18"}
        if color_range is not None:
            v.codec_context.color_range = color_range
        if rotation:
            v.set_display_rotation(rotation)
        a = None
        if audio is not None:
            a = out.add_stream("aac", rate=sr)
            a.layout = "mono"
        for i, f in enumerate(frames):
            vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(f), format="rgb24")
            if color_range is not None:
                from av.video.reformatter import VideoReformatter

                vf = VideoReformatter().reformat(vf, format="yuv420p", dst_color_range=color_range)
            vf.pts = i
            for p in v.encode(vf):
                out.mux(p)
        for p in v.encode():
            out.mux(p)
        if a is not None:
            for s in range(0, len(audio), 1024):
                af = av.AudioFrame.from_ndarray(audio[None, s : s + 1024].astype(np.float32), format="flt", layout="mono")
                af.sample_rate, af.pts = sr, s
                for p in a.encode(af):
                    out.mux(p)
            for p in a.encode():
                out.mux(p)
    return path
