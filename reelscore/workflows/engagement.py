"""Train and evaluate engagement models on post tables (grouped by creator: no creator is in both
the training and the test side of any split).

    reelscore train engagement --data ../shared/data/tiktok_2025_train.csv   # the shipped default
    reelscore evaluate --data FILE [--model NAME|PATH]
"""
from __future__ import annotations


from itertools import combinations
from pathlib import Path

import numpy as np

from ..models.engagement.data import Post
from ..models.engagement.features import HORIZON_DAYS, MISSING_GROUPS, TARGETS, mask_groups, prepare
from ..models.engagement.metrics import (baseline_at, cqr_margin, evaluate_predictions, follower_baseline,
                                         group_folds, spearman, within_creator_spearman)
from ..models.engagement.model import QUANTILES, EngagementModel, today


SOURCES = ("broad", "viral")


def _source_index(rows) -> dict[str, np.ndarray]:
    src = np.array(["viral" if r.get("src_viral") == 1.0 else "broad" for r in rows])
    return {s: np.nonzero(src == s)[0] for s in SOURCES if (src == s).any()}


def _fill_from_other_source(cal: dict) -> None:
    """A target a sample does not label (SMP-Video gives views only) takes the other sample's margin."""
    for s, c in cal.items():
        for o in cal.values():
            for t in TARGETS:
                if not np.isfinite(c[t]) and np.isfinite(o[t]):
                    c[t] = o[t]
            for key, mc in c["missing"].items():
                for t in TARGETS:
                    if not np.isfinite(mc[t]) and np.isfinite(o["missing"][key][t]):
                        mc[t] = o["missing"][key][t]


def crossval(posts: list[Post], params: dict | None = None, k: int = 5, log=print, prepared=None,
             missing_patterns: bool = True) -> dict:
    """Grouped k-fold CV. Returns OOF raw predictions per variant, conformal margins per kind of sample
    (broad / viral) and missing-input pattern, and metrics per kind of sample."""
    rows, emb, y = prepared or prepare(posts, (params or {}).get("use_embeddings", EngagementModel.use_embeddings))
    users = [p.user for p in posts]
    folds = group_folds(users, k)
    oof = {v: {t: np.full((len(rows), 3), np.nan) for t in TARGETS} for v in ("followers", "no_followers")}
    # the same out-of-fold predictions with inputs withheld, for the wider intervals of such posts
    patterns = [c for n in range(1, len(MISSING_GROUPS) + 1) for c in combinations(MISSING_GROUPS, n)]
    if not missing_patterns:  # quick experiments: only the all-withheld pattern
        patterns = patterns[-1:]
    oof_missing = {v: {"+".join(c): {t: np.full((len(rows), 3), np.nan) for t in TARGETS} for c in patterns}
                   for v in oof}
    for j, test in enumerate(folds):
        train = np.setdiff1d(np.arange(len(rows)), test)
        m = EngagementModel(**(params or {})).fit([rows[i] for i in train], emb[train] if emb is not None else None,
                                                  {t: y[t][train] for t in TARGETS})
        for variant in ("followers", "no_followers"):
            test_rows = [dict(rows[i]) for i in test]
            if variant == "no_followers":
                for r in test_rows:
                    r["log_followers"] = float("nan")
            P = m.predict(test_rows, emb[test] if emb is not None else None, raw=True)
            for t in TARGETS:
                oof[variant][t][test] = P[t]
            for c in patterns:
                P = m.predict([mask_groups(r, c) for r in test_rows], emb[test] if emb is not None else None, raw=True)
                for t in TARGETS:
                    oof_missing[variant]["+".join(c)][t][test] = P[t]
        log(f"fold {j + 1}/{k} done")
    by_src = _source_index(rows)
    calib = {}
    for v in oof:
        calib[v] = {"sources": {}}
        for s, idx in by_src.items():
            c = {t: cqr_margin(oof[v][t][idx], y[t][idx]) for t in TARGETS}
            c["missing"] = {key: {t: max(c[t], cqr_margin(P[t][idx], y[t][idx])) for t in TARGETS}
                            for key, P in oof_missing[v].items()}
            calib[v]["sources"][s] = c
        _fill_from_other_source(calib[v]["sources"])
    lf = np.array([r["log_followers"] for r in rows])
    res = {"calib": calib, "oof": oof, "y": y, "rows": rows, "emb": emb, "folds": folds, "metrics": {}}
    for v in oof:
        res["metrics"][v] = {}
        for s, idx in by_src.items():
            yv = y["views"][idx]
            fo = [np.nonzero(np.isin(idx, f))[0] for f in folds]
            u = [users[i] for i in idx]
            P = oof[v]["views"][idx]
            # calibrated coverage estimated honestly: margin from the other folds only
            met = evaluate_predictions(_widen_by_other_folds(P, P, yv, fo), yv, lf[idx], u)
            met["coverage_80_uncalibrated"] = float(np.nanmean((yv >= P[:, 0]) & (yv <= P[:, 2])))
            for t in TARGETS[1:]:
                met[f"spearman_{t}_rate"] = spearman(oof[v][t][idx, 1], y[t][idx])
            # every optional input withheld: accuracy, and coverage with the pattern's own margin
            key = "+".join(MISSING_GROUPS)
            Pm = oof_missing[v][key]["views"][idx]
            mm = evaluate_predictions(_widen_by_other_folds(Pm, P, yv, fo, also=Pm), yv, lf[idx], u)
            met["all_optional_inputs_withheld"] = {
                "spearman_views": mm["spearman_views"], "mae_log_views": mm["mae_log_views"],
                "coverage_80": mm["coverage_80"], "interval_width_log10": mm["interval_width_log10"]}
            res["metrics"][v][s] = met
    return res


