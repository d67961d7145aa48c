"""The HTTP API's response (and JSON request) models: every endpoint declares one, so /openapi.json
and /docs describe what it returns and clients can be generated from it."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ...schema import Analysis, Interval
from ...workflows.compare import CompareResult, PostEffect
from ...workflows.fix import FixResult


class PlatformOption(BaseModel):
    name: str
    label: str


class Health(BaseModel):
    status: str = Field(description='"ok"')
    version: str
    jobs_active: int = Field(description="jobs queued or running")
    max_pending: int = Field(description="jobs queued or running before the server answers 503")
    warm: bool = Field(description="the models are loaded (the start-up warm-up finished)")
    platforms: list[PlatformOption] = Field(default_factory=list,
                                            description="platforms an analysis can be judged for (empty: one default)")


class JobAccepted(BaseModel):
    job_id: str
    status_url: str
    queue_position: int | None = Field(None, description="0 = running now, 1 = next, ...")
    expected_wait_s: float | None = Field(None, description="expected seconds until the job is done")


class JobStatus(BaseModel):
    id: str
    kind: str = Field(description="analyze, rescore, compare, warmup, ...")
    status: str = Field(description="queued, running, done, failed or cancelled")
    stage: str = Field(description="internal stage name (decode, analyze:faces, scoring, ...)")
    stage_text: str = Field(description='the stage in plain words ("Reading the video", "Finding faces")')
    detail: str = Field("", description='where a multi-part job is, e.g. "variant 2 of 3"')
    progress: float = Field(description="0-1")
    queue_position: int | None = Field(None, description="0 = running now, 1 = next, ...; None once ended")
    expected_wait_s: float | None = Field(None, description="expected seconds until done (None once ended)")
    created: float
    started: float | None = None
    finished: float | None = None
    error: str | None = Field(None, description="one line, when failed")
    # what an analysis or re-score job made
    history_id: str | None = None
    score: float | None = None
    report_url: str | None = None
    entry_url: str | None = None
    # what a compare job made
    compare: CompareResult | None = None
    # what a fix job made
    fix: "FixOut | None" = None


class HistoryItem(BaseModel):
    id: str
    created: float = Field(description="Unix time")
    filename: str
    caption: str | None = None
    score: float | None = None
    views_p50: float | None = None


class Span(BaseModel):
    start: float
    end: float
    note: str = ""


class Mark(BaseModel):
    t: float
    note: str = ""


class Timeline(BaseModel):
    """What happens when, from the analysis' signals (seconds from the start)."""

    duration_s: float
    hook: Span | None = Field(None, description="the opening window viewers decide in")
    cuts: list[float] = Field(default_factory=list)
    speech: list[Span] = Field(default_factory=list)
    text: list[Mark] = Field(default_factory=list, description="sampled frames with on-screen text (the text read)")
    text_checked: list[float] = Field(default_factory=list, description="all frames read for text")
    faces: list[Span] = Field(default_factory=list, description="stretches with a face (between sampled frames)")
    face_checked: list[float] = Field(default_factory=list, description="all frames checked for faces")
    worst_frame: Mark | None = None
    silence: list[Span] = Field(default_factory=list, description="silent stretches (no sound above -45 dBFS / quiet "
                                "3 s loudness windows)")
    static: list[Span] = Field(default_factory=list, description="stretches where nothing moves")


class Picture(BaseModel):
    t: float
    url: str
    cover: bool = False


class MediaOut(BaseModel):
    url: str | None = Field(None, description="the upload (or a browser-playable copy of it), with HTTP range support")
    kind: str = Field(description="video or image")
    original_playable: bool = Field(description="False: the url serves an H.264 copy made for the browser")


class FixRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    platform: str | None = Field(None, description="reels, tiktok or shorts (default: the platform the entry was "
                                 "analyzed for)")
    only: list[str] | None = Field(None, description="fixes to consider, any of loudness, trim, reframe, export, "
                                   "cover (default: all that the analysis finds worth points)")
    cover_first: bool = Field(False, description="also show the cover frame as the video's first frame")


class FixOut(FixResult):
    """A fixed copy of a history entry's video (`reelscore fix` run by the server): the score before and
    after, what was applied and what not (and why), the factors that changed, and where to download
    the file and its cover. `input`, `output` and `cover` hold file names, never paths on the server."""

    entry_id: str
    fix_id: str
    created: float = Field(description="Unix time")
    video_url: str | None = Field(None, description="the fixed MP4 (None when nothing needed fixing)")
    cover_url: str | None = Field(None, description="the cover JPEG written with it")


class OverlayBox(BaseModel):
    name: str
    box: list[float] = Field(description="x, y, w, h as fractions of a 9:16 screen, origin top-left")


