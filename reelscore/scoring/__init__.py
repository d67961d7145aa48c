"""Scoring: signals -> component sub-scores with reasons and suggestions -> Virality Score."""
