"""Build the Virality Score's reference (`resources/score_reference.json`; see `scoring/reference.py`).

    reelscore train score-reference --data ../shared/data/smp_video_train.csv \
        --data ../shared/data/tiktok_2025_train.csv --clips ../shared/media/real --clips ../shared/media

What it is built from, all real:
- accounts: 16 real accounts of the broad sample (SMP-Video), one per follower-count band (account inputs only);
- typical post: the broad sample's median duration, 24 real posting times and 24 real sounds;
- caption offset: the median learned caption effect over posts of the 2025 sample with a written caption;
- reference posts: 3,000 real posts, each with its own caption and hashtags, duration and face statistics (the
  broad sample's, measured on the real videos; a 2025 post borrows those of a random broad post), paired with
  the video factors of each real clip in turn (format from the post's own width and height where the data has
  them). The broad sample's caption field holds only hashtags (the written captions are not in the data), so
  its posts stand for captions without words, at the share those have where whole captions are known (the
  2025 sample, about 14 %); the rest are 2025 posts with written captions;
- neutral sub-scores: the median over the real clips of each prior-weighted video factor (format: over the
  real posts' dimensions);
- residual: within-creator quantiles (creators with >= 3 posts in the 2025 sample) of how far a post's views
  land from its creator's mean beyond the predicted learned effects.
The clips are analyzed as video alone (no caption, no account). Clips shorter than 1 s are not posts and are
left out.
"""
from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np

from ..errors import OptionError
from ..models.engagement.features import prepare
from ..models.engagement.store import load_model, load_post_effect, resolve_model_path
from ..scoring.effects import ACCOUNT_KEYS, FACES_NEUTRAL, PostEffects, bound_caption
from ..scoring.prior import PRIOR_WEIGHTS
from ..scoring.reference import ScoreReference
from ..text.caption import caption_features

VIDEO_EXT = {".mp4", ".mov", ".mkv", ".webm", ".mpg", ".mpeg", ".avi", ".m4v"}
MIN_CLIP_S = 1.0
N_ACCOUNTS = 16
N_PER_SAMPLE = 1500


def clip_subscores(dirs: list[str], log=print) -> list[dict]:
    """Sub-scores of the prior-weighted factors of each real clip (video alone)."""
    from ..config import AnalysisConfig
    from ..pipeline import analyze

    files = sorted({p.resolve() for d in dirs for p in Path(d).rglob("*") if p.suffix.lower() in VIDEO_EXT})
    out = []
    for p in files:
        try:
            a = analyze(p, config=AnalysisConfig(use_cache=False))
        except Exception as e:  # noqa: BLE001 - a clip that cannot be analyzed is reported and skipped
            log(f"skip {p}: {e}")
            continue
        if (a.media.duration_s or 0) < MIN_CLIP_S:
            log(f"skip {p}: {a.media.duration_s:.2f} s is not a post")
            continue
        subs = {c.name: c.score for c in a.components if c.name in PRIOR_WEIGHTS and c.score is not None}
        au = a.signals.get("audio")
        loud = {}
        if au is not None and au.applicable and not au.error and au.values.get("integrated_lufs") is not None:
            loud = {"lufs": au.values["integrated_lufs"], "rms_mean": au.values.get("smp", {}).get("rms_mean")}
        out.append({"file": str(p), "subscores": subs, **loud})
        log(f"{p.name}: " + ", ".join(f"{k} {v:.0f}" for k, v in subs.items()))
    return out


def format_subscore(width: float, height: float, duration_s: float) -> float | None:
    """The format factor's sub-score for a post of these dimensions (30 fps, no bars)."""
    from ..schema import Signal
    from ..scoring.components import format_fit

    if not (width and height) or not np.isfinite(width * height):
        return None
    w, h = int(width), int(height)
    vals = {"content_width": w, "content_height": h, "content_aspect": w / h, "letterbox": 0.0, "pillarbox": 0.0,
            "width": w, "height": h, "aspect": w / h,
            "orientation": "vertical" if h > w * 1.05 else ("horizontal" if w > h * 1.05 else "square"),
            "short_side": min(w, h), "long_side": max(w, h), "fps": 30.0, "duration_s": float(duration_s or 20.0),
            "kind": "video", "variable_frame_rate": False, "rotation": 0}
    comp, _ = format_fit({"format": Signal(analyzer="format", version="ref", backend="reference", values=vals)})
    return comp.score


