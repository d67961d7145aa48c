"""The typed result. Its JSON form is the stable public contract (see `Analysis.json_schema()`).

Bump SCHEMA_VERSION on any incompatible change; additions of optional fields are compatible.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "2.0"  # 2.0: the score judges the post (post_effect, outlook, component neutral/effect_source;
# no account/timing components), platform; 1.1: score_baseline, engagement.inputs_used/scale, Account

Json = Any  # values are JSON scalars, lists or dicts


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MediaInfo(_Model):
    """Facts about the input file from the probe and the decode pass."""

    path: str
    kind: Literal["video", "image"]
    size_bytes: int
    container: str | None = None
    video_codec: str | None = None
    width: int = Field(description="display width after rotation, px")
    height: int = Field(description="display height after rotation, px")
    coded_width: int
    coded_height: int
    rotation: int = Field(0, description="display rotation applied, degrees counter-clockwise")
    duration_s: float = 0.0
    analyzed_s: float = Field(0.0, description="seconds actually analyzed (limited by max_seconds)")
    fps: float | None = None
    variable_frame_rate: bool = False
    n_frames: int = 0
    bit_rate: int | None = None
    has_audio: bool = False
    audio_codec: str | None = None
    audio_sample_rate: int | None = None
    audio_channels: int | None = None
    hdr: str | None = Field(None, description="HDR transfer ('PQ' or 'HLG') when the video is HDR; its frames are "
                                              "measured as decoded, without tone mapping")
    notes: list[str] = Field(default_factory=list, description="oddities noticed (short, rotated, VFR, truncated...)")


class Evidence(_Model):
    """Where in the media a finding comes from."""

    t: float | None = Field(None, description="start time, s")
    t_end: float | None = None
    value: float | None = None
    note: str = ""


class Signal(_Model):
    """Raw output of one analyzer (cached per video)."""

    analyzer: str
    version: str
    applicable: bool = True
    backend: str
    heuristic: bool = True
    values: dict[str, Json] = Field(default_factory=dict)
    timeline: list[tuple[float, float]] = Field(default_factory=list, description="(t, value) series")
    evidence: list[Evidence] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    error: str | None = Field(None, description="set when the analyzer failed; the rest of the result stands")
    seconds: float = 0.0
    cached: bool = False


class Component(_Model):
    """One factor users see, with its 0-100 sub-score and why."""

    name: str
    score: float | None = Field(None, ge=0, le=100, description="sub-score, None when not applicable")
    applicable: bool = True
    weight: float = Field(0.0, description="prior weight (log10 views per 50 sub-score points) of a prior factor; 0 for learned ones")
    neutral: float | None = Field(None, description="the sub-score at which this factor adds 0 points (what a typical "
                                  "real post gets); above it the factor never loses points, below it never gains")
    contribution: float | None = Field(None, description="points this factor moves the Virality Score")
    effect_source: Literal["learned", "prior", "none"] = Field(
        "none", description="where the factor's effect comes from: 'learned' = the engagement model trained on real "
        "posts (bounded), 'prior' = a documented prior (no data covers it), 'none' = shown, not scored")
    explanation: str
    raw: dict[str, Json] = Field(default_factory=dict)
    backend: str
    heuristic: bool
    evidence: list[Evidence] = Field(default_factory=list)


class Suggestion(_Model):
    """A concrete fix, ranked by expected gain when the model can estimate it."""

    component: str
    message: str
    target: str | None = Field(None, description="what it concerns: a caption part, a time range...")
    expected_gain: float | None = Field(None, description="predicted change of the Virality Score if applied")
    priority: int = Field(2, description="1 = high, 3 = low (used when no gain estimate exists)")
    action: str | None = Field(None, description="machine-readable fix, e.g. 'caption:add_cta' (used for what-if re-scoring)")
    problem: str | None = Field(None, description="the problem it fixes (one suggestion per problem per result)")
    evidence: list[Evidence] = Field(default_factory=list, description="where the clip shows the problem: times and "
                                     "measured values")


class Check(_Model):
    """Something worth a look that the analyzers cannot establish as a problem: not advice, no predicted gain."""

    component: str
    message: str
    target: str | None = None
    evidence: list[Evidence] = Field(default_factory=list)


class Interval(_Model):
    p10: float
    p50: float
    p90: float


MAX_COUNT = 1e10  # no account has more followers, likes or views than this


def parse_counts(text: str, name: str) -> list[float]:
    """Counts written as "1200, 3400;900" (the recent-views input of the CLI, web form and batch CSV)."""
    try:
        return [float(x) for x in str(text).replace(";", ",").split(",") if x.strip()]
    except ValueError:
        raise ValueError(f"{name} must be numbers separated by commas, got {str(text)[:60]!r}") from None


class Account(_Model):
    """What a creator knows of the account; every field optional, each sharpens the prediction."""

    followers: float | None = Field(None, description="follower count")
    following: float | None = Field(None, description="accounts followed")
    account_likes: float | None = Field(None, description="total likes the account has received")
    n_videos: float | None = Field(None, description="number of videos posted")
    recent_views: list[float] | None = Field(None, description="views of the account's recent posts")

    @classmethod
    def checked(cls, **kw) -> "Account":
        """Validated: each count finite and in 0..1e10 (ValueError naming the input otherwise)."""
        import math

        for k, v in kw.items():
            vals = v if isinstance(v, list) else [v]
            for x in vals:
                if x is None:
                    continue
                try:
                    x = float(x)
                except (TypeError, ValueError):
                    raise ValueError(f"{k} must be a number, got {x!r}") from None
                if not math.isfinite(x) or x < 0 or x > MAX_COUNT:
                    raise ValueError(f"{k} must be a finite count between 0 and {MAX_COUNT:.0e}, got {x!r}")
        kw = {k: ([float(x) for x in v] if isinstance(v, list) else (None if v is None else float(v)))
              for k, v in kw.items()}
        if kw.get("recent_views") == []:
            kw["recent_views"] = None
        return cls(**kw)

    def given(self) -> list[str]:
        return [k for k, v in self.model_dump().items() if v is not None]


class EngagementPrediction(_Model):
    """Predicted counts with 80 % intervals."""

    views: Interval
    likes: Interval
    comments: Interval
    shares: Interval
    saves: Interval
    model: str
    trained: bool
    notes: list[str] = Field(default_factory=list)
    inputs_used: list[str] = Field(default_factory=list, description="inputs the prediction used (account, video content, post)")
    scale: str = Field("broad", description="the sample whose scale the numbers are on: 'broad' = ordinary posts")
    typical_views: float | None = Field(None, description="median views of posts of accounts of this size (broad sample)")


class PostEffect(_Model):
    """This post against the same account's typical post: the predicted effect of what the creator controls."""

    log10: float = Field(description="predicted log10 views relative to the account's typical post")
    multiplier: Interval = Field(description="x times a typical post's views, with an 80 % interval (the median "
                                 "is the prediction; the bounds add how far real posts land from their "
                                 "creator's typical post beyond what is predicted)")
    learned_log10: float = Field(0.0, description="part learned from real posts (caption, hashtags, duration, faces, "
                                 "posting time)")
    prior_log10: float = Field(0.0, description="part from the documented video prior")


