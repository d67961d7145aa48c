"""Probe a file: refuse what cannot be analyzed with a one-line reason, describe the rest."""
from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputError, display
from ..schema import MediaInfo

IMAGE_EXTS = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif", ".avif", ".heic"}
# explicit limits, checked before decoding and named in the error
MAX_IMAGE_PIXELS = 100_000_000  # 100 megapixels (a 900 MP PNG would need ~3 GB to decode)
MAX_ASPECT = 10.0  # width:height or height:width beyond 10:1 is not a picture to score (e.g. 4000x10)
# Keep FFmpeg's probing bounded so random data never makes it read for long.
AV_OPTIONS = {"probesize": "10000000", "analyzeduration": "10000000"}


def check_file(path: str | os.PathLike, max_bytes: int) -> Path:
    """Existence, type and size checks shared by every entry point."""
    p = Path(path)
    try:
        if not p.exists():
            raise InputError(path, "no such file")
        if p.is_dir():
            raise InputError(path, "is a directory, not a video or image file")
        if not p.is_file():
            raise InputError(path, "is not a regular file")
        size = p.stat().st_size
    except OSError as e:  # e.g. a file name too long for the filesystem
        raise InputError(path, f"cannot be accessed ({e.strerror or type(e).__name__})") from None
    if size == 0:
        raise InputError(path, "file is empty (0 bytes)")
    if size > max_bytes:
        raise InputError(path, f"file is {_size(size)}, over the {_size(max_bytes)} limit (--max-file-mb)")
    try:
        with open(p, "rb"):
            pass
    except OSError as e:
        raise InputError(path, f"cannot be read ({e.strerror})") from None
    return p


def _size(n: float) -> str:
    for unit, k in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= k:
            return f"{n / k:.1f} {unit}"
    return f"{int(n)} bytes"


def sniff(p: Path) -> str:
    """Route by content, not by name: "still" (a single picture PIL reads), "animated" (GIF/APNG with
    several frames: decoded as video), or "media" (anything else: PyAV decides)."""
    try:
        with open(p, "rb") as f:
            head = f.read(64)
    except OSError:
        return "media"
    kind = None
    if head.startswith(b"\xff\xd8\xff"):
        kind = "jpeg"
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = "png"
    elif head[:6] in (b"GIF87a", b"GIF89a"):
        kind = "gif"
    elif head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        kind = "webp"
    elif head[:2] == b"BM":
        kind = "bmp"
    elif head[:4] in (b"II*\x00", b"MM\x00*"):
        kind = "tiff"
    elif head[4:8] == b"ftyp" and head[8:12] in (b"avif", b"avis", b"heic", b"heix", b"mif1"):
        kind = "heif"
    if kind is None:
        return "media"
    frames = _pil_frames(p)
    if frames is None:
        return "media" if kind == "heif" else "still"  # a damaged picture is refused by probe_image
    if frames > 1 and kind in ("gif", "png"):
        return "animated"
    return "still"


def _pil_frames(p: Path) -> int | None:
    from PIL import Image

    try:
        with Image.open(p) as im:
            return int(getattr(im, "n_frames", 1) or 1)
    except Exception:
        return None


def is_image_file(p: Path) -> bool:
    """A single still picture (by content)."""
    return sniff(p) == "still"


def check_shape(path, w: int, h: int, min_side: int, what: str) -> None:
    if min(w, h) < min_side:
        raise InputError(path, f"{what} is {w}x{h}, below the {min_side} px minimum")
    if max(w, h) / max(1, min(w, h)) > MAX_ASPECT:
        raise InputError(path, f"{what} is {w}x{h}: aspect ratio beyond the {MAX_ASPECT:g}:1 limit")


