"""Output safety, one rule for every file reelscore writes on a user's behalf (--json, --best-frame,
reports): never over an input file, refuse an unusable destination *before* any analysis, write
atomically (a temporary file in the target's folder, then rename), keep symlinks (the link's target
is replaced, the link stays), and give the file the permissions the umask asks for."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import OptionError, display


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_destination(dest, option: str, inputs=()) -> Path:
    """The path to write `option`'s output to (a symlink resolved to its target), or OptionError."""
    if dest is None or str(dest).strip() == "":
        raise OptionError(f"{option}: the destination is empty; give a file path")
    p = Path(dest)
    try:
        target = p.resolve() if p.is_symlink() else p
        for src in inputs:
            if src is not None and (_same_file(target, Path(src)) or target.absolute() == Path(src).absolute()):
                raise OptionError(f"{option} {display(dest)}: is the input file; refusing to overwrite it")
        if target.is_dir():
            raise OptionError(f"{option} {display(dest)}: is a directory; give a file path")
        if target.exists() and not target.is_file():
            raise OptionError(f"{option} {display(dest)}: is not a regular file")
        parent = target.parent if str(target.parent) else Path(".")
        probe = parent
        while not probe.exists():  # the folders are created on write: check the first existing one
            if probe.parent == probe:
                break
            probe = probe.parent
        if not probe.is_dir():
            raise OptionError(f"{option} {display(dest)}: {display(probe)} is not a folder")
        if not os.access(probe, os.W_OK | os.X_OK):
            raise OptionError(f"{option} {display(dest)}: folder {display(probe)} is not writable")
        if target.exists() and not os.access(target, os.W_OK):
            raise OptionError(f"{option} {display(dest)}: file is not writable")
    except OSError as e:
        raise OptionError(f"{option} {display(dest)}: unusable destination ({e.strerror or type(e).__name__})") from None
    return target


def _umask() -> int:
    m = os.umask(0)
    os.umask(m)
    return m


def atomic_write(dest, data: bytes | str) -> Path:
    """Write `data` to `dest` atomically; a symlink keeps pointing at the (replaced) target; mode follows
    the umask (0666 & ~umask), as a plain open() would."""
    p = Path(dest)
    target = p.resolve() if p.is_symlink() else p
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return target
