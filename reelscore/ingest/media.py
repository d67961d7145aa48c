"""Containers for what one decode pass produces."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..schema import MediaInfo


@dataclass
class FrameSet:
    """Frames of one kind: `frames[i]` (H, W, 3) uint8 RGB shown at `times[i]` seconds."""

    frames: list[np.ndarray] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    indices: list[int] = field(default_factory=list)  # index of the decoded frame in the stream

    def __len__(self) -> int:
        return len(self.frames)

    def every_other(self) -> "FrameSet":
        """Frames 0, 2, 4, ... (halves the rate; the decode pass thins a set that outgrows its cap)."""
        return FrameSet(self.frames[::2], self.times[::2], self.indices[::2])

    def subsample(self, k: int) -> "FrameSet":
        """At most `k` frames, evenly spaced (first and last kept); self when already small enough."""
        if len(self) <= k:
            return self
        idx = np.unique(np.linspace(0, len(self) - 1, k).round().astype(int))
        return FrameSet([self.frames[i] for i in idx], [self.times[i] for i in idx], [self.indices[i] for i in idx])

    def gray(self) -> list[np.ndarray]:
        """Luma (float32, 0..255) of each frame."""
        w = np.array([0.299, 0.587, 0.114], np.float32)
        return [f.astype(np.float32) @ w for f in self.frames]


@dataclass
class DecodedMedia:
    """Everything analyzers may read. Produced once per file by `reelscore.ingest.decode`.

    heavy: evenly spaced large frames for neural models.
    small: every frame (up to a rate cap) at low resolution, for motion and cuts.
    hook: the opening seconds, densely, at medium resolution.
    audio: mono float32 PCM in [-1, 1] at `audio_rate`, or None when the file has no audio.
    """

    info: MediaInfo
    heavy: FrameSet
    small: FrameSet
    hook: FrameSet
    audio: np.ndarray | None
    audio_rate: int
    frame_times: list[float]  # presentation time of every decoded frame (for fps/VFR facts)
    decode_seconds: float = 0.0
    # cover candidates at up to `cover_short_side`, kept as coded YUV 4:2:0 (1.5 bytes/px) by frame
    # index of the heavy frames; converted to RGB only for the chosen best frame
    covers: dict[int, np.ndarray] = field(default_factory=dict)
    covers_upright: bool = False  # True when the cover copies are stored already upright (stills)

    def full_luma(self, i: int) -> np.ndarray:
        """Luma (uint8) of heavy frame `i` at the cover resolution (up to 1080 px short side, from the
        same decode pass), upright; the heavy frame's own luma when no cover copy was kept. Technical
        problems (noise, blocking, upscaling, fine blur) show at this scale, not at 384 px."""
        yuv = self.covers.get(self.heavy.indices[i]) if self.heavy.indices else None
        if yuv is None:
            f = self.heavy.frames[i]
            import cv2

            return cv2.cvtColor(f, cv2.COLOR_RGB2GRAY)
        h = yuv.shape[0] * 2 // 3
        y = yuv[:h]
        k = 0 if self.covers_upright else (self.info.rotation // 90) % 4
        return np.ascontiguousarray(np.rot90(y, k)) if k else y

    def cover_rgb(self, t: float) -> np.ndarray:
        """The best available RGB picture of the heavy frame nearest `t` (full cover size if kept)."""
        i = int(np.argmin(np.abs(np.asarray(self.heavy.times) - t)))
        yuv = self.covers.get(self.heavy.indices[i]) if self.heavy.indices else None
        if yuv is None:
            return self.heavy.frames[i]
        import cv2

        rgb = cv2.cvtColor(yuv, cv2.COLOR_YUV2RGB_I420)
        k = 0 if self.covers_upright else (self.info.rotation // 90) % 4
        return np.ascontiguousarray(np.rot90(rgb, k)) if k else rgb
