"""`reelscore` command line: a thin layer over the Python API (one command per API call)."""
from __future__ import annotations

import errno
import json
import os
import sys

import click

from pathlib import Path

from .. import __version__
from ..errors import OptionError, ReelscoreError, display
from ..outputs import OutputError


def _read_caption_file(path: str) -> str:
    from ..text.caption import MAX_CAPTION_CHARS

    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read(MAX_CAPTION_CHARS * 4 + 1)  # never read a huge file whole
    if len(text) > MAX_CAPTION_CHARS:
        raise OptionError(f"--caption-file {path}: caption is longer than the {MAX_CAPTION_CHARS:,}-character limit")
    return text


def _emit_json(obj, dest: str) -> None:
    from ..outputs import atomic_write

    text = obj if isinstance(obj, str) else json.dumps(obj, indent=2, ensure_ascii=False)
    if dest == "-":
        click.echo(text)
    else:
        atomic_write(dest, text + "\n", "--json")


def _check_out(out, inputs=()) -> None:
    """--out of a training or export command: refused before the work when it cannot be written."""
    from ..outputs import check_destination

    check_destination(out, "--out", [i.split("=", 1)[-1] for i in inputs])


def _positive(name: str):
    """A click callback: the option must be a finite number above 0 (names the option otherwise)."""
    import math

    def check(ctx, param, value):
        if value is not None and (not math.isfinite(value) or value <= 0):
            raise click.BadParameter(f"must be a finite number above 0, got {value!r}", param_hint=name)
        return value
    return check


class _Progress:
    """One-line progress on stderr when it is a terminal."""

    def __init__(self, enabled: bool):
        self.enabled = enabled and sys.stderr.isatty()

    def __call__(self, stage: str, frac: float) -> None:
        if self.enabled:
            n = int(frac * 30)
            sys.stderr.write(f"\r  {stage[:24]:<24} [{'#' * n}{'.' * (30 - n)}] {frac:4.0%}")
            sys.stderr.flush()

    def done(self):
        if self.enabled:
            sys.stderr.write("\r" + " " * 70 + "\r")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reelscore")
def cli():
    """Score how likely a short vertical video is to take off, and why. Runs locally."""


