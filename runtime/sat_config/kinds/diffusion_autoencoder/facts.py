"""Fixed facts of diffusion-autoencoder training that the checks read too (torch-free)."""

STFT_SCALES = (2048, 1024, 512, 256, 128, 64, 32)
"""FFT sizes of the reconstruction loss (upstream's, not a config key)."""
STFT_OVERLAP = 0.75
