"""Catalogue scoring: `reelscore batch` on a folder with a bad file records every item (errors too),
uses worker processes, resumes a killed run without redoing finished items, and writes reports with
an index."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    from reelscore.samples import make_video

    d = tmp_path_factory.mktemp("catalogue")
    for i in range(4):
        make_video(d / f"clip{i}.mp4", 270, 480, seconds=2.0 + i * 0.5, cuts=(1.0,), audio="beat", seed=i)
    (d / "broken.mp4").write_bytes(b"\x00" * 5000)
    return d


def cli(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "reelscore.presentation.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout)


def lines(path):
    return [json.loads(ln) for ln in path.read_text().splitlines() if ln.strip()]


@pytest.mark.slow
def test_batch_records_errors_uses_workers_and_resumes(folder, tmp_path):
    out = tmp_path / "res.jsonl"
    p = cli("batch", folder, "--out", out, "--workers", "2", "--reports", tmp_path / "reports",
            "--parquet", tmp_path / "res.parquet")
    assert p.returncode == 0, p.stderr[-2000:]
    recs = lines(out)
    pq = pytest.importorskip("pyarrow.parquet")
    t = pq.read_table(tmp_path / "res.parquet").to_pylist()
    assert sorted(r["key"] for r in t) == sorted(r["key"] for r in recs)
    by = {r["key"]: r for r in t}
    for r in recs:  # the flat table says what the JSON lines say
        assert by[r["key"]]["ok"] == r["ok"] and by[r["key"]]["score"] == r.get("score")
        if r["ok"]:
            assert by[r["key"]]["views_p50"] == r["views_p50"] and by[r["key"]]["component_hook"] is not None
    assert len(recs) == 5
    bad = [r for r in recs if not r["ok"]]
    assert len(bad) == 1 and "broken.mp4" in bad[0]["path"] and bad[0]["error"]
    assert all(0 <= r["score"] <= 100 and r["result"]["media"]["path"] == r["path"] for r in recs if r["ok"])
    assert (tmp_path / "reports" / "index.html").is_file()
    assert all((tmp_path / "reports").glob("clip0-*.html"))
    assert "4 ok, 1 failed" in p.stdout
    # resume: nothing is redone
    p = cli("batch", folder, "--out", out, "--resume", "--workers", "2")
    assert p.returncode == 0 and "5 already done" in p.stdout and len(lines(out)) == 5


@pytest.mark.slow
def test_killed_batch_resumes_without_redoing(folder, tmp_path):
    out = tmp_path / "res.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "reelscore.presentation.cli", "batch", str(folder), "--out", str(out),
                             "--workers", "1", "--no-cache", "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    t0 = time.time()
    while time.time() - t0 < 300 and (not out.exists() or len(out.read_text().splitlines()) < 1):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    first = lines(out)
    assert 1 <= len(first) < 5
    p = cli("batch", folder, "--out", out, "--resume", "--workers", "1", "--no-cache")
    assert p.returncode == 0, p.stderr[-2000:]
    recs = lines(out)
    assert len(recs) == 5 and len({r["key"] for r in recs}) == 5  # every item once, none redone
    assert [r["key"] for r in recs[: len(first)]] == [r["key"] for r in first]


def test_batch_csv_input_with_captions_and_accounts(folder, tmp_path):
    from reelscore.workflows.batch import read_items

    f = tmp_path / "items.csv"
    f.write_text(f"path,caption,followers,recent_views\n{folder / 'clip0.mp4'},hello #fyp,1200,\"100,200\"\n"
                 f"clip1.mp4,,,\n")
    items = read_items(str(f))
    assert items[0].caption == "hello #fyp" and items[0].account == {"followers": 1200.0, "recent_views": [100.0, 200.0]}
    assert items[1].path.endswith("clip1.mp4")


@pytest.mark.slow
def test_ray_gives_identical_scores(folder, tmp_path):
    ray = pytest.importorskip("ray")
    from reelscore.workflows.batch import run_batch

    local = run_batch(str(folder), str(tmp_path / "local.jsonl"), workers=1, progress=False)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        remote = run_batch(str(folder), str(tmp_path / "ray.jsonl"), use_ray=True, progress=False)
    finally:
        ray.shutdown()
    a = {r["key"]: (r["ok"], r.get("score")) for r in local["records"]}
    b = {r["key"]: (r["ok"], r.get("score")) for r in remote["records"]}
    assert a == b and len(a) == 5
