"""Engagement model: predicted views and per-view rates with intervals, trained on real posts."""
