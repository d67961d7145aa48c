"""Health: is the server up, how busy, are the models loaded."""
from __future__ import annotations

from fastapi import APIRouter, Depends

from ..models import Health
from ..service import Services, services

router = APIRouter(tags=["system"])


@router.get("/health", response_model=Health)
def health(svc: Services = Depends(services)):
    from .... import __version__

    return Health(status="ok", version=__version__, jobs_active=svc.jobs.active(), max_pending=svc.jobs.max_pending,
                  warm=svc.warm.is_set(), platforms=svc.platforms())
