"""The page: one HTML template; its script and styles are static files."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def page(request: Request):
    from .... import __version__

    platforms = request.app.state.services.platforms()  # the choice is in the page from the start
    return request.app.state.templates.TemplateResponse(request, "index.html",
                                                        {"version": __version__, "platforms": platforms})
