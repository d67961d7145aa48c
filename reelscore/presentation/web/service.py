"""What the routes share: settings, the job queue, the history store, and the work they queue
(analysis, re-score, comparison), each a thin use of the same workflows the CLI calls.

Routers receive it with `Depends(services)`; nothing here lives in module state.
"""
from __future__ import annotations

import json
import re
import shutil
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request, UploadFile

from ...errors import InputError, OptionError, ReelscoreError, display
from ...schema import Account
from ...workflows.history import History
from .jobs import JobQueue, fix_overall, overall

CHUNK = 1 << 20
PICTURE = "frame-{ms}.jpg", "cover-{ms}.jpg", "hidden-{ms}.jpg"
PICTURE_NAME = re.compile(r"(frame|cover|hidden)-\d{1,9}\.jpg")
# a fixed copy of an entry's video: the MP4, its cover and its result (FixOut as JSON), one set per platform
FIXED_NAME = re.compile(r"fixed-(reels|tiktok|shorts)-([0-9a-f]{8})(\.mp4|\.cover\.jpg)")


def fail(status: int, msg: str, headers: dict | None = None):
    """Refuse a request: a 4xx with a one-line `detail`."""
    raise HTTPException(status_code=status, detail=display(msg).replace("\n", " "), headers=headers)


@dataclass
class Settings:
    max_file_mb: float = 512
    token: str | None = None
    allow_dir: str | None = None

    @property
    def max_bytes(self) -> int:
        return int(self.max_file_mb * 2**20)


def services(request: Request) -> "Services":
    """FastAPI dependency: the app's `Services`."""
    return request.app.state.services


