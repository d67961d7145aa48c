"""Caption-only analysis (no video): fast, synchronous."""
from __future__ import annotations

from fastapi import APIRouter, Depends

from ....errors import ReelscoreError
from ..models import CaptionOut, CaptionRequest
from ..service import Services, fail, services

router = APIRouter(tags=["caption"])


@router.post("/caption", response_model=CaptionOut)
def caption(body: CaptionRequest, svc: Services = Depends(services)):
    from ....workflows.caption import analyze_caption

    acct = svc.account(body.followers, body.following, body.account_likes, body.n_videos, body.recent_views)
    try:
        return analyze_caption(body.text, account=acct)
    except ReelscoreError as e:
        fail(422, str(e))
