"""Torch modules exported once to ONNX in the user's cache and run on ONNX Runtime.

The cache file name carries a key of the export version, torch version and the source weights'
size and mtime, so a new package or new weights re-export. Writes are atomic. Sessions do not
busy-wait between runs (on 2 cores spinning threads would slow the analyzers that run next)."""
from __future__ import annotations

import hashlib
import os
import tempfile
import warnings
from pathlib import Path


def _torch_version() -> str:
    """torch's version from its metadata: a cache hit must not pay for importing torch (about 1 s
    and 170 MB)."""
    import importlib.metadata as md

    try:
        return md.version("torch")
    except md.PackageNotFoundError:
        return "none"


def default_threads() -> int:
    """Intra-op threads: OMP_NUM_THREADS when set (batch workers set 1), else the usable cores."""
    try:
        n = int(os.environ.get("OMP_NUM_THREADS", "0"))
    except ValueError:
        n = 0
    if n > 0:
        return n
    from ..config import usable_cores

    return usable_cores()


def cached_export(name: str, version: str, weights: str | os.PathLike, module_fn, args,
                  input_names: list[str], output_names: list[str], dynamic_axes: dict) -> Path:
    """Path of the ONNX export of `module_fn()` (called, with torch imported, only when the file is
    missing). `args`: the example inputs, or a function returning them."""
    from ..cache import default_cache_dir

    w = Path(weights)
    st = w.stat()
    key = hashlib.sha256(f"{version}|{_torch_version()}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()[:16]
    path = default_cache_dir() / "models" / f"{name}-{key}.onnx"
    if path.is_file():
        return path
    import torch

    if callable(args):
        args = args()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(module_fn(), args, tmp, input_names=input_names, output_names=output_names,
                              dynamic_axes=dynamic_axes, opset_version=17, dynamo=False)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def cached_session(name: str, version: str, weights, module_fn, args: tuple, input_names: list[str],
                   output_names: list[str], dynamic_axes: dict, threads: int):
    """ONNX Runtime session of the cached export; a damaged cache file is exported again once."""
    path = cached_export(name, version, weights, module_fn, args, input_names, output_names, dynamic_axes)
    try:
        return session(path, threads)
    except Exception:
        path.unlink(missing_ok=True)
        path = cached_export(name, version, weights, module_fn, args, input_names, output_names, dynamic_axes)
        return session(path, threads)


def session(path: str | os.PathLike, threads: int):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = max(1, threads)
    so.log_severity_level = 3
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
