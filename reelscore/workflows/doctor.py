"""`reelscore doctor`: what is installed, what each analyzer and model uses, and from where; read
from the analyzer registry and the model registry (nothing hand-listed here)."""
from __future__ import annotations

from ..analyzers import all_analyzers
from ..models.engagement.store import personal_models
from ..models.registry import REGISTRY
from ..pipeline import versions


def report() -> dict:
    analyzers = [a.backend_info() for a in all_analyzers()]
    models = []
    for s in REGISTRY.values():
        ok = s.available()
        p = s.path()
        if ok:
            detail = str(p) if p else f"from its package ({s.card})"
            if s.name == "efficientnet-lite0":
                from ..models import backbone

                detail = f"{backbone.weights_path()} (runs on {backbone.runtime()})"
            elif s.name == "all-minilm-l6-v2":
                from ..models.embeddings import model_path

                detail = f"{model_path()} (runs on ONNX Runtime after a one-time export, else sentence-transformers)"
        elif not s.usable:
            detail = f"listed, but reelscore has no {s.arch} architecture yet"
        elif s.weights:
            detail = f"not fetched (`reelscore models fetch {s.name}`; {s.licence})"
        elif s.name == "vivit":
            from .vivit import vivit_path

            have = sorted(p.name[: -len(".vivit.pt")] for p in vivit_path("x").parent.glob("*.vivit.pt")) \
                if vivit_path("x").parent.is_dir() else []
            ok = bool(have)
            detail = (f"trained: {', '.join(have)} (select with --model NAME)" if have else
                      "none trained: `reelscore train vivit --history posts.csv --videos DIR --name NAME`, then "
                      "`reelscore analyze VIDEO --model NAME`")
        elif s.name == "nima-ava-own":
            from ..paths import user_models_dir

            detail = (f"absent: aesthetics is heuristic (train one with `reelscore train nima` and place it at "
                      f"{user_models_dir() / 'nima-ava.pt'})")
        else:
            detail = "missing"
        models.append({"name": s.name, "task": s.task, "source": s.source, "trained": s.trained,
                       "available": ok, "detail": detail, "card": s.card, "licence": s.licence})
    for q in personal_models():
        models.append({"name": f"engagement ({q.name[:-8]})", "task": "engagement", "source": "user", "trained": True,
                       "available": True, "detail": str(q), "card": "inside the file", "licence": "yours"})
    return {"analyzers": analyzers, "models": models, "versions": versions()}
