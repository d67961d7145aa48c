"""Structure: the package's import graph (module-level and inside functions) has no cycles and only
points down the layers; one model registry knows every model and each registered model honours its
contract; a new analyzer is one module plus its component builder."""
from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

PKG = Path(__file__).resolve().parents[1] / "reelscore"
# bottom to top; a module may import its own layer or lower ones only
LAYERS = [
    {"errors", "schema", "config", "paths", "cache", "outputs", "resources", "platforms"},
    {"ingest", "samples"},
    {"models", "text"},
    {"analyzers"},
    {"scoring"},
    {"pipeline"},
    {"workflows"},
    {"presentation"},
]
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}


def _modname(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_modname(p): p for p in PKG.rglob("*.py")}


def _resolve(mod: str, is_pkg: bool, node: ast.ImportFrom, known: set[str]) -> list[str]:
    if node.level:
        base = mod.split(".") if is_pkg else mod.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    out = []
    for alias in node.names:  # `from . import backbone` imports a submodule
        sub = f"{target}.{alias.name}"
        out.append(sub if sub in known else target)
    return out


def import_graph() -> dict[str, set[str]]:
    mods = _modules()
    known = set(mods)
    g: dict[str, set[str]] = {m: set() for m in mods}
    for m, p in mods.items():
        tree = ast.parse(p.read_text(encoding="utf-8"))
        for node in ast.walk(tree):  # every import, also those inside functions
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                targets = _resolve(m, p.name == "__init__.py", node, known)
            for t in targets:
                while t and t not in known and "." in t:
                    t = t.rsplit(".", 1)[0]
                if t in known and t != m and t != "reelscore":
                    g[m].add(t)
    return g


def _layer(mod: str) -> int | None:
    parts = mod.split(".")
    return RANK.get(parts[1]) if len(parts) > 1 else None


def test_every_module_has_a_layer():
    missing = [m for m in _modules() if m != "reelscore" and _layer(m) is None]
    assert not missing, f"modules outside every layer: {missing}"


def test_imports_point_down_only():
    bad = [f"{a} -> {b}" for a, deps in import_graph().items() for b in deps
           if a != "reelscore" and _layer(b) is not None and _layer(b) > _layer(a)]
    assert not bad, "imports pointing up the layers:\n" + "\n".join(sorted(bad))


def test_no_arrow_from_models_or_analyzers_upward():
    g = import_graph()
    for a, deps in g.items():
        if a.startswith("reelscore.models"):
            assert not [b for b in deps if b.split(".")[1] in ("scoring", "pipeline", "analyzers", "workflows")], a
        if a.startswith("reelscore.analyzers"):
            assert not [b for b in deps if b.split(".")[1] in ("scoring", "pipeline", "workflows")], a


def test_import_graph_has_no_cycles():
    g = import_graph()
    # Tarjan's strongly connected components
    index, low, stack, on, sccs, i = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = i[0]
        i[0] += 1
        stack.append(v)
        on.add(v)
        for w in g[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))

    for v in list(g):
        if v not in index:
            visit(v)
    assert not sccs, f"import cycles: {sccs}"


def test_graph_walk_sees_function_level_imports():
    """The checker itself: an import inside a function is an edge (it hid the old cycles)."""
    g = import_graph()
    assert "reelscore.models.registry" in g["reelscore.analyzers.audio"]  # imported inside _vad_model()


# ---- model registry ----------------------------------------------------------------------------------
def test_registry_entries_are_complete():
    from reelscore.models.registry import REGISTRY

    for s in REGISTRY.values():
        assert s.task and s.arch and s.card and s.licence and s.description, s.name
        assert s.source in ("bundled", "package", "download", "user"), s.name
        if s.source == "download":
            assert s.weights is not None and s.weights.url.startswith("https://"), s.name
        if s.source in ("bundled", "package"):
            assert s.usable and s.available(), f"{s.name} ships with reelscore but is not available"


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n, s in __import__("reelscore.models.registry", fromlist=["REGISTRY"]).REGISTRY.items()
                                  if s.source in ("bundled", "package")])
def test_registered_model_contract(name):
    """Every model present here loads through `create` and runs on a tiny input; the trained flag is
    honest (a trained model has a card; VADER is a lexicon and says so)."""
    from reelscore.models.registry import create, get

    s = get(name)
    m = create(name)
    out = s.probe(m)
    assert out is not None
    arr = np.asarray(out if not isinstance(out, (tuple, list, dict)) else
                     [v for v in (out.values() if isinstance(out, dict) else out)], dtype=object)
    assert arr.size >= 0
    if s.trained:
        assert s.card
    if name == "vader":
        assert not s.trained
    if name == "engagement-default":
        assert np.isfinite(out["views"]).all()
    if name == "frame-quality-biq2021":
        assert 0 <= float(out[0]) <= 1.2


def test_unknown_and_unusable_models_refused_cleanly():
    from reelscore.errors import ModelUnavailableError
    from reelscore.models.registry import create

    with pytest.raises(ModelUnavailableError, match="unknown model"):
        create("no-such-model")
    with pytest.raises(ModelUnavailableError, match="no architecture"):
        create("nima-ava-vgg16")
    with pytest.raises(ModelUnavailableError, match="models fetch"):
        create("vsfa-konvid1k")


def test_doctor_lists_every_registered_model():
    from reelscore.models.registry import REGISTRY
    from reelscore.workflows.doctor import report

    names = {m["name"] for m in report()["models"]}
    assert set(REGISTRY) <= names


# ---- one module + one builder ------------------------------------------------------------------------
def test_toy_analyzer_is_one_module_and_one_builder(monkeypatch, videos):
    """Registering an analyzer and its builder is all it takes for a component to appear."""
    import reelscore
    from reelscore.analyzers import base
    from reelscore.config import AnalysisConfig
    from reelscore.scoring import components as C

    monkeypatch.setattr(base, "REGISTRY", dict(base.REGISTRY))
    monkeypatch.setattr(C, "BUILDERS", dict(C.BUILDERS))
    import reelscore.analyzers as A

    monkeypatch.setattr(A, "REGISTRY", base.REGISTRY)

    @base.register
    class Brightness(base.Analyzer):
        name = "toy_brightness"
        description = "mean brightness (toy)"

        def compute(self, media, ctx):
            return self.signal(values={"mean": float(np.mean(media.heavy.frames[0]))})

    @C.builder("toy_brightness", needs="toy_brightness")
    def toy(s):
        v = s["toy_brightness"].values["mean"]
        return C._c("toy_brightness", v / 2.55, f"mean brightness {v:.0f}", s["toy_brightness"], {"mean": v}), []

    a = reelscore.analyze(videos["noaudio"], config=AnalysisConfig(use_cache=False))
    c = a.component("toy_brightness")
    assert c is not None and c.applicable and 0 <= c.score <= 100
    assert "toy_brightness" in a.signals
