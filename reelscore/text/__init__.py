"""Text features shared by analyzers, models and scoring: caption features, rewrites, trends."""
