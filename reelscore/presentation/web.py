"""`reelscore serve`: the local web app and HTTP API (FastAPI), loopback by default.

API under /api/v1 (OpenAPI document at /openapi.json, docs at /docs): health, analyze (multipart upload
or, with --allow-dir, a local path under that folder), jobs (poll status and progress), caption,
compare (2-10 variants), history (list, get, report, re-score with another caption, delete).
Long analyses run as jobs in a bounded queue: a busy server answers 503 with Retry-After instead of
running out of memory. Uploads are checked by content (the same probe as the CLI), limited in size,
stored under generated names (an uploaded file name is never used as a path). Errors are 4xx with a
one-line `detail`.
"""

import hmac
import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

CHUNK = 1 << 20


class Jobs:
    """A bounded job queue: `workers` analyses at a time, at most `max_pending` waiting or running."""

    def __init__(self, workers: int = 1, max_pending: int = 8):
        self.pool = ThreadPoolExecutor(max_workers=workers)
        self.max_pending = max_pending
        self.jobs: dict[str, dict] = {}
        self.lock = threading.Lock()

    def active(self) -> int:
        return sum(1 for j in self.jobs.values() if j["status"] in ("queued", "running"))

    def submit(self, fn, kind: str) -> str | None:
        with self.lock:
            if self.active() >= self.max_pending:
                return None
            jid = uuid.uuid4().hex[:16]
            self.jobs[jid] = {"id": jid, "kind": kind, "status": "queued", "progress": 0.0, "stage": "queued",
                              "created": time.time()}
        self.pool.submit(self._run, jid, fn)
        return jid

    def _run(self, jid, fn):
        job = self.jobs[jid]
        job["status"] = "running"

        def progress(stage, frac):
            job["stage"], job["progress"] = stage, round(float(frac), 3)
        try:
            job.update(fn(progress))
            job["status"], job["progress"] = "done", 1.0
        except Exception as e:  # noqa: BLE001 - a failed job is reported, the server goes on
            from ..errors import ReelscoreError, display

            job["status"] = "failed"
            job["error"] = display(str(e)) if isinstance(e, ReelscoreError) else f"internal error: {type(e).__name__}"


