"""The local web app and HTTP API: the API as a client uses it (in process), 50 concurrent uploads
against a real server on loopback, and the page in a real headless Chromium (Debian's package driven
by Playwright), with screenshots saved under out/screenshots."""
from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "out" / "screenshots"


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    from reelscore.samples import make_video

    d = tmp_path_factory.mktemp("web")
    return {"a": make_video(d / "a.mp4", 270, 480, seconds=2.0, cuts=(1.0,), audio="beat", seed=1),
            "b": make_video(d / "b.mp4", 270, 480, seconds=2.5, cuts=(), audio="tone", seed=2, moving=False),
            "tiny": make_video(d / "tiny.mp4", 144, 256, seconds=1.0, cuts=(), audio="beat", seed=3)}


@pytest.fixture()
def client(tmp_path):
    from fastapi.testclient import TestClient

    from reelscore.presentation.web import create_app

    app = create_app(history_root=str(tmp_path / "hist"), max_file_mb=5, warm=False)
    with TestClient(app) as c:
        yield c


def wait(client, url, timeout=180):
    t0 = time.time()
    while time.time() - t0 < timeout:
        j = client.get(url).json()
        if j["status"] in ("done", "failed"):
            return j
        time.sleep(0.2)
    raise AssertionError("job did not finish")


def one_line(r, status):
    assert r.status_code == status, (r.status_code, r.text)
    d = r.json()["detail"]
    assert isinstance(d, str) and "\n" not in d and d
    return d


REAL = ROOT.parent / "shared" / "media" / "real"


def test_api_analyze_history_media_rescore_delete(client):
    """A real clip a browser cannot play as it is (MPEG-1 in MPEG-PS): the entry carries the timeline,
    pictures and an H.264 copy served with byte ranges; re-scoring with another caption reuses the
    video's cached signals (no decode) and its pictures; deleting one entry keeps the shared upload."""
    from conftest import need

    clip = need(REAL / "grid_lipnet" / "bbaf2n.mpg")
    assert client.get("/api/v1/health").json()["status"] == "ok"
    with open(clip, "rb") as f:
        r = client.post("/api/v1/analyze", files={"file": ("my clip.mpg", f, "video/mpeg")},
                        data={"caption": "3 tips ☕ Save this!", "followers": "12000"})
    assert r.status_code == 202, r.text
    assert r.json()["queue_position"] in (0, 1) and r.json()["expected_wait_s"] > 0
    j = wait(client, r.json()["status_url"])
    assert j["status"] == "done" and 0 <= j["score"] <= 100 and j["stage_text"] == "Done"
    e = client.get(f"/api/v1/history/{j['history_id']}").json()
    assert e["filename"] == "my clip.mpg" and e["result"]["caption"] == "3 tips ☕ Save this!"
    assert e["account"] == {"followers": 12000.0} and e["band"]
    assert "media_path" not in e and "report_path" not in e  # no server path leaks out
    tl = e["timeline"]
    assert tl["duration_s"] == pytest.approx(3.0, abs=0.1) and tl["hook"]["end"] == pytest.approx(3.0, abs=0.1)
    assert tl["speech"] and tl["faces"] and tl["worst_frame"] is not None  # a talking head, speaking from 1.0 s
    assert all(0 <= s["start"] < s["end"] <= tl["duration_s"] + 1e-6 for s in tl["speech"] + tl["faces"] + tl["static"])
    assert len(e["frames"]) >= 3 and e["cover"] is not None
    pic = client.get(e["cover"]["url"])
    assert pic.status_code == 200 and pic.content[:3] == b"\xff\xd8\xff"
    # the page's <video>: not playable as uploaded, so an H.264 MP4 copy, with byte ranges for seeking
    assert e["media"]["original_playable"] is False
    m = client.get(e["media"]["url"], headers={"Range": "bytes=100-199"})
    assert m.status_code == 206 and m.headers["content-range"].startswith("bytes 100-199/") and len(m.content) == 100
    assert m.headers["content-type"] == "video/mp4"
    full = client.get(e["media"]["url"]).content
    assert full[4:8] == b"ftyp"
    rep = client.get(j["report_url"])
    assert rep.status_code == 200 and "<svg" in rep.text and "Suggested cover" in rep.text
    # re-score with another caption, from the stored media: no decode
    r = client.post(f"/api/v1/history/{j['history_id']}/rescore", json={"caption": "asdfgh"})
    j2 = wait(client, r.json()["status_url"])
    e2 = client.get(f"/api/v1/history/{j2['history_id']}").json()
    assert j2["status"] == "done" and e2["result"]["caption"] == "asdfgh" and e2["account"] == {"followers": 12000.0}
    assert "decode" not in e2["result"]["timings"], e2["result"]["timings"]
    assert len(e2["frames"]) == len(e["frames"]) and e2["cover"] is not None
    assert len(client.get("/api/v1/history").json()) == 2
    assert client.delete(f"/api/v1/history/{j['history_id']}").status_code == 200
    one_line(client.get(f"/api/v1/history/{j['history_id']}"), 404)
    assert len(client.get("/api/v1/history").json()) == 1
    assert client.get(e2["media"]["url"]).status_code == 200  # the re-scored entry still has its video
    assert client.delete(f"/api/v1/history/{j2['history_id']}").status_code == 200
    hist = client.app.state.services.history
    assert not any((hist.root / "media").iterdir()) and not any((hist.root / "assets").iterdir())


