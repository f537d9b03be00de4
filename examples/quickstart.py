"""nnviz from Python: train once, then both renderers from the same History.

    python examples/quickstart.py                       # GIF + a 480p clip under media/
    python examples/quickstart.py --quality high_quality

examples/nnviz_in_jupyter.ipynb does the same in Jupyter, with manim's %%manim cell magic.
"""
import argparse
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

from nnviz_core import RunConfig, train
from nnviz_core.frontends.gif import write_dashboard_gif


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quality", default="low_quality",
                        help="manim quality: low_quality, medium_quality, high_quality")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--dpi", type=int, default=60, help="GIF resolution (120 = the classic size)")
    parser.add_argument("--media-dir", default=str(REPO / "media"))
    args = parser.parse_args(argv)
    media = Path(args.media_dir)

    # 1. One training run: a deeper tanh network than the seed's.
    history = train(RunConfig(layers=(1, 8, 8, 1), activation="tanh", epochs=args.epochs))
    print(f"trained: loss {history.loss[0]:.4f} -> {history.final_loss:.4f}")

    # 2. The classic dashboard GIF (matplotlib; no manim needed).
    gif, count = write_dashboard_gif(history, media / "gifs" / "quickstart.gif", dpi=args.dpi)
    print(f"GIF: {gif} ({count} frames)")

    # 3. A Manim clip of the same History, through manim's Python API.
    from manim import tempconfig

    from scenes.clips import FitEvolves

    with tempconfig({"quality": args.quality, "media_dir": str(media), "disable_caching": True,
                     "background_color": "#fbfaf6", "progress_bar": "none", "verbosity": "WARNING"}):
        scene = FitEvolves()
        scene.history = history  # show this History instead of manim.cfg's run
        scene.render()
        print(f"video: {scene.renderer.file_writer.movie_file_path}")


if __name__ == "__main__":
    main()
