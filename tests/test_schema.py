"""The result schema: JSON validates against the exported schema, round-trips, stays stable."""
import json
import subprocess
import sys

import jsonschema
import pytest

from reelscore.schema import SCHEMA_VERSION, Analysis

from conftest import MEDIA, need


@pytest.fixture(scope="module")
def bunny_json():
    p = subprocess.run([sys.executable, "-m", "reelscore.presentation.cli", "analyze", str(need(MEDIA / "bigbuckbunny.mp4")),
                        "--caption", "Watch till the end 🐰 Which part made you laugh? #animation #blender", "--json", "-",
                        "--no-cache"],  # other tests analyze the same file: a cache hit would skip the decode
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


@pytest.mark.slow
def test_cli_json_validates_against_exported_schema(bunny_json):
    schema = json.loads(subprocess.run([sys.executable, "-m", "reelscore.presentation.cli", "schema"],
                                       capture_output=True, text=True, check=True).stdout)
    jsonschema.validate(bunny_json, schema)
    assert 0 <= bunny_json["score"] <= 100
    assert len([c for c in bunny_json["components"] if c["score"] is not None]) >= 5
    assert bunny_json["schema_version"] == SCHEMA_VERSION


def test_result_round_trips(bunny_json):
    a = Analysis.model_validate(bunny_json)
    assert json.loads(a.model_dump_json()) == bunny_json


def test_every_component_says_backend_and_kind(bunny_json):
    for c in bunny_json["components"]:
        assert c["backend"] and isinstance(c["heuristic"], bool) and c["explanation"]
    fq = next(c for c in bunny_json["components"] if c["name"] == "frame_quality")
    assert fq["heuristic"] is False
    ae = next(c for c in bunny_json["components"] if c["name"] == "aesthetics")
    assert ae["heuristic"] is True


def test_timings_cover_every_analyzer(bunny_json):
    for name in bunny_json["signals"]:
        assert f"analyzer.{name}" in bunny_json["timings"]
    assert bunny_json["timings"]["decode"] > 0


def test_cache_hit_skips_decode(tmp_path):
    import reelscore
    from reelscore.config import AnalysisConfig

    cfg = AnalysisConfig(analyzers=("format", "exposure", "sharpness"))
    a1 = reelscore.analyze(need(MEDIA / "bikes.mp4"), config=cfg, cache_dir=str(tmp_path))
    a2 = reelscore.analyze(need(MEDIA / "bikes.mp4"), config=cfg, cache_dir=str(tmp_path))
    assert "decode" in a1.timings and "decode" not in a2.timings
    # the caption is not cached (it is not the video), nor the derived per-platform safe_zones signal
    assert all(s.cached for s in a2.signals.values() if s.analyzer not in ("caption", "safe_zones"))
    assert a1.score == a2.score
    assert a1.media.analyzed_s == a2.media.analyzed_s


@pytest.mark.slow
def test_doctor_lists_every_analyzer_and_model():
    p = subprocess.run([sys.executable, "-m", "reelscore.presentation.cli", "doctor", "--json"],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    from reelscore.analyzers import all_analyzers

    assert {a["name"] for a in d["analyzers"]} == {a.name for a in all_analyzers()}
    assert all(isinstance(a["heuristic"], bool) and a["backend"] for a in d["analyzers"])
    names = {m["name"]: m for m in d["models"]}
    assert names["engagement-default"]["available"] and names["frame-quality-biq2021"]["available"]
    assert names["vader"]["trained"] is False and names["nima-ava-vgg16"]["available"] is False
    assert d["versions"]["torch"].startswith("2.13")