def test_caption_drafts_are_fast_and_differ(client, clips):
    with open(clips["a"], "rb") as f:
        r = client.post("/api/v1/analyze", files={"file": ("a.mp4", f, "video/mp4")}, data={"followers": "5000"})
    j = wait(client, r.json()["status_url"])
    eid = j["history_id"]
    caps = ["3 coffee tips nobody tells you ☕ Save this for later! #coffee", "", "asdfgh asdfgh"]
    client.post(f"/api/v1/history/{eid}/captions", json={"captions": caps[:1]})  # first call loads the caption model
    t0 = time.time()
    d = client.post(f"/api/v1/history/{eid}/captions", json={"captions": caps}).json()
    took = time.time() - t0
    assert [x["caption"] for x in d["drafts"]] == caps
    assert len({round(x["score"], 1) for x in d["drafts"]}) >= 2  # the caption moves the score
    assert len({x["caption_points"] for x in d["drafts"]}) == 3 and all(x["band"] for x in d["drafts"])
    assert 0 <= d["best"] < 3 and d["noise_points"] > 0
    assert took < 10, took  # three drafts from the cached signals (a full analysis decodes the video)
    # the same caption as an analysis gives the same score as a re-score job would
    r = client.post(f"/api/v1/history/{eid}/rescore", json={"caption": caps[0]})
    j2 = wait(client, r.json()["status_url"])
    assert j2["score"] == pytest.approx(d["drafts"][0]["score"], abs=1e-6)
    one_line(client.post(f"/api/v1/history/{eid}/captions", json={"captions": []}), 422)
    one_line(client.post("/api/v1/history/nope/captions", json={"captions": ["x"]}), 404)


def test_api_caption_and_compare(client, clips):
    r = client.post("/api/v1/caption", json={"text": "3 coffee tips nobody tells you ☕ Save this!", "followers": 12000})
    assert r.status_code == 200 and r.json()["call_to_action"]["present"]
    files = [("files", ("cut A.mp4", open(clips["a"], "rb"), "video/mp4")),
             ("files", ("cut B.mp4", open(clips["b"], "rb"), "video/mp4"))]
    r = client.post("/api/v1/compare", files=files, data={"caption": "Which cut?"})
    j = wait(client, r.json()["status_url"])
    assert j["status"] == "done" and j["kind"] == "compare"
    c = j["compare"]
    assert sorted(v["name"] for v in c["variants"]) == ["cut A.mp4", "cut B.mp4"]
    assert c["variants"][0]["score"] >= c["variants"][1]["score"]
    for v in c["variants"]:  # factor -> points, for every factor of the analysis
        e = client.get(f"/api/v1/history/{v['history_id']}").json()
        want = {x["name"]: x["contribution"] for x in e["result"]["components"] if x["contribution"] is not None}
        assert v["components"] == pytest.approx(want, abs=1e-3)
    verdict = c["verdict"]
    assert verdict["reason"] and isinstance(verdict["tie"], bool)
    assert ("cannot be told apart" in verdict["reason"]) == verdict["tie"]
    assert abs(verdict["margin_points"] - (c["variants"][0]["score"] - c["variants"][1]["score"])) < 1e-6
    assert {r_["factor"] for r_ in c["factors"]} >= set(c["variants"][0]["components"])
    # the same entries compared from the history: at once, the same verdict
    ids = [v["history_id"] for v in c["variants"]]
    h = client.post("/api/v1/compare/history", json={"ids": ids})
    assert h.status_code == 200 and h.json()["verdict"]["reason"] == verdict["reason"]
    one_line(client.post("/api/v1/compare/history", json={"ids": ids[:1]}), 422)
    one_line(client.post("/api/v1/compare/history", json={"ids": [ids[0], "nope"]}), 404)


@pytest.fixture(scope="module")
def fix_clip(tmp_path_factory):
    """360x640, 3 s: a frozen, silent first 0.8 s and quiet sound (about -23 LUFS) at 44.1 kHz, so a
    fix has work to do (trim, loudness, export) without reframing."""
    from reelscore.samples import make_video

    return make_video(tmp_path_factory.mktemp("fix") / "draft.mp4", 360, 640, seconds=3.0, cuts=(1.0, 2.0),
                      audio="beat", audio_start=0.8, moving=False, seed=4)


