"""Score a catalogue: `reelscore batch INPUT --out results.jsonl`.

INPUT is a folder (every video or picture in it, recursively), a glob, or a CSV with a `path` column
and optional `caption, followers, following, account_likes, n_videos, recent_views, platform` columns
(`platform`: reels, tiktok or shorts for that row; otherwise the batch's --platform). Each
item becomes one JSON line in the output: `{"key", "path", "ok", "score", "views_p50", "result" |
"error", "seconds"}`. Lines are appended and flushed one by one, so a killed batch keeps every
finished item; `resume` skips items whose key (content hash + settings + caption + account inputs)
is already in the output. A worker pool (`workers`, default: the number of cores) loads the models
once per worker; an item that fails is recorded, never aborts the batch. `ray` runs the same
per-item function as Ray tasks (a local instance, or the cluster at an address).
"""
from __future__ import annotations

import csv
import glob
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import OptionError, ReelscoreError
from ..outputs import output_errors
from ..platforms import get_profile
from ..schema import parse_counts

MEDIA_EXTS = {".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi", ".gif", ".jpg", ".jpeg", ".png", ".webp", ".bmp",
              ".tif", ".tiff", ".avif", ".heic", ".ts", ".mts", ".3gp", ".flv", ".wmv", ".mpg", ".mpeg"}


@dataclass
class Item:
    path: str
    caption: str | None = None
    account: dict = field(default_factory=dict)
    platform: str | None = None  # this item's platform (a CSV `platform` cell), else the batch's

    def key(self, settings: str) -> str:
        from ..cache import video_key

        try:
            vk = video_key(self.path)
        except OSError:
            vk = "unreadable:" + self.path
        blob = json.dumps([vk, settings, self.caption, self.account] + ([self.platform] if self.platform else []),
                          sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:24]


def _num(v):
    return None if v in (None, "") else float(v)


def read_items(source: str) -> list[Item]:
    """Items from a folder, a glob or a CSV (see the module docstring)."""
    p = Path(source)
    if p.is_dir():
        files = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in MEDIA_EXTS)
        return [Item(str(f)) for f in files]
    if p.is_file() and p.suffix.lower() == ".csv":
        out = []
        with open(p, newline="", encoding="utf-8-sig") as fh:
            rd = csv.DictReader(fh)
            if "path" not in (rd.fieldnames or []):
                raise OptionError(f"{source}: a batch CSV needs a `path` column")
            for line, r in enumerate(rd, start=2):
                path = Path(r["path"])
                if not path.is_absolute():
                    path = p.parent / path
                try:
                    acct = {k: _num(r.get(k)) for k in ("followers", "following", "account_likes", "n_videos")}
                    acct["recent_views"] = parse_counts(r.get("recent_views") or "", "recent_views") or None
                    plat = (r.get("platform") or "").strip() or None
                    if plat is not None:
                        plat = get_profile(plat).name
                except (ValueError, OptionError) as e:  # a bad cell names its line instead of stopping with a traceback
                    raise OptionError(f"{source}: line {line}: {e}") from None
                out.append(Item(str(path), r.get("caption") or None, {k: v for k, v in acct.items() if v is not None},
                                plat))
        return out
    files = sorted(glob.glob(source, recursive=True))
    if not files:
        raise OptionError(f"{source}: no such folder, CSV or matching files")
    return [Item(f) for f in files if Path(f).is_file()]


def read_records(out: str | Path):
    """The records in the JSON lines file `out`, in order (a partial last line from a killed run, or
    a line without a key, is skipped)."""
    out = Path(out)
    if not out.is_file():
        return
    with open(out, encoding="utf-8") as fh:
        for line in fh:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if isinstance(rec, dict) and "key" in rec:
                yield rec


def done_keys(out: Path) -> set[str]:
    """Keys already recorded in `out`."""
    return {r["key"] for r in read_records(out)}


# ---- the per-item function (the same in a process pool and as a Ray task) -----------------------------
_WARM = False


def _warm():
    """Load the models once per worker (engagement model, MiniLM, backbone sessions)."""
    global _WARM
    if not _WARM:
        from ..models.engagement.store import load_model, resolve_model_path
        from ..text.caption import caption_features

        p = resolve_model_path(None)
        if p is not None:
            load_model(str(p))
        caption_features("warm up #now")
        _WARM = True


