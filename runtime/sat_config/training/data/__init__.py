"""Training data: synthetic audio (the default) and local audio directories."""
