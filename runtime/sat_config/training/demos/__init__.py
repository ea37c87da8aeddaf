"""Demo callbacks (periodic generations during training)."""
