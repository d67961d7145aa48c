"""The HTML report: one self-contained file with the score, engagement ranges, contributions, the
timeline, the frame strip with the cover, suggestions and what ran; from `analyze --report` and from
a saved result with `reelscore report`."""
from __future__ import annotations

import json
import re
import subprocess
import sys


def cli(*args):
    return subprocess.run([sys.executable, "-m", "reelscore.presentation.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=300)


def _check(html: str, pictures: bool):
    assert html.startswith("<!doctype html>")
    # self-contained: nothing fetched from anywhere
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<script" not in html
    assert html.count("<svg") >= 3  # engagement ranges, contributions, timeline
    for part in ("Virality Score", "Predicted engagement", "What moves the score", "Components", "Over time",
                 "Suggestions", "What ran", "hook"):
        assert part in html, part
    if pictures:
        assert "Sampled frames" in html and "Suggested cover" in html and 'class="cover"' in html
        assert html.count("data:image/jpeg;base64,") >= 5


def test_report_from_analyze_and_from_json(videos, tmp_path):
    out, js = tmp_path / "r.html", tmp_path / "r.json"
    p = cli("analyze", videos["vertical"], "--caption", "3 tips you need ☕ Save this!", "--followers", "12000",
            "--report", out, "--json", js)
    assert p.returncode == 0, p.stderr
    assert f"Report: {out}" in p.stdout
    _check(out.read_text(), pictures=True)
    out2 = tmp_path / "r2.html"
    p = cli("report", js, "-o", out2)
    assert p.returncode == 0, p.stderr
    _check(out2.read_text(), pictures=True)
    # the score in the report is the result's
    score = json.loads(js.read_text())["score"]
    assert f">{score:.0f}</span>" in out.read_text()


def test_report_refuses_the_input_as_destination(videos, tmp_path):
    clip = tmp_path / "c.mp4"
    clip.write_bytes(videos["noaudio"].read_bytes())
    before = clip.read_bytes()
    p = cli("analyze", clip, "--report", clip, "--analyzers", "format")
    assert p.returncode == 2 and "input file" in p.stderr
    assert clip.read_bytes() == before
