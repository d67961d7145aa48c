"""reelscore: how likely a short vertical video is to take off, and why. Runs locally."""
__version__ = "0.1.0"


def analyze(path, caption=None, **kwargs):
    """Analyze a video or image file; see `reelscore.pipeline.analyze`."""
    from .pipeline import analyze as _analyze

    return _analyze(path, caption=caption, **kwargs)


def fix(path, out, platform=None, only=None, **kwargs):
    """Apply the fixes the analysis finds worth points and write the better file to `out`; returns a
    `FixResult` (score before and after, what was applied and skipped). See `reelscore.workflows.fix.fix`."""
    from .workflows.fix import fix as _fix

    return _fix(path, out, platform=platform, only=only, **kwargs)


def __getattr__(name):
    if name == "FixResult":
        from .workflows.fix import FixResult

        return FixResult
    raise AttributeError(f"module 'reelscore' has no attribute {name!r}")


__all__ = ["analyze", "fix", "FixResult", "__version__"]
