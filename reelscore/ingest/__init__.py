"""Ingest: probe a file, decode it once, and hand every analyzer the same sampled frames and audio."""
from .media import DecodedMedia, FrameSet
from .probe import probe
from .decode import decode

__all__ = ["DecodedMedia", "FrameSet", "probe", "decode"]
