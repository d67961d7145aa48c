"""Read post tables as scraped or exported: counts like `541.2K`, `1.4M`, `1,234`; durations like
`00:31` or `1:02:03` or seconds; `44 videos`; empty fields; CSV or JSON; several column spellings."""
from __future__ import annotations

import csv
import datetime as dt
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import InputError
from ...platforms import normalize_platform

_MULT = {"k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}

ALIASES = {
    "user": ["user_name", "username", "author", "creator", "account", "authorMeta.name", "owner_username"],
    "followers": ["user_nfollower", "followers", "follower_count", "fans", "authorMeta.fans", "followersCount"],
    "id": ["vid_id", "id", "video_id", "post_id", "shortcode", "webVideoUrl"],
    "caption": ["vid_caption", "caption", "text", "desc", "description", "title"],
    "post_time": ["vid_postTime", "post_time", "posted_at", "createTime", "create_time", "createTimeISO", "timestamp", "date"],
    "scrape_time": ["vid_scrapeTime", "scrape_time", "scraped_at", "collected_at"],
    "duration": ["vid_duration", "duration", "videoMeta.duration", "video_duration", "length"],
    "views": ["vid_nview", "views", "view_count", "playCount", "plays", "video_view_count", "play_count"],
    "likes": ["vid_nlike", "likes", "like_count", "diggCount", "digg_count"],
    "comments": ["vid_ncomment", "comments", "comment_count", "commentCount"],
    "shares": ["vid_nshare", "shares", "share_count", "shareCount"],
    "saves": ["vid_nsave", "saves", "save_count", "collectCount", "saved"],
    "hashtags": ["vid_hashtags", "hashtags", "tags"],
    "music_title": ["music_title", "sound", "musicMeta.musicName", "audio"],
    "music_nused": ["music_nused", "music_uses", "sound_uses"],
    "music_original": ["music_originality", "original_sound", "musicMeta.musicOriginal"],
    "file": ["file", "video_file", "path", "filename"],
    "following": ["user_nfollowing", "following", "following_count", "authorMeta.following", "followingCount"],
    "account_likes": ["user_nlikes", "account_likes", "total_likes", "authorMeta.heart", "heartCount"],
    "n_videos": ["user_nvideos", "n_videos", "video_count", "authorMeta.video", "videoCount"],
    "platform": ["platform", "vid_platform", "network", "social_network"],
    "log_views_e": ["smp_popularity"],  # SMP-Video: natural log of views (base assumed e, see the model card)
}
# SMP-Video's content features (face and audio statistics of the real video), joined by id
CONTENT_COLUMNS = ("face_frame_rate", "avg_faces_per_frame", "multi_person_ratio", "avg_face_area_ratio",
                   "max_face_area_ratio", "close_up_ratio", "rms_mean", "rms_std", "zcr_mean", "tempo",
                   "spectral_centroid_mean", "spectral_rolloff_mean")


def parse_count(v) -> float | None:
    """'541.2K' -> 541200, '1.4M' -> 1.4e6, '1,234' -> 1234, '44 videos' -> 44, '' -> None."""
    if v is None:
        return None
    if isinstance(v, (int, float)):
        return None if isinstance(v, float) and math.isnan(v) else float(v)
    s = str(v).strip().lower().replace(",", "").replace("\u00a0", "").replace(" ", "")
    m = re.match(r"^([0-9]*\.?[0-9]+)([kmbt]?)", s)
    if not m:
        return None
    return float(m.group(1)) * _MULT.get(m.group(2), 1.0)


def parse_duration(v) -> float | None:
    """'00:31' -> 31, '1:02:03' -> 3723, '31' or 31 -> 31 seconds."""
    if v is None or str(v).strip() == "":
        return None
    if isinstance(v, (int, float)):
        return float(v)
    parts = str(v).strip().split(":")
    try:
        secs = 0.0
        for p in parts:
            secs = secs * 60 + float(p)
        return secs
    except ValueError:
        return None


def parse_time(v) -> dt.datetime | None:
    """ISO-ish strings, 'YYYY-MM-DD HH:MM:SS', or Unix seconds/milliseconds."""
    if v is None or str(v).strip() == "":
        return None
    s = str(v).strip()
    if re.fullmatch(r"\d{9,13}(\.\d+)?", s):
        x = float(s)
        return dt.datetime.fromtimestamp(x / 1000 if x > 1e11 else x, tz=dt.timezone.utc).replace(tzinfo=None)
    try:
        t = dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
        return t.astimezone(dt.timezone.utc).replace(tzinfo=None) if t.tzinfo else t
    except ValueError:
        pass
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(s, fmt)
        except ValueError:
            continue
    return None


def parse_bool(v) -> bool | None:
    s = str(v).strip().lower()
    return True if s in ("true", "1", "yes", "y") else False if s in ("false", "0", "no", "n") else None


def parse_hashtags(v) -> list[str]:
    if v is None:
        return []
    if isinstance(v, list):
        items = [x.get("name", "") if isinstance(x, dict) else str(x) for x in v]
    else:
        items = re.split(r"[,\s]+", str(v))
    return [t.strip().lstrip("#").lower() for t in items if t.strip().lstrip("#")]


@dataclass
class Post:
    user: str | None = None
    followers: float | None = None
    id: str | None = None
    caption: str = ""
    post_time: dt.datetime | None = None
    scrape_time: dt.datetime | None = None
    duration: float | None = None
    views: float | None = None
    likes: float | None = None
    comments: float | None = None
    shares: float | None = None
    saves: float | None = None
    hashtags: list[str] = field(default_factory=list)
    music_title: str | None = None
    music_nused: float | None = None
    music_original: bool | None = None
    file: str | None = None
    following: float | None = None
    account_likes: float | None = None
    n_videos: float | None = None
    recent_views: list[float] | None = None  # the account's recent posts' views (history)
    content: dict | None = None  # video content statistics (CONTENT_COLUMNS), when the video was seen
    source: str = "broad"  # "broad" (an ordinary sample of posts) or "viral" (a scrape of posts that went viral)
    platform: str | None = None  # reels / tiktok / shorts when the data has a platform column

    @property
    def age_days(self) -> float | None:
        if self.post_time and self.scrape_time:
            return max(0.0, (self.scrape_time - self.post_time).total_seconds() / 86400)
        return None


def _get(row: dict, key: str):
    for name in ALIASES[key]:
        if name in row and row[name] not in (None, ""):
            return row[name]
        if "." in name:  # nested JSON, e.g. authorMeta.fans
            cur = row
            for part in name.split("."):
                cur = cur.get(part) if isinstance(cur, dict) else None
            if cur not in (None, ""):
                return cur
    return None


def to_post(row: dict) -> Post:
    vid = _get(row, "id")
    views = parse_count(_get(row, "views"))
    if views is None and _get(row, "log_views_e") is not None:
        try:
            views = float(round(math.exp(float(_get(row, "log_views_e")))))
        except (TypeError, ValueError, OverflowError):
            views = None
    return Post(
        user=str(_get(row, "user") or "") or None, followers=parse_count(_get(row, "followers")),
        id=str(vid) if vid is not None else None, caption=str(_get(row, "caption") or ""),
        post_time=parse_time(_get(row, "post_time")), scrape_time=parse_time(_get(row, "scrape_time")),
        duration=parse_duration(_get(row, "duration")), views=views,
        likes=parse_count(_get(row, "likes")), comments=parse_count(_get(row, "comments")),
        shares=parse_count(_get(row, "shares")), saves=parse_count(_get(row, "saves")),
        hashtags=parse_hashtags(_get(row, "hashtags")), music_title=_get(row, "music_title"),
        music_nused=parse_count(_get(row, "music_nused")), music_original=parse_bool(_get(row, "music_original")),
        file=_get(row, "file"), following=parse_count(_get(row, "following")),
        account_likes=parse_count(_get(row, "account_likes")), n_videos=parse_count(_get(row, "n_videos")),
        platform=normalize_platform(_get(row, "platform")),
    )


def load_posts(path: str | Path, source: str | None = None, content_file: str | Path | None = None) -> list[Post]:
    """Posts from a CSV or JSON (a list of objects, or {"posts"|"items"|"data": [...]}, or JSON lines).

    source: "broad" or "viral" (see `detect_source`; detected from the columns when None).
    content_file: SMP-style content features by `vid_id` (default: FILE_content.csv beside a CSV)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(str(path), "no such file")
    text = p.read_text(encoding="utf-8-sig", errors="replace")
    if not text.strip():
        raise InputError(str(path), "file is empty")
    rows: list[dict]
    if p.suffix.lower() in (".json", ".jsonl", ".ndjson") or text.lstrip()[:1] in "[{":
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            try:
                data = [json.loads(ln) for ln in text.splitlines() if ln.strip()]
            except json.JSONDecodeError as e:
                raise InputError(str(path), f"not valid JSON or JSON lines ({e.msg} at line {e.lineno})") from None
        if isinstance(data, dict):
            data = next((data[k] for k in ("posts", "items", "data", "videos") if isinstance(data.get(k), list)), [data])
        rows = [r for r in data if isinstance(r, dict)]
    else:
        rows = list(csv.DictReader(text.splitlines()))
    posts = [to_post(r) for r in rows]
    if not posts:
        raise InputError(str(path), "no posts found")
    src = source if source in ("broad", "viral") else detect_source(rows)
    for post in posts:
        post.source = src
    content = _content_path(p, content_file)
    if content is not None:
        attach_content(posts, Path(content))
    return posts


def detect_source(rows: list[dict]) -> str:
    """"broad" for SMP-Video's layout (account columns, `smp_popularity`) and for personal exports;
    "viral" for the 2025 trending-page scrape's layout (`vid_scrapeTime` with no account columns)."""
    keys = set().union(*(r.keys() for r in rows[:50])) if rows else set()
    if {"smp_popularity", "user_nfollowing"} & keys:
        return "broad"
    if {"vid_scrapeTime", "music_nused", "vid_nsave"} <= keys:
        return "viral"
    return "broad"


def _content_path(p: Path, content_file) -> str | None:
    if content_file:
        return str(content_file)
    cand = p.with_name(p.stem + "_content.csv")
    return str(cand) if cand.is_file() else None


def attach_content(posts: list[Post], path: Path) -> int:
    """Join SMP-style content features (CONTENT_COLUMNS) onto posts by id; returns the number joined."""
    by_id = {}
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            vals = {}
            for c in CONTENT_COLUMNS:
                try:
                    vals[c] = float(r[c])
                except (KeyError, TypeError, ValueError):
                    vals[c] = float("nan")
            by_id[r.get("vid_id")] = vals
    n = 0
    for p in posts:
        if p.id in by_id:
            p.content = by_id[p.id]
            n += 1
    return n


VIDEO_EXTS = (".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi")


def match_videos(posts, videos_dir: str | None) -> list[Path | None]:
    """Video file per post: the `file` column, or a file whose name contains the post id."""
    if not videos_dir:
        return [None] * len(posts)
    files = [p for p in Path(videos_dir).rglob("*") if p.suffix.lower() in VIDEO_EXTS]
    out = []
    for p in posts:
        hit = None
        if p.file:
            cand = Path(videos_dir) / p.file
            hit = cand if cand.is_file() else next((f for f in files if f.name == Path(p.file).name), None)
        if hit is None and p.id:
            key = re.sub(r"\W", "", str(p.id))
            # the exact id first, then a file name that contains it
            hit = next((f for f in files if key and key == re.sub(r"\W", "", f.stem)), None) or \
                next((f for f in files if key and key in re.sub(r"\W", "", f.stem)), None)
        out.append(hit)
    return out