def _account_options(f):
    """What a creator knows of the account: the same options on every scoring command."""
    opts = [
        click.option("--followers", type=float, default=None, help="Account follower count (sharpens predictions)."),
        click.option("--following", type=float, default=None, help="Accounts the account follows."),
        click.option("--account-likes", type=float, default=None, help="Total likes the account has received."),
        click.option("--video-count", type=float, default=None, help="Number of videos the account has posted."),
        click.option("--recent-views", default=None, metavar="N,N,...",
                     help="Views of your recent posts, comma-separated (the strongest single predictor)."),
        click.option("--history", "history_file", type=click.Path(dir_okay=False), default=None,
                     help="Your posts export (CSV/JSON): the views of the latest 10 posts become --recent-views."),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def _platform_option(allow_all: bool = True):
    """--platform: the platform the checks and advice follow (validated: unknown names exit 2)."""
    def check(ctx, param, value):
        from ..platforms import parse_platforms

        names = parse_platforms(value)  # OptionError (exit 2) names the choices
        if len(names) > 1 and not allow_all:
            raise OptionError(f"--platform: give one of reels, tiktok, shorts here (got {value!r})")
        return names
    extra = "; 'all' or a comma list checks the upload for several at once (the first is the result's platform)" if allow_all else ""
    return click.option("--platform", default="reels", show_default=True, metavar="reels|tiktok|shorts" + ("|all" if allow_all else ""),
                        callback=check, help=f"Platform whose limits, interface overlays and grid crop to check against{extra}.")


def _account(followers, following, account_likes, video_count, recent_views, history_file):
    from ..errors import OptionError
    from ..pipeline import make_account

    from ..schema import parse_counts

    recent = None
    if recent_views:
        try:
            recent = parse_counts(recent_views, "--recent-views")
        except ValueError as e:
            raise OptionError(str(e)) from None
    if history_file:
        from ..models.engagement.data import load_posts

        posts = [p for p in load_posts(history_file) if p.views is not None]
        posts.sort(key=lambda p: (p.post_time is None, p.post_time), reverse=True)
        recent = (recent or []) + [p.views for p in posts[:10]]
        if followers is None:
            followers = next((p.followers for p in posts if p.followers is not None), None)
    return make_account(followers=followers, following=following, account_likes=account_likes,
                        n_videos=video_count, recent_views=recent)


@cli.command()
@click.argument("video", type=click.Path(dir_okay=True))
@click.option("--caption", "-c", default=None, help="Caption text to post with the video.")
@click.option("--caption-file", type=click.Path(exists=True, dir_okay=False), help="Read the caption from a file.")
@_account_options
@click.option("--post-time", default=None, metavar="DATETIME",
              help="When you will post it (e.g. 2026-12-01T18:30): the posting hour and weekday enter the score.")
@click.option("--json", "json_out", default=None, metavar="PATH|-", help="Write the full result as JSON ('-' = stdout).")
@click.option("--model", default=None, help="Engagement model NAME (trained with `train --history`) or PATH.")
@_platform_option()
@click.option("--best-frame", type=click.Path(dir_okay=False), default=None, help="Write the best cover frame as JPEG.")
@click.option("--report", "report_out", type=click.Path(dir_okay=False), default=None,
              help="Write a self-contained HTML report (plots, frames, cover) to this file.")
@click.option("--max-seconds", type=float, default=180.0, show_default=True, callback=_positive("--max-seconds"),
              help="Analyze at most this much video.")
@click.option("--max-file-mb", type=float, default=4096, show_default=True, callback=_positive("--max-file-mb"),
              help="Refuse larger files.")
@click.option("--analyzers", default=None, help="Comma-separated subset of analyzers to run.")
@click.option("--threads", type=click.IntRange(0, 64), default=0, show_default=True,
              help="Analyzers run in parallel on this many threads (0 = one per core, at most 4; results do not depend on it).")
@click.option("--no-cache", is_flag=True, help="Do not read or write the per-video signal cache.")
@click.option("--profile", is_flag=True, help="Print where the time went.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the score (and JSON if asked).")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
def analyze(video, caption, caption_file, followers, following, account_likes, video_count, recent_views, history_file,
            post_time, json_out, model, platform, best_frame, report_out, max_seconds, max_file_mb, analyzers, threads,
            no_cache, profile, quiet, debug):
    """Analyze VIDEO (or an image) and print its Virality Score, breakdown and suggestions."""
    from ..config import AnalysisConfig
    from ..pipeline import analyze as run
    from .render import profile as render_profile
    from .render import summary

    from ..outputs import check_destination

    if caption_file:
        caption = _read_caption_file(caption_file)
    names = tuple(a.strip() for a in analyzers.split(",") if a.strip()) if analyzers else None
    cfg = AnalysisConfig(max_seconds=max_seconds, max_file_bytes=int(min(max_file_mb, 2**40) * 2**20),
                         use_cache=not no_cache, analyzers=names, threads=threads)
    # refuse an unusable destination before the analysis, never after it
    if json_out is not None and json_out != "-":
        check_destination(json_out, "--json", [video])
    if best_frame is not None:
        check_destination(best_frame, "--best-frame", [video])
        if json_out not in (None, "-") and Path(json_out).absolute() == Path(best_frame).absolute():
            raise OptionError("--json and --best-frame name the same file")
    if report_out is not None:
        check_destination(report_out, "--report", [video])
        if any(o not in (None, "-") and Path(o).absolute() == Path(report_out).absolute() for o in (json_out, best_frame)):
            raise OptionError("--report names the same file as --json or --best-frame")
    written = {}

    def on_result(a, media):
        if report_out is not None:
            from ..workflows.report import write_report

            written["report"] = write_report(a, report_out, media)
    acct = _account(followers, following, account_likes, video_count, recent_views, history_file)
    prog = _Progress(not quiet)
    try:
        result = run(video, caption=caption, account=acct, post_time=post_time, config=cfg, model=model,
                     best_frame_path=best_frame, debug=debug, platform=platform, progress=prog,
                     on_result=on_result if report_out else None)
    except OutputError as e:  # the API names its parameter; the CLI user typed the option
        if e.option == "best_frame_path":
            raise OutputError("--best-frame", e.path, e.reason) from None
        raise
    finally:
        prog.done()
    if json_out:
        _emit_json(result.model_dump_json(indent=2), json_out)
    if json_out == "-":
        return
    if quiet:
        click.echo(f"{result.score:.1f}")
    else:
        click.echo(summary(result))
        if len(platform) == 1:
            from ..platforms import get_profile

            click.echo(f"\n  Checked for {get_profile(result.platform).label} (--platform reels|tiktok|shorts|all)")
        if len(platform) > 1:
            from .render import platforms_table

            click.echo(platforms_table(result, platform))
        if profile:
            click.echo(render_profile(result))
        if written.get("report"):
            click.echo(f"\n  Report: {written['report']}")


@cli.command("fix")
@click.argument("video", type=click.Path(dir_okay=True))
@click.option("--out", "-o", required=True, type=click.Path(dir_okay=False), help="The fixed video (.mp4) to write.")
@click.option("--platform", default=None, metavar="reels|tiktok|shorts",
              help="Target platform: its loudness, true-peak ceiling and export settings (default: reels).")
@click.option("--only", default=None, metavar="LIST",
              help="Comma-separated subset of fixes: loudness, trim, reframe, export, cover (default: all).")
@click.option("--dry-run", is_flag=True, help="List the planned fixes with their predicted gains; write no video.")
@click.option("--cover-first", is_flag=True, help="Also show the cover frame as the first frame.")
@click.option("--json", "json_out", default=None, metavar="PATH|-", help="Write the before/after result as JSON.")
@click.option("--report", "report_out", type=click.Path(dir_okay=False), default=None,
              help="Write the fixed file's HTML report.")
@click.option("--caption", "-c", default=None, help="Caption to score with (the same before and after).")
@_account_options
@click.option("--quiet", "-q", is_flag=True, help="Print only the scores.")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
def fix_cmd(video, out, platform, only, dry_run, cover_first, json_out, report_out, caption, followers, following,
            account_likes, video_count, recent_views, history_file, quiet, debug):
    """Apply the safe fixes the analysis finds worth points (loudness, dead opening, 9:16 reframe,
    platform export, cover) and write a better file, with the score before and after."""
    from ..outputs import check_destination
    from ..workflows.fix import fix as run

    if json_out is not None and json_out != "-":
        check_destination(json_out, "--json", [video, out])
        if Path(json_out).absolute() in (Path(out).absolute(), Path(report_out).absolute() if report_out else None):
            raise OptionError("--json names the same file as --out or --report")
    if report_out is not None and Path(report_out).absolute() == Path(out).absolute():
        raise OptionError("--report names the same file as --out")
    acct = _account(followers, following, account_likes, video_count, recent_views, history_file)
    prog = _Progress(not quiet)
    try:
        res = run(video, out, platform=platform, only=only, dry_run=dry_run, cover_first=cover_first, caption=caption,
                  account=acct, report_path=report_out, progress=prog)
    finally:
        prog.done()
    if json_out:
        _emit_json(res.model_dump_json(indent=2), json_out)
    if json_out == "-":
        return
    click.echo(_fix_summary(res, quiet))


def _fix_summary(r, quiet: bool = False) -> str:
    after = r.score_after if r.score_after is not None else r.predicted_score_after
    label = "predicted" if r.score_after is None else "after"
    if quiet:
        return f"{r.score_before:.1f} {after:.1f}" if after is not None else f"{r.score_before:.1f}"
    lines = [f"Virality Score {r.score_before:.1f} -> {after:.1f} ({label}, {after - r.score_before:+.1f})"
             + (f"  [predicted {r.predicted_score_after:.1f}]" if r.score_after is not None else "")]
    lines.append("\nPlanned fixes (predicted gain):" if r.dry_run else "\nApplied:")
    for p in r.planned:
        if r.dry_run or p.name in r.applied:
            g = f"[{p.predicted_gain:+.1f}] " if p.predicted_gain is not None else ""
            lines.append(f"  {g}{p.name}: {p.action}\n      because {p.reason}")
    if not r.planned:
        lines.append("  nothing")
    if r.skipped:
        lines.append("\nNot applied:")
        lines += [f"  {k}: {v}" for k, v in r.skipped.items()]
    if r.changed_factors:
        lines.append("\nChanged factors (sub-score, points):")
        for c in r.changed_factors:
            def f(x):
                return "n/a" if x is None else f"{x:.1f}"
            lines.append(f"  {c.name:<14} {f(c.score_before):>5} -> {f(c.score_after):<5}  points {f(c.points_before)} -> "
                         f"{f(c.points_after)}")
    facts = []
    if r.loudness_after_lufs is not None:
        facts.append(f"loudness {r.loudness_before_lufs if r.loudness_before_lufs is not None else float('nan'):.1f} -> "
                     f"{r.loudness_after_lufs:.1f} LUFS (target {r.loudness_target_lufs:g}), true peak "
                     f"{r.true_peak_after_dbtp:.1f} dBTP (ceiling {r.true_peak_ceiling_dbtp:g})")
    if r.duration_after_s is not None:
        facts.append(f"duration {r.duration_before_s or 0:.2f} -> {r.duration_after_s:.2f} s"
                     + (f" (cut {r.trimmed_start_s:.2f} s at the start)" if r.trimmed_start_s else ""))
    if r.size_after:
        facts.append(f"{r.size_after[0]}x{r.size_after[1]} at {r.fps_after:g} fps, {r.encoder}")
    if facts:
        lines.append("\n" + "\n".join(f"  {x}" for x in facts))
    if r.output:
        lines.append(f"\n  Fixed video: {r.output}")
    if r.cover:
        lines.append(f"  Cover: {r.cover}")
    for n in r.notes:
        lines.append(f"  note: {n}")
    return "\n".join(lines)


@cli.command()
@click.argument("text", required=False)
@click.option("--file", "text_file", type=click.Path(exists=True, dir_okay=False), help="Read the caption from a file.")
@_account_options
@click.option("--sentiment", default="default", show_default=True,
              help="'default' (the trained MiniLM head when shipped), 'minilm', 'vader' or 'transformers:<path-or-id>'.")
@_platform_option()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def caption(text, text_file, followers, following, account_likes, video_count, recent_views, history_file, sentiment,
            platform, as_json):
    """Analyze a caption alone (fast; for rewriting before posting)."""
    from ..workflows.caption import analyze_caption

    if text_file:
        text = _read_caption_file(text_file)
    if text is None:
        if sys.stdin.isatty():
            raise click.UsageError("give the caption as an argument, with --file, or on standard input")
        text = sys.stdin.read()
    acct = _account(followers, following, account_likes, video_count, recent_views, history_file)
    res = analyze_caption(text, account=acct, sentiment=sentiment)
    from ..platforms import get_profile
    from ..scoring.platform_rules import caption_limits

    res["platform"] = platform[0]
    res["platform_checks"] = {n: [sg.model_dump() for sg in caption_limits(get_profile(n), text)] for n in platform}
    if as_json:
        click.echo(json.dumps(res, indent=2, ensure_ascii=False))
        return
    from .render import _fmt

    click.echo(f"Caption score {res['caption_score']:.1f}/100  ({res['explanation']})")
    s = res["sentiment"]
    click.echo(f"  sentiment: {s['label']} ({s['compound']:+.2f}, {s['backend']}){'' if s['reliable'] else ' [unreliable: not English]'}")
    click.echo(f"  call to action: {', '.join(res['call_to_action']['types']) or 'none'}")
    click.echo(f"  hook: {', '.join(res['hook']['patterns']) or 'none'}   hashtags: {res['hashtags']['count']} "
               f"(generic {len(res['hashtags']['generic'])}, niche {res['hashtags']['niche']})")
    if res.get("predicted_views"):
        v = res["predicted_views"]
        click.echo(f"  predicted views: {_fmt(v['p50'])} ({_fmt(v['p10'])} – {_fmt(v['p90'])}), caption-only model input")
    for sg in res["suggestions"]:
        g = f"[{sg['expected_gain']:+.1f}] " if sg.get("expected_gain") is not None else ""
        click.echo(f"  • {g}{sg['message']}")
    for n, checks in res["platform_checks"].items():
        label = get_profile(n).label
        click.echo(f"  {label}:" + (" within its caption and hashtag limits" if not checks else ""))
        for sg in checks:
            click.echo(f"    • {sg['message']}")


@cli.command()
@click.option("--json", "as_json", is_flag=True)
def doctor(as_json):
    """List analyzers and model backends, their availability and weights, and library versions."""
    from ..workflows.doctor import report

    rep = report()
    if as_json:
        click.echo(json.dumps(rep, indent=2))
        return
    click.echo(f"reelscore {__version__}  (python {sys.version.split()[0]})")
    click.echo("\nAnalyzers:")
    for a in rep["analyzers"]:
        mark = "ok " if a["available"] else "-- "
        kind = "heuristic" if a["heuristic"] else "trained"
        click.echo(f"  {mark}{a['name']:<13} {kind:<9} {a['backend']}\n       {a['description']}"
                   + (f"\n       {a['detail']}" if a["detail"] else ""))
    click.echo("\nModels:")
    for m in rep["models"]:
        mark = "ok " if m["available"] else "-- "
        click.echo(f"  {mark}{m['name']:<22} {m['detail']}")
    click.echo("\nLibraries:")
    for k, v in rep["versions"].items():
        click.echo(f"  {k:<24} {v}")


@cli.group()
def models():
    """Every model reelscore knows (one registry): list; fetch (needs network) or import downloadable weights."""


@models.command("list")
def models_list():
    from ..models.registry import REGISTRY
    from ..models.weights import cache_dir, expected_hash

    click.echo(f"weights cache: {cache_dir()}")
    for s in REGISTRY.values():
        state = "present" if s.available() else ("not fetched" if s.weights else "absent")
        use = f"  [{s.arch}, {s.task}, {s.source}, {'trained' if s.trained else 'not trained'}]" if s.usable \
            else f"  [{s.arch}: no architecture in reelscore yet]"
        line = f"  {s.name:<32} {state:<12} {s.licence}{use}"
        if s.weights:
            h = expected_hash(s.weights)
            line += "\n      " + (f"sha256 {h[:16]}…" if h else "sha256 unpublished (--allow-unpinned)") + f"  {s.weights.url}"
        click.echo(line)


_UNPINNED = click.option("--allow-unpinned", is_flag=True,
                         help="accept a file for an entry without a published SHA-256 (its hash is then recorded)")


@models.command("fetch")
@click.argument("name")
@_UNPINNED
def models_fetch(name, allow_unpinned):
    from ..models.registry import fetch

    click.echo(str(fetch(name, allow_unpinned=allow_unpinned)))


@models.command("import")
@click.argument("name")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@_UNPINNED
def models_import(name, path, allow_unpinned):
    from ..models.registry import import_file

    click.echo(str(import_file(name, path, allow_unpinned=allow_unpinned)))


@cli.group()
def trends():
    """The trends file (hashtags, sounds, topics with weights and dates)."""


@trends.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def trends_load(path):
    """Validate PATH (CSV: kind,name,weight,date) and make it the active trends file."""
    from ..text.trends import install, load

    dest = install(path)
    click.echo(f"{len(load(dest))} trends active from {dest}")


@trends.command("show")
@click.option("--top", type=int, default=20)
def trends_show(top):
    from ..text.trends import active_path, load

    t = load()
    click.echo(f"{active_path()} ({len(t)} entries)")
    for x in sorted(t, key=lambda x: -x.weight)[:top]:
        click.echo(f"  {x.kind:<8} {x.name:<30} {x.weight:+.3f}  {x.date}")


@cli.command()
@click.argument("result", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False), help="HTML file to write.")
def report(result, out):
    """Write the HTML report of a saved result JSON (frames re-read from the media file when it exists)."""
    from ..outputs import check_destination
    from ..schema import Analysis
    from ..workflows.report import write_report

    try:
        a = Analysis.model_validate_json(Path(result).read_text(encoding="utf-8"))
    except Exception as e:
        raise OptionError(f"{result}: not a reelscore result JSON ({type(e).__name__})") from None
    check_destination(out, "--out", [result] + ([a.media.path] if a.media else []))
    media = None
    if a.media is not None and Path(a.media.path).is_file():
        from ..ingest import decode

        try:
            media = decode(a.media.path)
        except ReelscoreError:
            media = None
    click.echo(write_report(a, out, media, option="--out"))


