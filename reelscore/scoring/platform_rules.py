"""Platform rules as functions of a `PlatformProfile`: duration advice, caption and hashtag limits,
the loudness target. Builders call them (format here; audio and caption are wired by their owners),
and `compare_platforms` puts them side by side for one upload checked for several platforms.

Every message names the platform and the number it rests on; the numbers come from the profile
(`resources/platforms.json`, each with its source).
"""
from __future__ import annotations

from ..platforms import PlatformProfile, get_profile
from ..schema import Check, Evidence, Suggestion
from ..text.caption import split_caption


def mmss(s: float) -> str:
    s = int(round(s))
    return f"{s // 60}:{s % 60:02d}"


def _dur(s: float) -> str:
    return mmss(s) if s >= 90 else f"{s:.0f} s" if s >= 10 else f"{s:.1f} s"


def duration_case(profile: PlatformProfile, duration_s: float | None) -> str | None:
    """Where the duration falls for this platform: "under_min", "under_recommended", "over_recommended",
    "over_max", or None inside the recommended range (or unknown)."""
    if duration_s is None or duration_s <= 0:
        return None
    lo, hi = profile.recommended_duration_s
    if duration_s > profile.max_duration_s + 0.5:
        return "over_max"
    if duration_s < profile.min_duration_s - 0.1:  # a 2.98 s clip is a 3 s clip to the platform
        return "under_min"
    if duration_s > hi + 0.5:
        return "over_recommended"
    if duration_s < lo - 0.5:
        return "under_recommended"
    return None


def platform_duration_advice(profile: PlatformProfile, duration_s: float | None) -> Suggestion | Check | None:
    """One suggestion about the clip's length on this platform (a check when it is only shorter than the
    platform's sweet spot), or None when it fits the profile's recommended range."""
    case = duration_case(profile, duration_s)
    if case is None:
        return None
    lo, hi = profile.recommended_duration_s
    d = _dur(duration_s)
    why = profile.duration_advice.get(case, "")
    ev = [Evidence(t=0.0, t_end=duration_s, value=round(duration_s, 2), note=f"duration, s ({profile.label}: "
                   f"{_dur(profile.min_duration_s)}-{_dur(profile.max_duration_s)}, recommended {lo:.0f}-{hi:.0f} s)")]
    if case == "over_max":
        msg = (f"At {d} the video is longer than {profile.label} allows ({_dur(profile.max_duration_s)}). {why} "
               f"Cut it to under {_dur(profile.max_duration_s)}, ideally the strongest {lo:.0f}-{hi:.0f} s.")
        return Suggestion(component="format", message=msg.replace("  ", " "), target=f"0-{duration_s:.0f} s",
                          priority=1, action=f"duration:{hi:.0f}", problem="duration", evidence=ev)
    if case == "under_min":
        msg = f"At {d} the video is shorter than the {profile.min_duration_s:.0f} s {profile.label} accepts; extend it."
        return Suggestion(component="format", message=msg, priority=1, action=f"duration:{lo:.0f}", problem="duration",
                          evidence=ev)
    if not why:
        return None
    if case == "over_recommended":
        msg = f"At {d} the video is longer than the {lo:.0f}-{hi:.0f} s recommended for {profile.label}. {why} Trim it to the strongest {hi:.0f} s if you can."
        return Suggestion(component="format", message=msg, target=f"0-{duration_s:.0f} s", priority=2,
                          action=f"duration:{hi:.0f}", problem="duration", evidence=ev)
    # shorter than the platform's sweet spot: worth knowing, not an order to pad the clip
    msg = (f"{profile.label} recommends {lo:.0f}-{hi:.0f} s and this clip runs {d}: {why} Check that it lands its "
           "idea fast; don't pad it.")
    return Check(component="format", message=msg, target=f"0-{duration_s:.0f} s", evidence=ev)


# a caption over a platform's hard limits loses this (log10 views) per limit broken: the platform refuses the
# post or drops what is over (hashtags past the maximum, characters past the limit)
LIMIT_PENALTY = 0.1


