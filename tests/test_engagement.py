"""Engagement data parsing, training, persistence, evaluation and the personal model."""
import json
import subprocess
import sys

import numpy as np
import pytest

from reelscore.models.engagement.data import load_posts, parse_count, parse_duration

from conftest import TIKTOK, need


@pytest.mark.parametrize("s,v", [("541.2K", 541200), ("1.4M", 1.4e6), ("1991", 1991), ("1,234", 1234),
                                 ("44 videos", 44), ("", None), (None, None), ("2B", 2e9), (12, 12)])
def test_parse_count(s, v):
    assert parse_count(s) == (pytest.approx(v) if v is not None else None)


@pytest.mark.parametrize("s,v", [("00:31", 31), ("01:05", 65), ("1:02:03", 3723), ("45", 45), ("", None)])
def test_parse_duration(s, v):
    assert parse_duration(s) == v


def messy_export(path, n=60, seed=0):
    """A JSON export with other column names, epoch times, empty fields and odd counts."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        views = int(10 ** rng.uniform(3, 6))
        rows.append({"id": f"v{i}", "desc": rng.choice(["Try this recipe! Save it 🍝 #pasta", "morning vlog", "", "How to fold a shirt? #tips"]),
                     "createTime": 1_735_000_000 + i * 86_400, "playCount": f"{views / 1000:.1f}K" if i % 2 else views,
                     "diggCount": int(views * 0.05), "commentCount": "" if i % 7 == 0 else int(views * 0.002),
                     "shareCount": int(views * 0.003), "collectCount": int(views * 0.004),
                     "videoMeta": {"duration": int(rng.integers(8, 60))}, "authorMeta": {"name": "me", "fans": "12.5K"}})
    path.write_text(json.dumps({"items": rows}))
    return path


def test_messy_export_parses(tmp_path):
    posts = load_posts(messy_export(tmp_path / "export.json"))
    assert len(posts) == 60
    p = posts[1]
    assert p.followers == 12500 and p.views and p.duration and p.post_time is not None
    assert posts[0].comments is None


@pytest.mark.slow
def test_training_lowers_loss():
    from reelscore.models.engagement.model import EngagementModel
    from reelscore.models.engagement.features import prepare

    from reelscore.models.engagement.metrics import group_folds

    posts = [p for p in load_posts(need(TIKTOK)) if p.views is not None]
    rows, emb, y = prepare(posts, use_embeddings=False)
    te = group_folds([p.user for p in posts], k=5)[0]  # creators never seen in training
    tr = np.setdiff1d(np.arange(len(posts)), te)

    def pinball(P, yy, q=0.5):
        d = yy - P
        return float(np.mean(np.maximum(q * d, (q - 1) * d)))

    const = pinball(np.full(len(te), np.median(y["views"][tr])), y["views"][te])
    m = EngagementModel(n_estimators=150, use_embeddings=False).fit([rows[i] for i in tr], None, {k: v[tr] for k, v in y.items()})
    P = m.predict([rows[i] for i in te], None)["views"][:, 1]
    assert pinball(P, y["views"][te]) < const
    # followers unknown -> the no-followers variant, calibrated separately
    r0 = dict(rows[te[0]])
    r0["log_followers"] = float("nan")
    assert np.all(np.isfinite(m.predict([r0], None)["views"]))


def test_save_load_round_trip(tmp_path):
    from reelscore.models.engagement.model import EngagementModel
    from reelscore.models.engagement.features import prepare

    posts = [p for p in load_posts(need(TIKTOK)) if p.views is not None][:400]
    rows, emb, y = prepare(posts, use_embeddings=False)
    m = EngagementModel(n_estimators=30, use_embeddings=False).fit(rows, None, y, calib={"followers": {"views": 0.3}})
    m.save(tmp_path / "m.json.gz")
    m2 = EngagementModel.load(tmp_path / "m.json.gz")
    a, b = m.predict(rows[:20], None), m2.predict(rows[:20], None)
    for k in a:
        np.testing.assert_allclose(a[k], b[k])
    # a file written before the feature layout was stored still loads and predicts the same
    import gzip

    with gzip.open(tmp_path / "m.json.gz", "rt", encoding="utf-8") as f:
        d = json.load(f)
    del d["features"]  # a file without a stored layout uses the current one (v2 format)
    with gzip.open(tmp_path / "old.json.gz", "wt", encoding="utf-8") as f:
        json.dump(d, f)
    c = EngagementModel.load(tmp_path / "old.json.gz").predict(rows[:20], None)
    for k in a:
        np.testing.assert_allclose(a[k], c[k])


def test_default_model_ships_with_card():
    from reelscore.models.engagement.store import load_model, resolve_model_path

    p = resolve_model_path(None)
    assert p is not None, "the default engagement model must ship in the package"
    m = load_model(str(p))
    card = m.card_
    for k in ("data", "date", "metrics", "command", "inputs_pre_posting"):
        assert k in card
    for sample in ("broad", "viral"):  # calibrated on each kind of sample
        assert card["metrics"]["followers"][sample]["coverage_80"] == pytest.approx(0.8, abs=0.05)
        assert card["metrics"]["no_followers"][sample]["coverage_80"] == pytest.approx(0.8, abs=0.05)
    # beats the plain baselines of the issue in grouped CV (followers alone: 0.537 broad / 0.195 viral)
    assert card["metrics"]["followers"]["broad"]["spearman_views"] > 0.66
    assert card["metrics"]["followers"]["viral"]["spearman_views"] > 0.34


def test_broad_scale_is_kept():
    """A typical post of a 12,000-follower account is predicted on the broad sample's scale (thousands),
    not the viral scrape's (hundreds of thousands), and more followers predict more views."""
    from reelscore.models.engagement.data import Post
    from reelscore.models.engagement.features import post_features
    from reelscore.models.engagement.store import load_model, resolve_model_path

    m = load_model(str(resolve_model_path(None)))

    def p50(followers):
        r = post_features(Post(caption="#coffee #barista #homecafe", hashtags=["coffee", "barista", "homecafe"],
                               followers=followers, duration=20.0, source="broad"))
        return 10 ** m.predict([r], None)["views"][0, 1]
    assert 300 < p50(12000) < 100_000
    assert p50(500) < p50(12000) < p50(1_000_000)