@cli.command()
@click.argument("source")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Results as JSON lines (appended as items finish).")
@click.option("--workers", type=int, default=None, help="Worker processes (default: the number of cores).")
@click.option("--resume", is_flag=True, help="Skip items already in --out (content hash + settings + inputs).")
@click.option("--ray", "ray_addr", default=None, is_flag=False, flag_value="local", metavar="[ADDRESS]",
              help="Run the items as Ray tasks: a local instance, or the cluster at ADDRESS.")
@click.option("--reports", "reports_dir", type=click.Path(file_okay=False), default=None,
              help="Write each clip's HTML report into this folder, and an index.html linking them.")
@click.option("--parquet", "parquet_out", type=click.Path(dir_okay=False), default=None,
              help="Also write every record of --out as a flat Parquet table (scores, intervals, factors; needs pyarrow).")
@click.option("--model", default=None, help="Engagement model NAME or PATH.")
@_platform_option()
@click.option("--max-seconds", type=float, default=180.0, show_default=True, callback=_positive("--max-seconds"))
@click.option("--no-cache", is_flag=True, help="Do not read or write the per-video signal cache.")
@click.option("--quiet", "-q", is_flag=True)
def batch(source, out, workers, resume, ray_addr, reports_dir, parquet_out, model, platform, max_seconds, no_cache, quiet):
    """Score a folder, a glob or a CSV (path, caption, followers, ...) into JSON lines, resumable."""
    from ..outputs import check_destination
    from ..workflows.batch import need_pyarrow, run_batch, summary_table, write_index, write_parquet

    if workers is not None and workers < 1:
        raise OptionError("--workers must be at least 1")
    check_destination(out, "--out")
    if parquet_out:
        check_destination(parquet_out, "--parquet", [out])
        need_pyarrow()  # refuse before hours of work, not after
    settings = {"config": {"max_seconds": max_seconds, "use_cache": not no_cache}, "model": model,
                "platform": platform, "reports_dir": str(Path(reports_dir).absolute()) if reports_dir else None}
    res = run_batch(source, out, workers=workers, resume=resume, settings=settings, use_ray=ray_addr is not None,
                    ray_address=None if ray_addr in (None, "local") else ray_addr, progress=not quiet)
    if reports_dir:
        res["index"] = write_index(res, str(Path(reports_dir) / "index.html"))
    if parquet_out:
        res["parquet"] = write_parquet(out, parquet_out)
    if not quiet:
        click.echo(summary_table(res))
        if res.get("index"):
            click.echo(f"index: {res['index']}")
        if res.get("parquet"):
            click.echo(f"parquet: {res['parquet']}")


