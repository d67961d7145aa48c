"""ViViT (Arnab et al., "ViViT: A Video Vision Transformer", ICCV 2021), factorised encoder (their
"Model 2"), as the seed's virality predictor (harbarex/tiktok-virality-prediction, a port of
rishikksh20/ViViT-pytorch) uses it, written here from the paper:

    frames (T, H, W, 3) -> per frame: patch embedding (p x p) + spatial position + CLS
                        -> spatial transformer (L_s layers) -> per-frame CLS token
    per-frame CLS tokens (+ audio tokens in the audio variant) + temporal position + CLS
                        -> temporal transformer (L_t layers) -> CLS -> LayerNorm + linear head

Two token sources: "patches" (raw RGB patches, as in the paper) and "backbone" (one token per frame
from the frozen EfficientNet-Lite0 features reelscore already computes: far fewer parameters to learn
from the few dozen videos a creator has; the spatial transformer is then skipped). The audio variant
adds one token per temporal segment built from log-mel band energies of the decoded audio.

sklearn-style wrapper: `ViViTRegressor(hyperparameters).fit(X, y)`, `predict`, `save`/`load`.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

N_MELS = 16


@dataclass
class ViViTConfig:
    tokens: str = "backbone"  # "backbone" (frozen EfficientNet-Lite0 features per frame) or "patches"
    frames: int = 8  # frames sampled evenly over the clip
    image_size: int = 64  # "patches": frames resized to this square
    patch: int = 16
    tubelet: int = 2  # "patches": frames per tubelet (the paper's tubelet embedding: tokens that see motion)
    dim: int = 32  # the small default (measured best of 32/64 and 1/2 layers on the synthetic benchmark)
    depth_spatial: int = 1
    depth_temporal: int = 1
    heads: int = 4
    mlp_ratio: int = 2
    dropout: float = 0.1
    audio: bool = True  # the audio variant: log-mel tokens joined to the temporal tokens
    feature_dim: int = 0  # "backbone": input feature size (set from the data)
    task: str = "regression"  # or "classification" (trending yes/no)


def _block(dim, heads, mlp_ratio, dropout):
    import torch.nn as nn

    return nn.TransformerEncoderLayer(dim, heads, dim * mlp_ratio, dropout, batch_first=True, norm_first=True,
                                      activation="gelu")


def build(cfg: ViViTConfig):
    import torch
    import torch.nn as nn

    class ViViT(nn.Module):
        def __init__(self):
            super().__init__()
            d = cfg.dim
            if cfg.tokens == "patches":
                n = (cfg.image_size // cfg.patch) ** 2
                # tubelet embedding: each token spans `tubelet` consecutive frames (stride 1 in time, the
                # last frame repeated), so a token sees how its patch changes
                self.patch_embed = nn.Conv3d(3, d, (cfg.tubelet, cfg.patch, cfg.patch), (1, cfg.patch, cfg.patch))
                self.space_pos = nn.Parameter(torch.zeros(1, n + 1, d))
                self.space_cls = nn.Parameter(torch.zeros(1, 1, d))
                self.space = nn.TransformerEncoder(_block(d, cfg.heads, cfg.mlp_ratio, cfg.dropout), cfg.depth_spatial,
                                                   enable_nested_tensor=False)
            else:
                self.feat_embed = nn.Sequential(nn.LayerNorm(cfg.feature_dim), nn.Linear(cfg.feature_dim, d))
            if cfg.audio:
                self.audio_embed = nn.Sequential(nn.LayerNorm(N_MELS), nn.Linear(N_MELS, d))
                self.audio_type = nn.Parameter(torch.zeros(1, 1, d))
            t = cfg.frames * (2 if cfg.audio else 1)
            self.time_pos = nn.Parameter(torch.zeros(1, t + 1, d))
            self.time_cls = nn.Parameter(torch.zeros(1, 1, d))
            self.temporal = nn.TransformerEncoder(_block(d, cfg.heads, cfg.mlp_ratio, cfg.dropout), cfg.depth_temporal,
                                                  enable_nested_tensor=False)
            self.head = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, 1))
            for p in (self.time_pos, self.time_cls) + ((self.space_pos, self.space_cls) if cfg.tokens == "patches" else ()):
                nn.init.trunc_normal_(p, std=0.02)

        def frame_tokens(self, x):
            if cfg.tokens == "patches":  # x: (B, T, 3, S, S) float 0..1
                b, t = x.shape[:2]
                v = x.transpose(1, 2)  # (B, 3, T, S, S)
                if cfg.tubelet > 1:
                    v = torch.cat([v, v[:, :, -1:].expand(-1, -1, cfg.tubelet - 1, -1, -1)], 2)
                p = self.patch_embed(v)  # (B, d, T, S/p, S/p)
                p = p.permute(0, 2, 3, 4, 1).reshape(b * t, -1, p.shape[1])  # (B*T, N, d)
                p = torch.cat([self.space_cls.expand(len(p), -1, -1), p], 1) + self.space_pos
                return self.space(p)[:, 0].view(b, t, -1)
            return self.feat_embed(x)  # x: (B, T, F)

        def forward(self, x, audio=None):
            z = self.frame_tokens(x)
            if cfg.audio:
                a = self.audio_embed(audio) + self.audio_type if audio is not None else torch.zeros_like(z)
                z = torch.cat([z, a], 1)
            z = torch.cat([self.time_cls.expand(len(z), -1, -1), z], 1) + self.time_pos
            return self.head(self.temporal(z)[:, 0]).squeeze(-1)

    return ViViT()


# ---- inputs from the single decode ------------------------------------------------------------------
def sample_indices(n: int, k: int) -> np.ndarray:
    return np.linspace(0, max(0, n - 1), k).round().astype(int)


def video_inputs(media, cfg: ViViTConfig) -> tuple[np.ndarray, np.ndarray | None]:
    """(frame input, audio tokens) for one decoded video: `cfg.frames` frames sampled evenly from the
    heavy `FrameSet` every analyzer shares (no second decode), and log-mel energies of the audio over
    the same `cfg.frames` segments."""
    fs = media.heavy
    idx = sample_indices(len(fs), cfg.frames)
    frames = [fs.frames[i] for i in idx]
    if cfg.tokens == "patches":
        import cv2

        x = np.stack([cv2.resize(f, (cfg.image_size, cfg.image_size), interpolation=cv2.INTER_AREA) for f in frames])
        x = x.transpose(0, 3, 1, 2).astype(np.float32) / 255.0
    else:
        from . import backbone

        x = backbone.extract(frames).astype(np.float32)
    a = audio_tokens(media.audio, media.audio_rate, cfg.frames) if cfg.audio else None
    return x, a


def audio_tokens(audio, sr: int, k: int) -> np.ndarray:
    """(k, N_MELS) mean log-mel band energies of k equal segments (zeros for silence/no audio)."""
    out = np.zeros((k, N_MELS), np.float32)
    if audio is None or len(audio) < sr // 10:
        return out
    n_fft, hop = 512, 256
    nfr = 1 + (len(audio) - n_fft) // hop
    if nfr < 1:
        return out
    idx = np.arange(n_fft)[None, :] + hop * np.arange(nfr)[:, None]
    S = np.abs(np.fft.rfft(audio[idx] * np.hanning(n_fft), axis=1)) ** 2
    f = np.fft.rfftfreq(n_fft, 1 / sr)
    mel = 2595 * np.log10(1 + f / 700)
    edges = np.linspace(mel[1], mel[-1], N_MELS + 1)
    bands = np.stack([S[:, (mel >= a) & (mel < b)].sum(1) for a, b in zip(edges[:-1], edges[1:])], 1)
    lm = np.log10(bands + 1e-8)
    seg = np.array_split(np.arange(nfr), k)
    for i, s in enumerate(seg):
        if len(s):
            out[i] = lm[s].mean(0)
    return out


# ---- estimator ---------------------------------------------------------------------------------------
@dataclass
class ViViTRegressor:
    config: ViViTConfig = field(default_factory=ViViTConfig)
    epochs: int = 60
    lr: float = 1e-3
    weight_decay: float = 0.05
    batch_size: int = 16
    patience: int = 12
    seed: int = 0
    device: str = "cpu"

    def _tensors(self, X, A):
        import torch

        x = torch.as_tensor(np.asarray(X, np.float32), device=self.device)
        a = torch.as_tensor(np.asarray(A, np.float32), device=self.device) if A is not None else None
        return x, a

    def fit(self, X, A, y, X_val=None, A_val=None, y_val=None, progress=None, checkpoint=None,
            resume=None) -> "ViViTRegressor":
        """Train with AdamW and early stopping on the validation loss (when given); learned state in
        `model_`, `y_mean_`, `y_std_`, `history_`. `checkpoint(state)` is called after each epoch;
        `resume` = a checkpoint file to continue from (model, optimiser, epoch)."""
        import torch

        torch.manual_seed(self.seed)
        if self.config.tokens == "backbone":
            self.config.feature_dim = int(np.asarray(X).shape[-1])
        y = np.asarray(y, np.float32)
        self.y_mean_, self.y_std_ = float(y.mean()), float(y.std() + 1e-6)
        m = build(self.config).to(self.device)
        opt = torch.optim.AdamW(m.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(1, self.epochs))
        x, a = self._tensors(X, A)
        yt = torch.as_tensor((y - self.y_mean_) / self.y_std_, device=self.device)
        has_val = X_val is not None and len(X_val) > 0
        if has_val:
            xv, av = self._tensors(X_val, A_val)
            yv = torch.as_tensor((np.asarray(y_val, np.float32) - self.y_mean_) / self.y_std_, device=self.device)
        loss_fn = torch.nn.MSELoss() if self.config.task == "regression" else torch.nn.BCEWithLogitsLoss()
        best, best_state, bad, self.history_ = math.inf, None, 0, []
        g = torch.Generator().manual_seed(self.seed)
        start = 0
        if resume is not None:
            st = torch.load(resume, map_location=self.device, weights_only=True)
            m.load_state_dict(st["model"])
            opt.load_state_dict(st["opt"])
            start = int(st["epoch"])
            for _ in range(start):
                sched.step()
        for ep in range(start, self.epochs):
            m.train()
            perm = torch.randperm(len(x), generator=g)
            tl = 0.0
            for s in range(0, len(x), self.batch_size):
                b = perm[s : s + self.batch_size]
                target = yt[b] if self.config.task == "regression" else (yt[b] > 0).float()
                loss = loss_fn(m(x[b], a[b] if a is not None else None), target)
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
                opt.step()
                tl += float(loss) * len(b)
            sched.step()
            rec = {"epoch": ep + 1, "train_loss": tl / len(x)}
            if has_val:
                m.eval()
                with torch.no_grad():
                    pv = m(xv, av)
                    vt = yv if self.config.task == "regression" else (yv > 0).float()
                    rec["val_loss"] = float(loss_fn(pv, vt))
                if rec["val_loss"] < best - 1e-4:
                    best, bad = rec["val_loss"], 0
                    best_state = {k: v.detach().clone() for k, v in m.state_dict().items()}
                else:
                    bad += 1
            self.history_.append(rec)
            if progress:
                progress(rec)
            if checkpoint:
                checkpoint({"epoch": ep + 1, "model": m.state_dict(), "opt": opt.state_dict()})
            if has_val and bad >= self.patience:
                break
        if best_state is not None:
            m.load_state_dict(best_state)
        self.model_ = m.eval()
        return self

    def predict(self, X, A=None) -> np.ndarray:
        import torch

        x, a = self._tensors(X, A)
        with torch.no_grad():
            out = self.model_(x, a).cpu().numpy()
        return out * self.y_std_ + self.y_mean_ if self.config.task == "regression" else out

    def save(self, path, card: dict) -> None:
        import json
        from pathlib import Path

        import torch

        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        torch.save({"format": "reelscore-vivit-1", "config": json.dumps(asdict(self.config)),
                    "state": {k: v.cpu() for k, v in self.model_.state_dict().items()},
                    "y": json.dumps([self.y_mean_, self.y_std_]), "card": json.dumps(card)}, p)

    @classmethod
    def load(cls, path, device: str = "cpu") -> "ViViTRegressor":
        import json

        import torch

        d = torch.load(path, map_location=device, weights_only=True)
        if d.get("format") != "reelscore-vivit-1":
            raise ValueError(f"{path}: not a reelscore ViViT checkpoint")
        r = cls(config=ViViTConfig(**json.loads(d["config"])), device=device)
        r.model_ = build(r.config).to(device)
        r.model_.load_state_dict(d["state"])
        r.model_.eval()
        r.y_mean_, r.y_std_ = json.loads(d["y"])
        r.card_ = json.loads(d["card"])
        return r