def audio_subscore(lufs: float) -> float | None:
    """The audio factor's sub-score of a real post with this loudness, speech or music present, no clipping
    and no silent start (what SMP-Video's statistics can tell about a post's sound)."""
    from ..schema import Signal
    from ..scoring.components import audio as audio_builder

    vals = {"integrated_lufs": float(lufs), "peak_dbfs": -1.0, "clipping_fraction": 0.0, "clipped": False,
            "leading_silence_s": 0.0, "silence_fraction": 0.05, "silent": False, "speech_fraction": 0.3,
            "music_likelihood": 0.6, "tempo_bpm": None, "beat_strength": 0.0, "beat_times": [], "speech_segments": [],
            "duration_s": 20.0, "spectral_flatness": 0.1}
    comp, _ = audio_builder({"audio": Signal(analyzer="audio", version="ref", backend="reference", values=vals)})
    return comp.score


def _dims(path: str) -> dict[str, tuple[float, float]]:
    out = {}
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            try:
                out[r["vid_id"]] = (float(r["vid_width"]), float(r["vid_height"]))
            except (KeyError, TypeError, ValueError):
                pass
    return out


def build_reference(data: list[str], clip_dirs: list[str], out: str, model: str | None = None, seed: int = 0,
                    log=print) -> dict:
    from .engagement import load_training_posts

    mpath = resolve_model_path(model)
    if mpath is None:
        raise OptionError("no engagement model to build the reference for")
    m = load_model(str(mpath))
    rng = np.random.default_rng(seed)
    posts = load_training_posts(data)
    broad = [p for p in posts if p.source == "broad"]
    viral = [p for p in posts if p.source == "viral"]
    if not broad or not viral:
        raise OptionError("the reference needs both samples: a broad one (SMP-Video layout) and the 2025 one")
    rows_b, _, _ = prepare(broad, False)
    rows_v, _, y_v = prepare(viral, False)

    # accounts: one per follower-count band of the broad sample, with every account input known
    full = [r for r in rows_b if all(np.isfinite(r[k]) for k in ACCOUNT_KEYS)]
    full.sort(key=lambda r: r["log_followers"])
    pick = [full[int(i)] for i in np.linspace(0, len(full) - 1, N_ACCOUNTS + 2)[1:-1]]
    accounts = [{k: round(float(r[k]), 4) for k in ACCOUNT_KEYS} for r in pick]

    # the typical post: median duration of the broad sample, real posting times and sounds
    dur = np.array([r["duration_s"] for r in rows_b])
    times = [r for r in rows_b + rows_v if np.isfinite(r["hour"]) and np.isfinite(r["weekday"])]
    sounds = [r for r in rows_b + rows_v if np.isfinite(r["sound_original"])]
    typical = {
        "duration_s": float(np.nanmedian(dur)),
        "times": [{"hour": float(r["hour"]), "weekday": float(r["weekday"])}
                  for r in (times[i] for i in rng.choice(len(times), 24, replace=False))],
        "sounds": [{k: r[k] for k in ("sound_original", "sound_title_original", "log_sound_uses_borrowed", "_sound")}
                   for r in (sounds[i] for i in rng.choice(len(sounds), 24, replace=False))],
    }
    ref = ScoreReference(neutral={}, accounts=accounts, typical=typical, caption_offset=0.0,
                         quantiles=np.zeros(1), residual={})
    pe = PostEffects(m, ref, load_post_effect())
    # an ordinary caption adds 0: the median raw caption effect of 2025 posts with words, overall and per caption
    # language (languages with >= 100 such posts; the rest pooled as "_other")
    worded = [r for r in rows_v if r["cap_words"] > 0]
    langs = [caption_features(r["_text"])["language"] or "_none" for r in worded]
    raw = np.array([e["caption"] for e in pe.raw_effects(worded, groups=("caption",))])
    ref.caption_offset = float(np.median(raw))
    by_lang, counts = {}, {}
    for lang in sorted(set(langs)):  # sorted: the same file from the same data
        idx = [i for i, x in enumerate(langs) if x == lang]
        counts[lang] = len(idx)
        if len(idx) >= 100 and lang != "_none":
            by_lang[lang] = float(np.median(raw[idx]))
    rest = [i for i, x in enumerate(langs) if x not in by_lang]
    if len(rest) >= 100:
        by_lang["_other"] = float(np.median(raw[rest]))
    ref.caption_offset_by_language = by_lang
    pe = PostEffects(m, ref, load_post_effect())
    log(f"caption offset {ref.caption_offset:+.4f} log10; by language: "
        + ", ".join(f"{k} {v:+.3f} (n={counts.get(k, len(rest))})" for k, v in by_lang.items()))

    # video factors of the real clips; neutral = their median (format: the real posts' dimensions)
    clips = clip_subscores(clip_dirs, log=log)
    if len(clips) < 10:
        raise OptionError(f"only {len(clips)} usable clips in {', '.join(clip_dirs)}: the reference needs >= 10")
    dims = {}
    for f in data:
        try:
            dims.update(_dims(f.rpartition("=")[2]))
        except (OSError, KeyError):
            pass
    post_format = [format_subscore(*dims[p.id], p.duration or 20.0) for p in broad if p.id in dims]
    post_format = [s for s in post_format if s is not None]
    # the audio of real posts: SMP-Video's RMS as loudness (offset calibrated on the real clips, where both
    # BS.1770 loudness and the same RMS definition are measured)
    cal = [c["lufs"] - 20 * math.log10(c["rms_mean"]) for c in clips if c.get("lufs") is not None and c.get("rms_mean")]
    lufs_offset = float(np.median(cal)) if len(cal) >= 5 else -3.0
    silent_score = 10.0  # the audio factor of a silent track (scoring.components.audio)
    post_audio = [audio_subscore(20 * math.log10(r["c_rms_mean"]) + lufs_offset) if r["c_rms_mean"] > 1e-4 else silent_score
                  for r in rows_b if np.isfinite(r.get("c_rms_mean", np.nan))]
    post_audio = [a for a in post_audio if a is not None]
    log(f"loudness = 20 log10(RMS) {lufs_offset:+.1f} dB (from {len(cal)} clips); {len(post_audio)} real posts' audio")
    neutral = {}
    from_posts = {"format": post_format, "audio": post_audio}
    for k in PRIOR_WEIGHTS:
        if k == "caption":
            continue
        vals = from_posts[k] if from_posts.get(k) else [c["subscores"][k] for c in clips if k in c["subscores"]]
        if vals:
            neutral[k] = round(float(np.median(vals)), 2)
    ref.neutral = neutral
    log("neutral sub-scores: " + ", ".join(f"{k} {v:.0f}" for k, v in neutral.items()))

    # reference posts. SMP-Video's caption field holds only the hashtags (its posts' written captions are
    # unknown), so its posts stand for captions without words, at the share those have among posts whose whole
    # caption is known (the 2025 sample); the other reference posts are 2025 posts with written captions.
    words = np.array([r["cap_words"] > 0 for r in rows_v])
    share = float(1 - words.mean())
    pool_h = [("v", i) for i in np.nonzero(~words)[0]] + [("b", i) for i in range(len(rows_b))]
    pool_w = [("v", i) for i in np.nonzero(words)[0]]
    n_h = int(round(2 * N_PER_SAMPLE * share))
    picks = ([pool_h[i] for i in rng.choice(len(pool_h), n_h, replace=False)]
             + [pool_w[i] for i in rng.choice(len(pool_w), 2 * N_PER_SAMPLE - n_h, replace=False)])
    ref_rows = [dict(rows_b[i] if s == "b" else rows_v[i]) for s, i in picks]
    face_rows = [r for r in rows_b if np.isfinite(r.get("c_face_frame_rate", np.nan))]
    for (s, _), r in zip(picks, ref_rows):
        if s == "v":  # a 2025 post borrows a real broad post's face statistics
            donor = face_rows[int(rng.integers(len(face_rows)))]
            r.update({"c_" + k: donor["c_" + k] for k in FACES_NEUTRAL})
    feats = [caption_features(r["_text"]) for r in ref_rows]
    learned = pe.effects(ref_rows, [f["clarity_issues"] for f in feats], groups=("caption", "duration"),
                         languages=[f["language"] for f in feats])
    # format: the post's own dimensions (broad sample), else a random real post's
    own = [format_subscore(*dims[broad[i].id], broad[i].duration or 20.0) if s == "b" and broad[i].id in dims else None
           for s, i in picks]
    post_fmt = [f if f is not None else post_format[int(rng.integers(len(post_format)))] for f in own]
    video = np.array([sum(PRIOR_WEIGHTS[k] * (s - neutral[k]) / 50 for k, s in c["subscores"].items()
                          if k in neutral and k not in from_posts) for c in clips])
    samples = []
    for e, fmt in zip(learned, post_fmt):
        snd = post_audio[int(rng.integers(len(post_audio)))] if post_audio else neutral.get("audio", 50.0)
        base = (sum(e.values()) + PRIOR_WEIGHTS["format"] * (fmt - neutral["format"]) / 50
                + PRIOR_WEIGHTS["audio"] * (snd - neutral["audio"]) / 50)
        samples.append(base + video)
    allv = np.concatenate(samples)
    ref.quantiles = np.quantile(allv, np.linspace(0, 1, 401))
    log(f"reference effects: p10 {np.quantile(allv, 0.1):+.3f}, p50 {np.median(allv):+.3f}, p90 {np.quantile(allv, 0.9):+.3f} "
        f"log10 ({len(allv)} post x clip pairs)")

    # residual spread within creators (2025 sample, creators with >= 3 posts)
    users = np.array([p.user or "" for p in viral])
    fv = [caption_features(r["_text"]) for r in rows_v]
    eff = np.array([sum(e.values()) for e in pe.effects(rows_v, [f["clarity_issues"] for f in fv],
                                                         groups=("caption", "duration", "timing", "sound"),
                                                         languages=[f["language"] for f in fv])])
    res = []
    for u in set(users):
        i = np.nonzero(users == u)[0]
        if len(i) >= 3 and u:
            yv, ev = y_v["views"][i], eff[i]
            r = (yv - yv.mean()) - (ev - ev.mean())
            res.extend(r * math.sqrt(len(i) / (len(i) - 1)))
    res = np.asarray(res)
    ref.residual = {"p10": float(np.quantile(res, 0.1)), "p50": float(np.quantile(res, 0.5)),
                    "p90": float(np.quantile(res, 0.9)), "n_posts": int(len(res))}
    d = {
        "neutral": ref.neutral, "accounts": accounts, "typical": typical, "caption_offset": ref.caption_offset,
        "caption_offset_by_language": ref.caption_offset_by_language,
        "quantiles": [round(float(x), 5) for x in ref.quantiles], "residual": ref.residual,
        "meta": {"model": mpath.name, "data": list(data), "clips": [Path(c["file"]).name for c in clips],
                 "clip_subscores": clips, "n_reference_posts": {"broad": sum(s == "b" for s, _ in picks), "viral": sum(s == "v" for s, _ in picks)},
                 "share_without_words": share, "lufs_from_rms_offset_db": lufs_offset,
                 "seed": seed, "command": "reelscore train score-reference " + " ".join(f"--data {x}" for x in data)
                 + " " + " ".join(f"--clips {c}" for c in clip_dirs) + f" --out {out}"},
    }
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(d, ensure_ascii=False, indent=1), encoding="utf-8")
    return d