def _analyzed(client, path, name, **data):
    with open(path, "rb") as f:
        r = client.post("/api/v1/analyze", files={"file": (name, f, "video/mp4")}, data=data)
    assert r.status_code == 202, r.text
    j = wait(client, r.json()["status_url"])
    assert j["status"] == "done", j
    return client.get(f"/api/v1/history/{j['history_id']}").json()


def test_fix_job_makes_a_downloadable_fixed_copy(client, fix_clip):
    """"Download fixed version": `reelscore fix` on the stored upload as a job, for the entry's platform,
    with its caption and account; progress in words; the fixed MP4 and its cover stored in the entry's
    assets and downloadable; the score before (the entry's) and after, applied/skipped with reasons,
    changed factors; the upload untouched; no server path in the answer."""
    import hashlib

    from reelscore.ingest import probe
    from reelscore.presentation.web.jobs import plain

    e = _analyzed(client, fix_clip, "my draft.mp4", caption="3 tips ☕ Save this!", followers="5000", platform="tiktok")
    hist = client.app.state.services.history
    upload = client.app.state.services.entry(e["id"])["media_path"]
    digest = hashlib.sha256(Path(upload).read_bytes()).hexdigest()
    assert e["fixes"] == []
    r = client.post(f"/api/v1/history/{e['id']}/fix", json={})
    assert r.status_code == 202, r.text
    words = set()
    for _ in range(1500):
        j = client.get(r.json()["status_url"]).json()
        words.add(j["stage_text"])
        if j["status"] in ("done", "failed", "cancelled"):
            break
        time.sleep(0.05)
    assert j["status"] == "done" and j["kind"] == "fix", j
    assert not any(":" in w or w.startswith("fix") for w in words), words  # plain words, no stage names
    assert plain("fix:render") == "Rendering the fixed video" and plain("fix:reanalyze") == "Checking the result"
    fx = j["fix"]
    assert fx["platform"] == "tiktok" and fx["entry_id"] == e["id"]
    assert fx["score_before"] == pytest.approx(e["score"], abs=0.05)  # same video, caption, account, platform
    assert {"loudness", "trim", "export", "cover"} <= set(fx["applied"])
    assert fx["skipped"]["reframe"].startswith("already 9:16")
    assert abs(fx["loudness_after_lufs"] - fx["loudness_target_lufs"]) <= 1.0
    assert fx["trimmed_start_s"] == pytest.approx(0.8, abs=0.15)
    audio = next(c for c in fx["changed_factors"] if c["name"] == "audio")
    assert audio["score_after"] > audio["score_before"]
    assert fx["input"] == "my draft.mp4" and fx["output"] == "my draft.fixed-tiktok.mp4"
    assert str(hist.root) not in json.dumps(j)  # names, never paths on the server
    # the downloads: an MP4 that decodes, trimmed, and its cover
    v = client.get(fx["video_url"])
    assert v.status_code == 200 and v.headers["content-type"] == "video/mp4"
    assert "my%20draft.fixed-tiktok.mp4" in v.headers["content-disposition"] and "attachment" in v.headers["content-disposition"]
    got = Path(client.app.state.services.history.assets_dir(e["id"])) / fx["video_url"].rsplit("/", 1)[1]
    assert got.read_bytes() == v.content
    info = probe(got)
    assert (info.width, info.height) == (360, 640) and info.duration_s == pytest.approx(2.2, abs=0.2)
    c = client.get(fx["cover_url"])
    assert c.status_code == 200 and c.content[:3] == b"\xff\xd8\xff"
    assert hashlib.sha256(Path(upload).read_bytes()).hexdigest() == digest  # the upload is untouched
    # the entry offers it; a second fix for the platform replaces the first
    assert [f["fix_id"] for f in client.get(f"/api/v1/history/{e['id']}").json()["fixes"]] == [fx["fix_id"]]
    r2 = client.post(f"/api/v1/history/{e['id']}/fix", json={"only": ["loudness"]})
    j2 = wait(client, r2.json()["status_url"])
    assert j2["status"] == "done" and j2["fix"]["applied"] == ["loudness"]
    assert j2["fix"]["skipped"]["trim"] == "not asked for (--only)"
    assert sorted(p.name for p in got.parent.glob("fixed-*.mp4")) == [j2["fix"]["video_url"].rsplit("/", 1)[1]]
    one_line(client.get(fx["video_url"]), 404)
    one_line(client.get(f"/api/v1/history/{e['id']}/fixed/../../media.mp4"), 404)
    # deleting the entry deletes its fixed copies
    assert client.delete(f"/api/v1/history/{e['id']}").status_code == 200
    assert not got.parent.exists()


