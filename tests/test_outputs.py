"""Outputs that cannot be written (issue 26): every output goes through one writer (reelscore.outputs);
a refusal of the filesystem at create, write, fsync or rename time is one line naming the option, the
path and the reason, exit 2, and no temporary file is left behind. Errors the machine cannot produce
on demand (a full disk, a quota, an I/O error, a cross-device rename) are simulated."""
from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reelscore import outputs
from reelscore.errors import OptionError
from reelscore.outputs import OutputError, atomic_output, atomic_write, check_destination

FAST = ["--analyzers", "format,exposure,caption"]
ERRNOS = ["ENOENT", "EACCES", "EPERM", "EROFS", "ENOSPC", "EDQUOT", "EIO", "EXDEV", "ENAMETOOLONG"]


def _raiser(code):
    def f(*a, **k):
        raise OSError(code, os.strerror(code))
    return f


def _leftovers(folder: Path):
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp") or ".tmp" in p.name]


def cli(*args, timeout=180, **kw):
    return subprocess.run([sys.executable, "-m", "reelscore.presentation.cli", *map(os.fsdecode, args)],
                          capture_output=True, text=True, timeout=timeout, **kw)


def one_line_exit_2(p, *needles):
    assert p.returncode == 2, (p.returncode, p.stderr)
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, p.stderr
    assert "Traceback" not in p.stderr and "internal error" not in p.stderr
    for n in needles:
        assert n in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def clip(tmp_path_factory, videos):
    p = tmp_path_factory.mktemp("o") / "clip.mp4"
    p.write_bytes(videos["noaudio"].read_bytes())
    return p


# ---- the writer, each errno class at each step ------------------------------------------------------
@pytest.mark.parametrize("name", ERRNOS)
@pytest.mark.parametrize("step", ["create", "write", "fsync", "rename"])
def test_each_errno_at_each_step_is_an_output_error(tmp_path, monkeypatch, name, step):
    code = getattr(errno, name)
    dest = tmp_path / "out.json"
    dest.write_text("earlier result")
    target = {"create": (outputs.tempfile, "mkstemp"), "write": (outputs, "write_all"),
              "fsync": (outputs.os, "fsync"), "rename": (outputs.os, "replace")}[step]
    monkeypatch.setattr(*target, _raiser(code))
    with pytest.raises(OutputError) as ei:
        atomic_write(dest, "new result", "--json")
    monkeypatch.undo()
    e = ei.value
    assert isinstance(e, OptionError) and e.exit_code == 2
    assert str(e) == f"--json {dest}: cannot write ({os.strerror(code)})"
    assert "\n" not in str(e)
    assert dest.read_text() == "earlier result"  # the old file is intact
    assert _leftovers(tmp_path) == []  # and the temporary file is gone


def test_body_failure_and_interrupt_remove_the_temporary_file(tmp_path):
    dest = tmp_path / "v.mp4"
    with pytest.raises(OutputError, match="fix --out .*No space left on device"):
        with atomic_output(dest, "fix --out") as tmp:
            tmp.write_bytes(b"partial")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    with pytest.raises(KeyboardInterrupt):
        with atomic_output(dest, "fix --out") as tmp:
            tmp.write_bytes(b"partial")
            raise KeyboardInterrupt
    assert not dest.exists() and _leftovers(tmp_path) == []


def test_success_is_durable_and_a_long_name_still_fits(tmp_path):
    name = "x" * 250 + ".json"  # the temporary name must not exceed NAME_MAX where the target fits
    out = atomic_write(tmp_path / name, "ok", "--json")
    assert out.read_text() == "ok" and _leftovers(tmp_path) == []


def test_name_over_the_limit_is_refused_before_work(tmp_path):
    with pytest.raises(OptionError, match="too long"):
        check_destination(tmp_path / ("y" * 300 + ".json"), "--json")


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs /proc")
@pytest.mark.parametrize("dest", ["/proc/x.json", "/sys/x.json"])
def test_kernel_filesystems_refused_before_any_work(dest):
    if not Path(dest).parent.is_dir():
        pytest.skip(f"no {Path(dest).parent}")
    with pytest.raises(OptionError, match=f"--json {dest}: cannot write"):
        check_destination(dest, "--json")


# ---- the CLI, for real -----------------------------------------------------------------------------
@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs /proc and /sys")
@pytest.mark.parametrize("option,dest", [("--json", "/proc/x.json"), ("--json", "/sys/x.json"),
                                         ("--best-frame", "/proc/cover.jpg"), ("--report", "/sys/r.html")])
def test_cli_unwritable_kernel_paths(clip, option, dest):
    p = cli("analyze", clip, option, dest, *FAST)
    line = one_line_exit_2(p, option, dest, "cannot write")
    assert "(No such file or directory)" in line or "(Permission denied)" in line


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("extra", [[], ["-q"], ["--json", "-"]])
def test_cli_stdout_on_a_full_device(clip, extra):
    with open("/dev/full", "w") as full:
        p = subprocess.run([sys.executable, "-m", "reelscore.presentation.cli", "analyze", str(clip), *FAST, *extra],
                           stdout=full, stderr=subprocess.PIPE, text=True, timeout=180)
    one_line_exit_2(p, "standard output", "No space left on device")


