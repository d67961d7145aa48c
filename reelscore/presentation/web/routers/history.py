"""History: every analysis kept; list, open (with its pictures, timeline and playable video), the
report, re-score with another caption, caption drafts scored side by side, a fixed copy of the video
(`reelscore fix` as a job) to download, delete."""
from __future__ import annotations

import uuid
from pathlib import Path

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse, HTMLResponse

from ..models import (CaptionDrafts, CaptionDraftsRequest, Deleted, FixRequest, HistoryEntry, HistoryItem, JobAccepted,
                      RescoreRequest)
from ..service import Services, fail, services

router = APIRouter(prefix="/history", tags=["history"])


@router.get("", response_model=list[HistoryItem])
def history_list(limit: int = 100, svc: Services = Depends(services)):
    """Newest first."""
    return svc.history.list(max(1, min(limit, 1000)))


@router.get("/{eid}", response_model=HistoryEntry)
def history_get(eid: str, svc: Services = Depends(services)):
    return svc.entry_view(eid)


@router.get("/{eid}/report", response_class=HTMLResponse,
            responses={200: {"content": {"text/html": {"schema": {"type": "string"}}},
                             "description": "the self-contained HTML report"}})
def history_report(eid: str, svc: Services = Depends(services)):
    return HTMLResponse(svc.report_file(eid).read_text(encoding="utf-8"))


@router.get("/{eid}/media", response_class=FileResponse,
            responses={200: {"content": {"video/mp4": {"schema": {"type": "string", "format": "binary"}},
                                         "image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
                             "description": "the upload (byte ranges supported), or a browser-playable copy"}})
def history_media(eid: str, svc: Services = Depends(services)):
    path, mime = svc.media_file(eid)
    return FileResponse(path, media_type=mime)


@router.get("/{eid}/pictures/{name}", response_class=FileResponse,
            responses={200: {"content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
                             "description": "a sampled frame or the cover"}})
def history_picture(eid: str, name: str, svc: Services = Depends(services)):
    return FileResponse(svc.picture(eid, name), media_type="image/jpeg",
                        headers={"Cache-Control": "private, max-age=86400"})


@router.post("/{eid}/rescore", status_code=202, response_model=JobAccepted)
def history_rescore(eid: str, body: RescoreRequest, svc: Services = Depends(services)):
    """A new entry: the same video with another caption (no re-decode: its signals are cached)."""
    e = svc.entry(eid)
    if not e.get("media_path") or not Path(e["media_path"]).is_file():
        fail(409, f"{eid}: its media was not kept; upload it again")
    acct = svc.stored_account(e, body.followers)
    new = uuid.uuid4().hex[:16]
    fn = svc.analysis(Path(e["media_path"]), e["filename"], body.caption, acct, True, svc.stored_platform_kw(e),
                      source=e, eid=new)
    return svc.queue("rescore", fn, 1.0, cleanup=svc.discard(None, new))


@router.post("/{eid}/captions", response_model=CaptionDrafts)
def history_captions(eid: str, body: CaptionDraftsRequest, svc: Services = Depends(services)):
    """Score 1-6 caption drafts with this entry's video, side by side (nothing is saved; fast)."""
    return svc.caption_drafts(eid, body.captions, body.followers)


@router.post("/{eid}/fix", status_code=202, response_model=JobAccepted)
def history_fix(eid: str, body: FixRequest | None = None, svc: Services = Depends(services)):
    """Make a fixed copy of the entry's video (loudness, dead opening, 9:16 framing, export settings, cover;
    each only where the analysis finds it worth points), as a job. The finished job carries `fix`: the
    score before and after, what was applied and skipped (and why), the changed factors, and the
    download URLs. An image, or a loudness-only fix of a video without sound, is refused at once (422)."""
    body = body or FixRequest()
    return svc.fix_job(eid, body.platform, body.only, body.cover_first)


@router.get("/{eid}/fixed/{name}", response_class=FileResponse,
            responses={200: {"content": {"video/mp4": {"schema": {"type": "string", "format": "binary"}},
                                         "image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
                             "description": "the fixed MP4 or its cover, as a download (byte ranges supported)"}})
def history_fixed(eid: str, name: str, svc: Services = Depends(services)):
    path, mime, download = svc.fixed_file(eid, name)
    return FileResponse(path, media_type=mime, filename=download)


@router.delete("/{eid}", response_model=Deleted)
def history_delete(eid: str, svc: Services = Depends(services)):
    if not svc.history.delete(eid):
        fail(404, f"no history entry {eid}")
    return Deleted(deleted=eid)