def test_fix_refusals_are_one_line_4xx(client, fix_clip, tmp_path):
    """What fix refuses is refused at once, before any work: an image, unknown fixes, a platform that is
    not one; a queued fix job can be cancelled and leaves nothing."""
    from PIL import Image

    img = tmp_path / "still.png"
    Image.fromarray(np.full((640, 360, 3), 120, np.uint8)).save(img)
    with open(img, "rb") as f:
        r = client.post("/api/v1/analyze", files={"file": ("still.png", f, "image/png")})
    pic = wait(client, r.json()["status_url"])["history_id"]
    assert one_line(client.post(f"/api/v1/history/{pic}/fix", json={}), 422) == \
        "still.png: is an image; reelscore fix works on videos"
    e = _analyzed(client, fix_clip, "d.mp4")
    assert "unknown fix 'sharpen'" in one_line(client.post(f"/api/v1/history/{e['id']}/fix", json={"only": ["sharpen"]}), 422)
    one_line(client.post(f"/api/v1/history/{e['id']}/fix", json={"platform": "all"}), 422)
    one_line(client.post(f"/api/v1/history/{e['id']}/fix", json={"platform": "myspace"}), 422)
    one_line(client.post(f"/api/v1/history/{e['id']}/fix", json={"colour": True}), 422)
    one_line(client.post("/api/v1/history/nope/fix", json={}), 404)
    # cancelled while queued: nothing is written
    svc = client.app.state.services
    gate = threading.Event()
    b = svc.jobs.submit("analyze", lambda p: (gate.wait(10), {})[1], units=1)
    acc = client.post(f"/api/v1/history/{e['id']}/fix", json={}).json()
    assert acc["queue_position"] == 1
    c = client.delete(f"/api/v1/jobs/{acc['job_id']}").json()
    gate.set()
    assert c["status"] == "cancelled" and not list(svc.history.assets_dir(e["id"]).glob("fixed-*"))
    wait(client, f"/api/v1/jobs/{b.id}")


def test_platform_all_shows_each_platform_with_its_overlays(client, tmp_path):
    """platform=all: the result is for Reels (the default) and the entry carries all three platforms,
    each with its overlays, what it hides (a title in the bottom 16 %), the frame where it does and the
    calibration note; a re-score keeps the platforms."""
    from reelscore.samples import make_title_clip

    clip, box = make_title_clip(tmp_path / "title.mp4", "DAY 1 IN THE WILD", center=(0.5, 0.84), height=0.035,
                                width_px=540, height_px=960, seconds=2.0, fps=15)
    e = _analyzed(client, clip, "title.mp4", platform="all")
    assert e["result"]["platform"] == "reels"
    ps = e["platforms"]
    assert [p["name"] for p in ps] == ["reels", "tiktok", "shorts"] and [p["primary"] for p in ps] == [True, False, False]
    for p in ps:
        assert p["overlays"] and all(len(o["box"]) == 4 for o in p["overlays"]) and p["loudness_lufs"] < 0
        assert p["text_hidden"] and p["hidden"][0]["kind"] == "text", p  # the bottom bar covers the title everywhere
        assert p["hidden_frame"] is not None and client.get(p["hidden_frame"]["url"]).status_code == 200
    assert "TikTok-calibrated" in ps[0]["calibration"] and "TikTok-calibrated" not in ps[1]["calibration"]
    assert len({p["duration_advice"] for p in ps}) == 3  # each platform's own length advice
    r = client.post(f"/api/v1/history/{e['id']}/rescore", json={"caption": "new caption"})
    e2 = client.get(f"/api/v1/history/{wait(client, r.json()['status_url'])['history_id']}").json()
    assert [p["name"] for p in e2["platforms"]] == ["reels", "tiktok", "shorts"] and e2["platforms"][0]["hidden_frame"]
    one = _analyzed(client, clip, "title.mp4", platform="shorts")
    assert [p["name"] for p in one["platforms"]] == ["shorts"] and one["result"]["platform"] == "shorts"


def test_cancel_a_queued_and_a_running_job(client, clips):
    """A queued job leaves the queue at once (its upload deleted); a running one stops at its next
    progress report; the queue positions and expected waits follow."""
    svc = client.app.state.services
    gate = threading.Event()

    def blocker(progress):
        while not gate.is_set():
            progress("decode", 0.1)
            time.sleep(0.02)
        return {}
    b = svc.jobs.submit("analyze", blocker, units=5)
    with open(clips["a"], "rb") as f:
        r = client.post("/api/v1/analyze", files={"file": ("q.mp4", f, "video/mp4")})
    acc = r.json()
    assert acc["queue_position"] == 1 and acc["expected_wait_s"] > 0
    q = client.get(acc["status_url"]).json()
    assert q["status"] == "queued" and q["stage_text"] == "Waiting for its turn" and q["queue_position"] == 1
    assert client.get("/api/v1/jobs").json()[-1]["id"] == acc["job_id"]
    uploads = list((svc.history.root / "media").iterdir())
    assert len(uploads) == 1
    c = client.delete(f"/api/v1/jobs/{acc['job_id']}").json()
    assert c["status"] == "cancelled" and c["queue_position"] is None
    assert not uploads[0].exists()
    # the running blocker: cancelled at its next progress report
    assert client.get(f"/api/v1/jobs/{b.id}").json()["stage_text"] == "Reading the video"
    client.delete(f"/api/v1/jobs/{b.id}")
    for _ in range(100):
        if svc.jobs.get(b.id).status == "cancelled":
            break
        time.sleep(0.05)
    assert svc.jobs.get(b.id).status == "cancelled"
    gate.set()
    one_line(client.delete("/api/v1/jobs/nope"), 404)


