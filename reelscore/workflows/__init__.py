"""Workflows above the pipeline: training, evaluation, caption-only scoring, doctor."""