def score_item(item: dict, settings: dict) -> dict:
    """Analyze one item; never raises: errors are part of the record."""
    from ..config import AnalysisConfig
    from ..pipeline import analyze

    t0 = time.perf_counter()
    rec = {"key": item["key"], "path": item["path"]}
    try:
        _warm()
        cfg = AnalysisConfig(**settings.get("config", {}))
        reports = settings.get("reports_dir")

        def on_result(a, media):  # the report from the frames already in memory: no second decode
            from .report import write_report

            rec["report"] = write_report(a, Path(reports) / f"{Path(item['path']).stem}-{item['key'][:8]}.html", media,
                                         option="--reports")
        platform = item.get("platform") or settings.get("platform") or "reels"
        a = analyze(item["path"], caption=item.get("caption"), config=cfg, model=settings.get("model"),
                    platform=platform, on_result=on_result if reports else None, **item.get("account", {}))
        sz = a.signals.get("safe_zones")
        rec.update(ok=True, score=a.score, views_p50=a.engagement.views.p50 if a.engagement else None,
                   platform=a.platform, text_hidden=sz.values.get("text_hidden") if sz else None,
                   face_hidden=sz.values.get("face_hidden") if sz else None, result=json.loads(a.model_dump_json()))
    except ReelscoreError as e:
        rec.update(ok=False, error=str(e), error_type=type(e).__name__)
    except Exception as e:  # noqa: BLE001 - recorded, never aborts the batch
        rec.update(ok=False, error=f"internal error: {type(e).__name__}: {str(e)[:300]}", error_type="internal")
    rec["seconds"] = round(time.perf_counter() - t0, 3)
    return rec


def _worker_init():
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    try:
        import cv2

        cv2.setNumThreads(1)
    except Exception:  # noqa: BLE001
        pass
    try:
        _warm()
    except Exception:  # noqa: BLE001 - a worker that cannot warm up records errors per item instead
        pass


def run_batch(source: str, out: str, workers: int | None = None, resume: bool = False, settings: dict | None = None,
              ray_address: str | None = None, use_ray: bool = False, progress: bool = True) -> dict:
    settings = settings or {}
    items = read_items(source)
    # the key covers what changes a result, not where reports go
    fp = json.dumps({k: v for k, v in settings.items() if k != "reports_dir"}, sort_keys=True, default=str)
    todo = []
    outp = Path(out)
    have = done_keys(outp) if resume else set()
    if not resume and outp.exists():
        with output_errors(out, "--out"):
            outp.unlink()
    for it in items:
        k = it.key(fp)
        if k in have:
            continue
        todo.append({"key": k, "path": it.path, "caption": it.caption, "account": it.account, "platform": it.platform})
    with output_errors(out, "--out"):  # a full disk or a refused folder: one line naming --out, exit 2
        outp.parent.mkdir(parents=True, exist_ok=True)
        fh = open(outp, "a", encoding="utf-8")
    t0 = time.perf_counter()
    records = []
    from tqdm import tqdm

    bar = tqdm(total=len(todo), unit="clip", disable=not progress or None, desc="scoring")
    with fh:
        def write(rec):
            with output_errors(out, "--out"):
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            records.append(rec)
            bar.update(1)
        # a pool worker or Ray task owns one core: its analyzers run one after another (the key above
        # is computed without this: results do not depend on it)
        one_core = {**settings, "config": {"threads": 1, **settings.get("config", {})}}
        if use_ray:
            _run_ray(todo, one_core, ray_address, write)
        elif (workers or os.cpu_count() or 1) <= 1 or len(todo) <= 1:
            for it in todo:
                write(score_item(it, settings))
        else:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor, as_completed

            n = workers or os.cpu_count() or 1
            with ProcessPoolExecutor(max_workers=min(n, len(todo)), mp_context=mp.get_context("spawn"),
                                     initializer=_worker_init) as ex:
                futs = [ex.submit(score_item, it, one_core) for it in todo]
                try:
                    for f in as_completed(futs):
                        write(f.result())
                except BaseException:  # --out cannot be written (or Ctrl-C): do not score the rest first
                    ex.shutdown(wait=False, cancel_futures=True)
                    raise
    bar.close()
    wall = time.perf_counter() - t0
    ok = [r for r in records if r.get("ok")]
    return {"items": len(items), "skipped_already_done": len(items) - len(todo), "processed": len(records),
            "ok": len(ok), "failed": len(records) - len(ok), "seconds": round(wall, 2),
            "clips_per_minute": round(60 * len(records) / wall, 2) if wall > 0 and records else None,
            "out": str(outp), "records": records}


def _run_ray(todo, settings, address, write):
    try:
        import ray
    except ImportError:
        raise OptionError("--ray needs Ray: pip install 'ray[default]'") from None
    started = False
    if not ray.is_initialized():
        ray.init(address=address or None, ignore_reinit_error=True, include_dashboard=False, log_to_driver=False)
        started = True
    try:
        remote = ray.remote(score_item)
        pending = [remote.remote(it, settings) for it in todo]
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for d in done:
                write(ray.get(d))
    finally:
        if started:
            ray.shutdown()


