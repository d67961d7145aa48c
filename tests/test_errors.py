"""Bad input: exit code 2, one line naming the file and the problem, within seconds; odd-but-valid
input: analyzed with the oddity noted."""
import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import MEDIA, need


def run_cli(*args, timeout=120):
    t0 = time.time()
    p = subprocess.run([sys.executable, "-m", "reelscore.presentation.cli", *map(str, args)],
                       capture_output=True, text=True, timeout=timeout)
    return p, time.time() - t0


def _write_audio_only(path):
    import av

    with av.open(str(path), "w") as out:
        s = out.add_stream("aac", rate=16000)
        s.layout = "mono"
        t = np.arange(16000) / 16000
        f = av.AudioFrame.from_ndarray((0.1 * np.sin(2 * np.pi * 440 * t))[None].astype(np.float32), format="flt", layout="mono")
        f.sample_rate = 16000
        f.pts = 0
        for p in s.encode(f):
            out.mux(p)
        for p in s.encode():
            out.mux(p)


def _write_tiny(path, w=1, h=1):
    import av

    with av.open(str(path), "w") as out:
        s = out.add_stream("rawvideo", rate=10)
        s.width, s.height, s.pix_fmt = w, h, "rgb24"
        for i in range(5):
            for p in s.encode(av.VideoFrame.from_ndarray(np.full((h, w, 3), i * 40, np.uint8), format="rgb24")):
                out.mux(p)
        for p in s.encode():
            out.mux(p)


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory, videos):
    d = tmp_path_factory.mktemp("bad")
    files = {}
    files["missing"] = d / "nope.mp4"
    files["directory"] = d
    (d / "empty.mp4").write_bytes(b"")
    files["empty"] = d / "empty.mp4"
    data = videos["horizontal"].read_bytes()
    assert b"moov" in data[len(data) // 2:], "generator writes the index at the end"
    (d / "truncated.mp4").write_bytes(data[: len(data) // 2])
    files["truncated"] = d / "truncated.mp4"
    (d / "random.mp4").write_bytes(np.random.default_rng(0).integers(0, 256, 200_000, dtype=np.uint8).tobytes())
    files["random"] = d / "random.mp4"
    (d / "doc.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    files["pdf"] = d / "doc.pdf"
    _write_audio_only(d / "audio.m4a")
    files["audio_only"] = d / "audio.m4a"
    _write_tiny(d / "tiny.avi")
    files["tiny"] = d / "tiny.avi"
    # an H.264 MP4 whose codec tag is changed to one no decoder knows
    (d / "oddcodec.mp4").write_bytes(videos["noaudio"].read_bytes().replace(b"avc1", b"zzzz").replace(b"avcC", b"zzzC"))
    files["odd_codec"] = d / "oddcodec.mp4"
    return files


EXPECT = {
    "missing": "no such file", "directory": "directory", "empty": "empty", "truncated": "truncated",
    "random": "not a recognised", "pdf": "PDF", "audio_only": "audio-only", "tiny": "1x1",
    "odd_codec": "decod",
}


@pytest.mark.parametrize("kind", list(EXPECT))
def test_refused_with_one_line(bad_files, kind):
    p, dt = run_cli("analyze", bad_files[kind], "--no-cache")
    assert p.returncode == 2, (kind, p.stderr)
    lines = [ln for ln in p.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, p.stderr
    assert str(bad_files[kind].name) in lines[0] and EXPECT[kind].lower() in lines[0].lower(), lines[0]
    assert "Traceback" not in p.stderr
    assert dt < 60


def test_over_size_limit(videos):
    p, _ = run_cli("analyze", videos["vertical"], "--max-file-mb", "0.01", "--no-cache")
    assert p.returncode == 2 and "limit" in p.stderr and len(p.stderr.strip().splitlines()) == 1


def test_failed_run_keeps_earlier_json(bad_files, tmp_path):
    out = tmp_path / "result.json"
    out.write_text('{"earlier": true}\n')
    p, _ = run_cli("analyze", bad_files["random"], "--json", out)
    assert p.returncode == 2
    assert out.read_text() == '{"earlier": true}\n'


def test_debug_shows_traceback(bad_files):
    p, _ = run_cli("analyze", bad_files["empty"], "--debug")
    assert p.returncode != 0 and "Traceback" in p.stderr


def test_usage_error_exit_2():
    p, _ = run_cli("analyze")
    assert p.returncode == 2


@pytest.mark.parametrize("kind,note", [("short", "very short"), ("noaudio", "no audio"), ("rotated", "rotation"),
                                        ("vfr", "variable frame rate")])
def test_odd_but_valid_is_analyzed(videos, kind, note):
    import reelscore

    a = reelscore.analyze(videos[kind], caption="", config=_light())
    assert 0 <= a.score <= 100
    assert any(note in n for n in a.notes), a.notes


def test_horizontal_and_huge_caption(videos):
    import reelscore

    cap = ("word " * 2000)[:10_000]
    a = reelscore.analyze(videos["horizontal"], caption=cap, config=_light())
    assert a.component("format").raw["orientation"] == "horizontal"
    assert a.component("caption").score is not None


def test_silent_audio_is_a_finding(videos):
    import reelscore

    a = reelscore.analyze(videos["silent"], config=_light(("audio", "format")))
    c = a.component("audio")
    assert c.score is not None and c.score <= 20 and "silent" in c.explanation


def _light(analyzers=("format", "exposure", "sharpness", "motion", "caption", "audio")):
    from reelscore.config import AnalysisConfig

    return AnalysisConfig(analyzers=analyzers, use_cache=False)


@pytest.mark.slow
def test_real_videos_run_through_every_analyzer():
    import reelscore

    for name in ("bikes.mp4", "carphone_distorted.mp4"):
        a = reelscore.analyze(need(MEDIA / name), caption="test", config=__import__("reelscore.config").config.AnalysisConfig(use_cache=False))
        errs = {k: s.error for k, s in a.signals.items() if s.error}
        assert not errs, errs


def test_decode_deadline_never_hangs(videos):
    from reelscore.config import AnalysisConfig
    from reelscore.errors import InputError
    from reelscore.ingest import decode

    with pytest.raises(InputError, match="decoding took longer"):
        decode(videos["vertical"], AnalysisConfig(max_decode_seconds=1e-6))
