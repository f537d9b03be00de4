"""Joining a scene rendered in parts (`nnviz render --jobs`): videos by copying their packets,
never re-encoding them, exactly as manim joins its own partial movie files; subtitles by moving
each part's cues onto the joined clock.

PyAV comes with manim; this module never imports manim itself.
"""
from __future__ import annotations

import tempfile
from datetime import timedelta
from importlib.metadata import version
from pathlib import Path

import av
import srt

def join_videos(inputs, out, fmt: str) -> None:
    """Write the videos ``inputs`` (one codec, size and frame rate) one after another into
    ``out``, an mp4 or webm file (``fmt``). As in manim's own join, the concat demuxer rebases the timestamps
    and the packets are copied."""
    with tempfile.TemporaryDirectory(prefix="nnviz-join-") as tmp:
        listing = Path(tmp) / "inputs.txt"
        listing.write_text("".join(f"file 'file:{Path(p).as_posix()}'\n" for p in inputs), encoding="utf-8")
        with av.open(str(listing), format="concat", options={"safe": "0", "an": "1"}) as source, \
                av.open(str(out), mode="w", format=fmt) as target:
            target.metadata["comment"] = f"Rendered with Manim Community v{version('manim')}"
            stream = source.streams.video[0]
            copy = target.add_stream_from_template(template=stream)
            for packet in source.demux(stream):
                if packet.dts is None:  # the demuxer's closing flush packet
                    continue
                packet.dts = None  # the files' decode times may overlap: libav recomputes them
                packet.stream = copy
                target.mux(packet)


def frame_count(path) -> int:
    """Frames in a video file, counted from its packets (nothing is decoded)."""
    with av.open(str(path)) as video:
        return sum(1 for packet in video.demux(video=0) if packet.dts is not None)


def video_metadata(path) -> dict:
    """What manim's section index (``sections/<Scene>.json``) records of each section's video."""
    with av.open(str(path)) as video:
        stream = video.streams.video[0]
        frames = stream.frames or frame_count(path)
        duration = float(stream.duration * stream.time_base if stream.duration else frames / stream.base_rate)
        rate = stream.average_rate
        return {"width": stream.codec_context.width, "height": stream.codec_context.height,
                "nb_frames": str(frames), "duration": f"{duration:.6f}",
                "avg_frame_rate": f"{rate.numerator}/{rate.denominator}",
                "codec_name": stream.codec_context.name, "pix_fmt": stream.codec_context.pix_fmt}


def join_subtitles(parts) -> str:
    """One ``.srt`` text from each part's ``(srt_text, low, high, shift)``.

    A part's manim process also records the cues of the plays it skipped, on its own clock: only
    the cues that start in [low, high) of that clock are the part's, and ``shift`` moves them to
    the joined video's clock. The cues come out sorted and numbered from 1, as manim writes them.
    """
    cues = []
    for text, low, high, shift in parts:
        for cue in srt.parse(text or ""):
            if low <= cue.start.total_seconds() < high:
                cue.start += timedelta(seconds=shift)
                cue.end += timedelta(seconds=shift)
                cues.append(cue)
    return srt.compose(cues)