def test_the_warm_up_loads_then_yields_to_real_work(tmp_path, clips, monkeypatch):
    """The start-up warm-up runs first; an upload arriving meanwhile waits for its loading (the
    analyzers) but not for its scoring."""
    from fastapi.testclient import TestClient

    from reelscore.presentation.web import create_app
    from reelscore.presentation.web.service import Services

    steps = []

    def fake_analyze(path, progress=None, **kw):  # the warm-up's analysis: 20 analyzer steps, then a long scoring
        for i in range(1, 21):
            time.sleep(0.05)
            steps.append(("analyze", i))
            progress("analyze:x", i / 20)
        for i in range(600):
            time.sleep(0.1)
            steps.append(("scoring", i))
            progress("scoring", 1.0)
    orig = Services.warmup
    monkeypatch.setattr(Services, "warmup", lambda self: orig(self, analyze=fake_analyze))
    with TestClient(create_app(history_root=str(tmp_path / "h"), warm=True)) as c:
        svc = c.app.state.services
        for _ in range(100):
            if svc.warmup_job.status == "running":
                break
            time.sleep(0.02)
        assert not c.get("/api/v1/health").json()["warm"]
        with open(clips["tiny"], "rb") as f:
            r = c.post("/api/v1/analyze", files={"file": ("t.mp4", f, "video/mp4")})
        assert r.json()["queue_position"] == 1
        j = wait(c, r.json()["status_url"])
        assert j["status"] == "done" and svc.warmup_job.status == "cancelled"
        assert ("analyze", 20) in steps and not any(k == "scoring" for k, _ in steps)
        assert c.get("/api/v1/health").json()["warm"]


def test_job_queue_words_positions_and_waits():
    from reelscore.presentation.web.jobs import JobQueue, overall, plain

    assert plain("decode") == "Reading the video" and plain("analyze:faces") == "Finding faces"
    assert plain("analyze:audio") == "Measuring sound" and plain("scoring") == "Scoring"
    assert plain("analyze:newthing").startswith("Analyzing")
    fr = [overall("decode", 0), overall("decode", 1), overall("analyze:x", 0.5), overall("analyze:x", 1), overall("scoring", 1)]
    assert fr == sorted(fr) and fr[0] == 0 and fr[-1] < 1
    q = JobQueue(workers=1, max_pending=3)
    gate = threading.Event()
    first = q.submit("analyze", lambda p: (gate.wait(5), {})[1], units=10)
    second = q.submit("analyze", lambda p: {"score": 1.0}, units=10)
    third = q.submit("analyze", lambda p: {}, units=10)
    assert q.submit("analyze", lambda p: {}) is None  # full
    time.sleep(0.1)
    assert q.position(first) == 0 and q.position(second) == 1 and q.position(third) == 2
    assert 0 < q.remaining(first) < q.remaining(second) < q.remaining(third)
    q.cancel(second.id)
    assert second.status == "cancelled" and q.position(third) == 1
    gate.set()
    for _ in range(100):
        if third.status == "done":
            break
        time.sleep(0.05)
    assert first.status == "done" and third.status == "done" and q.rate["analyze"] >= 0
    q.shutdown()


def test_openapi_has_a_response_schema_for_every_endpoint(client):
    doc = client.get("/openapi.json").json()
    missing = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            ok = [c for code, resp in op["responses"].items() if code.startswith("2")
                  for c in resp.get("content", {}).values() if c.get("schema")]
            if not ok:
                missing.append(f"{method.upper()} {path}")
    assert not missing, missing
    schemas = doc["components"]["schemas"]
    for name in ("JobAccepted", "JobStatus", "CompareResult", "HistoryEntry", "HistoryItem", "Health", "CaptionDrafts",
                 "FixOut", "FixRequest", "PlatformView"):
        assert schemas[name]["properties"], name
    assert "fix" in schemas["JobStatus"]["properties"] and "score_after" in schemas["FixOut"]["properties"]
    assert "/api/v1/history/{eid}/fix" in doc["paths"]
    assert "components" in schemas["Variant"]["properties"] and "reason" in schemas["Verdict"]["properties"]


