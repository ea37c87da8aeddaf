"""Input bounds of the parser: what a config may cost to read."""

MAX_BYTES = 1024 * 1024
"""Largest config read (files, pipes, stdin, text); real configs are under 10 KB. Sized so the
worst input at the limit stays well under 300 MB of memory (JSON positions, YAML node graph)."""
MAX_DEPTH = 64
"""Deepest nesting accepted; the deepest real config nests about 8 levels."""
