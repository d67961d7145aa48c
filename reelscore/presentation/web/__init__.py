"""`reelscore serve`: the local web app and HTTP API (FastAPI), loopback by default.

API under /api/v1 (OpenAPI document at /openapi.json, docs at /docs; every route declares its
response model): health, analyze (multipart upload or, with --allow-dir, a local path under that
folder), jobs (status in plain words with queue position and expected wait; cancel), caption,
compare (2-10 uploaded variants, or history entries), history (list, open with timeline/pictures/
playable media, report, re-score with another caption, caption drafts side by side, delete).
Long work runs as jobs in a bounded queue: a busy server answers 503 with Retry-After instead of
running out of memory. Uploads are checked by content (the same probe as the CLI), limited in size,
stored under generated names (an uploaded file name is never used as a path). Errors are 4xx with a
one-line `detail`.

Layout: app.py (assembly), service.py (what routes share, via Depends), jobs.py (queue), models.py
(response models), view.py (timeline and pictures for the page), preview.py (browser-playable copy),
routers/ (one per area), templates/index.html, static/app.js and app.css.
"""
from .app import create_app, serve

__all__ = ["create_app", "serve"]
