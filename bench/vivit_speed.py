"""ViViT training and inference throughput (frames per second), CPU vs CUDA, on a realistic batch:
16 clips x 8 frames at 224x224 with 16x16 tubelet patches (196 tokens per frame), dim 192, 4 spatial +
4 temporal layers, audio tokens; and on reelscore's small default (backbone tokens). Loads
reelscore/models/vivit.py by path (no package import), so it runs where only torch and numpy exist.

    python bench/vivit_speed.py [--steps 5] [--json out.json]
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import time
from pathlib import Path

import torch

spec = importlib.util.spec_from_file_location("vivit", Path(__file__).resolve().parents[1] / "reelscore/models/vivit.py")
V = importlib.util.module_from_spec(spec)
import sys  # noqa: E402

sys.modules["vivit"] = V  # dataclasses look the module up while the class is built
spec.loader.exec_module(V)


def bench(cfg, device, batch, steps, warmup=2):
    torch.manual_seed(0)
    m = V.build(cfg).to(device)
    opt = torch.optim.AdamW(m.parameters(), lr=1e-4)
    if cfg.tokens == "patches":
        x = torch.rand(batch, cfg.frames, 3, cfg.image_size, cfg.image_size, device=device)
    else:
        x = torch.rand(batch, cfg.frames, cfg.feature_dim, device=device)
    a = torch.rand(batch, cfg.frames, 16, device=device) if cfg.audio else None
    y = torch.rand(batch, device=device)

    def sync():
        if device == "cuda":
            torch.cuda.synchronize()
    for i in range(warmup + steps):
        if i == warmup:
            sync()
            t0 = time.perf_counter()
        loss = torch.nn.functional.mse_loss(m(x, a), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    sync()
    train = (time.perf_counter() - t0) / steps
    m.eval()
    with torch.no_grad():
        for i in range(warmup + steps):
            if i == warmup:
                sync()
                t0 = time.perf_counter()
            m(x, a)
    sync()
    infer = (time.perf_counter() - t0) / steps
    n = batch * cfg.frames
    return {"train_frames_per_s": round(n / train, 1), "infer_frames_per_s": round(n / infer, 1),
            "train_step_s": round(train, 4), "params": sum(p.numel() for p in m.parameters())}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    configs = {
        "realistic (patches 224, dim 192, 4+4 layers, audio)": (V.ViViTConfig(
            tokens="patches", image_size=224, patch=16, dim=192, depth_spatial=4, depth_temporal=4, heads=3,
            mlp_ratio=4, audio=True), 16),
        "reelscore default (backbone tokens, dim 32, 1+1)": (V.ViViTConfig(feature_dim=8256), 16),
    }
    out = {"torch": torch.__version__, "cpu_threads": torch.get_num_threads(), "results": {}}
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    if torch.cuda.is_available():
        out["gpu"] = torch.cuda.get_device_name(0)
    for name, (cfg, batch) in configs.items():
        out["results"][name] = {d: bench(cfg, d, batch, args.steps if d == "cuda" else max(2, args.steps // 2))
                                for d in devices}
        r = out["results"][name]
        if "cuda" in r:
            r["speedup_train"] = round(r["cuda"]["train_frames_per_s"] / r["cpu"]["train_frames_per_s"], 1)
            r["speedup_infer"] = round(r["cuda"]["infer_frames_per_s"] / r["cpu"]["infer_frames_per_s"], 1)
    print(json.dumps(out, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