def test_missing_inputs_get_their_own_wider_intervals():
    """Withholding duration, post time or sound leaves a prediction, with an interval at least as
    wide as the complete one (margins calibrated on out-of-fold predictions with those inputs withheld)."""
    from reelscore.models.engagement.features import MISSING_GROUPS, mask_groups, missing_key
    from reelscore.models.engagement.features import prepare
    from reelscore.models.engagement.store import load_model, resolve_model_path

    m = load_model(str(resolve_model_path(None)))
    for v in ("followers", "no_followers"):
        for sample in ("broad", "viral"):
            cal = m.calib_[v]["sources"][sample]
            miss = cal["missing"]
            assert set(miss) >= {"duration", "post_time", "sound", "account", "history", "content", "+".join(MISSING_GROUPS)}
            assert all(miss[k]["views"] >= cal["views"] for k in miss)
    posts = [p for p in load_posts(need(TIKTOK)) if p.views is not None and p.duration and p.post_time][:50]
    rows, _, _ = prepare(posts, use_embeddings=False)
    # the 2025 posts never have account columns, history before their first post or video content:
    # their own pattern is the "complete" one here
    base_key = "account+history+content"
    rows = [r for r in rows if missing_key(r) == base_key]
    assert rows
    full = m.predict(rows, None)["views"]
    masked_rows = [mask_groups(r, MISSING_GROUPS) for r in rows]
    assert all(missing_key(r) == "+".join(MISSING_GROUPS) for r in masked_rows)
    masked = m.predict(masked_rows, None)["views"]
    assert np.isfinite(masked).all()
    w_full, w_masked = full[:, 2] - full[:, 0], masked[:, 2] - masked[:, 0]
    margin_gain = m.margin("followers", "views", masked_rows[0]) - m.margin("followers", "views", rows[0])
    assert margin_gain >= 0
    raw_full, raw_masked = m.predict(rows, None, raw=True)["views"], m.predict(masked_rows, None, raw=True)["views"]
    np.testing.assert_allclose(w_masked - (raw_masked[:, 2] - raw_masked[:, 0]),
                               w_full - (raw_full[:, 2] - raw_full[:, 0]) + 2 * margin_gain, atol=1e-9)


@pytest.mark.slow
def test_evaluate_cli_json(tmp_path):
    src = need(TIKTOK).read_text(encoding="utf-8").splitlines()
    small = tmp_path / "small.csv"
    small.write_text("\n".join(src[:301]) + "\n", encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "reelscore.presentation.cli", "evaluate", "--data", str(small), "--json"],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    for k in ("n", "spearman_views", "spearman_views_per_follower", "mae_log_views", "coverage_80"):
        assert k in d
    assert d["n"] == 300 and -1 <= d["spearman_views"] <= 1


@pytest.mark.slow
def test_personal_model_on_messy_export(tmp_path):
    from reelscore.workflows.personal import train_personal

    rep = train_personal(str(messy_export(tmp_path / "hist.json", n=40)), None, "me-test")
    assert rep["n_posts"] == 40 and rep["saved_to"].endswith("me-test.json.gz")
    assert "personal" in rep["cv"] and "default" in rep["cv"]
    from reelscore.models.engagement.store import resolve_model_path

    assert resolve_model_path("me-test") is not None


def test_text_model_learns_and_its_training_scores_are_out_of_creator():
    """The caption text model ranks a word that goes with more views higher; the scores the trees
    are trained on come from models that never saw the creator (a creator-only word earns nothing)."""
    from reelscore.models.engagement.model import TextModel

    rng = np.random.default_rng(0)
    texts, y, users = [], [], []
    for i in range(600):
        u = f"user{i % 60}"
        good = rng.random() < 0.5
        words = ["recipe", "easy", "today", "wow"] + (["giveaway"] if good else [])
        if u == "user7":
            words.append("zzqqxx")  # only this creator writes it
        texts.append(" ".join(rng.permutation(words)))
        y.append(4.0 + (0.8 if good else 0.0) + (2.0 if u == "user7" else 0.0) + rng.normal(0, 0.2))
        users.append(u)
    y = np.array(y)
    m = TextModel.fit(texts, y)
    a, b = m.predict(["easy recipe giveaway today", "easy recipe today", ""])[:2], m.predict([""])
    assert a[0] > a[1] + 0.3 and np.isnan(b[0])
    oof = TextModel.out_of_fold(texts, y, users)
    u7 = np.array([u == "user7" for u in users])
    in_sample = m.predict(texts)
    # fitted on everything, the creator-only word lifts user7; out of fold it cannot
    assert in_sample[u7].mean() - in_sample[~u7].mean() > 0.5
    assert abs(oof[u7].mean() - oof[~u7].mean()) < 0.5
    r = TextModel.from_json(json.loads(json.dumps(m.to_json())))
    np.testing.assert_allclose(r.predict(texts[:20]), m.predict(texts[:20]), atol=1e-4)
