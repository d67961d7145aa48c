"""Probe a file: refuse what cannot be analyzed with a one-line reason, describe the rest."""
from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputError
from ..schema import MediaInfo

IMAGE_EXTS = {".jpg", ".jpeg", ".png", ".webp", ".bmp"}
# Keep FFmpeg's probing bounded so random data never makes it read for long.
AV_OPTIONS = {"probesize": "10000000", "analyzeduration": "10000000"}


def check_file(path: str | os.PathLike, max_bytes: int) -> Path:
    """Existence, type and size checks shared by every entry point."""
    p = Path(path)
    if not p.exists():
        raise InputError(str(path), "no such file")
    if p.is_dir():
        raise InputError(str(path), "is a directory, not a video or image file")
    if not p.is_file():
        raise InputError(str(path), "is not a regular file")
    size = p.stat().st_size
    if size == 0:
        raise InputError(str(path), "file is empty (0 bytes)")
    if size > max_bytes:
        raise InputError(
            str(path), f"file is {size / 2**20:.0f} MiB, over the {max_bytes / 2**20:.0f} MiB limit (--max-file-mb)"
        )
    try:
        with open(p, "rb"):
            pass
    except OSError as e:
        raise InputError(str(path), f"cannot be read ({e.strerror})") from None
    return p


def is_image_file(p: Path) -> bool:
    return p.suffix.lower() in IMAGE_EXTS


def probe_image(p: Path) -> MediaInfo:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(p) as im:
            w, h = im.size
            fmt = (im.format or "").lower()
            exif_rot = {3: 180, 6: 270, 8: 90}.get(im.getexif().get(0x0112, 1), 0)
    except (UnidentifiedImageError, OSError, ValueError) as e:
        raise InputError(str(p), f"not a readable image ({type(e).__name__})") from None
    if exif_rot in (90, 270):
        w, h = h, w
    return MediaInfo(
        path=str(p), kind="image", size_bytes=p.stat().st_size, container=fmt, video_codec=fmt,
        width=w, height=h, coded_width=w if exif_rot in (0, 180) else h,
        coded_height=h if exif_rot in (0, 180) else w, rotation=exif_rot, n_frames=1,
    )


def probe(path: str | os.PathLike, max_bytes: int = 4 * 1024**3, min_side: int = 16) -> MediaInfo:
    """Describe `path` or raise `InputError`. Decodes at most one video frame."""
    import av

    p = check_file(path, max_bytes)
    if is_image_file(p):
        return probe_image(p)
    try:
        container = av.open(str(p), options=AV_OPTIONS)
    except av.error.FFmpegError as e:
        raise InputError(str(path), _describe_open_error(p, e)) from None
    except (OSError, ValueError, UnicodeDecodeError) as e:
        raise InputError(str(path), f"cannot be opened as media ({type(e).__name__})") from None
    with container:
        fmt = container.format.name if container.format else None
        if fmt in ("image2", "png_pipe", "jpeg_pipe", "webp_pipe", "bmp_pipe"):
            return probe_image(p)
        if not container.streams.video:
            kind = "an audio-only file" if container.streams.audio else "no video stream"
            raise InputError(str(path), f"has no video stream ({kind}); reelscore needs a video or an image")
        vs = container.streams.video[0]
        cc = vs.codec_context
        codec = cc.name if cc is not None else None
        cw, ch = (cc.width, cc.height) if cc is not None else (0, 0)
        # Decode the first frame: proves the codec works and reads the rotation.
        first = None
        try:
            vs.thread_type = "AUTO"
            for frame in container.decode(vs):
                first = frame
                break
        except av.error.FFmpegError as e:
            raise InputError(str(path), f"video stream ({codec or 'unknown codec'}) cannot be decoded: {_short(e)}") from None
        except Exception as e:  # decoder missing etc.
            raise InputError(str(path), f"video stream ({codec or 'unknown codec'}) cannot be decoded ({type(e).__name__})") from None
        if first is None:
            raise InputError(str(path), f"no decodable video frame (codec {codec or 'unknown'} unsupported by the bundled FFmpeg, or the file is truncated)")
        cw, ch = first.width, first.height
        if min(cw, ch) < min_side:
            raise InputError(str(path), f"video is {cw}x{ch}, below the {min_side} px minimum")
        rot = int(round(getattr(first, "rotation", 0) or 0)) % 360
        rot = {0: 0, 90: 90, 180: 180, 270: 270}.get(rot, 0)
        w, h = (ch, cw) if rot in (90, 270) else (cw, ch)
        tb_dur = None
        if vs.duration is not None and vs.time_base is not None:
            tb_dur = float(vs.duration * vs.time_base)
        dur = tb_dur or (container.duration / 1e6 if container.duration else 0.0)
        fps = float(vs.average_rate) if vs.average_rate else (float(vs.guessed_rate) if vs.guessed_rate else None)
        a = container.streams.audio[0] if container.streams.audio else None
        acc = a.codec_context if a is not None else None
        return MediaInfo(
            path=str(p), kind="video", size_bytes=p.stat().st_size, container=fmt, video_codec=codec,
            width=w, height=h, coded_width=cw, coded_height=ch, rotation=rot, duration_s=round(dur or 0.0, 4),
            fps=round(fps, 4) if fps else None, n_frames=int(vs.frames or 0),
            bit_rate=int(container.bit_rate) if container.bit_rate else None,
            has_audio=a is not None, audio_codec=acc.name if acc is not None else None,
            audio_sample_rate=acc.sample_rate if acc is not None else None,
            audio_channels=acc.channels if acc is not None else None,
        )


def _short(e: Exception) -> str:
    msg = str(getattr(e, "strerror", None) or e)
    return msg.splitlines()[0][:160]


def _describe_open_error(p: Path, e: Exception) -> str:
    with open(p, "rb") as f:
        head = f.read(8)
    if head.startswith(b"%PDF"):
        return "is a PDF document, not a video or image"
    text = _short(e)
    if "moov atom not found" in text or (head[4:8] == b"ftyp" and "Invalid data" in text):
        return "MP4 is truncated or damaged (its index, the moov atom, is missing)"
    if "Invalid data" in text:
        return "not a recognised video or image format (invalid data)"
    return f"cannot be opened as media: {text}"