def summary_table(res: dict) -> str:
    recs = [r for r in res["records"] if r.get("ok")]
    lines = [f"{res['processed']} scored ({res['ok']} ok, {res['failed']} failed), {res['skipped_already_done']} "
             f"already done, {res['seconds']:.1f} s" + (f", {res['clips_per_minute']:.1f} clips/min"
                                                       if res["clips_per_minute"] else "")]
    if recs:
        lines.append(f"  {'score':>6}  {'views p50':>10}  path")
        for r in sorted(recs, key=lambda r: -r["score"])[:10]:
            v = r.get("views_p50")
            lines.append(f"  {r['score']:>6.1f}  {'' if v is None else f'{v:,.0f}':>10}  {r['path']}")
    for r in [r for r in res["records"] if not r.get("ok")][:10]:
        lines.append(f"  failed: {r['path']}: {r['error']}")
    return "\n".join(lines)


def write_index(res: dict, path: str) -> str:
    """An HTML index of the batch, best first, linking each clip's report when one was written."""
    import html as h

    from ..outputs import atomic_write

    rows = []
    for r in sorted([r for r in res["records"] if r.get("ok")], key=lambda r: -r["score"]):
        name = h.escape(r["path"])
        if r.get("report"):
            name = f'<a href="{h.escape(os.path.relpath(r["report"], Path(path).parent))}">{name}</a>'
        views = "" if r.get("views_p50") is None else f"{r['views_p50']:,.0f}"
        rows.append(f"<tr><td>{r['score']:.1f}</td><td>{views}</td><td>{name}</td></tr>")
    failed = "".join(f"<li>{h.escape(r['path'])}: {h.escape(r['error'])}</li>" for r in res["records"] if not r.get("ok"))
    doc = ("<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>"
           "<title>reelscore batch</title><h1>reelscore batch</h1><table><tr><th>score</th><th>views p50</th>"
           f"<th>clip</th></tr>{''.join(rows)}</table>" + (f"<h2>Failed</h2><ul>{failed}</ul>" if failed else ""))
    atomic_write(path, doc, "--reports")
    return path


PARQUET_COLUMNS = ["key", "path", "ok", "score", "views_p10", "views_p50", "views_p90", "likes_p50", "comments_p50",
                   "shares_p50", "saves_p50", "duration_s", "caption", "error", "error_type", "seconds", "report",
                   "platform", "text_hidden", "face_hidden"]


def flat_row(rec: dict) -> dict:
    """One batch record as a flat row (the full result stays in the JSON lines)."""
    res = rec.get("result") or {}
    eng = res.get("engagement") or {}
    row = {"key": rec.get("key"), "path": rec.get("path"), "ok": bool(rec.get("ok")), "score": rec.get("score"),
           "duration_s": (res.get("media") or {}).get("analyzed_s"), "caption": res.get("caption"),
           "error": rec.get("error"), "error_type": rec.get("error_type"), "seconds": rec.get("seconds"),
           "report": rec.get("report"), "platform": res.get("platform") or rec.get("platform"),
           "text_hidden": rec.get("text_hidden"), "face_hidden": rec.get("face_hidden")}
    for m in ("views", "likes", "comments", "shares", "saves"):
        iv = eng.get(m) or {}
        for q in (("p10", "p50", "p90") if m == "views" else ("p50",)):
            row[f"{m}_{q}"] = iv.get(q)
    for c in res.get("components") or []:
        row[f"component_{c['name']}"] = c.get("score")
    return row


def need_pyarrow() -> None:
    """OptionError naming the install command when pyarrow is missing."""
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise OptionError("--parquet needs pyarrow: pip install 'reelscore[parquet]' (or pip install pyarrow)") from None


def write_parquet(jsonl: str, path: str) -> str:
    """A Parquet table of every record in the JSON lines file `jsonl` (resumed runs included): the
    columns of PARQUET_COLUMNS plus one `component_<name>` score column per factor. Needs pyarrow."""
    need_pyarrow()
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    from ..outputs import atomic_write

    rows = [flat_row(r) for r in read_records(jsonl)]
    comps = sorted({k for r in rows for k in r if k.startswith("component_")})
    cols = PARQUET_COLUMNS + comps
    types = {"ok": pa.bool_(), "key": pa.string(), "path": pa.string(), "caption": pa.string(), "error": pa.string(),
             "error_type": pa.string(), "report": pa.string(), "platform": pa.string(), "text_hidden": pa.bool_(),
             "face_hidden": pa.bool_()}
    table = pa.table({c: pa.array([r.get(c) for r in rows], type=types.get(c, pa.float64())) for c in cols})
    buf = io.BytesIO()
    pq.write_table(table, buf)
    atomic_write(path, buf.getvalue(), "--parquet")
    return path


__all__ = ["run_batch", "read_items", "score_item", "summary_table", "write_index", "write_parquet", "flat_row"]
