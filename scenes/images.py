"""Drawing ImageMobjects with the Cairo camera of manim 0.21 under Pillow 13.

manim 0.21's Camera.display_image_mobject pastes each image onto a frame-sized
``Image.fromarray(np.zeros((h, w)), mode="RGBA")``, which Pillow 13 refuses ("Invalid mode for
data type"), so no ImageMobject could be drawn. Importing this module gives the Cairo camera the
drawing below instead (it composites only the box an image covers)."""
from __future__ import annotations

import numpy as np
from manim.camera.camera import Camera
from PIL import Image


def display_image_mobject(camera: Camera, image_mobject, pixel_array: np.ndarray) -> None:
    """Draw an ImageMobject into the frame, compositing only the box it covers.

    manim 0.21's own pastes each image into a frame-sized RGBA image built with
    ``Image.fromarray(zeros, mode="RGBA")``, which Pillow 13 refuses, and composites the whole
    frame. Here an opaque image that is not rotated (a panel's map) is resized into its box,
    each frame pixel sampled at its centre, and copied over the frame (about 1 ms at 1080p);
    any other is mapped as manim maps it (a perspective transform of its corners) and
    composited in its box."""
    corners = camera.points_to_subpixel_coords(image_mobject, image_mobject.points)  # UL, UR, DL, DR
    pixels = image_mobject.get_pixel_array()
    low, high = np.floor(corners.min(axis=0)).astype(int), np.ceil(corners.max(axis=0)).astype(int)
    start, stop = np.maximum(low, 0), np.minimum(high, [camera.pixel_width, camera.pixel_height])
    if np.any(stop - start < 1):
        return
    (x0, y0), (x1, y1) = start - low, stop - low  # the part inside the frame, in the box
    frame = pixel_array[start[1]:stop[1], start[0]:stop[0]]
    resample = image_mobject.resampling_algorithm
    (left, top), (right, bottom) = corners[0], corners[3]
    upright = np.allclose(corners[1], [right, top]) and np.allclose(corners[2], [left, bottom])
    if upright and right > left and bottom > top and (pixels[..., 3] == 255).all():
        # Padded by its edge pixels, so the box, which may start before the image, stays in it.
        h, w = pixels.shape[:2]
        padded = Image.fromarray(np.ascontiguousarray(np.pad(pixels[..., :3], ((1, 1), (1, 1), (0, 0)), mode="edge")))
        scale = np.array([w / (right - left), h / (bottom - top)])  # image pixels per frame pixel
        box = np.clip([*((low - [left, top]) * scale + 1), *((high - [left, top]) * scale + 1)], 0, [w + 2, h + 2] * 2)
        drawn = np.asarray(padded.resize(tuple(int(n) for n in high - low), resample, box=tuple(box)))
        frame[..., :3] = drawn[y0:y1, x0:x1]
        frame[..., 3] = 255
        return
    source = Image.fromarray(np.ascontiguousarray(pixels))
    w, h = source.size
    rows = []
    for (x, y), (u, v) in zip(corners - low, [(0, 0), (w, 0), (0, h), (w, h)]):
        rows += [[x, y, 1, 0, 0, 0, -u * x, -u * y], [0, 0, 0, x, y, 1, -v * x, -v * y]]
    try:
        coefficients = np.linalg.solve(np.array(rows, float), np.array([0, 0, w, 0, 0, h, w, h], float))
    except np.linalg.LinAlgError:  # a degenerate quadrilateral (seen edge on): nothing to draw
        return
    drawn = source.transform(tuple(int(n) for n in high - low), Image.Transform.PERSPECTIVE, coefficients,
                             resample=resample).crop((int(x0), int(y0), int(x1), int(y1)))
    frame[:] = np.asarray(Image.alpha_composite(Image.fromarray(np.ascontiguousarray(frame)), drawn))


Camera.display_image_mobject = display_image_mobject
