"""Model architectures built by the training runtime."""
