"""The FastAPI application: routers per area under /api/v1, the page as a template with its script
and styles as static files, shared things (settings, job queue, history) passed with Depends."""
from __future__ import annotations

import hmac
from contextlib import asynccontextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent


def create_app(max_file_mb: float = 512, token: str | None = None, allow_dir: str | None = None, workers: int = 1,
               max_pending: int = 8, history_root: str | None = None, warm: bool = True):
    """The app. warm: at start-up, load the models in the background (a small analysis queued first)
    so the first real job does not pay for it on top of its own work."""
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from fastapi.staticfiles import StaticFiles
    from fastapi.templating import Jinja2Templates

    from ... import __version__
    from ...workflows.history import History
    from .jobs import JobQueue
    from .routers import analyze, caption, compare, history, jobs, page, system
    from .service import Services, Settings

    svc = Services(Settings(max_file_mb=max_file_mb, token=token, allow_dir=allow_dir),
                   JobQueue(workers, max_pending), History(history_root))

    @asynccontextmanager
    async def lifespan(app):
        if warm:
            svc.start_warmup()
        else:
            svc.warm.set()
        yield
        svc.jobs.shutdown()

    app = FastAPI(title="reelscore", version=__version__, lifespan=lifespan,
                  description="Score short vertical videos before posting; everything runs on this machine. "
                              "Long work runs as jobs: POST returns 202 with a status_url to poll.")
    app.state.services = svc
    app.state.templates = Jinja2Templates(directory=str(HERE / "templates"))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for r in (system, analyze, jobs, caption, compare, history):
        app.include_router(r.router, prefix="/api/v1")
    app.include_router(page.router)

    @app.exception_handler(RequestValidationError)
    async def _validation(request, exc):  # one line, not FastAPI's nested list
        e = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in e.get("loc", []) if x != "body")
        return JSONResponse(status_code=422, content={"detail": f"{where}: {e.get('msg', 'invalid request')}"})

    @app.middleware("http")
    async def _auth(request: Request, call_next):
        if token and request.url.path.startswith("/api/"):
            got = (request.headers.get("x-reelscore-token") or request.cookies.get("reelscore_token")
                   or request.headers.get("authorization", "").removeprefix("Bearer "))
            if not hmac.compare_digest(got or "", token):
                return JSONResponse(status_code=401, content={"detail": "missing or wrong token (X-Reelscore-Token)"})
        return await call_next(request)

    return app


def serve(host: str = "127.0.0.1", port: int = 8765, token: str | None = None, **kw) -> None:
    import ipaddress

    import uvicorn

    from ...errors import OptionError

    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback and not token:
        raise OptionError(f"--host {host}: serving beyond this machine needs --token (every API call must send it)")
    uvicorn.run(create_app(token=token, **kw), host=host, port=port, log_level="warning")