class HiddenItem(BaseModel):
    t: float
    box: list[float] = Field(description="x, y, w, h as fractions of the 9:16 screen")
    kind: str = Field(description="text or face")
    overlay: str | None = None
    covered: float | None = Field(None, description="fraction of the box under the overlay")
    move: str = ""
    text: str | None = None


class PlatformView(BaseModel):
    """One platform an entry was checked for: its interface (to draw over the cover and the frame where
    something is hidden), what it hides and its rules for this upload."""

    name: str
    label: str
    primary: bool = Field(description="the result's platform (the score's checks and advice follow it)")
    overlays: list[OverlayBox]
    grid_crop: list[float] | None = Field(None, description="the profile grid's crop of the cover, on the 9:16 screen")
    grid_aspect: float | None = None
    hidden: list[HiddenItem] = Field(default_factory=list)
    text_hidden: bool | None = None
    face_hidden: bool | None = None
    cover_cut: list[dict[str, Any]] = Field(default_factory=list, description="cover text/faces the grid crop cuts")
    hidden_frame: Picture | None = Field(None, description="the first frame where its interface hides something")
    duration_case: str | None = None
    duration_advice: str | None = None
    caption: list[str] = Field(default_factory=list, description="caption and hashtag limits broken")
    loudness_lufs: float
    true_peak_dbtp: float
    calibration: str = Field(description="which platform's data the predicted numbers rest on")


class HistoryEntry(BaseModel):
    id: str
    created: float
    filename: str
    caption: str | None = None
    score: float | None = None
    band: str | None = Field(None, description='the score in words ("above typical")')
    account: dict[str, Any] | None = Field(None, description="the account inputs the analysis used")
    result: Analysis | dict[str, Any] = Field(description="the full result (the CLI's --json schema)")
    media: MediaOut | None = None
    timeline: Timeline | None = None
    frames: list[Picture] = Field(default_factory=list)
    cover: Picture | None = None
    report_url: str
    screen_aspect: float | None = Field(None, description="the video's width/height (how it sits on a 9:16 screen)")
    platforms: list[PlatformView] = Field(default_factory=list, description="the platform(s) it was checked for, the "
                                          "result's first; several when analyzed with platform=all")
    fixes: list[FixOut] = Field(default_factory=list, description="fixed copies made of this video, newest first")


class Deleted(BaseModel):
    deleted: str


class RescoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    caption: str | None = Field(None, description="the new caption (null: none)")
    followers: float | None = Field(None, description="override the entry's follower count")


class CaptionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str
    followers: float | None = None
    following: float | None = None
    account_likes: float | None = None
    n_videos: float | None = None
    recent_views: str | None = Field(None, description='views of recent posts, e.g. "1200, 3400, 900"')


class CaptionOut(BaseModel):
    """Caption-only analysis (no video): its sub-score, what it found, suggestions, and the views the
    engagement model predicts from the caption and account alone."""

    model_config = ConfigDict(extra="allow")
    caption_score: float
    explanation: str
    language: str | None = None
    sentiment: Any = None
    call_to_action: dict[str, Any] = Field(default_factory=dict)
    hook: dict[str, Any] = Field(default_factory=dict)
    hashtags: dict[str, Any] = Field(default_factory=dict)
    suggestions: list[dict[str, Any]] = Field(default_factory=list)
    predicted_views: Interval | None = None
    virality_score_caption_only: float | None = None


class CaptionDraftsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    captions: list[str] = Field(min_length=1, max_length=6, description="1-6 caption drafts for the entry's video")
    followers: float | None = Field(None, description="override the entry's follower count")


class DraftSuggestion(BaseModel):
    message: str
    expected_gain: float | None = None


class CaptionDraft(BaseModel):
    caption: str
    score: float = Field(description="the video's Virality Score with this caption")
    band: str
    caption_points: float | None = Field(None, description="points the caption adds")
    caption_subscore: float | None = None
    explanation: str = ""
    post_effect: PostEffect | None = None
    views: Interval | None = None
    suggestions: list[DraftSuggestion] = Field(default_factory=list, description="caption suggestions, by gain")


class CaptionDrafts(BaseModel):
    entry_id: str
    drafts: list[CaptionDraft]
    best: int = Field(description="index of the best draft")
    tie: bool = Field(description="the best is within the measured noise of the next")
    noise_points: float
    seconds: float = Field(description="time taken (the video's signals come from the cache: no re-decode)")


class CompareHistoryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ids: list[str] = Field(min_length=2, max_length=10, description="2-10 history entry ids")
    names: list[str] | None = Field(None, description="names to show (default: the file names)")


JobStatus.model_rebuild()
