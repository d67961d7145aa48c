"""VSFA (Li, Jiang, Jiang, ACM MM 2019): content-aware features, FC reduction, GRU and the
subjectively-inspired temporal pooling.

The default path uses only `temporal_pool` on trained frame-quality scores (no video MOS exists
here to train the GRU). `VSFA` is the full network, usable with the published weights over
ResNet-50 features (4096-d: mean+std of the last map) where those are available.
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
    """The VSFA network (torch). Input: (B, T, input_size) features; output: (B,) scores."""
    import torch
    from torch import nn

    class VSFA(nn.Module):
        def __init__(self):
            super().__init__()
            self.ann = nn.Sequential(nn.Linear(input_size, reduced_size), nn.Dropout(0.5))
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
