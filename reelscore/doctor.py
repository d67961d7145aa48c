"""`reelscore doctor`: what is installed, what each analyzer and model uses, and from where."""
from __future__ import annotations

from .analyzers import all_analyzers
from .pipeline import versions


def report() -> dict:
    analyzers = [a.backend_info() for a in all_analyzers()]
    models = []
    from .models.quality.frame_quality import DEFAULT_HEAD, FrameQualityModel

    ok = FrameQualityModel.default_available()
    models.append({"name": "frame-quality (BIQ2021)", "available": ok,
                   "detail": f"trained head {DEFAULT_HEAD} in package" if ok else "head missing"})
    try:
        from .models import backbone

        models.append({"name": "efficientnet-lite0", "available": True,
                       "detail": f"{backbone.weights_path()} (runs on {backbone.runtime()})"})
    except Exception as e:
        models.append({"name": "efficientnet-lite0", "available": False, "detail": str(e)})
    from .scoring.virality import resolve_model_path, user_models_dir

    p = resolve_model_path(None)
    models.append({"name": "engagement (default)", "available": p is not None, "detail": str(p) if p else "missing"})
    personal = sorted(user_models_dir().glob("*.json.gz")) if user_models_dir().is_dir() else []
    for q in personal:
        models.append({"name": f"engagement ({q.name[:-8]})", "available": True, "detail": str(q)})
    try:
        from .models.embeddings import model_path

        models.append({"name": "all-MiniLM-L6-v2", "available": True,
                       "detail": f"{model_path()} (runs on ONNX Runtime after a one-time export, else sentence-transformers)"})
    except Exception as e:
        models.append({"name": "all-MiniLM-L6-v2", "available": False, "detail": str(e)})
    from .analyzers.aesthetics import nima_ava_path

    nima = nima_ava_path()
    models.append({"name": "nima-ava (aesthetics)", "available": nima.is_file(),
                   "detail": str(nima) if nima.is_file() else f"absent: aesthetics is heuristic (place a checkpoint at {nima})"})
    from .models.weights import REGISTRY, cached_path

    for w in REGISTRY.values():
        c = cached_path(w.name)
        models.append({"name": w.name, "available": c is not None,
                       "detail": str(c) if c else f"not fetched (`reelscore models fetch {w.name}`; {w.licence})"})
    return {"analyzers": analyzers, "models": models, "versions": versions()}
