"""A kernel sliding over a patch of a picture, the output filling in behind it: an animated PNG (no
script; every browser plays it) and a strip of still frames for readers who turn motion off."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw

from cnnbook.render import style
from cnnbook.render.images import unit_range

CELL = 22  # screen pixels per image pixel
GAP = 3  # cells between the patch and the output
FRAME_MS = 350
LAST_FRAME_MS = 1800  # the finished output stays a moment before the loop starts again
BACKGROUND = (255, 255, 255)
EMPTY = (236, 236, 236)  # an output value not computed yet
WINDOW = (17, 17, 17)


def _upscale(rgb: np.ndarray) -> np.ndarray:
    return np.repeat(np.repeat(rgb, CELL, axis=0), CELL, axis=1)


def _colours(values: np.ndarray, vmax: float) -> np.ndarray:
    """Output values in the book's zero-centred colour map, as uint8 RGB."""
    rgba = style.DIVERGING(np.clip(values / (2 * vmax) + 0.5, 0, 1))
    return (rgba[..., :3] * 255).round().astype(np.uint8)


def sliding_frames(patch: np.ndarray, out: np.ndarray, kernel_size: int) -> list[Image.Image]:
    """One frame per output value: the patch with the kernel's window outlined, the output so far.

    patch: (n, n, 3) in 0..1; out: the convolution's (n − k + 1)² values for one channel, VALID.
    """
    n = patch.shape[0]
    m = out.shape[0]
    if out.shape != (n - kernel_size + 1, n - kernel_size + 1):
        raise ValueError(f"a VALID {kernel_size}×{kernel_size} convolution of a {n}×{n} patch has "
                         f"{n - kernel_size + 1}×{n - kernel_size + 1} outputs, got {out.shape}")
    left = _upscale((unit_range(patch, "patch") * 255).round().astype(np.uint8))
    offset = (n + GAP) * CELL
    top = (n - m) // 2 * CELL  # the output centred beside the patch
    vmax = style.symmetric_range(out)
    colours = _upscale(_colours(out, vmax))
    frames = []
    for step in range(m * m):
        row, col = divmod(step, m)
        canvas = np.full(((n) * CELL, offset + m * CELL, 3), BACKGROUND, np.uint8)
        canvas[:, : n * CELL] = left
        shown = np.full((m * CELL, m * CELL, 3), EMPTY, np.uint8)
        done = np.zeros((m, m), bool)
        done.flat[: step + 1] = True
        mask = _upscale(done[..., None].repeat(3, -1).astype(np.uint8)).astype(bool)
        shown[mask] = colours[mask]
        canvas[top : top + m * CELL, offset : offset + m * CELL] = shown
        frame = Image.fromarray(canvas)
        draw = ImageDraw.Draw(frame)
        draw.rectangle([col * CELL, row * CELL, (col + kernel_size) * CELL - 1, (row + kernel_size) * CELL - 1],
                       outline=WINDOW, width=3)
        x0, y0 = offset + col * CELL, top + row * CELL
        draw.rectangle([x0, y0, x0 + CELL - 1, y0 + CELL - 1], outline=WINDOW, width=3)
        draw.rectangle([offset, top, offset + m * CELL - 1, top + m * CELL - 1], outline=(154, 154, 154), width=1)
        frames.append(frame)
    return frames


def animated_png(frames: list[Image.Image]) -> bytes:
    """The frames as one looping animated PNG (APNG); browsers that cannot animate show the first frame."""
    out = io.BytesIO()
    durations = [FRAME_MS] * (len(frames) - 1) + [LAST_FRAME_MS]
    frames[0].save(out, format="PNG", save_all=True, append_images=frames[1:], duration=durations, loop=0,
                   optimize=True)
    return out.getvalue()


def frame_strip(frames: list[Image.Image], picks: list[int]) -> bytes:
    """Some frames side by side in one still PNG (for `prefers-reduced-motion`)."""
    chosen = [frames[i] for i in picks]
    w, h = chosen[0].size
    gap = CELL
    strip = Image.new("RGB", (len(chosen) * w + (len(chosen) - 1) * gap, h), BACKGROUND)
    for k, frame in enumerate(chosen):
        strip.paste(frame, (k * (w + gap), 0))
    out = io.BytesIO()
    strip.save(out, format="PNG", optimize=True)
    return out.getvalue()
