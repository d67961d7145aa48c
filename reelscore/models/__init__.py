"""Models: quality (NIMA, VSFA), text (sentiment, embeddings), engagement. Heavy imports are lazy."""
