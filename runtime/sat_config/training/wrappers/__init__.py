"""Lightning training wrappers, one per model type."""
