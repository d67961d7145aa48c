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

    app = create_app(history_root=str(tmp_path / "hist"), max_file_mb=5)
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


def test_api_analyze_history_rescore_delete(client, clips):
    assert client.get("/api/v1/health").json()["status"] == "ok"
    with open(clips["a"], "rb") as f:
        r = client.post("/api/v1/analyze", files={"file": ("my clip.mp4", f, "video/mp4")},
                        data={"caption": "3 tips ☕ Save this!", "followers": "12000"})
    assert r.status_code == 202, r.text
    j = wait(client, r.json()["status_url"])
    assert j["status"] == "done" and 0 <= j["score"] <= 100
    e = client.get(f"/api/v1/history/{j['history_id']}").json()
    assert e["filename"] == "my clip.mp4" and e["result"]["caption"] == "3 tips ☕ Save this!"
    assert "media_path" not in e  # no server path leaks out
    rep = client.get(j["report_url"])
    assert rep.status_code == 200 and "<svg" in rep.text
    # re-score with another caption, from the stored media
    r = client.post(f"/api/v1/history/{j['history_id']}/rescore", json={"caption": "asdfgh"})
    j2 = wait(client, r.json()["status_url"])
    assert j2["status"] == "done" and client.get(f"/api/v1/history/{j2['history_id']}").json()["result"]["caption"] == "asdfgh"
    assert len(client.get("/api/v1/history").json()) == 2
    assert client.delete(f"/api/v1/history/{j['history_id']}").status_code == 200
    one_line(client.get(f"/api/v1/history/{j['history_id']}"), 404)
    assert len(client.get("/api/v1/history").json()) == 1


def test_api_caption_and_compare(client, clips):
    r = client.post("/api/v1/caption", json={"text": "3 coffee tips nobody tells you ☕ Save this!", "followers": 12000})
    assert r.status_code == 200 and r.json()["call_to_action"]["present"]
    files = [("files", ("cut A.mp4", open(clips["a"], "rb"), "video/mp4")),
             ("files", ("cut B.mp4", open(clips["b"], "rb"), "video/mp4"))]
    r = client.post("/api/v1/compare", files=files, data={"caption": "Which cut?"})
    j = wait(client, r.json()["status_url"])
    assert j["status"] == "done"
    names = [v["filename"] for v in j["ranking"]]
    assert sorted(names) == ["cut A.mp4", "cut B.mp4"]
    assert j["ranking"][0]["score"] >= j["ranking"][1]["score"]
    assert isinstance(j["ties"], list)


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
    assert client.get("/openapi.json").json()["paths"]["/api/v1/analyze"]


def test_busy_server_answers_503_with_retry_after(tmp_path, clips):
    from fastapi.testclient import TestClient

    from reelscore.presentation.web import create_app

    with TestClient(create_app(history_root=str(tmp_path / "h"), max_pending=0)) as c:
        with open(clips["tiny"], "rb") as f:
            r = c.post("/api/v1/analyze", files={"file": ("t.mp4", f, "video/mp4")})
        assert r.status_code == 503 and r.headers["retry-after"]


def test_token_required_when_set(tmp_path):
    from fastapi.testclient import TestClient

    from reelscore.presentation.web import create_app

    with TestClient(create_app(history_root=str(tmp_path / "h"), token="s3cret")) as c:
        assert c.get("/api/v1/health").status_code == 401
        assert c.get("/api/v1/health", headers={"X-Reelscore-Token": "s3cret"}).status_code == 200


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


@pytest.mark.slow
def test_browser_upload_compare_delete(server, clips):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    pw = pytest.importorskip("playwright.sync_api")
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail("chromium missing in CI (.ci/run installs Debian's chromium)")
        pytest.skip("no chromium here")
    url, _ = server
    SHOTS.mkdir(parents=True, exist_ok=True)
    with pw.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = b.new_page(viewport={"width": 900, "height": 1400})
        page.goto(url)
        page.fill("#caption", "3 coffee tips nobody tells you ☕ Save this!")
        page.wait_for_selector("#capscore:has-text('caption score')", timeout=60000)
        page.set_input_files("#file", str(clips["a"]))
        page.click("#go")
        page.wait_for_selector("#score", timeout=180000)
        score = float(page.inner_text("#score"))
        assert 0 <= score <= 100
        frame = page.frame_locator("#report")
        frame.locator("text=Over time").wait_for(timeout=60000)
        assert frame.locator("svg").count() >= 3
        assert frame.locator("img.cover").count() == 1
        page.screenshot(path=str(SHOTS / "report.png"), full_page=True)
        page.set_input_files("#file", [str(clips["a"]), str(clips["b"])])
        page.click("#compare")
        page.wait_for_selector("#ranking", timeout=300000)
        assert page.locator("#ranking tr").count() == 3
        assert page.locator("#ties").count() == 1
        page.screenshot(path=str(SHOTS / "compare.png"), full_page=True)
        n = page.locator("#history tr").count()
        page.locator("button.del").first.click()
        page.wait_for_function(f"document.querySelectorAll('#history tr').length === {n - 1}", timeout=30000)
        b.close()
    assert (SHOTS / "report.png").stat().st_size > 10000
