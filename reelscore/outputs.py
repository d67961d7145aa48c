"""Output safety, one writer for every file reelscore writes on a user's behalf (--json, --best-frame,
--report, batch --out/--parquet, `fix --out`, the web app's history folder): never over an input file,
refuse an unusable destination *before* any analysis, write atomically (a temporary file in the
target's folder, fsync, then rename), keep symlinks (the link's target is replaced, the link stays),
and give the file the permissions the umask asks for.

A failure to create, write, fsync or rename there (no such folder, permission denied, read-only file
system, disk full, quota, I/O error, cross-device rename, name too long...) is an `OutputError`: one
line naming the option, the path and the reason (`--json /proc/x.json: cannot write (No such file or
directory)`), exit 2, and the temporary file is removed."""
from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path
from typing import Iterator

from .errors import OptionError, display


class OutputError(OptionError):
    """An output could not be written (the filesystem refused): names the option, the path and the reason."""

    def __init__(self, option: str, path, reason):
        self.option = option
        self.path = display(path)
        self.reason = reason_of(reason) if isinstance(reason, BaseException) else str(reason)
        super().__init__(f"{option} {self.path}: cannot write ({self.reason})")


def reason_of(e: BaseException) -> str:
    """The operating system's words for an error ('No space left on device'), else its type."""
    if isinstance(e, OSError):
        if e.strerror:
            return display(e.strerror)
        if e.errno:
            try:
                return os.strerror(e.errno)
            except ValueError:
                pass
    return display(str(e)) or type(e).__name__


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def resolved(p: Path) -> Path:
    """`p.resolve()`, with a symlink loop as OSError(ELOOP) (Python before 3.13 raises RuntimeError)."""
    try:
        return p.resolve()
    except RuntimeError:
        raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), str(p)) from None


def _target(dest) -> Path:
    p = Path(dest)
    return resolved(p) if p.is_symlink() else p


def _tmp_prefix(target: Path) -> str:
    # the temporary name must fit where the target's name fits (NAME_MAX is 255 bytes on most systems)
    stem = os.fsencode(target.name)[:64].decode("utf-8", "ignore")
    return f".{stem}."


def check_destination(dest, option: str, inputs=()) -> Path:
    """The path to write `option`'s output to (a symlink resolved to its target), or OptionError.
    Where the folder exists, a temporary file is created in it and removed again, so a folder the
    filesystem refuses (/proc, /sys, a read-only mount, a full quota) is refused before any work."""
    if dest is None or str(dest).strip() == "":
        raise OptionError(f"{option}: the destination is empty; give a file path")
    p = Path(dest)
    try:
        target = resolved(p) if p.is_symlink() else p
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
        if len(os.fsencode(target.name)) > 255:
            raise OptionError(f"{option} {display(dest)}: cannot write (File name too long)")
        if probe == parent:  # try it: os.access says yes to root everywhere, /proc and /sys say no
            try:
                fd, tmp = tempfile.mkstemp(dir=parent, prefix=_tmp_prefix(target), suffix=".tmp")
            except OSError as e:
                raise OutputError(option, dest, e) from None
            os.close(fd)
            os.unlink(tmp)
    except OSError as e:
        raise OptionError(f"{option} {display(dest)}: unusable destination ({reason_of(e)})") from None
    return target


def _umask() -> int:
    m = os.umask(0)
    os.umask(m)
    return m


def _fsync_file(path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path) -> None:
    """Make the rename durable; not every filesystem can fsync a folder (that is not an error)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def output_errors(dest, option: str = "output") -> Iterator[None]:
    """Turn an OSError raised while writing `dest` into an `OutputError` (for writers that cannot be
    atomic, such as the batch's JSON lines appended as items finish)."""
    try:
        yield
    except OutputError:
        raise
    except OSError as e:
        if isinstance(e, BrokenPipeError):
            raise
        raise OutputError(option, dest, e) from None


@contextlib.contextmanager
def atomic_output(dest, option: str = "output", suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path in `dest`'s folder to write to; on success it is fsynced, given the
    umask's permissions and renamed onto `dest` (a symlink's target is replaced, the link stays).
    Any OSError, from creating the file to the rename and including those the body raises while
    writing, becomes an `OutputError` naming `option` and `dest`; the temporary file is removed on
    every failure, Ctrl-C included. The body must handle its own input errors."""
    with output_errors(dest, option):
        target = _target(dest)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=_tmp_prefix(target), suffix=suffix)
        os.close(fd)
    try:
        with output_errors(dest, option):
            yield Path(tmp)
            _fsync_file(tmp)
            os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(target.parent)


def write_all(fd: int, data: bytes) -> None:
    """os.write until every byte is written (a short write is not an error, a full disk is)."""
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def atomic_write(dest, data: bytes | str, option: str = "output") -> Path:
    """Write `data` to `dest` atomically (see `atomic_output`); returns the path written (the target
    of a symlink). Raises `OutputError` when the filesystem refuses."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_output(dest, option) as tmp:
        fd = os.open(tmp, os.O_WRONLY | os.O_TRUNC)
        try:
            write_all(fd, raw)
        finally:
            os.close(fd)
    return _target(dest)
