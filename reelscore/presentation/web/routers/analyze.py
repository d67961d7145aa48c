"""Analyze: an upload (multipart) or, with --allow-dir, a local file by path; queued as a job."""
from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, File, Form, UploadFile

from ..models import JobAccepted
from ..service import Services, fail, services

router = APIRouter(tags=["analyze"])


@router.post("/analyze", status_code=202, response_model=JobAccepted)
async def analyze_upload(file: UploadFile | None = File(None), path: str | None = Form(None),
                         caption: str | None = Form(None), followers: float | None = Form(None),
                         following: float | None = Form(None), account_likes: float | None = Form(None),
                         n_videos: float | None = Form(None), recent_views: str | None = Form(None),
                         platform: str | None = Form(None), svc: Services = Depends(services)):
    """Queue an analysis; poll `status_url` (GET /jobs/{id}) until it is done, then open the entry."""
    acct = svc.account(followers, following, account_likes, n_videos, recent_views)
    pkw = svc.platform_kw(platform)
    if (file is None) == (path is None):
        fail(422, "give exactly one of: file (an upload) or path (a local file under --allow-dir)")
    if file is not None:
        (dest, seconds), name = await svc.save_upload(file), (file.filename or "upload")
    else:
        (dest, seconds), name = svc.local_file(path), path
    eid = uuid.uuid4().hex[:16]
    keep = file is not None
    return svc.queue("analyze", svc.analysis(dest, name, caption, acct, keep, pkw, eid=eid), seconds,
                     cleanup=svc.discard(dest if keep else None, eid))