def create_app(max_file_mb: float = 512, token: str | None = None, allow_dir: str | None = None, workers: int = 1,
               max_pending: int = 8, history_root: str | None = None):
    from fastapi import FastAPI, File, Form, HTTPException, Request, UploadFile
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import HTMLResponse, JSONResponse

    from .. import __version__
    from ..errors import InputError, OptionError, ReelscoreError, display
    from ..ingest import probe
    from ..outputs import reason_of
    from ..pipeline import analyze, make_account
    from ..workflows.history import History
    from ..workflows.report import write_report

    app = FastAPI(title="reelscore", version=__version__,
                  description="Score short vertical videos before posting; everything runs on this machine.")
    jobs = Jobs(workers, max_pending)
    hist = History(history_root)
    max_bytes = int(max_file_mb * 2**20)
    app.state.jobs, app.state.history = jobs, hist

    def err(status: int, msg: str, headers=None):
        raise HTTPException(status_code=status, detail=display(msg).replace("\n", " "), headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request, exc):  # one line, not FastAPI's nested list
        e = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in e.get("loc", []) if x != "body")
        return JSONResponse(status_code=422, content={"detail": f"{where}: {e.get('msg', 'invalid request')}"})

    @app.middleware("http")
    async def _auth(request: Request, call_next):
        if token and request.url.path.startswith("/api/"):
            got = request.headers.get("x-reelscore-token") or request.headers.get("authorization", "").removeprefix("Bearer ")
            if not hmac.compare_digest(got or "", token):
                return JSONResponse(status_code=401, content={"detail": "missing or wrong token (X-Reelscore-Token)"})
        return await call_next(request)

    def account_from(followers, following, account_likes, n_videos, recent_views):
        from ..schema import parse_counts

        rv = None
        if recent_views:
            try:
                rv = parse_counts(recent_views, "recent_views")
            except ValueError as e:
                err(422, str(e))
        try:
            return make_account(followers=followers, following=following, account_likes=account_likes,
                                n_videos=n_videos, recent_views=rv)
        except OptionError as e:
            err(422, str(e))

    async def save_upload(f: UploadFile) -> Path:
        dest = hist.new_media_path(Path(f.filename or "").suffix)
        n = 0
        try:
            with open(dest, "wb") as out:
                while chunk := await f.read(CHUNK):
                    n += len(chunk)
                    if n > max_bytes:
                        out.close()
                        dest.unlink(missing_ok=True)
                        err(413, f"{f.filename}: upload over the {max_file_mb:g} MiB limit")
                    out.write(chunk)
        except OSError as e:  # the history folder is full or refused: say so (507), keep no partial file
            dest.unlink(missing_ok=True)
            err(507, f"{f.filename or 'upload'}: cannot store the upload in the history folder ({reason_of(e)})")
        if n == 0:
            dest.unlink(missing_ok=True)
            err(422, f"{f.filename}: empty upload")
        try:  # checked by content, as the CLI does
            probe(dest, max_bytes)
        except InputError as e:
            dest.unlink(missing_ok=True)
            err(415, f"{f.filename or 'upload'}: {e.problem}")
        return dest

    def analysis_job(path: Path, filename: str, caption, account, keep_media: bool):
        def run(progress):
            eid = uuid.uuid4().hex[:16]
            rp = hist.report_path(eid)

            def on_result(a, media):  # the report names the upload, never the stored file's path
                shown = a.model_copy(deep=True)
                if shown.media is not None:
                    shown.media.path = filename
                write_report(shown, rp, media, option="history report")
            a = analyze(path, caption=caption, account=account, progress=progress, on_result=on_result)
            res = json.loads(a.model_dump_json())
            res["media"]["path"] = filename  # the uploader's name for display, never a path on this machine
            hist.add(filename, str(path) if keep_media else None, caption, res, str(rp), entry_id=eid)
            return {"history_id": eid, "score": a.score, "report_url": f"/api/v1/history/{eid}/report"}
        return run

    def queue(fn, kind):
        jid = jobs.submit(fn, kind)
        if jid is None:
            err(503, "busy: the analysis queue is full, try again shortly", headers={"Retry-After": "10"})
        return {"job_id": jid, "status_url": f"/api/v1/jobs/{jid}"}

    @app.get("/api/v1/health")
    def health():
        return {"status": "ok", "version": __version__, "jobs_active": jobs.active(), "max_pending": jobs.max_pending}

    @app.post("/api/v1/analyze", status_code=202)
    async def analyze_upload(file: UploadFile | None = File(None), path: str | None = Form(None),
                             caption: str | None = Form(None), followers: float | None = Form(None),
                             following: float | None = Form(None), account_likes: float | None = Form(None),
                             n_videos: float | None = Form(None), recent_views: str | None = Form(None)):
        acct = account_from(followers, following, account_likes, n_videos, recent_views)
        if (file is None) == (path is None):
            err(422, "give exactly one of: file (an upload) or path (a local file under --allow-dir)")
        if file is not None:
            dest, name = await save_upload(file), (file.filename or "upload")
        else:
            if not allow_dir:
                err(403, "path: local paths are refused (start the server with --allow-dir DIR to allow a folder)")
            root = Path(allow_dir).resolve()
            p = (root / path).resolve()
            if root not in p.parents or not p.is_file():
                err(403 if root not in p.parents else 404, f"path: {path} is not a file under the allowed folder")
            try:
                probe(p, max_bytes)
            except InputError as e:
                err(415, f"{path}: {e.problem}")
            dest, name = p, path
        return queue(analysis_job(dest, name, caption, acct, keep_media=file is not None), "analyze")

    @app.get("/api/v1/jobs/{job_id}")
    def job(job_id: str):
        j = jobs.jobs.get(job_id)
        if j is None:
            err(404, f"no job {job_id}")
        return j

    @app.post("/api/v1/caption")
    def caption(body: dict):
        from ..workflows.caption import analyze_caption

        text = body.get("text")
        if not isinstance(text, str):
            err(422, "text: a string is required")
        acct = account_from(body.get("followers"), body.get("following"), body.get("account_likes"),
                            body.get("n_videos"), body.get("recent_views"))
        try:
            return analyze_caption(text, account=acct)
        except ReelscoreError as e:
            err(422, str(e))

    @app.post("/api/v1/compare", status_code=202)
    async def compare(files: list[UploadFile] = File(...), caption: str | None = Form(None),
                      followers: float | None = Form(None)):
        if not 2 <= len(files) <= 10:
            err(422, f"files: give 2 to 10 variants, got {len(files)}")
        acct = account_from(followers, None, None, None, None)
        saved = [(await save_upload(f), f.filename or f"variant {i + 1}") for i, f in enumerate(files)]

        def run(progress):
            out = []
            for i, (p, name) in enumerate(saved):
                r = analysis_job(p, name, caption, acct, True)(lambda s, f, i=i: progress(s, (i + f) / len(saved)))
                e = hist.get(r["history_id"])["result"]["engagement"] or {}
                v = e.get("views") or {}
                out.append({"filename": name, "score": r["score"], "history_id": r["history_id"],
                            "views": v, "report_url": r["report_url"]})
            out.sort(key=lambda x: -x["score"])
            return {"ranking": out, "ties": within_noise(out)}
        return queue(run, "compare")

    @app.get("/api/v1/history")
    def history_list(limit: int = 100):
        return hist.list(max(1, min(limit, 1000)))

    @app.get("/api/v1/history/{eid}")
    def history_get(eid: str):
        e = hist.get(eid)
        if e is None:
            err(404, f"no history entry {eid}")
        e.pop("media_path", None)
        e.pop("report_path", None)
        return e

    @app.get("/api/v1/history/{eid}/report", response_class=HTMLResponse)
    def history_report(eid: str):
        e = hist.get(eid)
        if e is None or not e.get("report_path") or not Path(e["report_path"]).is_file():
            err(404, f"no report for {eid}")
        return HTMLResponse(Path(e["report_path"]).read_text(encoding="utf-8"))

    @app.post("/api/v1/history/{eid}/rescore", status_code=202)
    def history_rescore(eid: str, body: dict):
        e = hist.get(eid)
        if e is None:
            err(404, f"no history entry {eid}")
        if not e.get("media_path") or not Path(e["media_path"]).is_file():
            err(409, f"{eid}: its media was not kept; upload it again")
        cap = body.get("caption")
        if cap is not None and not isinstance(cap, str):
            err(422, "caption: a string")
        acct = account_from(body.get("followers"), None, None, None, None)
        return queue(analysis_job(Path(e["media_path"]), e["filename"], cap, acct, True), "rescore")

    @app.delete("/api/v1/history/{eid}")
    def history_delete(eid: str):
        if not hist.delete(eid):
            err(404, f"no history entry {eid}")
        return {"deleted": eid}

    @app.get("/", response_class=HTMLResponse)
    def page():
        return HTMLResponse(PAGE)

    return app


