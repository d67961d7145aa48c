"""Jobs: where a queued analysis stands (in plain words, with its place in the queue and expected
wait) and cancelling one."""
from __future__ import annotations

from fastapi import APIRouter, Depends

from ..jobs import Job, plain
from ..models import JobStatus
from ..service import Services, fail, services

router = APIRouter(prefix="/jobs", tags=["jobs"])


def status(svc: Services, job: Job) -> JobStatus:
    q = svc.jobs
    return JobStatus(id=job.id, kind=job.kind, status=job.status, stage=job.stage, stage_text=plain(job.stage),
                     detail=job.detail, progress=job.progress, queue_position=q.position(job),
                     expected_wait_s=q.remaining(job) if job.active else None, created=job.created,
                     started=job.started, finished=job.finished, error=job.error, **job.result)


@router.get("", response_model=list[JobStatus])
def active_jobs(svc: Services = Depends(services)):
    """Jobs queued or running, oldest first."""
    return [status(svc, j) for j in sorted(svc.jobs.jobs.values(), key=lambda j: j.created) if j.active]


@router.get("/{job_id}", response_model=JobStatus)
def job(job_id: str, svc: Services = Depends(services)):
    j = svc.jobs.get(job_id)
    if j is None:
        fail(404, f"no job {job_id}")
    return status(svc, j)


@router.delete("/{job_id}", response_model=JobStatus)
def cancel(job_id: str, svc: Services = Depends(services)):
    """Cancel: a queued job is removed from the queue; a running one stops at its next progress step
    (status "running" with stage "cancelling" until then)."""
    j = svc.jobs.cancel(job_id)
    if j is None:
        fail(404, f"no job {job_id}")
    return status(svc, j)