def _widen_by_other_folds(P: np.ndarray, calib: np.ndarray, y: np.ndarray, folds, also: np.ndarray | None = None):
    """P's intervals widened, fold by fold, by the CQR margin of `calib` on the other folds (at least
    that of `also` there too, when given): coverage estimated without calibrating on the fold itself."""
    out = P.copy()
    for test in folds:
        other = np.setdiff1d(np.arange(len(P)), test)
        mg = cqr_margin(calib[other], y[other])
        if also is not None:
            mg = max(mg, cqr_margin(also[other], y[other]))
        out[test, 0] -= mg
        out[test, 2] += mg
    return out


def build_reference(cv: dict) -> dict:
    """The Virality Score's reference distribution: out-of-fold predicted relative performance
    (p50 log10 views minus the follower baseline) of the broad sample's posts, per variant: 50 = a
    typical post of an account of that size in an ordinary sample, not among posts that went viral."""
    idx = _source_index(cv["rows"]).get("broad")
    if idx is None:  # no broad sample: the reference falls back to every post
        idx = np.arange(len(cv["rows"]))
    y = cv["y"]["views"][idx]
    lf = np.array([r["log_followers"] for r in cv["rows"]])[idx]
    base = follower_baseline(lf, y)
    ref = {"baseline": base, "quantiles": {}, "calibration": {}, "sample": "broad" if len(idx) < len(cv["rows"]) else "all"}
    for v in ("followers", "no_followers"):
        p50 = cv["oof"][v]["views"][idx, 1]
        b = np.array([baseline_at(base, x if v == "followers" else None) for x in lf])
        rel = p50 - b
        ok = np.isfinite(rel)
        ref["quantiles"][v] = np.quantile(rel[ok], np.linspace(0, 1, 201)).tolist()
        # calibration table: actual relative views by score decile
        score = np.interp(rel, ref["quantiles"][v], np.linspace(0, 100, 201))
        actual_rel = y - b
        table = []
        for a in range(0, 100, 10):
            m = ok & (score >= a) & (score < a + 10 if a < 90 else score <= 100)
            if m.sum():
                table.append({"score": f"{a}-{a + 10}", "n": int(m.sum()),
                              "median_actual_views_vs_baseline_x": float(10 ** np.median(actual_rel[m]))})
        ref["calibration"][v] = table
    return ref


def load_training_posts(data: list[str] | str) -> list[Post]:
    """Posts with views from one or more files, each file's kind of sample (broad / viral) detected
    from its columns (SMP-Video's layout: broad; the 2025 trending scrape: viral), and each post given
    the views of its account's earlier posts as history."""
    from ..models.engagement.data import load_posts
    from ..models.engagement.features import with_history

    files = [data] if isinstance(data, str) else list(data)
    posts = []
    for f in files:
        kind, _, path = f.rpartition("=") if "=" in f and f.split("=", 1)[0] in SOURCES else ("", "", f)
        posts += [p for p in load_posts(path, source=kind or None) if p.views is not None]
    return with_history(posts)


