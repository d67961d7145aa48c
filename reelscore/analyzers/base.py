"""The analyzer interface and registry.

An analyzer reads the shared `DecodedMedia` (never the file) and returns a `Signal`. Analyzers are
independent: none reads another's output. Each declares what it needs so the pipeline can skip it
(marked not applicable) when, e.g., the input is a still image or has no audio.
"""
from __future__ import annotations

import time
import traceback
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from ..ingest.media import DecodedMedia
from ..schema import Evidence, Signal


@dataclass(frozen=True)
class Context:
    """Inputs besides the media that an analyzer may read."""

    caption: str | None = None
    debug: bool = False
    vivit: str | None = None  # path of the trained ViViT checkpoint selected with --model, if any


class Analyzer(ABC):
    """Base class. Subclasses set the class attributes and implement `compute`."""

    name: ClassVar[str]
    version: ClassVar[str] = "1"
    description: ClassVar[str] = ""
    backend: ClassVar[str] = "heuristic"
    heuristic: ClassVar[bool] = True
    video_only: ClassVar[bool] = False  # not applicable to still images
    needs_audio: ClassVar[bool] = False
    reads_caption: ClassVar[bool] = False
    # rough relative cost (warm, 30 s reel): the pipeline starts the costliest first so that parallel
    # analyzers finish together
    cost: ClassVar[float] = 1.0

    def cache_version(self, ctx: Context) -> str:
        """The version its cached signals are filed under (an analyzer whose output depends on a
        selected model adds the model's identity)."""
        return self.version

    def available(self) -> tuple[bool, str]:
        """(usable here, detail such as the weights path or what is missing)."""
        return True, ""

    def backend_info(self) -> dict:
        ok, detail = self.available()
        return {"name": self.name, "version": self.version, "backend": self.backend, "heuristic": self.heuristic,
                "available": ok, "detail": detail, "description": self.description}

    @abstractmethod
    def compute(self, media: DecodedMedia, ctx: Context) -> Signal:
        """Measure. Use `self.signal(...)` to build the result."""

    def signal(self, values: dict | None = None, timeline=None, evidence: list[Evidence] | None = None,
               notes: list[str] | None = None, applicable: bool = True, backend: str | None = None,
               heuristic: bool | None = None) -> Signal:
        return Signal(analyzer=self.name, version=self.version, applicable=applicable,
                      backend=backend or self.backend, heuristic=self.heuristic if heuristic is None else heuristic,
                      values=values or {}, timeline=[(round(float(t), 4), float(v)) for t, v in (timeline or [])],
                      evidence=evidence or [], notes=notes or [])

    def not_applicable(self, why: str) -> Signal:
        return self.signal(applicable=False, notes=[why])

    def run(self, media: DecodedMedia | None, ctx: Context) -> Signal:
        """`compute` with timing, applicability checks and error capture (a failing analyzer never
        sinks the whole analysis: its signal carries the error)."""
        t0 = time.perf_counter()
        if media is None and not self.reads_caption:
            sig = self.not_applicable("no media decoded")
        elif self.video_only and media.info.kind == "image":
            sig = self.not_applicable("not applicable to a still image")
        elif self.needs_audio and (media is None or media.audio is None):
            sig = self.not_applicable("no audio track")
        else:
            ok, detail = self.available()
            if not ok:
                sig = self.not_applicable(f"backend unavailable: {detail}")
            else:
                try:
                    sig = self.compute(media, ctx)
                except Exception as e:  # recorded, never hidden
                    sig = self.signal(applicable=False)
                    sig.error = f"{type(e).__name__}: {e}"
                    if ctx.debug:
                        sig.notes.append(traceback.format_exc())
        sig.seconds = round(time.perf_counter() - t0, 4)
        return sig


REGISTRY: dict[str, type[Analyzer]] = {}


def register(cls: type[Analyzer]) -> type[Analyzer]:
    """Class decorator adding an analyzer to the registry under `cls.name`."""
    if cls.name in REGISTRY and REGISTRY[cls.name] is not cls:
        raise ValueError(f"analyzer name {cls.name!r} registered twice")
    REGISTRY[cls.name] = cls
    return cls