@cli.command()
@click.argument("videos", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--caption", "-c", default=None, help="Caption posted with every variant.")
@_account_options
@click.option("--names", default=None, help="Comma-separated names for the variants (default: the file names).")
@click.option("--no-cache", is_flag=True, help="Do not read or write the per-video signal cache.")
@click.option("--json", "json_out", default=None, metavar="PATH|-", help="Write the comparison as JSON ('-' = stdout).")
def compare(videos, caption, followers, following, account_likes, video_count, recent_views, history_file, names,
            no_cache, json_out):
    """Compare 2-10 VIDEOS (drafts of one post): which one, by how many points, and which factors decide."""
    from ..config import AnalysisConfig
    from ..pipeline import analyze as run
    from ..workflows.compare import compare as compare_variants
    from ..workflows.compare import compare_table

    if not 2 <= len(videos) <= 10:
        raise OptionError(f"compare needs 2 to 10 videos, got {len(videos)}")
    labels = [n.strip() for n in names.split(",")] if names else [Path(v).name for v in videos]
    if len(labels) != len(videos):
        raise OptionError(f"--names: {len(labels)} names for {len(videos)} videos")
    acct = _account(followers, following, account_likes, video_count, recent_views, history_file)
    cfg = AnalysisConfig(use_cache=not no_cache)
    prog = _Progress(json_out != "-")
    results = []
    try:
        for i, v in enumerate(videos):
            results.append(run(v, caption=caption, account=acct, config=cfg,
                               progress=lambda s, f, i=i: prog(f"{i + 1}/{len(videos)} {s}", f)))
    finally:
        prog.done()
    res = compare_variants(results, labels)
    if json_out:
        _emit_json(res.model_dump_json(indent=2), json_out)
    if json_out != "-":
        click.echo(compare_table(res))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on (loopback by default).")
@click.option("--port", type=int, default=8765, show_default=True)
@click.option("--token", default=None, help="Require this token (X-Reelscore-Token header) on every API call; "
              "needed for a non-loopback --host.")
@click.option("--max-file-mb", type=float, default=512, show_default=True, callback=_positive("--max-file-mb"))
@click.option("--allow-dir", type=click.Path(exists=True, file_okay=False), default=None,
              help="Allow analyzing local files under this folder by path (POST path=...).")
@click.option("--max-pending", type=int, default=8, show_default=True, help="Jobs queued or running before 503.")
def serve(host, port, token, max_file_mb, allow_dir, max_pending):
    """Run the local web app and HTTP API (/ and /api/v1; OpenAPI at /docs)."""
    from .web import serve as run

    click.echo(f"reelscore on http://{host}:{port}/  (API docs: http://{host}:{port}/docs)", err=True)
    run(host=host, port=port, token=token, max_file_mb=max_file_mb, allow_dir=allow_dir, max_pending=max_pending)


@cli.command()
def schema():
    """Print the JSON Schema of the analysis result."""
    from ..schema import Analysis

    click.echo(json.dumps(Analysis.json_schema(), indent=2))


@cli.command()
@click.argument("out", type=click.Path(dir_okay=False), default="out/sample.mp4")
@click.option("--seconds", type=click.FloatRange(0, 600, min_open=True), default=10.0, show_default=True)
def sample(out, seconds):
    """Write a synthetic 1080x1920 sample clip (cuts, motion, on-screen text, beat audio)."""
    from ..outputs import atomic_output, check_destination
    from ..samples import make_video

    check_destination(out, "OUT")
    ext = Path(out).suffix.lower()
    with atomic_output(out, "OUT", suffix=".tmp" + (ext if ext in (".mp4", ".mov", ".mkv", ".m4v") else ".mp4")) as tmp:
        make_video(tmp, seconds=seconds)
    click.echo(out)


@cli.command()
@click.option("--data", required=True, type=click.Path(exists=True, dir_okay=False), help="Posts CSV/JSON (views known).")
@click.option("--model", default=None, help="Model NAME or PATH (default: shipped).")
@click.option("--source", type=click.Choice(["auto", "broad", "viral"]), default="auto", show_default=True,
              help="Kind of sample: viral = a scrape of posts that went viral (the 2025 layout), broad = ordinary posts.")
@click.option("--no-history", is_flag=True, help="Do not give posts their account's earlier posts' views as input.")
@click.option("--platform", default=None, metavar="reels|tiktok|shorts",
              help="The posts' platform: with a `platform` column, score only its posts; without one, label the data. "
                   "A platform column always adds per-platform metrics.")
@click.option("--json", "as_json", is_flag=True)
def evaluate(data, model, source, no_history, platform, as_json):
    """Evaluate an engagement model on posts it was not trained on (with the followers-only baseline)."""
    from ..workflows.evaluate import evaluate_engagement

    res = evaluate_engagement(data, model, source=None if source == "auto" else source, history=not no_history,
                              platform=platform)
    if as_json:
        click.echo(json.dumps(res, indent=2))
        return
    for k, v in res.items():
        if k == "by_platform":
            for name, sub in v.items():
                click.echo(f"  {name}: " + ", ".join(f"{a} {round(b, 3) if isinstance(b, float) else b}" for a, b in sub.items()
                                                    if a in ("n", "spearman_views", "mae_log_views", "bias_log10", "coverage_80", "note")))
            continue
        click.echo(f"  {k:<34} {v if not isinstance(v, float) else round(v, 4)}")


@cli.command("evaluate-sentiment")
@click.option("--data", required=True, type=click.Path(exists=True), help="TSV: id<TAB>rating<TAB>text (-4..4 or -1..1).")
@click.option("--sentiment", default="default", show_default=True, help="'default', 'minilm', 'vader' or 'transformers:<path>'.")
@click.option("--json", "as_json", is_flag=True)
def evaluate_sentiment(data, sentiment, as_json):
    """Rank and sign agreement of a sentiment backend with human ratings (n, pearson, spearman, sign_accuracy)."""
    from ..workflows.sentiment import evaluate_sentiment as run

    res = run(data, sentiment)
    if as_json:
        click.echo(json.dumps(res, indent=2))
        return
    for k, v in res.items():
        click.echo(f"  {k:<16} {v if not isinstance(v, float) else round(v, 4)}")


@cli.command("evaluate-quality")
@click.option("--labels", required=True, type=click.Path(exists=True, dir_okay=False), help="CSV with columns image,mos.")
@click.option("--images", required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--head", default=None, type=click.Path(exists=True, dir_okay=False), help="A frame-quality head (.npz).")
@click.option("--limit", type=int, default=None, help="Score only the first N rows.")
@click.option("--json", "as_json", is_flag=True)
def evaluate_quality(labels, images, head, limit, as_json):
    """Score rated images with the frame-quality model: n, SROCC, PLCC, RMSE."""
    from ..workflows.evaluate import evaluate_quality as ev

    res = ev(labels, images, head, limit=limit)
    if as_json:
        click.echo(json.dumps(res, indent=2))
        return
    click.echo(f"  n={res['n']}  SROCC={res['srocc']:.4f}  PLCC={res['plcc']:.4f}  RMSE={res['rmse']:.4f}  "
               f"({res['seconds_per_image']:.3f} s/image)")


@cli.group(invoke_without_command=True)
@click.option("--history", type=click.Path(exists=True, dir_okay=False), help="Your past posts (CSV/JSON export).")
@click.option("--videos", type=click.Path(exists=True, file_okay=False), help="Folder with those posts' video files.")
@click.option("--name", default="personal", show_default=True, help="Name to save the personal model under.")
@click.pass_context
def train(ctx, history, videos, name):
    """Train models. With --history: a personal engagement model from your own posts."""
    if ctx.invoked_subcommand is not None:
        return
    if not history:
        raise click.UsageError("give --history FILE, or a subcommand (engagement, quality)")
    from ..workflows.personal import train_personal

    rep = train_personal(history, videos, name, log=lambda m: click.echo(f"  {m}", err=True))
    click.echo(json.dumps(rep, indent=2))


@train.command("engagement")
@click.option("--data", "data", required=True, multiple=True, help="Posts CSV/JSON; repeat for several files. Kind of sample detected from the columns, or forced with broad=FILE / viral=FILE.")
@click.option("--out", default="reelscore/resources/engagement_default.json.gz", show_default=True)
def train_engagement(data, out):
    """Train the default engagement model (grouped-by-creator CV, calibrated intervals, model card)."""
    _check_out(out, data)
    from ..workflows.engagement import train_default

    card = train_default(data, out, log=lambda m: click.echo(f"  {m}", err=True))
    click.echo(json.dumps(card["metrics"], indent=2))


@train.command("post-effect")
@click.option("--data", "data", required=True, multiple=True, help="Posts CSV; repeat for several files.")
@click.option("--out", default="reelscore/resources/post_effect_default.json.gz", show_default=True)
def train_post_effect_cmd(data, out):
    """Train the within-creator post-effect model (what makes one of a creator's posts beat their others)."""
    from ..workflows.engagement import train_post_effect

    card = train_post_effect(list(data), out, log=lambda m: click.echo(f"  {m}", err=True))
    click.echo(json.dumps(card["metrics"], indent=2))


@train.command("score-reference")
@click.option("--data", "data", required=True, multiple=True, help="Posts CSV: the broad sample (SMP-Video) and the 2025 one.")
@click.option("--clips", "clips", required=True, multiple=True, type=click.Path(exists=True, file_okay=False),
              help="Folder of real clips (searched recursively); repeat for several.")
@click.option("--out", default="reelscore/resources/score_reference.json", show_default=True)
@click.option("--model", default=None, help="Engagement model (default: the shipped one).")
def train_score_reference(data, clips, out, model):
    """Build the Virality Score's reference: typical post, real accounts, reference post effects."""
    from ..workflows.score_reference import build_reference

    d = build_reference(list(data), list(clips), out, model=model, log=lambda m: click.echo(f"  {m}", err=True))
    click.echo(json.dumps({"neutral": d["neutral"], "caption_offset": d["caption_offset"], "residual": d["residual"],
                           "clips": len(d["meta"]["clips"])}, indent=2))


@train.command("sentiment")
@click.option("--data", required=True, type=click.Path(exists=True), help="Folder of rated TSVs (id, rating, text), or one TSV.")
@click.option("--out", default="reelscore/resources/sentiment_minilm_hutto2014.json.gz", show_default=True)
def train_sentiment(data, out):
    """Train the caption sentiment head (MiniLM + VADER stack) on human ratings; prints per-corpus CV."""
    _check_out(out, [data])
    from ..workflows.sentiment import train_sentiment as run

    card = run(data, out, log=lambda m: click.echo(f"  {m}", err=True))
    click.echo(json.dumps(card["metrics_cv"], indent=2))


@train.command("vivit")
@click.option("--history", required=True, type=click.Path(exists=True, dir_okay=False), help="Your posts export (CSV/JSON).")
@click.option("--videos", required=True, type=click.Path(exists=True, file_okay=False), help="Folder with those posts' videos.")
@click.option("--name", default="vivit", show_default=True, help="Save as NAME (use with --model NAME).")
@click.option("--target", type=click.Choice(["relative", "trending"]), default="relative", show_default=True,
              help="relative = log views vs the account's typical post; trending = above twice that (yes/no).")
@click.option("--tokens", type=click.Choice(["backbone", "patches"]), default="backbone", show_default=True,
              help="Frame tokens: frozen EfficientNet-Lite0 features (default) or raw patches (as in the paper).")
@click.option("--no-audio", is_flag=True, help="Video tokens only (no audio variant).")
@click.option("--device", type=click.Choice(["cpu", "cuda"]), default="cpu", show_default=True)
@click.option("--epochs", type=int, default=60, show_default=True)
@click.option("--resume", is_flag=True, help="Continue from the last checkpoint of NAME.")
@click.option("--force", is_flag=True, help="Save even if it does not beat the baseline without video.")
def train_vivit(history, videos, name, target, tokens, no_audio, device, epochs, resume, force):
    """Train a ViViT on your own videos (time-ordered validation, baseline without video beside it)."""
    from ..workflows.vivit import train_vivit as run

    res = run(history, videos, name=name, target=target, tokens=tokens, device=device, epochs=epochs, force=force,
              resume=resume, audio=not no_audio, log=lambda m: click.echo(f"  {m}", err=True))
    click.echo(json.dumps(res, indent=2))
    if res.get("refused"):
        raise OptionError(res["refused"])


@train.command("quality")
@click.option("--labels", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--images", required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--out", default="reelscore/resources/frame_quality_biq2021.npz", show_default=True)
@click.option("--rank-features", default=None, type=click.Path(dir_okay=False),
              help="Features of distorted images (scripts/extract_rank_features.py) for ranking constraints.")
def train_quality(labels, images, out, rank_features):
    """Train the frame-quality head on images with mean opinion scores."""
    _check_out(out, [labels])
    from ..workflows.quality import train as run

    run(labels, images, out, rank_features=rank_features, log=lambda m: click.echo(f"  {m}", err=True))


@train.command("nima")
@click.option("--labels", required=True, type=click.Path(exists=True, dir_okay=False),
              help="CSV: image,c1..c10 (AVA vote counts) or image,mos (MOS 0-1).")
@click.option("--images", required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--out", default="nima_head.pt", show_default=True)
@click.option("--epochs", type=int, default=60, show_default=True)
@click.option("--limit", type=int, default=None, help="Use only the first N rows.")
def train_nima(labels, images, out, epochs, limit):
    """Train a NIMA head (EMD loss) on EfficientNet-Lite0 features; saves a checkpoint with its card."""
    _check_out(out, [labels])
    from ..workflows.quality import train_nima as run

    res = run(labels, images, out, epochs=epochs, limit=limit, log=lambda m: click.echo(f"  {m}", err=True))
    click.echo(json.dumps(res["card"], indent=2))


@cli.command("export-onnx")
@click.option("--nima", "ckpt", required=True, type=click.Path(exists=True, dir_okay=False), help="NIMA checkpoint (.pt).")
@click.option("--out", required=True, type=click.Path(dir_okay=False))
def export_onnx(ckpt, out):
    """Export a NIMA model (backbone + head) to ONNX."""
    _check_out(out, [ckpt])
    from ..models.quality.nima import export_onnx as run

    click.echo(str(run(ckpt, out)))


class _GuardedStdout:
    """Standard output that turns a failed write (a full device: `> /dev/full`, an I/O error) into a
    one-line OptionError. Once a write failed, file descriptor 1 points at /dev/null, so the text
    still buffered cannot fail again when the interpreter exits (which would print a second message
    and exit 120). A closed pipe stays a BrokenPipeError (main() exits 0, as `head` expects)."""

    def __init__(self, stream):
        self._stream = stream

    def __getattr__(self, name):
        return getattr(self._stream, name)

    def _failed(self, e: OSError):
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass
        if isinstance(e, BrokenPipeError):
            raise e
        from ..outputs import reason_of

        raise OptionError(f"standard output: cannot write ({reason_of(e)})") from None

    def write(self, text):
        if not text or not isinstance(text, str):  # click probes with write(b"") and write(""): not output
            return 0 if isinstance(text, str) else self._stream.write(text)
        try:
            return self._stream.write(text)
        except OSError as e:
            self._failed(e)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        try:
            return self._stream.flush()
        except OSError as e:
            self._failed(e)


# errors of the environment, not of reelscore: a file or folder that cannot be read or written, a full disk
_ENVIRONMENT_ERRNOS = {errno.ENOENT, errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EIO,
                       errno.EXDEV, errno.ENAMETOOLONG, errno.EFBIG, errno.ENOTDIR, errno.EISDIR, errno.ELOOP,
                       errno.EMFILE, errno.ENFILE, errno.ETXTBSY, errno.EBUSY}


def main(argv=None) -> int:
    """Entry point: one-line errors and exit codes (2 = bad input or usage), no tracebacks unless --debug."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    real_stdout = sys.stdout
    if real_stdout is not None and not isinstance(real_stdout, _GuardedStdout):
        sys.stdout = _GuardedStdout(real_stdout)
    try:
        return _main(args, debug)
    finally:
        sys.stdout = real_stdout


def _main(args, debug) -> int:
    try:
        cli.main(args=args, prog_name="reelscore", standalone_mode=False)
        sys.stdout.flush()
        return 0
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.ClickException as e:
        msg = e.format_message().replace("\n", " ")
        hint = ""
        ctx = getattr(e, "ctx", None)
        if isinstance(e, click.UsageError) and ctx is not None:
            hint = f" (see `{ctx.command_path} --help`)"
        click.echo(f"reelscore: error: {msg}{hint}", err=True)
        return 2 if isinstance(e, click.UsageError) else e.exit_code
    except click.exceptions.Abort:
        click.echo("reelscore: aborted", err=True)
        return 130
    except ReelscoreError as e:
        if debug:
            import traceback

            traceback.print_exc()
        click.echo(f"reelscore: error: {_one_line(e)}", err=True)
        return e.exit_code
    except KeyboardInterrupt:
        click.echo("reelscore: interrupted", err=True)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as e:
        if debug:
            import traceback

            traceback.print_exc()
        if e.errno not in _ENVIRONMENT_ERRNOS:
            return _internal(e)
        from ..outputs import reason_of

        where = f"{display(e.filename)}: " if e.filename else ""
        click.echo(f"reelscore: error: {where}{reason_of(e)}", err=True)
        return 2
    except Exception as e:  # unexpected: still one line
        if debug:
            raise
        return _internal(e)


def _internal(e: Exception) -> int:
    click.echo(f"reelscore: internal error: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''} "
               f"(run with --debug for details)", err=True)
    return 1


def _one_line(e: Exception) -> str:
    from ..outputs import display

    return display(str(e))


def entry() -> None:
    """Console-script wrapper."""
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    entry()