class Services:
    def __init__(self, settings: Settings, jobs: JobQueue, history: History):
        self.settings, self.jobs, self.history = settings, jobs, history
        self._preview_locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()
        self.warm = threading.Event()  # set once the models are loaded (warm-up or a first job done)
        self.warmup_job = None

    # ---- inputs
    def account(self, followers=None, following=None, account_likes=None, n_videos=None, recent_views=None) -> Account:
        from ...pipeline import make_account
        from ...schema import parse_counts

        rv = None
        if recent_views:
            try:
                rv = parse_counts(recent_views, "recent_views")
            except ValueError as e:
                fail(422, str(e))
        try:
            return make_account(followers=followers, following=following, account_likes=account_likes,
                                n_videos=n_videos, recent_views=rv)
        except OptionError as e:
            fail(422, str(e))

    def stored_account(self, entry: dict, followers: float | None) -> Account:
        """The account inputs an entry was analyzed with, the follower count optionally replaced."""
        from ...pipeline import make_account

        acct = dict(entry.get("account") or {})
        if followers is not None:
            acct["followers"] = followers
        try:
            return make_account(**acct)
        except (OptionError, TypeError) as e:
            fail(422, str(e))

    @staticmethod
    def platforms() -> list[dict]:
        """The platforms an analysis can target, when this version knows them (else empty)."""
        try:
            from ... import platforms as pf  # the platform profiles (optional until they ship)
        except ImportError:
            return []
        out = []
        for name in getattr(pf, "PLATFORMS", ()):
            try:
                out.append({"name": name, "label": pf.get_profile(name).label})
            except Exception:  # noqa: BLE001 - a broken profile leaves the choice out, the app goes on
                continue
        return out

    def platform_kw(self, platform: str | None) -> dict:
        """platform: one of the platforms, or "all" (checked for every one; the first is the result's)."""
        if not platform:
            return {}
        names = [p["name"] for p in self.platforms()]
        if not names:
            fail(422, "platform: this version judges for one default platform only")
        if platform != "all" and platform not in names:
            fail(422, f"platform: one of {', '.join(names)} or all, got {platform!r}")
        return {"platform": platform}

    @staticmethod
    def stored_platform_kw(entry: dict) -> dict:
        """The platform(s) an entry was analyzed for, to re-score it the same way."""
        res = entry.get("result") or {}
        sz = ((res.get("signals") or {}).get("safe_zones") or {}).get("values") or {}
        names = list(sz.get("by_platform") or {})
        first = res.get("platform")
        if first and len(names) > 1:
            return {"platform": [first] + [n for n in names if n != first]}
        return {"platform": first} if first else {}

    async def save_upload(self, f: UploadFile) -> tuple[Path, float]:
        """The upload stored under a generated name and checked by content; (path, seconds of video)."""
        from ...ingest import probe

        s = self.settings
        dest = self.history.new_media_path(Path(f.filename or "").suffix)
        n = 0
        try:
            with open(dest, "wb") as out:
                while chunk := await f.read(CHUNK):
                    n += len(chunk)
                    if n > s.max_bytes:
                        out.close()
                        dest.unlink(missing_ok=True)
                        fail(413, f"{f.filename}: upload over the {s.max_file_mb:g} MiB limit")
                    out.write(chunk)
        except OSError as e:  # the history folder is full or refused: say so (507), keep no partial file
            from ...outputs import reason_of

            dest.unlink(missing_ok=True)
            fail(507, f"{f.filename or 'upload'}: cannot store the upload in the history folder ({reason_of(e)})")
        if n == 0:
            dest.unlink(missing_ok=True)
            fail(422, f"{f.filename}: empty upload")
        try:  # checked by content, as the CLI does
            info = probe(dest, s.max_bytes)
        except InputError as e:
            dest.unlink(missing_ok=True)
            fail(415, f"{f.filename or 'upload'}: {e.problem}")
        return dest, self.seconds(info)

    def local_file(self, path: str) -> tuple[Path, float]:
        from ...ingest import probe

        if not self.settings.allow_dir:
            fail(403, "path: local paths are refused (start the server with --allow-dir DIR to allow a folder)")
        root = Path(self.settings.allow_dir).resolve()
        p = (root / path).resolve()
        if root not in p.parents or not p.is_file():
            fail(403 if root not in p.parents else 404, f"path: {path} is not a file under the allowed folder")
        try:
            info = probe(p, self.settings.max_bytes)
        except InputError as e:
            fail(415, f"{path}: {e.problem}")
        return p, self.seconds(info)

    @staticmethod
    def seconds(info) -> float:
        """Seconds of video a job will analyze (its share of the expected wait)."""
        return min(max(info.duration_s or 0.0, 1.0), 180.0)

    # ---- jobs
    def start_warmup(self):
        self.warmup_job = self.jobs.submit("warmup", self.warmup(), units=2.0, force=True)

    def queue(self, kind: str, fn, units: float, cleanup=None) -> dict:
        job = self.jobs.submit(kind, fn, units=units, on_cancel=cleanup)
        if job is None:
            if cleanup:
                cleanup()
            fail(503, "busy: the analysis queue is full, try again shortly", headers={"Retry-After": "10"})
        return {"job_id": job.id, "status_url": f"/api/v1/jobs/{job.id}", "queue_position": self.jobs.position(job),
                "expected_wait_s": self.jobs.remaining(job)}

    def discard(self, path: Path | None, eid: str | None):
        """Remove what a cancelled or failed job left: its upload (unless an entry uses it) and pictures."""
        def run():
            if eid and self.history.get(eid) is None:
                shutil.rmtree(self.history.assets_dir(eid), ignore_errors=True)
            if path is not None and Path(path).is_file() and self.history.root.resolve() in Path(path).resolve().parents:
                if not self.history.uses_media(str(path)):
                    Path(path).unlink(missing_ok=True)
        return run

    def analysis(self, path: Path, filename: str, caption: str | None, account: Account, keep_media: bool,
                 platform_kw: dict | None = None, source: dict | None = None, eid: str | None = None,
                 part: tuple[int, int] | None = None):
        """The job that analyzes `path` and keeps the result in the history. `source`: the entry being
        re-scored (its pictures are reused and the video is not decoded again: its signals are cached)."""
        from ...pipeline import analyze
        from ...workflows.report import media_pictures

        eid = eid or uuid.uuid4().hex[:16]
        hist = self.history

        def run(progress):
            from ...analyzers import all_analyzers
            from ...pipeline import analyzer_threads

            # analyzers report when they finish (in parallel) or start (one thread): name one still at work
            order = [a.name for a in sorted(all_analyzers(), key=lambda a: -a.cost)]
            parallel = analyzer_threads() > 1
            done: set[str] = set()

            def step(stage: str, frac: float):
                if stage.startswith("analyze:"):
                    if frac >= 1.0:
                        stage = "scoring"
                    elif parallel:
                        done.add(stage.split(":", 1)[1])
                        left = [n for n in order if n not in done]
                        stage = f"analyze:{left[0]}" if left else "scoring"
                f = overall(stage, frac)
                if part is not None:
                    i, n = part
                    progress(stage, (i + f) / n, f"variant {i + 1} of {n}")
                else:
                    progress(stage, f)
            assets = hist.assets_dir(eid)

            def on_result(a, media):  # pictures while the decoded frames are in memory
                if media is None:
                    return
                step("pictures", 1.0)
                frames, cover = media_pictures(media, a.best_frame.t if a.best_frame else None)
                from ...outputs import atomic_write

                for t, jpg in frames:  # through the one writer: a full or refused folder is a clean job error
                    atomic_write(assets / PICTURE[0].format(ms=round(t * 1000)), jpg, "history folder")
                if cover is not None:
                    atomic_write(assets / PICTURE[1].format(ms=round(a.best_frame.t * 1000)), cover, "history folder")
                for t, jpg in hidden_pictures(a, media):  # where a platform's interface hides text or a face
                    atomic_write(assets / PICTURE[2].format(ms=round(t * 1000)), jpg, "history folder")
            step("probe", 0.0)
            a = analyze(path, caption=caption, account=account, progress=step,
                        on_result=None if source is not None else on_result, **(platform_kw or {}))
            if source is not None:
                self._copy_pictures(source["id"], eid)
            step("saving", 1.0)
            res = json.loads(a.model_dump_json())
            if res.get("media"):
                res["media"]["path"] = filename  # the uploader's name for display, never a path on this machine
            hist.add(filename, str(path) if keep_media else None, caption, res, str(assets / "report.html"),
                     entry_id=eid, account=account.model_dump(exclude_none=True))
            self.warm.set()
            return {"history_id": eid, "score": a.score, "report_url": f"/api/v1/history/{eid}/report",
                    "entry_url": f"/api/v1/history/{eid}"}
        return run

    def _copy_pictures(self, src_id: str, eid: str):
        src, dst = self.history.assets_dir(src_id), self.history.assets_dir(eid)
        if not src.is_dir():
            return
        dst.mkdir(parents=True, exist_ok=True)
        for p in [*src.glob("frame-*.jpg"), *src.glob("cover-*.jpg"), *src.glob("hidden-*.jpg"), *src.glob("preview.mp4")]:
            shutil.copyfile(p, dst / p.name)

    def warmup(self, analyze=None):
        """The start-up job: one tiny analysis loads every model (imports, ONNX sessions, OCR, voice
        detection, caption models, the engagement model), so the first real job is warm. A job that
        arrives meanwhile waits for the loading (it would load the same itself) but not for the rest:
        once the analyzers are done the warm-up stops if anyone is waiting (the scoring's first use is
        then paid by that job, as the CLI pays it). analyze: the analysis to run (default: the pipeline's)."""
        from ...config import AnalysisConfig
        from ...samples import make_video
        from .jobs import JobCancelled

        if analyze is None:
            from ...pipeline import analyze

        def run(progress):
            def step(stage, f):
                progress("warmup", overall(stage, f))
                if stage.startswith("analyze:") and f >= 1.0 and self.jobs.waiting():
                    raise JobCancelled()
            progress("warmup", 0.0)
            with tempfile.TemporaryDirectory(prefix="reelscore-warm-") as d:
                clip = make_video(Path(d) / "warm.mp4", 144, 256, seconds=1.0, fps=10, cuts=(0.5,), audio="beat")
                analyze(clip, caption="Warming up: 3 tips, save this! #reelscore", followers=1000,
                        config=AnalysisConfig(use_cache=False), progress=step)
            self.warm.set()
            return {}
        return run

    # ---- reading the history
    def entry(self, eid: str) -> dict:
        e = self.history.get(eid)
        if e is None:
            fail(404, f"no history entry {eid}")
        return e

    def entry_view(self, eid: str) -> dict:
        from ...workflows.report import band
        from .preview import browser_playable
        from .view import hidden_frames, pictures, platform_views, screen_aspect, timeline

        e = self.entry(eid)
        res = e["result"]
        media = res.get("media") or {}
        best = (res.get("best_frame") or {}).get("t")
        assets = self.history.assets_dir(eid)
        frames, cover = pictures(assets, f"/api/v1/history/{eid}/pictures", best)
        hidden = hidden_frames(assets, f"/api/v1/history/{eid}/pictures")
        kept = bool(e.get("media_path")) and Path(e["media_path"]).is_file()
        return {
            "screen_aspect": screen_aspect(res), "platforms": platform_views(res, hidden),
            "fixes": self.fixes(eid),
            "id": e["id"], "created": e["created"], "filename": e["filename"], "caption": e["caption"],
            "score": e["score"], "band": band(e["score"]) if e["score"] is not None else None,
            "account": e.get("account"), "result": res,
            "media": {"url": f"/api/v1/history/{eid}/media" if kept else None, "kind": media.get("kind") or "video",
                      "original_playable": browser_playable(media)},
            "timeline": timeline(res), "frames": frames, "cover": cover,
            "report_url": f"/api/v1/history/{eid}/report",
        }

    def analysis_of(self, e: dict):
        from ...schema import Analysis

        try:
            return Analysis.model_validate(e["result"])
        except ValueError:
            fail(409, f"{e['id']}: stored by another version of reelscore; analyze the video again")

    def media_file(self, eid: str) -> tuple[Path, str]:
        """The file the page's <video>/<img> plays: the upload, or a browser-playable copy of it."""
        from .preview import PREVIEW_SHORT_SIDE, browser_playable, transcode

        e = self.entry(eid)
        mp = e.get("media_path")
        if not mp or not Path(mp).is_file():
            fail(404, f"{eid}: its media was not kept")
        media = e["result"].get("media") or {}
        if browser_playable(media):
            return Path(mp), _mime(media)
        out = self.history.assets_dir(eid) / "preview.mp4"
        with self._locks_lock:
            lock = self._preview_locks.setdefault(eid, threading.Lock())
        with lock:
            if not out.is_file():
                out.parent.mkdir(parents=True, exist_ok=True)
                try:
                    transcode(mp, out, crf=26, max_short_side=PREVIEW_SHORT_SIDE, rotation=int(media.get("rotation") or 0))
                except Exception as e:  # noqa: BLE001 - the analysis stands; only the preview is missing
                    fail(415, f"{eid}: the video could not be converted for the browser ({type(e).__name__})")
        return out, "video/mp4"

    def picture(self, eid: str, name: str) -> Path:
        if not PICTURE_NAME.fullmatch(name):
            fail(404, f"no picture {name}")
        p = self.history.assets_dir(self.entry(eid)["id"]) / name
        if not p.is_file():
            fail(404, f"no picture {name}")
        return p

    def report_file(self, eid: str) -> Path:
        """The self-contained HTML report, written on first request from the stored result and pictures."""
        from ...outputs import atomic_write
        from ...workflows.report import render

        e = self.entry(eid)
        rp = Path(e["report_path"]) if e.get("report_path") else None
        if rp is not None and rp.is_file():
            return rp
        if rp is None:
            fail(404, f"no report for {eid}")
        a = self.analysis_of(e)
        assets = self.history.assets_dir(eid)
        frames = sorted(((int(p.stem.split("-")[1]) / 1000, p.read_bytes()) for p in assets.glob("frame-*.jpg")),
                        key=lambda x: x[0])
        covers = list(assets.glob("cover-*.jpg"))
        if a.media is not None:
            a.media.path = e["filename"]
        sz = a.signals.get("safe_zones")
        first = (sz.values.get("hidden") or [None])[0] if sz is not None else None
        hid = assets / PICTURE[2].format(ms=round(first["t"] * 1000)) if first else None
        rp.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(rp, render(a, frames or None, covers[0].read_bytes() if covers and a.best_frame else None,
                                (first["t"], hid.read_bytes()) if hid is not None and hid.is_file() else None))
        return rp

    # ---- a fixed copy of an entry's video (reelscore fix as a job)
    def fix_job(self, eid: str, platform: str | None, only: list[str] | None, cover_first: bool = False) -> dict:
        """Queue `reelscore fix` on the entry's stored upload; refuses at once what fix refuses (an image,
        a loudness-only fix without sound, unknown fix names) with a one-line 4xx."""
        from ...platforms import PLATFORMS
        from ...workflows.fix import parse_only

        e = self.entry(eid)
        res = e["result"]
        media = res.get("media") or {}
        name = e["filename"]
        if media.get("kind") == "image":
            fail(422, f"{name}: is an image; reelscore fix works on videos")
        if not e.get("media_path") or not Path(e["media_path"]).is_file():
            fail(409, f"{eid}: its media was not kept; upload it again")
        plat = platform or res.get("platform") or "reels"
        if plat not in PLATFORMS:
            fail(422, f"platform: a fix is made for one of {', '.join(PLATFORMS)}, got {plat!r}")
        try:
            names = parse_only(only)
        except OptionError as err:
            fail(422, str(err).replace("--only", "only", 1))
        if names == {"loudness"} and not media.get("has_audio"):
            fail(422, f"only loudness: {name} has no audio track to normalise")
        acct = self.stored_account(e, None)
        fid = uuid.uuid4().hex[:8]
        out = self.history.assets_dir(eid) / f"fixed-{plat}-{fid}.mp4"
        seconds = min(max(float(media.get("duration_s") or 1.0), 1.0), 180.0)
        return self.queue("fix", self._fix_run(e, plat, only, cover_first, acct, out, fid), seconds,
                          cleanup=lambda: self._drop_fix(out))

    def _fix_run(self, e: dict, plat: str, only, cover_first: bool, acct: Account, out: Path, fid: str):
        from ...outputs import atomic_write
        from ...workflows.fix import fix
        from .models import FixOut

        eid, src, name = e["id"], e["media_path"], e["filename"]

        def run(progress):
            def step(stage: str, frac: float):
                progress(f"fix:{stage}", fix_overall(stage, frac))
            step("analyze", 0.0)
            try:
                r = fix(src, out, platform=plat, only=only, cover_first=cover_first, caption=e.get("caption"),
                        account=acct, progress=step)
            except ReelscoreError as err:  # the same one line, with the uploader's names, not server paths
                raise OptionError(str(err).replace(str(out), out.name).replace(display(src), name)
                                  .replace(str(src), name).replace("--out ", "")) from None
            stem = Path(name).stem or "video"
            d = r.model_dump()
            d.update(input=name, output=f"{stem}.fixed-{plat}.mp4" if r.output else None,
                     cover=f"{stem}.fixed-{plat}.cover.jpg" if r.cover else None)
            base = f"/api/v1/history/{eid}/fixed/"
            fo = FixOut(**d, entry_id=eid, fix_id=fid, created=time.time(),
                        video_url=base + out.name if r.output else None,
                        cover_url=base + out.stem + ".cover.jpg" if r.cover else None)
            atomic_write(out.with_suffix(".json"), fo.model_dump_json(indent=1), "history folder")
            for old in out.parent.glob(f"fixed-{plat}-*.json"):  # per platform: the newest fixed file is kept
                if old.name != out.with_suffix(".json").name and (r.output or not old.with_suffix(".mp4").is_file()):
                    self._drop_fix(old.with_suffix(".mp4"))
            return {"fix": fo}
        return run

    @staticmethod
    def _drop_fix(out: Path):
        for p in (out, out.with_name(out.stem + ".cover.jpg"), out.with_suffix(".json")):
            p.unlink(missing_ok=True)

    def fixes(self, eid: str) -> list[dict]:
        """The fixed copies kept for an entry, newest first."""
        from .models import FixOut

        out = []
        for p in self.history.assets_dir(eid).glob("fixed-*-*.json"):
            try:
                fo = FixOut.model_validate_json(p.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # written by another version: not offered
            if fo.video_url is None or p.with_suffix(".mp4").is_file():
                out.append(fo)
        return sorted(out, key=lambda f: -f.created)

    def fixed_file(self, eid: str, name: str) -> tuple[Path, str, str]:
        """(path, media type, download name) of a fixed copy or its cover."""
        m = FIXED_NAME.fullmatch(name)
        if m is None:
            fail(404, f"no fixed file {name}")
        e = self.entry(eid)
        p = self.history.assets_dir(e["id"]) / name
        if not p.is_file():
            fail(404, f"no fixed file {name} (made again or deleted since)")
        stem = Path(e["filename"]).stem or "video"
        video = m.group(3) == ".mp4"
        return (p, "video/mp4" if video else "image/jpeg",
                f"{stem}.fixed-{m.group(1)}" + (".mp4" if video else ".cover.jpg"))

    # ---- caption drafts (fast: the video's signals come from the cache)
    def caption_drafts(self, eid: str, captions: list[str], followers: float | None) -> dict:
        from ...pipeline import analyze
        from ...workflows.compare import NOISE_POINTS, PostEffect
        from ...workflows.report import band

        e = self.entry(eid)
        if not e.get("media_path") or not Path(e["media_path"]).is_file():
            fail(409, f"{eid}: its media was not kept; upload it again")
        acct = self.stored_account(e, followers)
        t0 = time.perf_counter()
        drafts = []
        for cap in captions:
            try:
                a = analyze(e["media_path"], caption=cap or None, account=acct, **self.stored_platform_kw(e))
            except ReelscoreError as err:
                fail(422, str(err))
            comp = a.component("caption")
            pe: Any = getattr(a, "post_effect", None)
            if isinstance(pe, dict):
                pe = PostEffect.model_validate(pe)
            elif pe is not None:
                pe = PostEffect.model_validate(pe.model_dump())
            drafts.append({
                "caption": cap, "score": a.score, "band": band(a.score),
                "caption_points": comp.contribution if comp else None,
                "caption_subscore": comp.score if comp else None,
                "explanation": comp.explanation if comp else "",
                "post_effect": pe, "views": a.engagement.views if a.engagement else None,
                "suggestions": [{"message": s.message, "expected_gain": s.expected_gain}
                                for s in a.suggestions if s.component == "caption"][:4],
            })
        order = sorted(range(len(drafts)), key=lambda i: -drafts[i]["score"])
        tie = len(order) > 1 and drafts[order[0]]["score"] - drafts[order[1]]["score"] <= NOISE_POINTS
        return {"entry_id": eid, "drafts": drafts, "best": order[0], "tie": tie, "noise_points": NOISE_POINTS,
                "seconds": round(time.perf_counter() - t0, 3)}


def hidden_pictures(a, media) -> list[tuple[float, bytes]]:
    """JPEGs of the first frame each checked platform's interface hides text or a face in (one per time)."""
    import io

    from PIL import Image

    from ...workflows.report import frame_at

    sz = a.signals.get("safe_zones")
    if sz is None or media is None:
        return []
    times = []
    for r in [sz.values] + list((sz.values.get("by_platform") or {}).values()):
        hid = r.get("hidden") or []
        if hid and all(abs(hid[0]["t"] - t) > 1e-3 for t in times):
            times.append(float(hid[0]["t"]))
    out = []
    for t in times:
        im = Image.fromarray(frame_at(media, t))
        im.thumbnail((540, 960))
        b = io.BytesIO()
        im.save(b, "JPEG", quality=85)
        out.append((t, b.getvalue()))
    return out


def _mime(media: dict) -> str:
    c = (media.get("container") or "").lower()
    if media.get("kind") == "image":
        return {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif",
                "bmp": "image/bmp"}.get(c, "application/octet-stream")
    return "video/webm" if c.startswith("matroska") else "video/mp4"