def within_noise(ranking: list[dict]) -> list[list[str]]:
    """Pairs of variants the model cannot tell apart: less than 5 points apart, and each one's median
    views inside the other's 80 % interval."""
    ties = []
    for i, a in enumerate(ranking):
        for b in ranking[i + 1:]:
            va, vb = a.get("views") or {}, b.get("views") or {}
            inside = (va and vb and vb.get("p10", 0) <= va.get("p50", 0) <= vb.get("p90", 0)
                      and va.get("p10", 0) <= vb.get("p50", 0) <= va.get("p90", 0))
            if abs(a["score"] - b["score"]) < 5 and inside:
                ties.append([a["filename"], b["filename"]])
    return ties


PAGE = """<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport content="width=device-width,initial-scale=1">
<title>reelscore</title><style>
body{font-family:system-ui,sans-serif;max-width:820px;margin:auto;padding:12px;color:#1f2328}
fieldset{border:1px solid #ddd;border-radius:8px;margin:10px 0}textarea,input{font:inherit;width:100%;box-sizing:border-box}
button{font:inherit;padding:6px 14px;margin:4px 4px 4px 0}#progress{color:#6e7781}
iframe{width:100%;height:1400px;border:1px solid #ddd;border-radius:8px}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:4px;text-align:left}.score{font-size:2em;color:#0969da}</style></head><body>
<h1>reelscore</h1><p>Everything runs on this machine; your videos are not uploaded anywhere else.</p>
<fieldset><legend>Video (one to analyze; 2-10 to compare variants)</legend>
<input id=file type=file multiple accept="video/*,image/*">
<label>Caption <textarea id=caption rows=3 placeholder="3 coffee tips nobody tells you ☕ Save this!"></textarea></label>
<p id=capscore></p>
<label>Followers <input id=followers type=number min=0 placeholder="12000"></label>
<button id=go>Analyze</button><button id=compare>Compare variants</button> <span id=progress></span></fieldset>
<div id=result></div>
<h2>History</h2><table id=history><tr><th>when</th><th>file</th><th>score</th><th></th></tr></table>
<script>
const $=id=>document.getElementById(id);
function form(){const f=new FormData();const c=$('caption').value;if(c)f.append('caption',c);
 const fo=$('followers').value;if(fo)f.append('followers',fo);return f}
async function poll(url){for(;;){const r=await fetch(url);const j=await r.json();
 $('progress').textContent=j.status+' '+(j.stage||'')+' '+Math.round((j.progress||0)*100)+'%';
 if(j.status==='done'||j.status==='failed')return j;await new Promise(s=>setTimeout(s,500))}}
function fail(t){$('progress').textContent='error: '+t}
$('go').onclick=async()=>{const fs=$('file').files;if(!fs.length)return fail('choose a video');
 const f=form();f.append('file',fs[0]);const r=await fetch('/api/v1/analyze',{method:'POST',body:f});
 const j=await r.json();if(!r.ok)return fail(j.detail);const d=await poll(j.status_url);
 if(d.status==='failed')return fail(d.error);
 $('result').innerHTML='<p>Virality Score <span class=score id=score>'+d.score.toFixed(0)+'</span></p><iframe id=report src="'+d.report_url+'"></iframe>';
 loadHistory()};
$('compare').onclick=async()=>{const fs=$('file').files;if(fs.length<2)return fail('choose 2-10 variants');
 const f=form();for(const x of fs)f.append('files',x);const r=await fetch('/api/v1/compare',{method:'POST',body:f});
 const j=await r.json();if(!r.ok)return fail(j.detail);const d=await poll(j.status_url);if(d.status==='failed')return fail(d.error);
 let h='<h2>Variants, best first</h2><table id=ranking><tr><th>variant</th><th>score</th><th>views (80% interval)</th></tr>';
 for(const v of d.ranking)h+='<tr><td><a href="'+v.report_url+'" target=_blank>'+v.filename+'</a></td><td>'+v.score.toFixed(1)+'</td><td>'+Math.round(v.views.p50||0)+' ('+Math.round(v.views.p10||0)+'-'+Math.round(v.views.p90||0)+')</td></tr>';
 h+='</table>'+(d.ties.length?'<p id=ties>Cannot be told apart (within the model\\'s noise): '+d.ties.map(t=>t.join(' vs ')).join('; ')+'</p>':'<p id=ties>All differences exceed the model\\'s noise.</p>');
 $('result').innerHTML=h;loadHistory()};
let t=null;$('caption').oninput=()=>{clearTimeout(t);t=setTimeout(async()=>{const text=$('caption').value;if(!text)return;
 const fo=$('followers').value;const r=await fetch('/api/v1/caption',{method:'POST',headers:{'Content-Type':'application/json'},
 body:JSON.stringify({text,followers:fo?Number(fo):null})});const j=await r.json();
 if(r.ok)$('capscore').textContent='caption score '+j.caption_score.toFixed(0)+' · '+j.explanation},400)};
async function loadHistory(){const r=await fetch('/api/v1/history');const rows=await r.json();
 let h='<tr><th>when</th><th>file</th><th>score</th><th></th></tr>';
 for(const e of rows)h+='<tr id="h-'+e.id+'"><td>'+new Date(e.created*1000).toLocaleString()+'</td><td><a href="/api/v1/history/'+e.id+'/report" target=_blank>'+e.filename+'</a></td><td>'+(e.score??'').toString()+'</td><td><button class=del data-id="'+e.id+'">delete</button></td></tr>';
 $('history').innerHTML=h;for(const b of document.querySelectorAll('.del'))b.onclick=async()=>{
 await fetch('/api/v1/history/'+b.dataset.id,{method:'DELETE'});loadHistory()}}
loadHistory();
</script></body></html>"""


def serve(host: str = "127.0.0.1", port: int = 8765, token: str | None = None, **kw) -> None:
    import ipaddress

    import uvicorn

    from ..errors import OptionError

    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback and not token:
        raise OptionError(f"--host {host}: serving beyond this machine needs --token (every API call must send it)")
    uvicorn.run(create_app(token=token, **kw), host=host, port=port, log_level="warning")
