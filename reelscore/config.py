"""Analysis settings. Immutable, passed explicitly (no global state)."""
from __future__ import annotations

import hashlib
import json

from pydantic import BaseModel, ConfigDict, Field


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity mask on Linux, else the machine's count)."""
    import os

    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


DECODE_VERSION = "2"  # bump when the decode pass produces different frames (invalidates cached signals)


class SamplingConfig(BaseModel):
    """What the single decode pass keeps for the analyzers."""

    model_config = ConfigDict(frozen=True)

    heavy_fps: float = Field(1.0, gt=0, description="rate of large RGB frames for heavy models")
    heavy_max_frames: int = Field(24, ge=1, description="cap on large frames (evenly re-spaced if exceeded)")
    heavy_short_side: int = Field(384, ge=64, description="short side of large frames, px")
    cover_short_side: int = Field(1080, ge=64, description="short side of the cover candidates kept (as YUV, "
                                  "only the chosen one is converted) for the best-frame JPEG, px")
    small_max_fps: float = Field(30.0, gt=0, description="rate cap of small frames for motion/cuts")
    small_short_side: int = Field(72, ge=32, description="short side of small frames, px (motion, cuts and "
                                  "loop work at 72 px; more only costs conversion time and memory)")
    small_max_frames: int = Field(5400, ge=16, description="cap on small frames kept (~28 KB each at 72 px): "
                                  "up to 180 s at 30 fps; longer windows are sampled at a lower rate")
    hook_seconds: float = Field(3.0, ge=0.5, description="length of the densely sampled opening")
    hook_fps: float = Field(6.0, gt=0, description="rate of hook frames")
    hook_short_side: int = Field(480, ge=64)
    audio_rate: int = Field(16000, description="mono PCM sample rate for audio analyzers")


class AnalysisConfig(BaseModel):
    """Top-level settings for one analysis."""

    model_config = ConfigDict(frozen=True)

    sampling: SamplingConfig = SamplingConfig()
    max_seconds: float = Field(180.0, gt=0, description="analyze at most this much of the video")
    max_file_bytes: int = Field(4 * 1024**3, gt=0, description="refuse files larger than this")
    min_side_px: int = Field(16, description="refuse videos smaller than this on either side")
    max_decode_seconds: float = Field(600.0, gt=0, description="give up (exit 2) if decoding takes longer: never hang")
    analyzers: tuple[str, ...] | None = Field(None, description="subset of analyzers to run (None = all)")
    use_cache: bool = True
    threads: int = Field(0, ge=0, description="analyzers run in parallel on this many threads (0 = one per CPU "
                         "core, at most 4; 1 = one after another). Results do not depend on it.")

    def fingerprint(self) -> str:
        """Hash of the settings that change analyzer outputs (for the signal cache)."""
        d = self.model_dump(exclude={"use_cache", "analyzers", "max_file_bytes", "threads"})
        d["decode_version"] = DECODE_VERSION
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]
