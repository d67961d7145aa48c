"""The job queue behind the web app: long work (analyses, comparisons, re-scoring) runs here, at most
`workers` at a time, at most `max_pending` queued or running (a full queue answers 503).

A job is `fn(progress) -> dict`: `progress(stage, fraction)` reports where it is (the pipeline's own
stage names; `plain()` turns them into words) and raises `JobCancelled` once the job was cancelled, so a
running job stops at its next progress report. A queued job that is cancelled is simply dropped.
Each job knows its place in the queue and an expected wait, from how long recent jobs took per
second of video (learned as jobs finish).

A new kind of job (say, making a fixed copy of a video) is a function `fn(progress) -> dict` queued
from its route with `Services.queue("fix", fn, units, cleanup)`; the dict's keys are fields of
`JobStatus` (add one there, e.g. a download URL), so the page and API clients poll it like any job.
"""
from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable


class JobCancelled(Exception):
    """Raised inside a job's progress callback once the job was cancelled."""


# the pipeline's stage names, in words a creator reads
STAGE_WORDS = {
    "queued": "Waiting for its turn", "warmup": "Loading the models", "probe": "Checking the file",
    "decode": "Reading the video", "scoring": "Scoring", "pictures": "Picking frames and the cover",
    "saving": "Saving to history", "done": "Done", "failed": "Failed", "cancelled": "Cancelled",
    "cancelling": "Stopping",
    "analyze:faces": "Finding faces", "analyze:audio": "Measuring sound", "analyze:ocr": "Reading on-screen text",
    "analyze:cuts": "Finding cuts", "analyze:motion": "Measuring movement", "analyze:quality": "Rating picture quality",
    "analyze:aesthetics": "Rating the look", "analyze:sharpness": "Checking sharpness",
    "analyze:exposure": "Checking exposure", "analyze:color": "Checking colour", "analyze:technical": "Checking the format",
    "analyze:format": "Checking the format", "analyze:hook": "Looking at the opening", "analyze:loop": "Checking the loop",
    "analyze:caption": "Reading the caption", "analyze:vivit": "Running your trained model",
    # a fix job (reelscore fix): its stages "analyze", "loudness", "render", "reanalyze"
    "fix:analyze": "Measuring loudness, the opening and the framing", "fix:loudness": "Normalising the loudness",
    "fix:render": "Rendering the fixed video", "fix:reanalyze": "Checking the result",
}
# share of a fix job's time per stage (measured on 2 cores: the analyses are cached or short, the render dominates)
FIX_SHARES = {"analyze": (0.0, 0.3), "loudness": (0.3, 0.35), "render": (0.35, 0.8), "reanalyze": (0.8, 1.0)}


def fix_overall(stage: str, frac: float) -> float:
    """A fix job's progress (0-1) from `reelscore.workflows.fix.fix`'s stage and fraction."""
    lo, hi = FIX_SHARES.get(stage, (0.0, 0.0))
    return round(lo + (hi - lo) * min(max(float(frac), 0.0), 1.0), 4)


def plain(stage: str) -> str:
    """A stage in plain words ("decode" -> "Reading the video"); unknown analyzers read "Analyzing ..."."""
    if stage in STAGE_WORDS:
        return STAGE_WORDS[stage]
    if stage.startswith("analyze:"):
        return f"Analyzing ({stage.split(':', 1)[1]})"
    return stage[:1].upper() + stage[1:]


def overall(stage: str, frac: float) -> float:
    """One analysis's progress (0-1) from the pipeline's stage and fraction: reading the video is
    about 40 % of the time, the analyzers 55 %, scoring and saving the rest."""
    frac = min(max(float(frac), 0.0), 1.0)
    if stage == "decode":
        return 0.4 * frac
    if stage.startswith("analyze:"):
        return round(0.4 + 0.55 * frac, 4)
    if stage in ("scoring", "pictures", "saving"):
        return 0.95
    return 0.0


@dataclass
class Job:
    id: str
    kind: str
    fn: Callable[[Callable[[str, float], None]], dict]
    units: float = 1.0  # work in seconds of video (for the expected duration)
    on_cancel: Callable[[], None] | None = None
    status: str = "queued"
    stage: str = "queued"
    detail: str = ""
    progress: float = 0.0
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    error: str | None = None
    result: dict[str, Any] = field(default_factory=dict)
    cancel: threading.Event = field(default_factory=threading.Event)

    @property
    def active(self) -> bool:
        return self.status in ("queued", "running")