class Outlook(_Model):
    """What a typical post of this account gets: the account's inputs shape only this."""

    views: Interval
    likes: Interval
    comments: Interval
    shares: Interval
    saves: Interval
    inputs_used: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class BestFrame(_Model):
    t: float
    score: float
    jpeg_path: str | None = None


class Analysis(_Model):
    """The full result of `reelscore.analyze`."""

    schema_version: str = SCHEMA_VERSION
    reelscore_version: str
    score: float = Field(ge=0, le=100, description="Virality Score, 0-100: the percentile of this post's predicted "
                         "effect among typical real posts (independent of the account)")
    score_definition: str
    score_baseline: float | None = Field(None, description="the score with every factor at its neutral sub-score; "
                                         "score = score_baseline + the sum of the components' contributions")
    components: list[Component]
    suggestions: list[Suggestion] = Field(default_factory=list)
    checks: list[Check] = Field(default_factory=list, description="worth a look; not established as problems")
    post_effect: PostEffect | None = None
    outlook: Outlook | None = Field(None, description="what a typical post of this account gets")
    engagement: EngagementPrediction | None = Field(None, description="predicted for this post: the outlook times "
                                                    "the post effect")
    best_frame: BestFrame | None = None
    media: MediaInfo | None = None
    caption: str | None = None
    platform: str = Field("reels", description="the platform the checks and advice are for: reels, tiktok or shorts "
                          "(see signals['safe_zones'] for what its interface covers)")
    signals: dict[str, Signal] = Field(default_factory=dict)
    timings: dict[str, float] = Field(default_factory=dict, description="seconds per stage and per analyzer")
    versions: dict[str, str] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)

    def component(self, name: str) -> Component | None:
        return next((c for c in self.components if c.name == name), None)

    @classmethod
    def json_schema(cls) -> dict:
        return cls.model_json_schema()
