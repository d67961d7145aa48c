"""Compare 2-10 variants: uploaded (a job that analyzes each) or already in the history (at once)."""
from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, File, Form, UploadFile

from ..models import CompareHistoryRequest, JobAccepted
from ..service import Services, fail, services
from ....workflows.compare import CompareResult

router = APIRouter(prefix="/compare", tags=["compare"])


@router.post("", status_code=202, response_model=JobAccepted)
async def compare_uploads(files: list[UploadFile] = File(...), caption: str | None = Form(None),
                          followers: float | None = Form(None), platform: str | None = Form(None),
                          svc: Services = Depends(services)):
    """Queue the analysis of each variant (each is kept in the history); the finished job carries
    `compare`: the variants best first with their factors' points, and the verdict with its reason."""
    if not 2 <= len(files) <= 10:
        fail(422, f"files: give 2 to 10 variants, got {len(files)}")
    acct = svc.account(followers)
    pkw = svc.platform_kw(platform)
    saved, seconds = [], 0.0
    try:
        for i, f in enumerate(files):
            (p, sec) = await svc.save_upload(f)
            saved.append((p, f.filename or f"variant {i + 1}", uuid.uuid4().hex[:16]))
            seconds += sec
    except Exception:
        for p, _, _ in saved:
            p.unlink(missing_ok=True)
        raise
    n = len(saved)

    def run(progress):
        from ....workflows.compare import compare

        analyses = []
        for i, (p, name, eid) in enumerate(saved):
            svc.analysis(p, name, caption, acct, True, pkw, eid=eid, part=(i, n))(progress)
            analyses.append(svc.analysis_of(svc.entry(eid)))
        res = compare(analyses, [name for _, name, _ in saved], history_ids=[eid for _, _, eid in saved])
        return {"compare": res}

    def cleanup():
        for p, _, eid in saved:
            svc.discard(p, eid)()
    return svc.queue("compare", run, seconds, cleanup=cleanup)


@router.post("/history", response_model=CompareResult)
def compare_history(body: CompareHistoryRequest, svc: Services = Depends(services)):
    """Compare entries already analyzed (no new analysis: answers at once)."""
    from ....errors import OptionError
    from ....workflows.compare import compare

    entries = [svc.entry(i) for i in body.ids]
    names = body.names or _names(entries)
    try:
        return compare([svc.analysis_of(e) for e in entries], names, history_ids=[e["id"] for e in entries])
    except OptionError as e:
        fail(422, str(e))


def _names(entries: list[dict]) -> list[str]:
    """The file names; where one repeats (the same video with other captions), its caption too."""
    files = [e["filename"] for e in entries]
    out = []
    for e, f in zip(entries, files):
        if files.count(f) > 1:
            cap = (e.get("caption") or "").strip()
            f = f"{f} ({cap[:24] + ('…' if len(cap) > 24 else '') if cap else 'no caption'})"
        out.append(f)
    return out
