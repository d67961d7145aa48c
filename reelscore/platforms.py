"""Platform profiles: Instagram Reels, TikTok and YouTube Shorts as data.

The values live in `resources/platforms.json`, each with its source; this module only loads and types
them. Ground floor: imports nothing from the package but `errors` and `paths`, so any layer may use it.
"""
from __future__ import annotations

import json
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

from .errors import OptionError
from .paths import bundled

PLATFORMS = ("reels", "tiktok", "shorts")
DEFAULT_PLATFORM = "reels"
DATA_FILE = "platforms.json"


class Overlay(BaseModel):
    """An interface element covering part of the picture."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description='e.g. "caption and username", "action buttons", "top bar"')
    box: tuple[float, float, float, float] = Field(description="x, y, w, h as fractions of a 9:16 frame, origin top-left")


class PlatformProfile(BaseModel):
    """What a platform allows, recommends and covers. Every value is cited in `sources`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    label: str
    min_duration_s: float
    max_duration_s: float
    recommended_duration_s: tuple[float, float]
    duration_advice: dict[str, str] = Field(default_factory=dict,
                                            description="why it matters, by case: over_max, over_recommended, under_recommended")
    aspect: str = "9:16"
    width: int = 1080
    height: int = 1920
    loudness_lufs: float = Field(description="integrated loudness the platform normalises to / recommends")
    true_peak_dbtp: float = Field(description="true-peak ceiling for a delivered master")
    caption_max_chars: int
    caption_visible_chars: int = Field(description='characters visible before "more" in the feed')
    max_hashtags: int | None
    recommended_hashtags: tuple[int, int]
    grid_crop_aspect: float = Field(description="width/height of the profile-grid thumbnail")
    cover_from_first_frame: bool
    export: dict
    overlays: list[Overlay]
    sources: dict[str, str]
    notes: list[str]

    def overlay(self, name: str) -> Overlay | None:
        return next((o for o in self.overlays if o.name == name), None)

    def safe_band(self) -> tuple[float, float]:
        """The vertical band (top, bottom as fractions of the height) no full-width overlay covers."""
        top, bottom = 0.0, 1.0
        for o in self.overlays:
            x, y, w, h = o.box
            if w < 0.5:  # a column (the action buttons), not a band
                continue
            if y <= 0.0 + 1e-9:
                top = max(top, y + h)
            elif y + h >= 1.0 - 1e-9:
                bottom = min(bottom, y)
        return top, bottom

    def safe_right(self) -> float:
        """The right edge (fraction of the width) left of every overlay column."""
        right = 1.0
        for o in self.overlays:
            x, y, w, h = o.box
            if w < 0.5 and x + w >= 1.0 - 1e-9:
                right = min(right, x)
        return right


@lru_cache(maxsize=1)
def _load() -> dict[str, PlatformProfile]:
    path = bundled(DATA_FILE)
    if path is None:  # a broken install, not a user error
        raise FileNotFoundError(f"reelscore/resources/{DATA_FILE} is missing from the installation")
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {name: PlatformProfile(**raw[name]) for name in PLATFORMS}


def get_profile(name: str | None = None) -> PlatformProfile:
    """The profile for `name` (None -> DEFAULT_PLATFORM); an unknown name raises OptionError naming the choices."""
    key = DEFAULT_PLATFORM if name is None else str(name).strip().lower()
    if key not in PLATFORMS:
        raise OptionError(f"--platform: unknown platform {name!r}; choose one of {', '.join(PLATFORMS)}")
    return _load()[key]


# how data files name the platforms (a `platform` column in a posts export)
ALIASES = {"reels": "reels", "reel": "reels", "instagram": "reels", "ig": "reels", "instagram reels": "reels",
           "tiktok": "tiktok", "tik tok": "tiktok", "tt": "tiktok", "douyin": "tiktok",
           "shorts": "shorts", "short": "shorts", "youtube": "shorts", "yt": "shorts", "youtube shorts": "shorts"}


def normalize_platform(value) -> str | None:
    """A platform name as data files write it ("Instagram", "IG", "YouTube Shorts", "tiktok") -> one of
    PLATFORMS, or None when empty or not recognised."""
    if value is None:
        return None
    return ALIASES.get(" ".join(str(value).strip().lower().replace("_", " ").split()))


def all_profiles() -> list[PlatformProfile]:
    return [_load()[n] for n in PLATFORMS]


def parse_platforms(value: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """`"reels"`, `"all"`, `"reels,tiktok"` or a list -> validated platform names, in order, no repeats."""
    if value is None:
        return [DEFAULT_PLATFORM]
    items = value.split(",") if isinstance(value, str) else list(value)
    out: list[str] = []
    for item in items:
        key = str(item).strip().lower()
        names = list(PLATFORMS) if key == "all" else [get_profile(key).name]
        out += [n for n in names if n not in out]
    if not out:
        raise OptionError(f"--platform: empty; choose one of {', '.join(PLATFORMS)} or all")
    return out
