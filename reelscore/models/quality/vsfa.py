"""VSFA (Li, Jiang, Jiang, ACM MM 2019): content-aware features, FC reduction, GRU and the
subjectively-inspired temporal pooling.

The default path uses only `temporal_pool` on trained frame-quality scores (no video MOS exists
here to train the GRU). `build_vsfa` is the full network; `published_vsfa` loads the authors'
weights over ResNet-50 features (4096-d: mean+std of res5c) once both files are fetched or imported
(`reelscore models fetch resnet50-imagenet`, `... vsfa-konvid1k --allow-unpinned`).
"""
from __future__ import annotations

import numpy as np

TAU = 12
GAMMA = 0.5


def temporal_pool(q: np.ndarray, tau: int = TAU, gamma: float = GAMMA) -> tuple[float, np.ndarray]:
    """VSFA's temporal pooling of a per-frame quality series `q` (higher = better).

    memory term l_t = min of q over the previous tau frames (inclusive);
    current term m_t = softmin-weighted mean of q over the next tau frames (inclusive);
    q'_t = gamma * m_t + (1 - gamma) * l_t; the video score is mean_t q'_t.
    Returns (score, q' series). Mirrors `TP()` in the authors' code.
    """
    q = np.asarray(q, float)
    T = len(q)
    if T == 0:
        return float("nan"), q
    l = np.array([q[max(0, t - tau + 1) : t + 1].min() for t in range(T)])
    m = np.empty(T)
    for t in range(T):
        w = q[t : t + tau]
        e = np.exp(-(w - w.min()))  # shift for numerical stability; weights unchanged
        m[t] = (w * e).sum() / e.sum()
    qh = gamma * m + (1 - gamma) * l
    return float(qh.mean()), qh


def build_vsfa(input_size: int = 4096, reduced_size: int = 128, hidden_size: int = 32):
    """The VSFA network (torch), with the authors' module names so their `VSFA.pt` state dict loads.
    Input: (B, T, input_size) features; output: (B,) scores."""
    import torch
    from torch import nn

    class ANN(nn.Module):
        def __init__(self, n_layers: int = 1, dropout_p: float = 0.5):
            super().__init__()
            self.n_layers = n_layers
            self.fc0 = nn.Linear(input_size, reduced_size)
            self.dropout = nn.Dropout(dropout_p)
            self.fc = nn.Linear(reduced_size, reduced_size)  # unused with one layer; in the published weights

        def forward(self, x):
            x = self.fc0(x)
            for _ in range(self.n_layers - 1):
                x = self.fc(self.dropout(torch.relu(x)))
            return x

    class VSFA(nn.Module):
        def __init__(self):
            super().__init__()
            self.ann = ANN()
            self.rnn = nn.GRU(reduced_size, hidden_size, batch_first=True)
            self.q = nn.Linear(hidden_size, 1)

        def forward(self, x, lengths):
            x = self.ann(x)
            out, _ = self.rnn(x, torch.zeros(1, x.size(0), hidden_size, device=x.device))
            q = self.q(out)
            scores = []
            for i in range(x.size(0)):
                qi = q[i, : int(lengths[i])].squeeze(-1)
                scores.append(_tp_torch(qi))
            return torch.stack(scores)

    def _tp_torch(q, tau=TAU, beta=GAMMA):
        import torch.nn.functional as F

        q = q.view(1, 1, -1)
        qm = -float("inf") * torch.ones((1, 1, tau - 1))
        qp = 10000.0 * torch.ones((1, 1, tau - 1))
        l = -F.max_pool1d(torch.cat((qm, -q), 2), tau, stride=1)
        m = F.avg_pool1d(torch.cat((q * torch.exp(-q), qp * torch.exp(-qp)), 2), tau, stride=1)
        n = F.avg_pool1d(torch.cat((torch.exp(-q), torch.exp(-qp)), 2), tau, stride=1)
        return (beta * (m / n) + (1 - beta) * l).mean()

    return VSFA()


def vsfa_score(models, frames) -> float:
    """`models` = (ResNet-50, VSFA) built by the registry (`resnet50-imagenet`, `vsfa-konvid1k`).

    The published VSFA was trained on every frame of 8 s KoNViD-1k clips at full resolution; here it
    reads reelscore's sampled frames (about 1 fps), so its score is indicative, reported beside the
    default (trained frame quality + VSFA pooling), not instead of it.

    The published VSFA's score (KoNViD-1k MOS scaled to about 0..1) of a frame sequence."""
    import torch

    from ..resnet import vsfa_features

    resnet, net = models
    f = torch.from_numpy(vsfa_features(resnet, frames))[None].float()
    with torch.inference_mode():
        return float(net(f, torch.tensor([f.shape[1]]))[0])
