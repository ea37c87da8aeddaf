"""Codebook patterns: how the ``K`` codebooks of ``T`` frames are laid out as one token sequence.

Same behaviour as upstream's ``models/codebook_patterns.py`` (after audiocraft): a *layout* lists,
for each sequence step, the ``(frame, codebook)`` coordinates emitted at that step. Step 0 is
always empty, so every sequence starts with the special (mask) token and the logit at step ``s``
predicts the tokens of step ``s + 1``.

* ``delay`` (MusicGen): codebook ``q`` runs ``q`` steps behind codebook 0.
* ``parallel``: every codebook of a frame at the same step.
* ``unroll``: one codebook per step, frame after frame (``K`` steps per frame).
* ``musiclm``: all frames of codebooks 0-1, then all frames of codebooks 2-3, ...

A :class:`Pattern` maps ``(B, K, T)`` codes to ``(B, K, S)`` sequences (``build_pattern_sequence``)
and back (``revert_pattern_sequence``, ``revert_pattern_logits``); positions a pattern does not
fill hold a special token and are false in the returned mask.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import torch


class LayoutCoord(NamedTuple):
    t: int
    """Frame (timestep) of the original codes."""
    q: int
    """Codebook."""


Layout = tuple[tuple[LayoutCoord, ...], ...]


class Pattern:
    """A layout over ``timesteps`` frames of ``n_q`` codebooks."""

    def __init__(self, layout, timesteps: int, n_q: int):
        self.layout: Layout = tuple(tuple(LayoutCoord(*c) for c in step) for step in layout)
        if not self.layout:
            raise ValueError("a pattern needs at least one step")
        self.timesteps, self.n_q = timesteps, n_q
        self._validate()
        self._indexes: dict[tuple, tuple[torch.Tensor, torch.Tensor]] = {}

    def _validate(self) -> None:
        last = [0] * self.n_q
        for s, step in enumerate(self.layout):
            codebooks = [c.q for c in step]
            if len(set(codebooks)) != len(codebooks):
                raise ValueError(f"step {s} holds one codebook twice")
            for c in step:
                if not 0 <= c.q < self.n_q:
                    raise ValueError(f"step {s}: codebook {c.q} outside 0..{self.n_q - 1}")
                if c.t < last[c.q]:
                    raise ValueError(f"step {s}: codebook {c.q} goes back in time")
                last[c.q] = c.t

    # --- geometry -----------------------------------------------------------------------------

    @property
    def num_sequence_steps(self) -> int:
        return len(self.layout) - 1

    @property
    def max_delay(self) -> int:
        """Steps past the last frame that the layout still emits (``delay``: ``K - 1``)."""
        ends = [c.t + 1 for step in self.layout[1:] for c in step]
        return (max(ends) if ends else 0) - self.timesteps

    @property
    def valid_layout(self) -> Layout:
        """The layout without its trailing steps past the last frame."""
        return self.layout[:len(self.layout) - self.max_delay]

    def starts_with_special_token(self) -> bool:
        return len(self.layout[0]) == 0

    def get_steps_with_timestep(self, t: int, q: int | None = None) -> list[int]:
        return [s for s, step in enumerate(self.layout)
                for c in step if c.t == t and (q is None or c.q == q)]

    def get_first_step_with_timesteps(self, t: int, q: int | None = None) -> int | None:
        steps = self.get_steps_with_timestep(t, q)
        return steps[0] if steps else None

    # --- index tables (cached per shape) ------------------------------------------------------

    def _cached(self, key: tuple, build) -> tuple[torch.Tensor, torch.Tensor]:
        """The tables of ``key`` (its last item is the device), built once per device."""
        if key not in self._indexes:
            self._indexes[key] = tuple(t.to(key[-1]) for t in build())
        return self._indexes[key]

    def _sequence_indexes(self, timesteps: int, valid_only: bool, device):
        """(K, S) positions into the flattened ``(K * T + 1)`` codes (the last one is the
        special token) and the mask of real positions."""
        if timesteps > self.timesteps:
            raise ValueError(f"{timesteps} frames but the pattern covers {self.timesteps}")
        layout = self.valid_layout if valid_only else self.layout

        def build():
            indexes = torch.full((self.n_q, len(layout)), self.n_q * timesteps, dtype=torch.long)
            mask = torch.zeros(self.n_q, len(layout), dtype=torch.bool)
            for s, step in enumerate(layout):
                for c in step:
                    if c.t < timesteps:
                        indexes[c.q, s] = c.q * timesteps + c.t
                        mask[c.q, s] = True
            return indexes, mask

        return self._cached(("seq", timesteps, valid_only, str(device)), build)

    def _revert_indexes(self, steps: int, valid_only: bool, model_output: bool, device):
        """(K, T) positions into the flattened ``(K * S + 1)`` sequence and the mask of frames
        the sequence holds. ``model_output``: position ``s`` holds the prediction of step
        ``s + 1`` (the leading special step is skipped)."""
        layout = self.valid_layout if valid_only else self.layout
        if steps > len(layout):
            raise ValueError(f"a sequence of {steps} steps is longer than the pattern "
                             f"({len(layout)})")
        if model_output and self.starts_with_special_token():
            layout = layout[1:]

        def build():
            indexes = torch.full((self.n_q, self.timesteps), self.n_q * steps, dtype=torch.long)
            mask = torch.zeros(self.n_q, self.timesteps, dtype=torch.bool)
            for s, step in enumerate(layout[:steps]):
                for c in step:
                    if c.t < self.timesteps:
                        indexes[c.q, c.t] = c.q * steps + s
                        mask[c.q, c.t] = True
            return indexes, mask

        return self._cached(("rev", steps, valid_only, model_output, str(device)), build)

    # --- mapping ------------------------------------------------------------------------------

    @staticmethod
    def _gather(x: torch.Tensor, indexes: torch.Tensor, special) -> torch.Tensor:
        """``x`` (..., N) flattened over its last axis with ``special`` appended, gathered."""
        flat = torch.cat([x, torch.full_like(x[..., :1], special)], dim=-1)
        return flat[..., indexes.reshape(-1)].reshape(*x.shape[:-1], *indexes.shape)

    def build_pattern_sequence(self, z: torch.Tensor, special_token: int,
                               keep_only_valid_steps: bool = False):
        """Codes ``(B, K, T)`` -> ``(sequence (B, K, S), indexes (K, S), mask (K, S))``."""
        batch, n_q, timesteps = z.shape
        if n_q != self.n_q:
            raise ValueError(f"{n_q} codebooks but the pattern has {self.n_q}")
        indexes, mask = self._sequence_indexes(timesteps, keep_only_valid_steps, z.device)
        return self._gather(z.reshape(batch, -1), indexes, special_token), indexes, mask

    def revert_pattern_sequence(self, s: torch.Tensor, special_token: int,
                                keep_only_valid_steps: bool = False):
        """Sequence ``(B, K, S)`` -> ``(codes (B, K, T), indexes (K, T), mask (K, T))``."""
        batch, n_q, steps = s.shape
        indexes, mask = self._revert_indexes(steps, keep_only_valid_steps, False, s.device)
        return self._gather(s.reshape(batch, -1), indexes, special_token), indexes, mask

    def revert_pattern_logits(self, logits: torch.Tensor, special_token: float,
                              keep_only_valid_steps: bool = False):
        """Logits ``(B, card, K, S)`` of the model (step ``s`` predicts step ``s + 1``) ->
        ``(logits (B, card, K, T) aligned with the codes, indexes, mask (K, T))``."""
        batch, card, n_q, steps = logits.shape
        indexes, mask = self._revert_indexes(steps, keep_only_valid_steps, True, logits.device)
        return (self._gather(logits.reshape(batch, card, -1), indexes, special_token),
                indexes, mask)


class CodebooksPatternProvider:
    """Gives the :class:`Pattern` of ``n_q`` codebooks for a number of frames (cached)."""

    def __init__(self, n_q: int):
        if n_q < 1:
            raise ValueError("a pattern needs at least one codebook")
        self.n_q = n_q
        self.get_pattern = lru_cache(maxsize=100)(self._pattern)

    def _pattern(self, timesteps: int) -> Pattern:
        return Pattern(self.layout(timesteps), timesteps=timesteps, n_q=self.n_q)

    def layout(self, timesteps: int) -> list[list[LayoutCoord]]:
        raise NotImplementedError


class DelayedPatternProvider(CodebooksPatternProvider):
    """Codebook ``q`` at step ``t + delays[q]`` (default delays ``0, 1, ..., K - 1``).
    ``flatten_first``: the first frames one codebook per step; ``empty_initial``: extra empty
    steps at the start (negative: no leading special step)."""

    def __init__(self, n_q: int, delays: list[int] | None = None, flatten_first: int = 0,
                 empty_initial: int = 0):
        super().__init__(n_q)
        self.delays = list(range(n_q)) if delays is None else list(delays)
        if len(self.delays) != n_q or sorted(self.delays) != self.delays:
            raise ValueError("delays: one per codebook, in ascending order")
        self.flatten_first, self.empty_initial = flatten_first, empty_initial

    def layout(self, timesteps: int) -> list[list[LayoutCoord]]:
        out: list[list[LayoutCoord]] = [] if self.empty_initial < 0 else [[]]
        out += [[] for _ in range(max(self.empty_initial, 0))]
        for t in range(min(timesteps, self.flatten_first)):
            out += [[LayoutCoord(t, q)] for q in range(self.n_q)]
        for step in range(self.flatten_first, timesteps + max(self.delays)):
            out.append([LayoutCoord(step - d, q) for q, d in enumerate(self.delays)
                        if step - d >= self.flatten_first])
        return out


class ParallelPatternProvider(DelayedPatternProvider):
    """Every codebook of a frame at the same step (a delay of 0 for all)."""

    def __init__(self, n_q: int, empty_initial: int = 0):
        super().__init__(n_q, [0] * n_q, empty_initial=empty_initial)


class UnrolledPatternProvider(CodebooksPatternProvider):
    """Codebooks flattened into inner steps of each frame: ``flattening[q]`` is codebook ``q``'s
    inner step (default: its own, ``0..K-1``); ``delays[q]`` shifts it by whole frames (codebooks
    sharing an inner step share a delay)."""

    def __init__(self, n_q: int, flattening: list[int] | None = None,
                 delays: list[int] | None = None):
        super().__init__(n_q)
        flattening = list(range(n_q)) if flattening is None else list(flattening)
        delays = [0] * n_q if delays is None else list(delays)
        if len(flattening) != n_q or len(delays) != n_q or sorted(flattening) != flattening \
                or sorted(delays) != delays:
            raise ValueError("flattening and delays: one per codebook, in ascending order")
        self.inner: dict[int, tuple[list[int], int]] = {}
        for q, (step, delay) in enumerate(zip(flattening, delays)):
            codebooks, shared_delay = self.inner.setdefault(step, ([], delay))
            if shared_delay != delay:
                raise ValueError("codebooks flattened to one inner step need the same delay")
            codebooks.append(q)
        self.max_delay = max(delays)
        self.inner_steps = max(self.inner) + 1

    def layout(self, timesteps: int) -> list[list[LayoutCoord]]:
        end = timesteps + self.max_delay
        keyed: list[tuple[int, list[LayoutCoord]]] = [(-1, [])]
        for t in range(end):
            for step in range(self.inner_steps):
                if step not in self.inner:
                    keyed.append((t, []))
                    continue
                codebooks, delay = self.inner[step]
                if t + delay < end:
                    keyed.append((t + delay, [LayoutCoord(t, q) for q in codebooks]))
        # sorted by position, then by coordinates: frame by frame, codebook 0 first
        return [coords for _, coords in sorted(keyed)]


class MusicLMPattern(CodebooksPatternProvider):
    """Every frame of codebooks ``0..group_by-1``, then every frame of the next group, ...
    (a last group may be smaller; upstream fails when ``group_by`` does not divide ``K``)."""

    def __init__(self, n_q: int, group_by: int = 2):
        super().__init__(n_q)
        self.group_by = group_by

    def layout(self, timesteps: int) -> list[list[LayoutCoord]]:
        out: list[list[LayoutCoord]] = [[]]
        for first in range(0, self.n_q, self.group_by):
            for t in range(timesteps):
                out += [[LayoutCoord(t, q)] for q in range(first, min(first + self.group_by,
                                                                       self.n_q))]
        return out


PATTERN_PROVIDERS: dict[str, type[CodebooksPatternProvider]] = {
    "delay": DelayedPatternProvider,
    "parallel": ParallelPatternProvider,
    "unroll": UnrolledPatternProvider,
    "musiclm": MusicLMPattern,
}
"""``model.lm.codebook_pattern`` -> provider class (called with ``n_q``)."""
