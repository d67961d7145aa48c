"""reelscore: how likely a short vertical video is to take off, and why. Runs locally."""
__version__ = "0.1.0"


def analyze(path, caption=None, **kwargs):
    """Analyze a video or image file; see `reelscore.pipeline.analyze`."""
    from .pipeline import analyze as _analyze

    return _analyze(path, caption=caption, **kwargs)


__all__ = ["analyze", "__version__"]
