"""The examples a user copies from: the script runs, and the notebook's cells are valid Python."""
import ast
import json
import subprocess
import sys
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parents[1]


def test_quickstart_script_writes_a_gif_and_a_video(tmp_path):
    result = subprocess.run([sys.executable, str(REPO / "examples/quickstart.py"), "--epochs", "10",
                             "--dpi", "20", "--media-dir", str(tmp_path)],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    gif = tmp_path / "gifs" / "quickstart.gif"
    assert Image.open(gif).n_frames == 3  # epochs 0, 5, 10
    video = Path(result.stdout.strip().splitlines()[-1].removeprefix("video: "))
    assert video.is_file() and video.suffix == ".mp4" and video.stat().st_size > 10_000


def test_notebook_cells_parse_and_use_the_cell_magic():
    notebook = json.loads((REPO / "examples/nnviz_in_jupyter.ipynb").read_text())
    code = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    assert any(c.startswith("%%manim") for c in code)
    for source in code:
        body = "\n".join(line for line in source.splitlines() if not line.startswith("%"))
        ast.parse(body)
