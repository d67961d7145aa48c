"""Visual quality models: the trained frame-quality head, NIMA, and VSFA temporal pooling."""
