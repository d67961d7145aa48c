"""The analysis pipeline: probe -> (cached) analyzers over one decode pass -> components -> score.

`analyze()` is the Python API behind `reelscore analyze`. It holds no global state: everything it
uses is created here or passed in.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import Callable

import numpy as np

from . import __version__
from .analyzers import Context, all_analyzers
from .cache import SignalCache, video_key
from .config import AnalysisConfig, usable_cores
from .ingest import decode, probe
from .errors import OptionError
from .platforms import get_profile, parse_platforms
from .models.engagement.store import load_model, resolve_model_path
from .outputs import atomic_write, check_destination, display
from .text.caption import clean_caption
from .schema import Account, Analysis, BestFrame, Signal
from .scoring.components import build_components
from .scoring.safe_zones import safe_zones_signal
from .scoring.virality import score_analysis

def analyze(path: str | os.PathLike, caption: str | None = None, *, followers: float | None = None,
            following: float | None = None, account_likes: float | None = None, n_videos: float | None = None,
            recent_views: list[float] | None = None, account: Account | None = None, post_time=None, config: AnalysisConfig | None = None, model: str | None = None, cache_dir: str | None = None,
            best_frame_path: str | os.PathLike | None = None, debug: bool = False,
            platform: str | list[str] | None = "reels", on_result: Callable | None = None,
            progress: Callable[[str, float], None] | None = None) -> Analysis:
    """Analyze a video or still image (and its caption) and return the scored `Analysis`.

    followers, following, account_likes (the account's total likes), n_videos, recent_views (views of
    recent posts): what you know of the account, all optional; each sharpens the view prediction
    (or pass them together as `account=Account(...)`). Invalid values raise `OptionError`.
    post_time: when it will be posted (a datetime or an ISO string such as "2026-12-01T18:30"), optional:
    given, the posting hour and weekday enter the score as a learned factor.
    model: engagement model name or path (default: the model shipped in the package).
    best_frame_path: write the chosen cover frame there as JPEG.
    platform: "reels" (default), "tiktok" or "shorts": the platform whose limits, interface overlays
    (safe zones) and grid crop the checks and advice follow. "all", "reels,tiktok" or a list check the
    upload for several at once: the first is the result's platform, and `signals["safe_zones"]
    .values["by_platform"]` holds what each one's interface hides (unknown names raise OptionError).
    progress: callback(stage, fraction) for long work.
    on_result: callback(analysis, decoded media or None) run once the result exists, while the decoded
    frames are still in memory (the HTML report uses it: pictures without a second decode).
    Raises `InputError` for files that cannot be analyzed.
    """
    account = account or make_account(followers=followers, following=following, account_likes=account_likes,
                                      n_videos=n_videos, recent_views=recent_views)
    cfg = config or AnalysisConfig()
    platforms = parse_platforms(platform)
    profile = get_profile(platforms[0])
    caption = clean_caption(caption)
    post_time = parse_post_time(post_time)
    vivit = vivit_checkpoint(model)  # a ViViT trained with `train vivit --name NAME`
    engagement_model = None if (vivit is not None and not has_engagement_model(model)) else model
    mpath = resolve_model_path(engagement_model)  # a wrong --model fails now, not after the analysis
    loading = None
    if mpath is not None:
        if engagement_model is None:  # the shipped model loads (about 2 s cold) while the video decodes
            loading = in_background(_import_then_load, str(mpath))
        else:  # a model the user names is checked before any work
            load_model(str(mpath))
    if best_frame_path is not None:  # refuse an unusable destination before any work
        check_destination(best_frame_path, "best_frame_path", [path])
    timings: dict[str, float] = {}
    t_all = time.perf_counter()
    t0 = time.perf_counter()
    info = probe(path, cfg.max_file_bytes, cfg.min_side_px)
    timings["probe"] = time.perf_counter() - t0
    analyzers = all_analyzers(cfg.analyzers)
    ctx = Context(caption=caption, debug=debug, vivit=str(vivit) if vivit else None)
    cache = SignalCache(Path(cache_dir) / "signals" if cache_dir else None) if cfg.use_cache else None
    fp = cfg.fingerprint()
    vkey = video_key(path) if cache else None
    signals: dict[str, Signal] = {}
    pending = []
    for a in analyzers:
        hit = None
        if cache and not a.reads_caption:
            hit = cache.get(vkey, a.name, a.cache_version(ctx), fp)
        if hit is not None:
            signals[a.name] = hit
        else:
            pending.append(a)
    cached_info = cache.get_info(vkey, fp) if cache else None
    need_media = (any(not a.reads_caption for a in pending) or best_frame_path is not None or cached_info is None
                  or on_result is not None)
    media = None
    if need_media:
        t0 = time.perf_counter()
        media = decode(path, cfg, info, progress=(lambda f: progress("decode", f)) if progress else None)
        timings["decode"] = time.perf_counter() - t0
        info = media.info
        if cache:
            cache.put_info(vkey, info, fp)
    else:  # the cached description of the same content, reported under this file's own path
        info = cached_info.model_copy(update={"path": display(path)})
    t0 = time.perf_counter()
    if loading is not None:
        _IMPORTED.wait()  # the loader's imports finish before the analyzers import theirs (see below)
    prepare_threads(pending, cfg.threads)
    timings["prepare"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    for a, sig in run_analyzers(pending, media, ctx, cfg.threads, progress):
        signals[a.name] = sig
        if cache and not a.reads_caption:
            cache.put(vkey, sig.model_copy(update={"version": a.cache_version(ctx)}), fp)
    signals = {a.name: signals[a.name] for a in analyzers}  # a stable order, however they finished
    timings["analyzers"] = time.perf_counter() - t0
    timings["analyzer_threads"] = float(analyzer_threads(cfg.threads) if len(pending) > 1 else 1)
    for name, sig in signals.items():
        timings[f"analyzer.{name}"] = 0.0 if sig.cached else sig.seconds
    t0 = time.perf_counter()
    if loading is not None:
        loading.result()  # re-raises a load failure
    timings["model_wait"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    best = choose_best_frame(signals)
    # derived from the cached, platform-independent signals; never cached itself
    t1 = time.perf_counter()
    signals["safe_zones"] = safe_zones_signal(signals, profile, cover_t=best.t if best else None, also=platforms)
    signals["safe_zones"].seconds = round(time.perf_counter() - t1, 4)
    timings["analyzer.safe_zones"] = signals["safe_zones"].seconds
    components, suggestions = build_components(signals)
    result = score_analysis(components, suggestions, signals, caption=caption, followers=account.followers,
                            duration_s=info.analyzed_s or info.duration_s, model=engagement_model, account=account,
                            post_time=post_time)
    timings["scoring"] = time.perf_counter() - t0
    if result.engagement is not None:
        result.engagement.notes.append(calibration_note(profile.name, result.engagement.model))
    if best is not None and best_frame_path is not None and media is not None:
        best.jpeg_path = write_frame_jpeg(media, best.t, best_frame_path)
    timings["total"] = time.perf_counter() - t_all
    notes = list(info.notes)
    notes += [f"{n}: {s.error}" for n, s in signals.items() if s.error]
    analysis = Analysis(
        reelscore_version=__version__, score=result.score, score_definition=result.definition,
        score_baseline=result.baseline,
        components=result.components, suggestions=result.suggestions, checks=result.checks,
        post_effect=result.post_effect, outlook=result.outlook, engagement=result.engagement,
        best_frame=best, media=info, caption=caption, platform=profile.name, signals=signals,
        timings={k: round(v, 4) for k, v in timings.items()}, versions=versions(), notes=notes + result.notes,
    )
    if on_result is not None:
        on_result(analysis, media)
    return analysis

def parse_post_time(value):
    """None, a datetime, or an ISO date-time string ("2026-12-01T18:30", "2026-12-01 18:30") -> datetime."""
    import datetime as dt

    if value is None or isinstance(value, dt.datetime):
        return value
    try:
        return dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        raise OptionError(f"--post-time: expected a date and time such as 2026-12-01T18:30, got {str(value)[:40]!r}") from None


# Imports and threads. Two threads importing big packages at once (scipy, sklearn, torch) can hand
# one of them a partially initialised module (Python breaks the import-lock cycle that way): a CI run
# saw the engagement model fail with AttributeError while an analyzer imported the same stack. So:
# the background loader does its imports while this thread only decodes (which imports nothing new),
# and the analyzers' packages are imported here, in this thread, before they run in parallel.
_IMPORTED = threading.Event()
_PREPARE = threading.Lock()  # concurrent analyses (the web app) prepare one at a time
# what the analyzers import lazily (measured: the new modules of a cold analysis), heavy ones first
ANALYZER_IMPORTS = ("scipy.signal", "sklearn.feature_extraction.text", "lightgbm", "onnxruntime",
                    "rapidocr_onnxruntime", "scenedetect", "pyloudnorm", "tokenizers", "vaderSentiment.vaderSentiment",
                    "PIL.Image", "PIL.ImageFile", "py3langid", "shapely", "yaml", "pyclipper", "platformdirs")


def _import_then_load(path: str):
    try:
        import lightgbm  # noqa: F401
        import sklearn.feature_extraction.text  # noqa: F401
    finally:
        _IMPORTED.set()
    return load_model(path)


def prepare_threads(analyzers, threads: int = 0) -> None:
    """Before analyzers run in parallel: import their packages and build the ONNX sessions (an export
    on a cold cache imports torch) in this thread, one after another. A no-op in a warm process."""
    if analyzer_threads(threads) <= 1 or len(analyzers) <= 1:
        return
    import importlib

    with _PREPARE:
        for name in ANALYZER_IMPORTS:
            if name not in sys.modules:
                try:
                    importlib.import_module(name)
                except Exception:  # noqa: BLE001 - the analyzer that needs it reports the problem
                    pass
        names = {a.name for a in analyzers}
        try:
            if names & {"quality", "aesthetics", "vivit"}:
                from .models import backbone

                backbone.runtime()
            if "caption" in names:
                from .models import embeddings

                embeddings.runtime()
        except Exception:  # noqa: BLE001
            pass


def in_background(fn, *args):
    """Run fn(*args) on a daemon thread; a Future for its result (or exception)."""
    from concurrent.futures import Future

    fut: Future = Future()

    def work():
        try:
            fut.set_result(fn(*args))
        except BaseException as e:  # noqa: BLE001 - handed to whoever waits for the result
            fut.set_exception(e)

    threading.Thread(target=work, name="reelscore-load", daemon=True).start()
    return fut


def analyzer_threads(threads: int = 0) -> int:
    """Threads for the analyzers: `threads`, or one per usable core (at most 4) when 0."""
    return threads if threads > 0 else min(4, usable_cores())


def run_analyzers(analyzers, media, ctx: Context, threads: int = 0, progress=None):
    """Yield (analyzer, signal) as each finishes. With more than one thread the analyzers run in
    parallel, costliest first: their heavy parts (ONNX Runtime, OpenCV, numpy, torch) release the
    GIL. Each analyzer is independent and runs on one thread, so results do not depend on `threads`."""
    n = analyzer_threads(threads)
    order = sorted(analyzers, key=lambda a: -a.cost)
    if n <= 1 or len(order) <= 1:
        for i, a in enumerate(order):
            if progress:
                progress(f"analyze:{a.name}", i / len(order))
            yield a, a.run(media, ctx)
        return
    from concurrent.futures import ThreadPoolExecutor, as_completed

    with ThreadPoolExecutor(n, thread_name_prefix="reelscore-analyzer") as pool:
        futs = {pool.submit(a.run, media, ctx): a for a in order}
        try:
            for i, fut in enumerate(as_completed(futs)):
                a = futs[fut]
                if progress:
                    progress(f"analyze:{a.name}", (i + 1) / len(order))
                yield a, fut.result()
        except BaseException:  # e.g. a cancelled web job: the analyzers not yet started never start
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def vivit_checkpoint(model: str | None):
    """The ViViT checkpoint `<models dir>/NAME.vivit.pt` (or a `.vivit.pt` path) named by --model, or None."""
    from .paths import user_models_dir

    if not model:
        return None
    p = Path(model)
    if p.name.endswith(".vivit.pt") and p.is_file():
        return p
    q = user_models_dir() / f"{model}.vivit.pt"
    return q if q.is_file() else None


def has_engagement_model(model: str | None) -> bool:
    try:
        return resolve_model_path(model) is not None
    except OptionError:
        return False


def make_account(**kw) -> Account:
    """A validated `Account` (OptionError naming the input when a value is not a finite count)."""
    try:
        return Account.checked(**kw)
    except ValueError as e:
        raise OptionError(str(e)) from None


def calibration_note(platform: str, model: str | None) -> str:
    """Which platform's data the predicted numbers rest on (issue: honest calibration per platform)."""
    from .models.engagement.store import DEFAULT_MODEL

    if model not in (None, "none", DEFAULT_MODEL):
        return (f"Predicted numbers come from the model {model} (not the shipped one): e.g. one trained with "
                "`reelscore train --history` on your own posts, which holds for the platform those posts came from.")
    base = ("Predicted numbers are calibrated on TikTok data (SMP-Video 2022-23 and a 2025 TikTok scrape)")
    if platform == "tiktok":
        return base + "."
    label = {"reels": "Instagram Reels", "shorts": "YouTube Shorts"}.get(platform, platform)
    extra = " Instagram counts every play as a view, so its counts can run far higher." if platform == "reels" else ""
    return (base + f"; for {label} they are TikTok-calibrated, as no {label} data has been trained on yet.{extra} "
            "`reelscore train --history your_posts.csv` calibrates them to your own posts on this platform.")


def choose_best_frame(signals: dict[str, Signal]) -> BestFrame | None:
    """Cover frame: 0.6 x trained quality + 0.25 x aesthetic index + 0.15 x face present, over the sampled frames."""
    q = signals.get("quality")
    if q is None or not q.timeline:
        return None
    times = np.array([t for t, _ in q.timeline])
    score = 0.6 * np.array([v for _, v in q.timeline])
    for name, w in (("aesthetics", 0.25), ("faces", 0.15)):
        s = signals.get(name)
        if s is not None and s.timeline:
            st = np.array([t for t, _ in s.timeline])
            sv = np.array([v for _, v in s.timeline], float)
            if name == "faces":
                sv = (sv > 0).astype(float)
            idx = np.abs(st[None, :] - times[:, None]).argmin(1)
            score += w * sv[idx]
    i = int(np.argmax(score))
    return BestFrame(t=float(times[i]), score=round(float(score[i]), 4))

def write_frame_jpeg(media, t: float, path, option: str = "best_frame_path") -> str:
    from PIL import Image

    import io

    buf = io.BytesIO()
    Image.fromarray(media.cover_rgb(t)).save(buf, format="JPEG", quality=92)
    return display(atomic_write(path, buf.getvalue(), option))

def versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {"reelscore": __version__}
    for pkg in ("av", "numpy", "torch", "opencv-python-headless", "lightgbm", "pydantic", "vaderSentiment",
                "rapidocr-onnxruntime", "silero-vad", "scenedetect", "pyloudnorm"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = "not installed"
    return out
