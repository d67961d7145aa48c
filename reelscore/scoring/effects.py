"""What the engagement model learned about the post itself, separated from the account.

The trees predict log10 views from account inputs and post inputs together, with interactions: on its
own, "the caption's effect" would differ between a 500-follower and a 1M-follower account. Here each
learned post effect is the model's difference between the post's own inputs and a typical post's,
averaged over a fixed set of real accounts (`ScoreReference.accounts`; partial dependence), so the same
post has the same effect whatever account scores it. The account shapes only the outlook: the model's
prediction for the user's account with a typical post.

Groups of post inputs, each switched on its own with the others at the typical post's values:
- caption: caption text and hashtags; within the sample of posts with real captions (the broad sample has
  hashtags only), minus the effect of an ordinary caption (`ScoreReference.caption_offset`);
- duration: the clip's length vs the typical post's;
- faces: the video's face statistics (SMP-Video's definitions) vs the broad sample's medians;
- timing: posting hour and weekday (only when given) vs the average over real posting times;
- sound: original or borrowed sound and its use count (only when given) vs the average over real sounds.
Each learned effect is bounded (`CAPS`): the model learned from other creators' posts, and a single
input should not move the prediction further than the data supports.
"""
from __future__ import annotations

import math

import numpy as np

from ..models.engagement.features import HORIZON_DAYS
from .reference import ScoreReference

# the broad sample's typical caption: hashtags only (its median post has 14, none generic, ~7 letters)
REFERENCE_CAPTION = {"cap_length": 0.0, "cap_words": 0.0, "cap_lines": 1.0, "cap_emoji": 0.0, "cap_questions": 0.0,
                     "cap_exclaims": 0.0, "cap_caps_ratio": 0.0, "cap_has_cta": 0.0, "cap_has_hook": 0.0,
                     "cap_mentions": 0.0, "cap_sentiment": 0.0, "cap_empty": 0.0, "tag_count": 14.0,
                     "tag_generic": 0.0, "tag_niche": 14.0, "tag_mean_len": 6.8}
REFERENCE_TEXT = " ".join(f"#topic{i}" for i in range(14))
# medians of SMP-Video's face statistics (the typical post's faces)
FACES_NEUTRAL = {"face_frame_rate": 0.409, "avg_faces_per_frame": 1.0248, "multi_person_ratio": 0.0246,
                 "avg_face_area_ratio": 0.0153, "max_face_area_ratio": 0.045, "close_up_ratio": 0.0}
# medians of SMP-Video's audio statistics (smp_video_train_content.csv, 2,748 posts). reelscore's 16 kHz
# decode lacks the energy above 8 kHz that librosa's 22 kHz definitions see, and the learned audio effect
# raised the score for muted and for clipped audio: the audio statistics stay at these medians and the
# audio factor is a documented prior.
AUDIO_NEUTRAL = {"rms_mean": 0.1238, "rms_std": 0.06, "zcr_mean": 0.0911, "tempo": 117.45,
                 "spectral_centroid_mean": 2037.2, "spectral_rolloff_mean": 4058.4}

CAPTION_KEYS = tuple(REFERENCE_CAPTION) + ("_tags", "_text")
GROUP_KEYS = {
    "caption": CAPTION_KEYS,
    "duration": ("duration_s",),
    "faces": tuple("c_" + k for k in FACES_NEUTRAL),
    "timing": ("hour", "weekday"),
    "sound": ("sound_original", "sound_title_original", "log_sound_uses_borrowed", "_sound"),
}
LEARNED = tuple(GROUP_KEYS)
# bounds of each learned effect (log10 views). The caption: half of what the video factors can move together
# (the prior's weights sum to 0.5); faces: learned between accounts only (within a creator's own posts the grouped
# CV finds no effect, -0.04), so they may move a post by at most x1.05; duration, timing, sound: what the grouped
# CV supports (see the model card).
CAPS = {"caption": 0.25, "duration": 0.15, "faces": 0.02, "timing": 0.1, "sound": 0.15}
CLARITY_PENALTY = 0.1  # a caption with a clarity problem never gains, and loses this per problem (at most 2)
ACCOUNT_KEYS = ("log_followers", "log_following", "log_account_likes", "log_videos", "log_likes_per_video")


def caption_reference_row(row: dict) -> dict:
    """`row` with its caption replaced by the broad sample's typical hashtags-only caption."""
    return {**row, **REFERENCE_CAPTION, "_tags": [], "_text": REFERENCE_TEXT}


def bound_caption(raw: float, clarity_issues: list) -> float:
    """The caption's learned effect, bounded; a caption with clarity problems never gains from the model."""
    eff = float(np.clip(raw, -CAPS["caption"], CAPS["caption"]))
    if clarity_issues:
        eff = min(eff, 0.0) - CLARITY_PENALTY * min(2, len(clarity_issues))
    return eff


def known(row: dict, group: str) -> bool:
    """The post gives this group's inputs (a caption always counts: an empty one is a choice too)."""
    if group == "caption":
        return True
    return any(isinstance(row.get(k), float) and math.isfinite(row[k]) for k in GROUP_KEYS[group] if not k.startswith("_"))


WITHIN_GROUPS = ("duration", "sound")  # learned within creators (models/engagement/post_effect.py)