def test_cli_closed_pipe_is_quiet(clip):
    p = subprocess.Popen([sys.executable, "-m", "reelscore.presentation.cli", "schema"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    p.stdout.read(5)
    p.stdout.close()  # the reader goes away (as `| head -c 5` does)
    err = p.stderr.read().decode()
    assert p.wait(60) == 0 and "Traceback" not in err and "Exception ignored" not in err, err


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs /proc")
def test_cli_sample_and_batch_into_proc(tmp_path, clip):
    one_line_exit_2(cli("sample", "/proc/s.mp4", "--seconds", "0.5"), "OUT /proc/s.mp4", "cannot write")
    one_line_exit_2(cli("batch", str(clip.parent), "--out", "/proc/b.jsonl"), "--out /proc/b.jsonl", "cannot write")
    one_line_exit_2(cli("batch", str(clip.parent), "--out", tmp_path / "b.jsonl", "--parquet", "/sys/b.parquet"),
                    "--parquet /sys/b.parquet", "cannot write")


def test_cli_write_time_failure_after_the_analysis(clip, tmp_path, monkeypatch, capsys):
    """The destination passed the early check, then the disk filled during the analysis."""
    from reelscore.presentation.cli import main

    monkeypatch.setattr(outputs, "write_all", _raiser(errno.ENOSPC))
    dest = tmp_path / "r.json"
    rc = main(["analyze", str(clip), *FAST, "--json", str(dest), "-q"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and err == f"reelscore: error: --json {dest}: cannot write (No space left on device)"
    assert not dest.exists() and _leftovers(tmp_path) == []
    bf = tmp_path / "c.jpg"  # the API names its parameter (best_frame_path), the CLI its option

    def full_disk(*a, **k):
        raise OutputError("best_frame_path", bf, "No space left on device")
    monkeypatch.setattr("reelscore.pipeline.analyze", full_disk)
    rc = main(["analyze", str(clip), *FAST, "--best-frame", str(bf), "-q"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and err == f"reelscore: error: --best-frame {bf}: cannot write (No space left on device)"


def test_environment_oserror_elsewhere_is_one_line_not_internal(monkeypatch, capsys):
    from reelscore.presentation.cli import main
    from reelscore.workflows import doctor

    monkeypatch.setattr(doctor, "report", lambda: (_ for _ in ()).throw(
        PermissionError(errno.EACCES, "Permission denied", "/some/where")))
    assert main(["doctor"]) == 2
    assert capsys.readouterr().err.strip() == "reelscore: error: /some/where: Permission denied"
    monkeypatch.setattr(doctor, "report", lambda: (_ for _ in ()).throw(ValueError("a bug")))
    assert main(["doctor"]) == 1  # a bug stays an internal error
    assert "internal error" in capsys.readouterr().err


# ---- batch and the web app's history folder ---------------------------------------------------------
def test_batch_jsonl_write_failure(tmp_path, clip, monkeypatch):
    from reelscore.workflows import batch

    monkeypatch.setattr(batch, "score_item", lambda it, s: {"key": it["key"], "path": it["path"], "ok": False,
                                                            "error": "x", "error_type": "x", "seconds": 0})
    out = tmp_path / "b.jsonl"
    monkeypatch.setattr(batch.os, "fsync", _raiser(errno.EDQUOT))
    with pytest.raises(OutputError, match=f"--out {out}: cannot write \\(Disk quota exceeded\\)"):
        batch.run_batch(str(clip), str(out), workers=1, progress=False)


def test_parquet_write_failure(tmp_path, monkeypatch):
    pytest.importorskip("pyarrow")
    from reelscore.workflows import batch

    src = tmp_path / "b.jsonl"
    src.write_text('{"key": "k", "path": "p", "ok": false, "error": "x"}\n')
    monkeypatch.setattr(outputs.os, "replace", _raiser(errno.EXDEV))
    with pytest.raises(OutputError, match="--parquet .*Invalid cross-device link"):
        batch.write_parquet(str(src), str(tmp_path / "t.parquet"))
    assert _leftovers(tmp_path) == []


def test_history_folder_refused(tmp_path, monkeypatch):
    from reelscore.workflows.history import History

    ro = tmp_path / "ro"
    ro.mkdir()
    monkeypatch.setattr(Path, "mkdir", _raiser(errno.EROFS))
    with pytest.raises(OutputError, match=f"history folder {ro / 'web'}: cannot write \\(Read-only file system\\)"):
        History(ro / "web")
    monkeypatch.undo()
    h = History(tmp_path / "web")
    import sqlite3

    def full(*a, **k):
        raise sqlite3.OperationalError("database or disk is full")
    monkeypatch.setattr(h, "_conn", full)
    with pytest.raises(OutputError, match="history database .*database or disk is full"):
        h.add("f.mp4", None, None, {"score": 1}, None)


def test_symlink_loop_destination_is_one_line(tmp_path, clip):
    loop = tmp_path / "loop.json"
    loop.symlink_to(loop)
    with pytest.raises(OptionError, match="symbolic links"):
        check_destination(loop, "--json")
    with pytest.raises(OutputError, match="symbolic links"):
        atomic_write(loop, "x", "--json")
    one_line_exit_2(cli("analyze", clip, *FAST, "--best-frame", loop), "--best-frame", "symbolic links")