def test_api_refusals_are_4xx_one_line(client, tmp_path):
    one_line(client.post("/api/v1/analyze", files={"file": ("x.mp4", io.BytesIO(b"not a video at all" * 50), "video/mp4")}), 415)
    one_line(client.post("/api/v1/analyze", files={"file": ("x.mp4", io.BytesIO(b""), "video/mp4")}), 422)
    one_line(client.post("/api/v1/analyze", files={"file": ("big.mp4", io.BytesIO(b"\0" * (6 << 20)), "video/mp4")}), 413)
    one_line(client.post("/api/v1/analyze", data={"caption": "no file"}), 422)
    one_line(client.post("/api/v1/analyze", data={"path": "../../etc/passwd"}), 403)
    one_line(client.post("/api/v1/analyze", files={"file": ("a.mp4", io.BytesIO(b"x"), "video/mp4")},
                         data={"followers": "-5"}), 422)
    one_line(client.get("/api/v1/jobs/nope"), 404)
    one_line(client.post("/api/v1/caption", json={"text": 5}), 422)
    one_line(client.post("/api/v1/compare", files=[("files", ("a.mp4", io.BytesIO(b"x"), "video/mp4"))]), 422)
    r = client.post("/api/v1/analyze", content=b"--broken\r\nnot multipart", headers={"Content-Type": "multipart/form-data; boundary=broken"})
    assert 400 <= r.status_code < 500 and "\n" not in r.json()["detail"]
    one_line(client.get("/api/v1/history/nope/pictures/frame-0.jpg"), 404)
    one_line(client.get("/api/v1/history/nope/media"), 404)
    one_line(client.post("/api/v1/analyze", files={"file": ("a.mp4", io.BytesIO(b"x"), "video/mp4")},
                         data={"platform": "myspace"}), 422)


def test_busy_server_answers_503_with_retry_after(tmp_path, clips):
    from fastapi.testclient import TestClient

    from reelscore.presentation.web import create_app

    with TestClient(create_app(history_root=str(tmp_path / "h"), max_pending=0, warm=False)) as c:
        with open(clips["tiny"], "rb") as f:
            r = c.post("/api/v1/analyze", files={"file": ("t.mp4", f, "video/mp4")})
        assert r.status_code == 503 and r.headers["retry-after"]


def test_token_required_when_set(tmp_path):
    from fastapi.testclient import TestClient

    from reelscore.presentation.web import create_app

    with TestClient(create_app(history_root=str(tmp_path / "h"), token="s3cret", warm=False)) as c:
        assert c.get("/api/v1/health").status_code == 401
        assert c.get("/api/v1/health", headers={"X-Reelscore-Token": "s3cret"}).status_code == 200
        assert c.get("/").status_code == 200  # the page loads, then asks for the token
        c.cookies.set("reelscore_token", "s3cret")  # what the page sets: <video>/<img> requests carry it
        assert c.get("/api/v1/health").status_code == 200


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


