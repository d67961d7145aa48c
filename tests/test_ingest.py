import numpy as np
import pytest

from reelscore.ingest import decode, probe
from reelscore.config import AnalysisConfig, SamplingConfig

from conftest import MEDIA, need


def test_vertical_with_audio_sampling(videos):
    d = decode(videos["vertical"])
    i = d.info
    assert (i.width, i.height) == (1080, 1920) and i.rotation == 0
    assert i.fps == pytest.approx(30, abs=0.01) and not i.variable_frame_rate
    assert i.analyzed_s == pytest.approx(4.0, abs=0.05)
    # heavy frames at 1 fps: t = 0, 1, 2, 3
    assert d.heavy.times == pytest.approx([0, 1, 2, 3], abs=1 / 30 + 1e-6)
    assert min(d.heavy.frames[0].shape[:2]) == 384
    # small frames: every frame at 30 fps, evenly spaced
    assert len(d.small) == 120
    assert np.diff(d.small.times) == pytest.approx(np.full(119, 1 / 30), abs=1e-3)
    # hook: first 3 s at 6 fps
    assert max(d.hook.times) < 3.0 and len(d.hook) == 18
    # audio: mono 16 kHz, aligned to the video's length
    assert d.audio is not None and d.audio.ndim == 1
    assert len(d.audio) / d.audio_rate == pytest.approx(4.0, abs=0.1)


def test_rotation_is_applied(videos):
    i = probe(videos["rotated"])
    assert i.rotation in (90, 270)
    assert (i.coded_width, i.coded_height) == (640, 360)
    d = decode(videos["rotated"])
    h, w = d.small.frames[0].shape[:2]
    assert h > w, "a video shot vertical must come out vertical"
    # the generator puts the on-screen-text band near the top of the upright picture: the black
    # box behind the text must be in the upper half after rotation
    ref = decode(videos["noaudio"]).small.frames[0]
    rot = d.small.frames[0]
    assert rot.shape == ref.shape
    assert np.abs(rot.astype(int) - ref.astype(int)).mean() < 20


def test_cover_frames_are_full_size_upright_and_match_the_heavy_frames(videos, tmp_path):
    from PIL import Image

    from reelscore.pipeline import write_frame_jpeg

    for name, size in (("vertical", (1080, 1920)), ("rotated", (360, 640))):
        d = decode(videos[name])
        assert set(d.covers) == set(d.heavy.indices)  # one kept cover per heavy frame, no more
        rgb = d.cover_rgb(d.heavy.times[1])
        assert rgb.shape[1::-1] == size  # full resolution, display orientation
        small = np.asarray(Image.fromarray(rgb).resize(d.heavy.frames[1].shape[1::-1], Image.BILINEAR))
        assert np.abs(small.astype(int) - d.heavy.frames[1].astype(int)).mean() < 6  # the same picture
        out = write_frame_jpeg(d, d.heavy.times[1], tmp_path / f"{name}.jpg")
        assert Image.open(out).size == size
    # a cap below the coded size is honoured
    d = decode(videos["vertical"], AnalysisConfig(sampling=SamplingConfig(cover_short_side=720)))
    assert d.cover_rgb(0.0).shape[:2] == (1280, 720)


def test_variable_frame_rate_detected(videos):
    d = decode(videos["vfr"])
    assert d.info.variable_frame_rate
    assert "variable frame rate" in d.info.notes
    t = np.asarray(d.frame_times)
    assert np.all(np.diff(t) > 0)


def test_max_seconds_limits_and_says_so(videos):
    cfg = AnalysisConfig(max_seconds=1.5)
    d = decode(videos["vertical"], cfg)
    assert d.info.analyzed_s <= 1.55
    assert any("first 1.5 s" in n for n in d.info.notes)
    assert len(d.audio) <= int(1.5 * 16000)


def test_heavy_frame_cap():
    cfg = AnalysisConfig(sampling=SamplingConfig(heavy_fps=10, heavy_max_frames=5))
    d = decode(need(MEDIA / "bikes.mp4"), cfg)
    assert len(d.heavy) == 5


def test_real_video_probe():
    i = probe(need(MEDIA / "bigbuckbunny.mp4"))
    assert (i.width, i.height) == (1280, 720)
    assert i.duration_s == pytest.approx(5.28, abs=0.05)
    assert i.has_audio and i.video_codec == "h264"


def test_still_image(tmp_path):
    from PIL import Image

    p = tmp_path / "photo.jpg"
    Image.fromarray(np.full((1920, 1080, 3), 128, np.uint8)).save(p)
    d = decode(p)
    assert d.info.kind == "image" and (d.info.width, d.info.height) == (1080, 1920)
    assert len(d.heavy) == 1 and d.audio is None


def test_exif_rotated_image(tmp_path):
    from PIL import Image

    p = tmp_path / "rot.jpg"
    im = Image.fromarray(np.zeros((100, 200, 3), np.uint8))
    exif = im.getexif()
    exif[0x0112] = 6  # rotate 90 CW to display
    im.save(p, exif=exif)
    i = probe(p)
    assert (i.width, i.height) == (100, 200)
    d = decode(p)
    assert d.heavy.frames[0].shape[0] > d.heavy.frames[0].shape[1]
