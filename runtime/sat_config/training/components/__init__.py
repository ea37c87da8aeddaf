"""Networks shared by several kinds (oobleck, bottlenecks, the autoencoder class...).

Upstream's module tree and state-dict names are kept, so upstream checkpoints load strictly.
"""