def probe_image(p: Path, min_side: int = 16) -> MediaInfo:
    from PIL import Image

    try:
        with Image.open(p) as im:
            w, h = im.size
            fmt = (im.format or "").lower()
            if w * h > MAX_IMAGE_PIXELS:
                raise InputError(p, f"image is {w}x{h} ({w * h / 1e6:.0f} megapixels), over the "
                                 f"{MAX_IMAGE_PIXELS / 1e6:.0f}-megapixel limit")
            exif_rot = {3: 180, 6: 270, 8: 90}.get(im.getexif().get(0x0112, 1), 0)
    except InputError:
        raise
    except Image.DecompressionBombError:
        raise InputError(p, f"image is over the {MAX_IMAGE_PIXELS / 1e6:.0f}-megapixel limit (decompression bomb "
                            "guard)") from None
    except Exception as e:  # unreadable, truncated, a decompression bomb, a bad EXIF block...
        raise InputError(p, f"not a readable image ({type(e).__name__})") from None
    check_shape(p, w, h, min_side, "image")
    if exif_rot in (90, 270):
        w, h = h, w
    return MediaInfo(
        path=display(p), kind="image", size_bytes=p.stat().st_size, container=fmt, video_codec=fmt,
        width=w, height=h, coded_width=w if exif_rot in (0, 180) else h,
        coded_height=h if exif_rot in (0, 180) else w, rotation=exif_rot, n_frames=1,
    )


def probe(path: str | os.PathLike, max_bytes: int = 4 * 1024**3, min_side: int = 16) -> MediaInfo:
    """Describe `path` or raise `InputError`. Decodes at most one video frame."""
    import av

    p = check_file(path, max_bytes)
    if is_image_file(p):
        return probe_image(p, min_side)
    try:
        container = av.open(str(p), options=AV_OPTIONS)
    except av.error.FFmpegError as e:
        raise InputError(path, _describe_open_error(p, e)) from None
    except (OSError, ValueError, UnicodeDecodeError) as e:
        raise InputError(path, f"cannot be opened as media ({type(e).__name__})") from None
    with container:
        fmt = container.format.name if container.format else None
        if not container.streams.video:
            kind = "it is an audio-only file" if container.streams.audio else "no stream of any kind"
            raise InputError(path, f"has no video stream ({kind}); reelscore needs a video or an image")
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
            raise InputError(path, f"video stream ({codec or 'unknown codec'}) cannot be decoded: {_short(e)}") from None
        except Exception as e:  # decoder missing etc.
            raise InputError(path, f"video stream ({codec or 'unknown codec'}) cannot be decoded ({type(e).__name__})") from None
        if first is None:
            raise InputError(path, f"no decodable video frame (codec {codec or 'unknown'} unsupported by the bundled FFmpeg, or the file is truncated)")
        cw, ch = first.width, first.height
        check_shape(path, cw, ch, min_side, "video")
        rot = int(round(getattr(first, "rotation", 0) or 0)) % 360
        rot = {0: 0, 90: 90, 180: 180, 270: 270}.get(rot, 0)
        w, h = (ch, cw) if rot in (90, 270) else (cw, ch)
        trc = getattr(first, "color_trc", None) or (getattr(cc, "color_trc", None) if cc is not None else None)
        hdr = {16: "PQ", 18: "HLG"}.get(int(trc or 0))  # SMPTE ST 2084, ARIB STD-B67
        tb_dur = None
        if vs.duration is not None and vs.time_base is not None:
            tb_dur = float(vs.duration * vs.time_base)
        dur = tb_dur or (container.duration / 1e6 if container.duration else 0.0)
        fps = float(vs.average_rate) if vs.average_rate else (float(vs.guessed_rate) if vs.guessed_rate else None)
        a = container.streams.audio[0] if container.streams.audio else None
        acc = a.codec_context if a is not None else None
        return MediaInfo(
            path=display(p), kind="video", size_bytes=p.stat().st_size, container=fmt, video_codec=codec,
            width=w, height=h, coded_width=cw, coded_height=ch, rotation=rot, duration_s=round(dur or 0.0, 4),
            fps=round(fps, 4) if fps else None, n_frames=int(vs.frames or 0),
            bit_rate=int(container.bit_rate) if container.bit_rate else None,
            has_audio=a is not None, audio_codec=acc.name if acc is not None else None,
            audio_sample_rate=acc.sample_rate if acc is not None else None,
            audio_channels=acc.channels if acc is not None else None, hdr=hdr,
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
