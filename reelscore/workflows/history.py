"""Analysis history in SQLite (WAL mode) under the user data dir: every analysis the web app runs is
kept (its result JSON, the account inputs it used, its pictures and report under `assets/<id>/`, and
the uploaded media under a generated name), listed, opened, re-scored with another caption from the
signal cache (no re-decode) and deleted with its files (an upload shared by re-scored entries goes
with the last of them).
Each write is one transaction: a crash or a kill mid-analysis never corrupts or loses earlier entries."""
from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
import uuid
from pathlib import Path

from ..outputs import OutputError, output_errors
from ..paths import data_dir

SCHEMA = """
CREATE TABLE IF NOT EXISTS analyses (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    filename TEXT NOT NULL,
    media_path TEXT,
    caption TEXT,
    score REAL,
    views_p50 REAL,
    result TEXT NOT NULL,
    report_path TEXT,
    account TEXT
)"""


class History:
    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root else data_dir() / "web"
        with output_errors(self.root, "history folder"):
            self.root.mkdir(parents=True, exist_ok=True)
            (self.root / "media").mkdir(exist_ok=True)
            (self.root / "reports").mkdir(exist_ok=True)
        self.db = self.root / "history.sqlite"
        self._lock = threading.Lock()
        with self._writing():
            with self._conn() as c:
                c.execute("PRAGMA journal_mode=WAL")
                c.execute(SCHEMA)
                cols = {r[1] for r in c.execute("PRAGMA table_info(analyses)")}
                if "account" not in cols:  # a history written before the account was kept
                    c.execute("ALTER TABLE analyses ADD COLUMN account TEXT")

    @contextlib.contextmanager
    def _writing(self):
        """A database the filesystem refuses (read-only, full, I/O error) is an OutputError naming it."""
        with output_errors(self.db, "history database"):
            try:
                yield
            except sqlite3.OperationalError as e:
                raise OutputError("history database", self.db, str(e)) from None

    def _conn(self):
        c = sqlite3.connect(self.db, timeout=30)
        c.row_factory = sqlite3.Row
        return c

    def new_media_path(self, suffix: str = "") -> Path:
        """Where an upload is stored: a generated name, never the uploader's file name."""
        safe = "".join(ch for ch in suffix.lower() if ch.isalnum())[:8]
        return self.root / "media" / f"{uuid.uuid4().hex}{'.' + safe if safe else ''}"

    def report_path(self, entry_id: str) -> Path:
        return self.root / "reports" / f"{entry_id}.html"

    def assets_dir(self, entry_id: str) -> Path:
        """The entry's own files (frames, cover, a browser-playable copy, the report): deleted with it."""
        if not entry_id.isalnum():
            raise ValueError(f"not an entry id: {entry_id!r}")
        return self.root / "assets" / entry_id

    def add(self, filename: str, media_path: str | None, caption: str | None, result: dict,
            report_path: str | None, entry_id: str | None = None, account: dict | None = None) -> str:
        eid = entry_id or uuid.uuid4().hex[:16]
        eng = result.get("engagement") or {}
        with self._lock, self._writing(), self._conn() as c:
            c.execute("INSERT INTO analyses (id, created, filename, media_path, caption, score, views_p50, result, "
                      "report_path, account) VALUES (?,?,?,?,?,?,?,?,?,?)",
                      (eid, time.time(), filename[:200], media_path, caption, result.get("score"),
                       (eng.get("views") or {}).get("p50"), json.dumps(result), report_path,
                       json.dumps(account) if account else None))
        return eid

    def list(self, limit: int = 100) -> list[dict]:
        with self._conn() as c:
            rows = c.execute("SELECT id, created, filename, caption, score, views_p50 FROM analyses "
                             "ORDER BY created DESC LIMIT ?", (limit,)).fetchall()
        return [dict(r) for r in rows]

    def get(self, eid: str) -> dict | None:
        with self._conn() as c:
            r = c.execute("SELECT * FROM analyses WHERE id = ?", (eid,)).fetchone()
        if r is None:
            return None
        d = dict(r)
        d["result"] = json.loads(d["result"])
        d["account"] = json.loads(d["account"]) if d.get("account") else None
        return d

    def uses_media(self, media_path: str) -> bool:
        """Whether an entry refers to this stored upload (re-scored entries share their video)."""
        with self._conn() as c:
            return c.execute("SELECT 1 FROM analyses WHERE media_path = ? LIMIT 1", (media_path,)).fetchone() is not None

    def delete(self, eid: str) -> bool:
        import shutil

        e = self.get(eid)
        if e is None:
            return False
        with self._lock, self._conn() as c:
            c.execute("DELETE FROM analyses WHERE id = ?", (eid,))
            shared = e.get("media_path") and c.execute("SELECT 1 FROM analyses WHERE media_path = ? LIMIT 1",
                                                       (e["media_path"],)).fetchone()
        root = self.root.resolve()
        for p in (None if shared else e.get("media_path"), e.get("report_path")):
            if p and Path(p).is_file() and root in Path(p).resolve().parents:
                Path(p).unlink()
        d = self.assets_dir(eid)
        if d.is_dir():
            shutil.rmtree(d, ignore_errors=True)
        return True
