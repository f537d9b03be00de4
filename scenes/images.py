"""Drawing ImageMobjects with the Cairo camera of manim 0.21 under Pillow 13.

manim 0.21's Camera.display_image_mobject pastes each image onto
``Image.fromarray(np.zeros((h, w)), mode="RGBA")``, a float array Pillow 13 refuses ("Invalid
mode for data type"), so no ImageMobject can be drawn. ``draw_images_on(camera)`` gives one
camera a drawing of its own for them: each image resampled into the frame's pixels over the box
its corners span (nnviz's images are never rotated), every target pixel sampled at its centre
so a source pixel's centre lands where its value belongs, then composited by its alpha.
"""
from __future__ import annotations

import math
import types

import numpy as np
from PIL import Image


def draw_images(camera, images, pixel_array: np.ndarray) -> None:
    """Paint ``images`` (axis-aligned ImageMobjects) into ``pixel_array`` (H, W, 4), in order."""
    height, width = pixel_array.shape[:2]
    for image in images:
        corners = camera.points_to_subpixel_coords(image, image.points)  # (4, 2) in pixels
        left, top = corners.min(axis=0)
        right, bottom = corners.max(axis=0)
        # the frame's pixels inside the image's box (Pillow samples no box beyond its source)
        x0, y0 = max(math.ceil(left - 1e-6), 0), max(math.ceil(top - 1e-6), 0)
        x1, y1 = min(math.floor(right + 1e-6), width), min(math.floor(bottom + 1e-6), height)
        if x1 <= x0 or y1 <= y0 or right - left <= 0 or bottom - top <= 0:
            continue
        source = Image.fromarray(np.ascontiguousarray(image.get_pixel_array(), dtype=np.uint8))
        sx, sy = source.width / (right - left), source.height / (bottom - top)
        box = (max((x0 - left) * sx, 0), max((y0 - top) * sy, 0), min((x1 - left) * sx, source.width),
               min((y1 - top) * sy, source.height))
        drawn = source.resize((x1 - x0, y1 - y0), resample=image.resampling_algorithm, box=box)
        under = Image.fromarray(np.ascontiguousarray(pixel_array[y0:y1, x0:x1]))
        pixel_array[y0:y1, x0:x1] = np.asarray(Image.alpha_composite(under, drawn))


def draw_images_on(camera) -> None:
    """Have this camera draw ImageMobjects with ``draw_images`` (see the module's docstring)."""
    camera.display_multiple_image_mobjects = types.MethodType(draw_images, camera)