def train_default(data: list[str] | str, out: str, params: dict | None = None, log=print) -> dict:
    posts = load_training_posts(data)
    files = [data] if isinstance(data, str) else list(data)
    for s in SOURCES:
        ps = [p for p in posts if p.source == s]
        if ps:
            log(f"{s}: {len(ps)} posts, {len({p.user for p in ps})} accounts, "
                f"{sum(p.content is not None for p in ps)} with content features")
    cv = crossval(posts, params, log=log)
    model = EngagementModel(**(params or {}))
    model.fit(cv["rows"], cv["emb"], cv["y"], calib=cv["calib"])
    model.reference_ = build_reference(cv)  # the follower baseline ("typical_views") and its calibration table;
    # the Virality Score's own reference is built from this model by `reelscore train score-reference`
    card = {
        "model": "engagement-default", "date": today(), "data": {s: f"{sum(p.source == s for p in posts)} posts, "
        f"{len({p.user for p in posts if p.source == s})} accounts" for s in SOURCES}, "files": files, "target": "log10(views+1) and log10 per-view rates; quantiles "
        f"{list(QUANTILES)}, CQR-calibrated to 80 % coverage", "horizon_days": HORIZON_DAYS,
        "inputs_pre_posting": model.feature_names(True), "excluded_post_hoc": ["likes/comments/shares/saves (outcomes)",
        "sound use count of the creator's own original sound (grows after posting)"],
        "cv": "5-fold grouped by creator", "metrics": cv["metrics"], "params": params or {},
        "command": "reelscore train engagement " + " ".join(f"--data {f}" for f in files) + f" --out {out}",
        "calibration_of_score": model.reference_["calibration"],
    }
    model.card_ = card
    model.save(out, card)
    dates = [p.scrape_time for p in posts if p.scrape_time]
    write_trends(model.trends_, Path(out).with_name("trends_default.csv"),
                 (max(dates).date().isoformat() if dates else today()))
    return card


def write_trends(table, path: Path, date: str, min_posts: int = 5) -> int:
    """The shipped trends file: hashtags and sounds used by >= 2 creators in >= min_posts posts,
    weighted by their shrunk mean log10 views above the typical post of the same sample (views centred
    within each sample; each creator's own posts left out of what their rows see in training), with
    the number of posts and creators behind each weight."""
    import csv

    rows = []
    for kind, tab in (("hashtag", table.tags), ("sound", table.sounds)):
        for name, (s, n, creators) in tab.items():
            if n >= min_posts:
                rows.append((kind, name, round(s / (n + 5.0), 4), date, int(n), int(creators)))
    rows.sort(key=lambda r: -r[2])
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["kind", "name", "weight", "date", "posts", "creators"])
        w.writerows(rows)
    return len(rows)


def spearman_table(rows, y, users) -> list[dict]:
    """Rank correlation of each caption/metadata signal with views per follower (and views),
    overall and within creators."""
    lf = np.array([r["log_followers"] for r in rows])
    vpf = y - lf
    out = []
    for k in rows[0]:
        x = np.array([r[k] for r in rows], float)
        if np.nanstd(x) == 0:
            continue
        wc, n = within_creator_spearman(x, vpf, users)
        out.append({"signal": k, "spearman_views_per_follower": spearman(x, vpf), "spearman_views": spearman(x, y),
                    "within_creator": wc})
    return sorted(out, key=lambda d: -abs(d["spearman_views_per_follower"] or 0))




def train_post_effect(data: list[str] | str, out: str, log=print) -> dict:
    """Train the within-creator post-effect model (models/engagement/post_effect.py) with grouped CV:
    within-creator Spearman of each group's effect and of their sum, on creators left out of training."""
    from ..models.engagement.post_effect import GROUPS, PostEffectModel

    posts = load_training_posts(data)
    rows, _, y = prepare(posts, False)
    users = [p.user for p in posts]
    yv = y["views"]
    E = {g: np.full(len(rows), np.nan) for g in GROUPS}
    for j, test in enumerate(group_folds(users, 5)):
        train = np.setdiff1d(np.arange(len(rows)), test)
        m = PostEffectModel().fit([rows[i] for i in train], yv[train], [users[i] for i in train])
        for i, e in zip(test, m.effects([rows[i] for i in test])):
            for g in GROUPS:
                E[g][i] = e.get(g, 0.0)
        log(f"fold {j + 1}/5 done")
    src = np.array(["viral" if r.get("src_viral") == 1.0 else "broad" for r in rows])
    metrics = {}
    for s in SOURCES:
        mask = src == s
        u = [x for x, k in zip(users, mask) if k]
        per = {g: within_creator_spearman(E[g][mask], yv[mask], u) for g in GROUPS}
        tot = within_creator_spearman(sum(E[g] for g in GROUPS)[mask], yv[mask], u)
        metrics[s] = {"within_creator_spearman": {g: v[0] for g, v in per.items()},
                      "within_creator_spearman_sum": tot[0], "n_creators": tot[1],
                      "effect_p10_p90": {g: [float(np.percentile(E[g][mask], 10)), float(np.percentile(E[g][mask], 90))]
                                         for g in GROUPS}}
    model = PostEffectModel().fit(rows, yv, users)
    files = [data] if isinstance(data, str) else list(data)
    card = {"model": "post-effect-default", "date": today(), "files": files,
            "target": "log10(views+1) minus the creator's mean (creators with >= 2 posts); post age a nuisance input "
                      f"fixed to {HORIZON_DAYS:g} days at prediction",
            "cv": "5-fold grouped by creator", "metrics": metrics,
            "command": "reelscore train post-effect " + " ".join(f"--data {f}" for f in files) + f" --out {out}"}
    model.save(out, card)
    return card
