"""Training data: synthetic audio (the default), local audio directories, pre-encoded latents
and WebDataset shards (local or S3)."""