@pytest.fixture()
def server(tmp_path):
    port = _free_port()
    env = dict(os.environ, REELSCORE_DATA_DIR=str(tmp_path / "data"))
    p = subprocess.Popen([sys.executable, "-m", "reelscore.presentation.cli", "serve", "--port", str(port),
                          "--max-pending", "16"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    import httpx

    for _ in range(150):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        p.kill()
        raise AssertionError(p.stderr.read().decode()[-2000:])
    yield f"http://127.0.0.1:{port}", p
    p.terminate()
    p.wait(10)


@pytest.mark.slow
def test_50_concurrent_uploads_bounded_memory_no_mixups(server, clips):
    import httpx
    import psutil

    url, proc = server
    data = clips["tiny"].read_bytes()
    results, peak = {}, [0]
    stop = threading.Event()

    def watch():
        ps = psutil.Process(proc.pid)
        while not stop.is_set():
            try:
                peak[0] = max(peak[0], ps.memory_info().rss + sum(c.memory_info().rss for c in ps.children(True)))
            except psutil.Error:
                pass
            time.sleep(0.1)

    def one(i):
        with httpx.Client(base_url=url, timeout=300) as c:
            for _ in range(200):  # a busy server says 503 + Retry-After: wait and retry
                r = c.post("/api/v1/analyze", files={"file": (f"u{i}.mp4", data, "video/mp4")},
                           data={"caption": f"upload number {i}"})
                if r.status_code != 503:
                    break
                time.sleep(float(r.headers.get("retry-after", "1")) / 10)
            assert r.status_code == 202, r.text
            url_ = r.json()["status_url"]
            while True:
                j = c.get(url_).json()
                if j["status"] in ("done", "failed"):
                    break
                time.sleep(0.3)
            e = c.get(f"/api/v1/history/{j['history_id']}").json()
            results[i] = (j["status"], e["result"]["caption"], e["filename"])

    w = threading.Thread(target=watch, daemon=True)
    w.start()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(900)
    stop.set()
    assert len(results) == 50
    for i, (status, caption, name) in results.items():
        assert status == "done" and caption == f"upload number {i}" and name == f"u{i}.mp4"
    print(f"peak RSS of the server: {peak[0] / 2**20:.0f} MiB")
    assert peak[0] < 1.5 * 2**30


def _no_horizontal_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def _check_result(page, url, shots_prefix):
    """What a creator must see after an upload, all on the page (no frame with its own scroll box)."""
    import httpx

    page.wait_for_selector("#components", timeout=300000)
    latest = httpx.get(f"{url}/api/v1/history").json()[0]
    res = httpx.get(f"{url}/api/v1/history/{latest['id']}").json()["result"]
    assert page.locator("iframe").count() == 0
    assert float(page.inner_text("#score")) == pytest.approx(res["score"], abs=0.5)
    assert page.locator("#components tbody tr").count() == len(res["components"])  # every factor
    for c in res["components"]:
        assert page.locator(f'#components tr[data-factor="{c["name"]}"]').is_visible()
    assert page.locator("#suggestions li").count() == min(12, len(res["suggestions"])) > 0
    assert page.locator("#contrib li").count() >= len(res["components"]) - 2
    assert page.locator("#numbers tbody tr").count() == 5
    # pictures loaded (not broken links), the cover among them
    page.wait_for_function("[...document.querySelectorAll('#frames img, #cover')].every(i => i.complete && i.naturalWidth > 0)",
                           timeout=30000)
    assert page.locator("#frames img").count() >= 3 and page.locator("#cover").is_visible()
    # the upload plays: metadata loaded, a duration
    page.wait_for_function("document.querySelector('#video') && document.querySelector('#video').readyState >= 1",
                           timeout=120000)
    dur = page.evaluate("document.querySelector('#video').duration")
    assert dur == pytest.approx(res["media"]["duration_s"], abs=0.6) and dur > 0
    assert page.locator("#timeline svg rect").count() >= 2
    # a suggestion's or a factor's evidence moves the video there
    chips = page.locator("[data-seek]")
    target = None
    for i in range(chips.count()):
        t = float(chips.nth(i).get_attribute("data-seek"))
        if 0.3 < t < dur - 0.2:
            target = chips.nth(i)
            break
    assert target is not None
    t = float(target.get_attribute("data-seek"))
    target.click()
    page.wait_for_function(f"Math.abs(document.querySelector('#video').currentTime - {t}) < 0.3", timeout=10000)
    return res


@pytest.mark.slow
def test_browser_desktop_and_phone(server):
    """Real clips uploaded in Chromium at 1280x900 and 390x844: the whole result on the page, the video
    with its timeline, caption drafts, drafts compared side by side, the history; screenshots saved."""
    from conftest import need

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    pw = pytest.importorskip("playwright.sync_api")
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail("chromium missing in CI (.ci/run installs Debian's chromium)")
        pytest.skip("no chromium here")
    talking = need(REAL / "grid_lipnet" / "bbaf2n.mpg")  # MPEG-1: the page plays an H.264 copy
    portrait = need(REAL / "openmpf" / "cat.mp4")  # 360x640 H.264: played as uploaded
    url, _ = server
    SHOTS.mkdir(parents=True, exist_ok=True)
    with pw.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        errors = []
        # ---- desktop
        page = b.new_page(viewport={"width": 1280, "height": 900})
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url)
        # every control is labelled
        unlabelled = page.evaluate("""[...document.querySelectorAll('input, select, textarea, button')]
            .filter(e => !e.closest('[hidden]') && !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())
            .map(e => e.id || e.outerHTML.slice(0, 60))""")
        assert not unlabelled, unlabelled
        page.fill("#caption", "3 coffee tips nobody tells you ☕ Save this!")
        page.wait_for_selector("#capscore:has-text('Caption score')", timeout=60000)
        page.fill("#followers", "12000")
        # the platform choice is on the form, Reels by default, "all" among the choices
        assert page.locator("#platform").is_visible() and page.input_value("#platform") == "reels"
        assert page.locator("#platform option[value=all]").count() == 1
        page.set_input_files("#file", str(talking))
        page.click("#go")
        page.wait_for_selector("#job .stage", timeout=30000)
        words = page.inner_text("#job")
        assert "analyze:" not in words and "decode" not in words and "Cancel" in words, words
        res = _check_result(page, url, "desktop")
        assert res["media"]["path"] == "bbaf2n.mpg"
        # what the score means, the post effect, the account outlook, the platform and its calibration
        assert "not your account" in page.inner_text("#score-meaning")
        assert page.locator("#post-effect").is_visible() and "×" in page.inner_text("#post-effect")
        assert "typical post of yours" in page.inner_text("#outlook")
        assert "Instagram Reels" in page.inner_text("#result-platform") and res["platform"] == "reels"
        assert page.locator("#calibration").is_visible() and "TikTok-calibrated" in page.inner_text("#calibration")
        assert page.locator("#components tr[data-factor] .muted:has-text('neutral')").count() >= len(res["components"]) - 2
        assert page.locator("#platforms .phone svg rect").count() >= 3  # the interface drawn over the cover
        assert page.locator("#checks li").count() == len(res["checks"])
        # a second caption draft, scored as it is typed
        page.fill("#draft-1", "Wait for the end 👀 which word did he say? Comment below #grid")
        page.wait_for_selector("#drafts .draft:nth-child(2) .dscore", timeout=60000)
        assert page.locator("#drafts .dscore").count() == 2
        page.evaluate("(v => { v.preload = 'auto'; v.load(); })(document.querySelector('#video')); window.scrollTo(0, 0)")  # back to its poster
        page.wait_for_function("document.querySelector('#video').readyState >= 3", timeout=30000)
        page.wait_for_timeout(1000)
        page.screenshot(path=str(SHOTS / "desktop_result.png"), full_page=True)
        # "Download fixed version": a fix job with progress, then the download and the before/after
        with page.expect_download(timeout=300000) as dl:
            page.click("#fix-go")
            page.wait_for_selector("#fix-res", timeout=300000)
        assert dl.value.suggested_filename == "bbaf2n.fixed-reels.mp4"
        assert "reframe" in page.inner_text("#fix-applied") and page.locator("#fix-factors tbody tr").count() >= 1
        assert float(page.inner_text("#fix-after")) >= 0 and page.locator("#fix-download").is_visible()
        page.locator("#fix-h").scroll_into_view_if_needed()
        page.locator("#fix").screenshot(path=str(SHOTS / "desktop_fix.png"))
        # compare two drafts
        page.click("#tab-btn-compare")
        page.set_input_files("#cfiles", [str(talking), str(portrait)])
        page.fill("#ccaption", "Which one? #fyp")
        page.click("#compare")
        page.wait_for_selector("#compare-table", timeout=300000)
        verdict = page.inner_text("#verdict")
        assert ("wins by" in verdict and "points" in verdict) or "cannot be told apart" in verdict
        n_factors = page.locator("#compare-table tbody tr").count()
        assert n_factors >= len(res["components"]) - 2 and page.locator("#compare-table thead th").count() == 3
        assert page.locator("#variants .variant").count() == 2
        assert page.locator("#variants .veffect").count() == 2  # each draft's post effect with its range
        page.screenshot(path=str(SHOTS / "desktop_compare.png"), full_page=True)
        # history: the chart and the list; delete one
        page.click("#tab-btn-history")
        page.wait_for_selector("#history tbody tr", timeout=30000)
        n = page.locator("#history tbody tr").count()
        assert n == 3 and page.locator("#chart circle").count() == 3
        page.screenshot(path=str(SHOTS / "desktop_history.png"), full_page=True)
        page.on("dialog", lambda d: d.accept())
        page.locator("#history button.del").last.click()
        page.wait_for_function(f"document.querySelectorAll('#history tbody tr').length === {n - 1}", timeout=30000)
        page.close()
        # ---- phone
        page = b.new_page(viewport={"width": 390, "height": 844}, has_touch=True)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url)
        assert _no_horizontal_scroll(page)
        # by keyboard: Tab reaches the controls, with a visible focus ring
        seen = []
        for _ in range(12):
            page.keyboard.press("Tab")
            seen.append(page.evaluate("document.activeElement.id"))
            if seen[-1] == "go":
                break
        assert {"file", "caption", "followers", "platform", "go"} <= set(seen), seen
        assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
        page.set_input_files("#file", str(portrait))
        page.select_option("#platform", "all")  # checked for every platform: the differences shown
        page.focus("#go")
        page.keyboard.press("Enter")  # submits the form from the focused Analyze button
        _check_result(page, url, "phone")
        assert _no_horizontal_scroll(page)
        assert page.locator("#platform-diffs").is_visible() and page.locator("#platforms .plat").count() == 3
        page.evaluate("(v => { v.preload = 'auto'; v.load(); })(document.querySelector('#video')); window.scrollTo(0, 0)")
        page.wait_for_function("document.querySelector('#video').readyState >= 3", timeout=30000)
        page.wait_for_timeout(1000)
        page.screenshot(path=str(SHOTS / "phone_result.png"), full_page=True)
        # compare two history entries (no new analysis)
        page.click("#tab-btn-history")
        page.wait_for_selector("#history tbody tr", timeout=30000)
        page.locator("#history .pick").nth(0).check()
        page.locator("#history .pick").nth(1).check()
        page.click("#compare-selected")
        page.wait_for_selector("#compare-table", timeout=30000)
        assert _no_horizontal_scroll(page)
        page.screenshot(path=str(SHOTS / "phone_compare.png"), full_page=True)
        page.click("#tab-btn-history")
        page.wait_for_selector("#history tbody tr", timeout=30000)
        assert _no_horizontal_scroll(page)
        page.screenshot(path=str(SHOTS / "phone_history.png"), full_page=True)
        b.close()
    assert not errors, errors
    for name in ("desktop_result", "desktop_compare", "desktop_fix", "phone_result", "phone_compare"):
        assert (SHOTS / f"{name}.png").stat().st_size > 10000
