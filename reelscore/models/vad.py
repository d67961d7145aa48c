"""silero-vad (MIT, the `silero-vad` package's bundled ONNX weights) run on ONNX Runtime with numpy.

The package's own runner (`get_speech_timestamps`) imports torch (about 1 s and 170 MB per process)
only to hold the recurrent state between 32 ms windows. This runs the same ONNX file with the same
state handling (64 samples of context before each 512-sample window at 16 kHz) and ports the
package's default segmentation (`get_speech_timestamps_from_probs` with no maximum speech length);
the tests check both against the package.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

WINDOW = {16000: 512, 8000: 256}
CONTEXT = {16000: 64, 8000: 32}


def weights_path() -> Path:
    """The ONNX file inside the installed `silero-vad` package, found without importing it (its
    __init__ imports torch). FileNotFoundError when the package or the file is missing."""
    import importlib.util

    spec = importlib.util.find_spec("silero_vad")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the silero-vad package is not installed (pip install silero-vad)")
    p = Path(list(spec.submodule_search_locations)[0]) / "data" / "silero_vad.onnx"
    if not p.is_file():
        raise FileNotFoundError(f"{p} missing: reinstall silero-vad")
    return p


class SileroVAD:
    """Speech probability per window and speech segments of mono float audio at 8 or 16 kHz."""

    def __init__(self, path: str | Path | None = None):
        import onnxruntime as ort

        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        so.log_severity_level = 3
        self.path = str(path or weights_path())
        self.session = ort.InferenceSession(self.path, sess_options=so, providers=["CPUExecutionProvider"])

    def probs(self, audio: np.ndarray, sr: int = 16000) -> np.ndarray:
        """Speech probability of each window (512 samples at 16 kHz; the last one zero-padded)."""
        if sr not in WINDOW:
            raise ValueError("silero-vad needs 8 or 16 kHz audio")
        win, ctx = WINDOW[sr], CONTEXT[sr]
        a = np.ascontiguousarray(audio, dtype=np.float32).reshape(-1)
        n = -(-len(a) // win)
        a = np.pad(a, (0, n * win - len(a)))
        state = np.zeros((2, 1, 128), np.float32)
        context = np.zeros((1, ctx), np.float32)
        rate = np.array(sr, dtype=np.int64)
        out = np.empty(n, np.float32)
        run = self.session.run
        for i in range(n):
            x = np.concatenate([context, a[None, i * win : (i + 1) * win]], axis=1)
            p, state = run(None, {"input": x, "state": state, "sr": rate})
            out[i] = p[0, 0]
            context = x[:, -ctx:]
        return out

    def speech_timestamps(self, audio: np.ndarray, sr: int = 16000) -> list[tuple[float, float]]:
        """(start, end) seconds of speech, as `silero_vad.get_speech_timestamps(..., return_seconds=True)`."""
        return segments_from_probs(self.probs(audio, sr), sr, len(audio))


def segments_from_probs(probs, sr: int = 16000, n_samples: int | None = None, threshold: float = 0.5,
                        min_speech_ms: int = 250, min_silence_ms: int = 100, pad_ms: int = 30,
                        resolution: int = 1) -> list[tuple[float, float]]:
    """The package's segmentation with its defaults (hysteresis: speech starts at `threshold`, ends
    after `min_silence_ms` below threshold - 0.15; segments shorter than `min_speech_ms` dropped;
    `pad_ms` of padding, split between neighbours that are closer than twice the padding)."""
    win = WINDOW[sr]
    n = len(probs) * win if n_samples is None else n_samples
    min_speech = sr * min_speech_ms / 1000
    pad = sr * pad_ms / 1000
    min_silence = sr * min_silence_ms / 1000
    neg = max(threshold - 0.15, 0.01)
    triggered, temp_end = False, 0
    speeches: list[dict] = []
    cur: dict = {}
    for i, p in enumerate(probs):
        s = win * i
        if p >= threshold and temp_end:
            temp_end = 0
        if p >= threshold and not triggered:
            triggered = True
            cur["start"] = s
            continue
        if p < neg and triggered:
            if not temp_end:
                temp_end = s
            if s - temp_end < min_silence:
                continue
            cur["end"] = temp_end
            if cur["end"] - cur["start"] > min_speech:
                speeches.append(cur)
            cur, temp_end, triggered = {}, 0, False
    if cur and n - cur["start"] > min_speech:
        cur["end"] = n
        speeches.append(cur)
    for i, sp in enumerate(speeches):
        if i == 0:
            sp["start"] = int(max(0, sp["start"] - pad))
        if i != len(speeches) - 1:
            gap = speeches[i + 1]["start"] - sp["end"]
            if gap < 2 * pad:
                sp["end"] += int(gap // 2)
                speeches[i + 1]["start"] = int(max(0, speeches[i + 1]["start"] - gap // 2))
            else:
                sp["end"] = int(min(n, sp["end"] + pad))
                speeches[i + 1]["start"] = int(max(0, speeches[i + 1]["start"] - pad))
        else:
            sp["end"] = int(min(n, sp["end"] + pad))
    dur = n / sr
    return [(max(round(sp["start"] / sr, resolution), 0), min(round(sp["end"] / sr, resolution), dur)) for sp in speeches]