class JobQueue:
    """`workers` threads take jobs first in, first out."""

    OVERHEAD_S = 0.5  # fixed seconds per job (probe, saving)

    def __init__(self, workers: int = 1, max_pending: int = 8, keep: int = 500):
        self.max_pending = max_pending
        self.jobs: dict[str, Job] = {}
        self.waiting_jobs: deque[Job] = deque()
        self.cond = threading.Condition()
        self.keep = keep
        self.rate: dict[str, float] = {}  # kind -> seconds of work per unit, learned
        # until a job of the kind finished: s per second of video (a warm 2-core machine), and the
        # start-up warm-up (loading every model: 10-40 s on 2 cores)
        self.default_rate = {"warmup": 8.0, "fix": 2.0}
        self.fallback_rate = 0.5
        self._threads = [threading.Thread(target=self._work, name=f"reelscore-job-{i}", daemon=True)
                         for i in range(max(1, workers))]
        self._stop = False
        for t in self._threads:
            t.start()

    # -- submitting and looking up
    def active(self) -> int:
        with self.cond:
            return sum(1 for j in self.jobs.values() if j.active)

    def submit(self, kind: str, fn, units: float = 1.0, on_cancel=None, force: bool = False) -> Job | None:
        """Queue `fn`; None when `max_pending` jobs are already queued or running (unless `force`).
        on_cancel: cleanup run when the job is cancelled or fails (e.g. delete its upload)."""
        with self.cond:
            if not force and sum(1 for j in self.jobs.values() if j.active) >= self.max_pending:
                return None
            job = Job(id=uuid.uuid4().hex[:16], kind=kind, fn=fn, units=max(float(units), 0.1), on_cancel=on_cancel)
            self.jobs[job.id] = job
            self.waiting_jobs.append(job)
            self._forget_old()
            self.cond.notify()
        return job

    def waiting(self) -> int:
        """Jobs queued (not yet running)."""
        with self.cond:
            return len(self.waiting_jobs)

    def get(self, jid: str) -> Job | None:
        return self.jobs.get(jid)

    def cancel(self, jid: str) -> Job | None:
        """Cancel: a queued job leaves the queue now, a running one stops at its next progress report."""
        with self.cond:
            job = self.jobs.get(jid)
            if job is None or not job.active:
                return job
            job.cancel.set()
            if job.status == "queued":
                self.waiting_jobs.remove(job)
                self._end(job, "cancelled")
            else:
                job.stage = "cancelling"
        if job.status == "cancelled" and job.on_cancel:
            job.on_cancel()
        return job

    # -- where a job stands
    def position(self, job: Job) -> int | None:
        """0 = running, 1 = next, ...; None once it ended."""
        if job.status == "running":
            return 0
        with self.cond:
            for i, j in enumerate(self.waiting_jobs):
                if j is job:
                    return i + 1
        return None

    def expected(self, job: Job) -> float:
        rate = self.rate.get(job.kind, self.default_rate.get(job.kind, self.fallback_rate))
        return self.OVERHEAD_S + rate * job.units

    def remaining(self, job: Job) -> float:
        """Expected seconds until `job` ends: the rest of the running jobs it waits for, then its own."""
        if not job.active:
            return 0.0
        if job.status == "running":
            return self._left(job)
        with self.cond:
            ahead = []
            for j in self.waiting_jobs:
                if j is job:
                    break
                ahead.append(j)
            running = [j for j in self.jobs.values() if j.status == "running"]
        n = len(self._threads)
        # the workers free up one by one: this job starts when enough of those ahead have finished
        slots = sorted(self._left(j) for j in running) + [0.0] * max(0, n - len(running))
        slots = slots[:n] if slots else [0.0]
        for j in ahead:
            slots.sort()
            slots[0] += self.expected(j)
        return round(min(slots) + self.expected(job), 1)

    def _left(self, job: Job) -> float:
        el = time.time() - (job.started or time.time())
        exp = self.expected(job)
        if job.progress >= 0.15:  # past the first stages its own pace says more than the average
            exp = 0.5 * exp + 0.5 * el / job.progress
        return max(0.0, exp - el)

    # -- running
    def _work(self):
        while True:
            with self.cond:
                while not self.waiting_jobs and not self._stop:
                    self.cond.wait()
                if self._stop:
                    return
                job = self.waiting_jobs.popleft()
                job.status, job.started = "running", time.time()
            self._run(job)

    def _run(self, job: Job):
        def progress(stage: str, frac: float, detail: str = ""):
            if job.cancel.is_set():
                raise JobCancelled()
            if job.stage != "cancelling":
                job.stage = stage
            job.detail = detail
            job.progress = round(min(max(float(frac), job.progress), 1.0), 3)  # never goes backwards
        try:
            out = job.fn(progress)
            if job.cancel.is_set():
                raise JobCancelled()
            job.result = out or {}
            self._learn(job)
            self._end(job, "done")
            job.progress = 1.0
        except JobCancelled:
            self._end(job, "cancelled")
            if job.on_cancel:
                job.on_cancel()
        except Exception as e:  # noqa: BLE001 - a failed job is reported, the server goes on
            from ...errors import ReelscoreError, display

            job.error = display(str(e)).replace("\n", " ") if isinstance(e, ReelscoreError) else \
                f"internal error: {type(e).__name__}"
            self._end(job, "failed")
            if job.on_cancel:  # what a failed job leaves behind goes too
                job.on_cancel()

    def _end(self, job: Job, status: str):
        job.status, job.stage, job.finished = status, status, time.time()
        job.fn = None  # drop what the closure holds (paths, account)

    def _learn(self, job: Job):
        if job.kind == "warmup":
            return  # loading the models is not what a job costs
        obs = max(0.0, time.time() - job.started - self.OVERHEAD_S) / job.units
        old = self.rate.get(job.kind)
        self.rate[job.kind] = obs if old is None else 0.7 * old + 0.3 * obs

    def _forget_old(self):
        done = [j for j in self.jobs.values() if not j.active]
        for j in sorted(done, key=lambda j: j.created)[: max(0, len(done) - self.keep)]:
            self.jobs.pop(j.id, None)

    def shutdown(self):
        with self.cond:
            self._stop = True
            for j in list(self.waiting_jobs):
                j.cancel.set()
            self.cond.notify_all()
        for j in self.jobs.values():
            j.cancel.set()