def caption_limit_penalty(profile: PlatformProfile, caption: str | None) -> float:
    """The caption's penalty for the platform's hard limits (0 when within them)."""
    if not caption:
        return 0.0
    text = caption.strip()
    broken = int(len(text) > profile.caption_max_chars)
    broken += int(profile.max_hashtags is not None and hashtag_count(text) > profile.max_hashtags)
    return -LIMIT_PENALTY * broken


def loudness_target(profile: PlatformProfile) -> tuple[float, float]:
    """(integrated LUFS, true-peak dBTP) to master for on this platform (see the profile's sources:
    only YouTube's -14 LUFS is a measured normalisation level; the others are common guidance)."""
    return profile.loudness_lufs, profile.true_peak_dbtp


def hashtag_count(caption: str | None) -> int:
    return len(split_caption(caption or "")[1])


def caption_limits(profile: PlatformProfile, caption: str | None) -> list[Suggestion]:
    """Caption checks against the platform's limits: over the length limit, hashtags over the
    platform's maximum, and the part hidden behind '... more'."""
    if not caption or not caption.strip():
        return []
    out: list[Suggestion] = []
    text = caption.strip()
    n = len(text)
    what = "title" if profile.name == "shorts" else "caption"
    if n > profile.caption_max_chars:
        out.append(Suggestion(component="caption", priority=1, target=f"characters {profile.caption_max_chars + 1}-{n}",
                              problem="caption_too_long",
                              message=f"The {what} has {n} characters; {profile.label} allows {profile.caption_max_chars}, "
                                      f"so cut {n - profile.caption_max_chars}."))
    k = hashtag_count(text)
    mx = profile.max_hashtags
    if mx is not None and k > mx:
        conseq = ("YouTube then ignores all of them" if profile.name == "shorts"
                  else f"{profile.label} will not take more than {mx}")
        out.append(Suggestion(component="caption", priority=1, target="hashtags", action="caption:trim_hashtags",
                              problem="too_many_hashtags",
                              message=f"{k} hashtags: {conseq}. Keep the {min(mx, profile.recommended_hashtags[1])} "
                                      f"most specific ones."))
    v = profile.caption_visible_chars
    cut = text if n <= v else (text[:v].rsplit(" ", 1)[0] if " " in text[:v] else text[:v])
    hidden_words = split_caption(text[len(cut):])[0]
    if hidden_words:  # text (not only hashtags) falls behind '... more'
        first_body = split_caption(text.splitlines()[0])[0]
        long_first = len(first_body) > v
        out.append(Suggestion(component="caption", priority=2 if long_first else 3, target=f"after character {len(cut)}",
                              message=f"On {profile.label} about {v} characters show before '... more'; viewers see "
                                      f"'{cut[-40:].lstrip()}…' and {len(hidden_words)} characters of text are behind it"
                                      + (f": the first line alone is {len(first_body)} characters, so shorten it." if long_first
                                         else ". Keep the hook and any call to action in the visible part.")))
    return out


def compare_platforms(names: list[str], duration_s: float | None = None, caption: str | None = None,
                      safe_zones: dict | None = None) -> dict[str, dict]:
    """Per platform: the duration advice, caption checks, loudness target and (from the safe_zones
    signal's values) what its overlays hide: one upload checked for several platforms at once."""
    by = (safe_zones or {}).get("by_platform", {})
    out = {}
    for name in names:
        p = get_profile(name)
        dur = platform_duration_advice(p, duration_s)
        hid = by.get(name, {})
        out[name] = {
            "label": p.label,
            "duration_case": duration_case(p, duration_s),
            "duration_advice": dur.message if dur else None,
            "caption": [s.message for s in caption_limits(p, caption)],
            "loudness_lufs": p.loudness_lufs, "true_peak_dbtp": p.true_peak_dbtp,
            "text_hidden": hid.get("text_hidden"), "face_hidden": hid.get("face_hidden"),
            "hidden": hid.get("hidden", []),
            "cover_cut": (hid.get("cover") or {}).get("cut", []),
        }
    return out