class PostEffects:
    """Learned post effects (log10 views) of an engagement model, averaged over the reference's accounts;
    duration and sound from the within-creator post-effect model when one is given (grouped CV: they rank a
    creator's own posts, the between-account model's effects of them do not)."""

    def __init__(self, model, ref: ScoreReference, within=None):
        self.model, self.ref, self.within = model, ref, within
        self.accounts = [{k: float(a.get(k, np.nan)) for k in ACCOUNT_KEYS} for a in ref.accounts]
        self._base: dict[str, np.ndarray] = {}

    # -- rows --------------------------------------------------------------------------------------
    def typical_row(self, src_viral: float = 0.0) -> dict:
        """The typical post's inputs (no account): hashtags-only caption, typical duration, neutral faces
        and audio, posting time and sound unknown, views at the horizon."""
        nan = float("nan")
        row = {k: nan for k in ("hour", "weekday", "sound_original", "sound_title_original", "log_sound_uses_borrowed",
                                "log_sound_uses_any", "log_recent_views", "recent_n", *ACCOUNT_KEYS)}
        row.update(REFERENCE_CAPTION)
        row.update({"_tags": [], "_text": REFERENCE_TEXT, "_user": None, "_sound": None,
                    "duration_s": float(self.ref.typical.get("duration_s", 20.0)),
                    "log_age_days": math.log10(1 + HORIZON_DAYS), "src_viral": src_viral})
        row.update({"c_" + k: v for k, v in {**FACES_NEUTRAL, **AUDIO_NEUTRAL}.items()})
        return row

    def outlook_row(self, account_row: dict) -> dict:
        """The user's account (and its history, the views' age and the sample's scale, from `account_row`)
        with a typical post."""
        keep = ACCOUNT_KEYS + ("log_recent_views", "recent_n", "log_age_days", "src_viral")
        return {**self.typical_row(), **{k: account_row[k] for k in keep if k in account_row}}

    # -- predictions -------------------------------------------------------------------------------
    def _over_accounts(self, variants: list[dict], src_viral: float = 0.0) -> np.ndarray:
        """Mean over the reference accounts of the model's median log10 views for each variant (a dict of
        post inputs replacing the typical post's). The post's inputs (caption text score, trends) are
        computed once per variant; only the account columns change between the rows."""
        m = self.model
        base = self.typical_row(src_viral)
        X = m.matrix([{**base, **v} for v in variants], None, True)
        col = {n: j for j, n in enumerate(m.feature_names(True))}
        keys = [k for k in ACCOUNT_KEYS if k in col]
        A = np.array([[acc[k] for k in keys] for acc in self.accounts])
        n, k = len(variants), len(self.accounts)
        XX = np.repeat(X, k, axis=0)
        XX[:, [col[c] for c in keys]] = np.tile(A, (n, 1))
        return m.boosters_["followers|views|0.5"].predict(XX).reshape(n, k).mean(1)

    def _baseline(self, group: str) -> float:
        """The typical post's value for a group: its own inputs (caption, duration, faces) or the average over
        real posting times / sounds (the trees never saw those inputs missing)."""
        if group not in self._base:
            if group == "caption":
                b = self._over_accounts([{}], src_viral=1.0)[0] + self.ref.caption_offset
            elif group in ("timing", "sound"):
                opts = self.ref.typical["times" if group == "timing" else "sounds"]
                b = float(np.mean(self._over_accounts([dict(o) for o in opts])))
            else:
                b = self._over_accounts([{}])[0]
            self._base[group] = float(b)
        return self._base[group]

    def raw_effects(self, rows: list[dict], groups=LEARNED) -> list[dict[str, float]]:
        """Unbounded learned effects of each post row (from `post_features`), for the groups the row gives."""
        out = [dict() for _ in rows]
        if self.within is not None:
            mine = [g for g in groups if g in WITHIN_GROUPS]
            if mine:
                for o, e in zip(out, self.within.effects(rows, mine)):
                    o.update({g: v for g, v in e.items() if g in mine})
            groups = [g for g in groups if g not in WITHIN_GROUPS]
        for g in groups:
            idx = [i for i, r in enumerate(rows) if known(r, g)]
            if not idx:
                continue
            variants = [{k: rows[i][k] for k in GROUP_KEYS[g] if k in rows[i]} for i in idx]
            pred = self._over_accounts(variants, src_viral=1.0 if g == "caption" else 0.0)
            for i, p in zip(idx, pred):
                out[i][g] = float(p - self._baseline(g))
        return out

    def effects(self, rows: list[dict], clarity: list[list] | None = None, groups=LEARNED,
                languages: list | None = None) -> list[dict[str, float]]:
        """Bounded learned effects (see CAPS); `clarity`: each row's caption clarity issues; `languages`: each
        row's caption language (an ordinary caption in that language adds 0)."""
        raw = self.raw_effects(rows, groups)
        out = []
        for i, e in enumerate(raw):
            if "caption" in e and languages is not None:
                e["caption"] += self.ref.caption_offset - self.ref.caption_offset_for(languages[i])
            b = {}
            for g, v in e.items():
                b[g] = bound_caption(v, (clarity or [[]] * len(rows))[i]) if g == "caption" else float(np.clip(v, -CAPS[g], CAPS[g]))
            out.append(b)
        return out
