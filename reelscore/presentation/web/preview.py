"""A browser-playable copy of an upload, made only when the browser could not play the original.

Browsers play H.264/VP8/VP9/AV1 video with AAC/MP3/Opus/Vorbis/FLAC sound in MP4/MOV/WebM. Other
uploads (MPEG-1/2, HEVC, ProRes, AVI, MKV...) are transcoded once, on first request, to an H.264 +
AAC MP4 (upright, short side at most 720 px) with the same timing, so the page's timeline and
"seek to 4.0 s" land on the same moments the analysis measured.
"""
from __future__ import annotations

import os
import tempfile
from fractions import Fraction
from pathlib import Path

PLAYABLE_CONTAINERS = ("mov", "mp4", "webm")  # matched against PyAV's format name ("mov,mp4,m4a,3gp,3g2,mj2")
PLAYABLE_VIDEO = {"h264", "vp8", "vp9", "av1", "libdav1d", "libvpx", "libvpx-vp9"}
PLAYABLE_AUDIO = {None, "aac", "mp3", "mp3float", "opus", "libopus", "vorbis", "libvorbis", "flac"}
PREVIEW_SHORT_SIDE = 720


def browser_playable(info: dict) -> bool:
    """Whether common browsers play this upload as it is (from the probe's `MediaInfo` as a dict)."""
    if info.get("kind") != "video":
        return True  # pictures are shown as <img>
    container = (info.get("container") or "").lower()
    if not any(c in container.split(",") for c in PLAYABLE_CONTAINERS):
        return False
    if container.startswith("matroska") and info.get("video_codec") not in {"vp8", "vp9", "av1", "libdav1d"}:
        return False  # WebM holds only VP8/VP9/AV1; an MKV with H.264 plays in some browsers only
    return info.get("video_codec") in PLAYABLE_VIDEO and (info.get("audio_codec") or None) in PLAYABLE_AUDIO


def _even(x: float) -> int:
    return max(2, int(round(x / 2)) * 2)


def transcode(src: str | os.PathLike, dst: str | os.PathLike, *, crf: int = 23, max_short_side: int | None = None,
              rotation: int = 0, preset: str = "veryfast", audio_kbps: int = 128,
              max_seconds: float | None = None) -> Path:
    """Re-encode `src` as H.264 (yuv420p, CRF `crf`) + AAC in an MP4 at `dst` (written atomically).

    rotation: the display rotation (degrees counter-clockwise, as `MediaInfo.rotation`) applied to the
    pixels, so the copy is upright without metadata. Frame times are kept (VFR stays VFR)."""
    import av
    import numpy as np

    dst = Path(dst)
    fd, tmp = tempfile.mkstemp(dir=dst.parent, suffix=".part.mp4")
    os.close(fd)
    k = (rotation // 90) % 4
    try:
        with av.open(str(src)) as inp, av.open(tmp, "w", format="mp4") as out:
            vs = inp.streams.video[0]
            vs.thread_type = "AUTO"
            cw, ch = vs.codec_context.width, vs.codec_context.height
            scale = 1.0
            if max_short_side and min(cw, ch) > max_short_side:
                scale = max_short_side / min(cw, ch)
            w, h = _even(cw * scale), _even(ch * scale)
            ow, oh = (h, w) if k % 2 else (w, h)
            rate = vs.average_rate or vs.guessed_rate or Fraction(30)
            ovs = out.add_stream("libx264", rate=rate)
            ovs.width, ovs.height, ovs.pix_fmt = ow, oh, "yuv420p"
            ovs.time_base = Fraction(1, 90000)
            ovs.codec_context.time_base = Fraction(1, 90000)
            ovs.options = {"crf": str(crf), "preset": preset, "movflags": "+faststart"}
            ias = inp.streams.audio[0] if inp.streams.audio else None
            oas = resampler = None
            if ias is not None:
                oas = out.add_stream("aac", rate=48000)
                oas.layout = "stereo"
                oas.bit_rate = audio_kbps * 1000
                resampler = av.AudioResampler(format="fltp", layout="stereo", rate=48000)
            streams = [vs] + ([ias] if ias is not None else [])
            v0 = float(vs.start_time * vs.time_base) if vs.start_time is not None else 0.0
            last_pts = -1
            n = 0
            for packet in inp.demux(*streams):
                try:
                    frames = packet.decode()
                except av.error.FFmpegError:
                    continue  # a damaged packet: skipped, as the analysis skips it
                for frame in frames:
                    if packet.stream.type == "audio":
                        if max_seconds is not None and frame.time is not None and frame.time - v0 > max_seconds:
                            continue
                        for rf in resampler.resample(frame):
                            rf.pts = None
                            out.mux(oas.encode(rf))
                        continue
                    t = (frame.time - v0) if frame.time is not None else n / float(rate)
                    n += 1
                    if max_seconds is not None and t > max_seconds:
                        continue
                    if k:
                        rgb = frame.to_ndarray(format="rgb24", width=w, height=h)
                        img = av.VideoFrame.from_ndarray(np.ascontiguousarray(np.rot90(rgb, k)), format="rgb24")
                        img = img.reformat(format="yuv420p")
                    else:
                        img = frame.reformat(width=w, height=h, format="yuv420p")
                    pts = max(int(round(max(t, 0.0) * 90000)), last_pts + 1)
                    last_pts = pts
                    img.pts, img.time_base = pts, Fraction(1, 90000)
                    out.mux(ovs.encode(img))
            out.mux(ovs.encode(None))
            if oas is not None:
                for rf in resampler.resample(None):
                    rf.pts = None
                    out.mux(oas.encode(rf))
                out.mux(oas.encode(None))
        os.replace(tmp, dst)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return dst
