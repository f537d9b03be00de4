"""Your own data: `dataset = points.csv`. Every bad file is one line that names the file, the row
and the column, exit status 2 and nothing written, from each command and from manim's scenes;
a good file's points are exactly what the run trains on and keeps, with the file's digest."""
import configparser
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nnviz_core import History, RunConfig, train
from nnviz_core.data import DATASETS, own_span
from nnviz_core.frontends.cli import main
from nnviz_core.runs import history_for_section

REPO = Path(__file__).resolve().parents[1]
TINY = ["--epochs", "3", "--snapshot-every", "1"]


def write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def grid_points(n=12, seed=0, classes=0):
    """n points of 2-D data; with classes, labels 0..classes-1 (each used), else y values."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 2))
    last = np.arange(n) % classes if classes else rng.normal(size=n)
    return X, last


def csv_text(X, last, header=None) -> str:
    rows = [",".join(f"{v:.6g}" for v in (*x, t)) for x, t in zip(X, last)]
    return "\n".join(([header] if header else []) + rows) + "\n"


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err.strip()


# -- bad files: one line each, exit 2, no file --------------------------------------------------
BAD = {
    "text": (b"x,y\n1,2\n3,abc\n", "row 3, column 2 (y): 'abc' is not a number"),
    "missing value": (b"1,2\n3,\n", "row 2, column 2 (y): a missing value"),
    "too few points": (b"x,y\n1,2\n", "has only 1 point; a run needs at least 2"),
    "no points": (b"x1,x2,label\n\n", "has a header but no points"),
    "a value too many": (b"x1,x2,y\n1,2,3\n1,2,3,4\n", "row 3, column 4: a value past the 3 columns"),
    "too many columns": (b"1,2,3,4\n5,6,7,8\n", "row 1, column 4: 4 columns; a CSV of points has 2 or 3"),
    "too few columns": (b"1\n2\n", "row 1: 1 column; a CSV of points has 2 or 3"),
    "semicolons": (b"x;y\n1;2\n", "row 1: one column, 'x;y'; separate the values with commas"),
    "a label not whole": (b"x,label\n1,0\n2,0.5\n", "row 3, column 2 (label): '0.5' is not a whole number"),
    "a negative label": (b"x1,x2,label\n1,2,1\n2,3,-1\n", "row 3, column 3 (label): '-1' is below 0"),
    "too many classes": (b"x,label\n1,0\n2,7\n", "row 3, column 2 (label): '7' is more than 4 classes allow"),
    "a class unused": (b"x,label\n1,0\n2,2\n3,0\n", "column 2 (label): no point has label 1"),
    "one class": (b"label,x\n0,1\n0,2\n", "column 1 (label): every label is 0"),
    "empty": (b"", "is empty"),
    "not UTF-8": (b"x,y\n1,2\n2,\xe9\n", "row 3, column 2: byte 0xe9 is not UTF-8 text; save the file as UTF-8"),
    "not finite": (b"x,y\n1,2\n2,inf\n", "row 3, column 2 (y): 'inf' is not a finite number"),
    "an unknown name": (b"x,z\n1,2\n", "row 1, column 2: 'z' is neither a number nor a column name"),
    "names that do not go together": (b"x1,y\n1,2\n", "row 1: columns x1,y do not go together"),
    "a name twice": (b"x,x\n1,2\n", "row 1, column 2: a second column x"),
    "bare carriage returns": (b"x,y\r1,2\r2,3\r", "row 1: a line ends in a carriage return alone"),
}


@pytest.mark.parametrize("case", BAD)
def test_a_bad_file_is_one_line_naming_the_file_row_and_column(case, tmp_path, capsys):
    data, said = BAD[case]
    csv = write(tmp_path, "pts.csv", data)
    out = tmp_path / "run.npz"
    assert main(["train", "--dataset", str(csv), *TINY, "--out", str(out)]) == 2
    line = one_line(capsys)
    assert line.startswith(f"nnviz: --dataset {csv}: {said}"), line
    assert list(tmp_path.iterdir()) == [csv]


def test_a_missing_file_and_a_folder(tmp_path, capsys):
    assert main(["train", "--dataset", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "r.npz")]) == 2
    assert f"--dataset {tmp_path / 'nope.csv'}: no such file" in one_line(capsys)
    (tmp_path / "dir.csv").mkdir()
    assert main(["train", "--dataset", str(tmp_path / "dir.csv"), "--out", str(tmp_path / "r.npz")]) == 2
    assert "dir.csv: is a folder" in one_line(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.csv"]


def test_every_command_and_manim_say_the_same_line(tmp_path, capsys):
    csv = write(tmp_path, "pts.csv", BAD["text"][0])
    line = f"--dataset {csv}: {BAD['text'][1]}"
    gif = tmp_path / "out.gif"
    for argv in (["train", "--out", str(tmp_path / "r.npz")], ["gif", "--out", str(gif)], ["script"],
                 ["render", "TrainingLecture", "--media-dir", str(tmp_path / "media")]):
        assert main([*argv, "--dataset", str(csv)]) == 2, argv
        assert one_line(capsys) == f"nnviz: {line}", argv
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pts.csv"]
    # A cfg file's dataset, relative to the cfg's folder: its key and the file, from the CLI ...
    (tmp_path / "talk.cfg").write_text("[nnviz]\ndataset = pts.csv\n")
    cfg_line = f"{tmp_path / 'talk.cfg'} [nnviz] dataset {csv}: {BAD['text'][1]}"
    assert main(["train", "--config", str(tmp_path / "talk.cfg"), "--out", str(tmp_path / "r.npz")]) == 2
    assert one_line(capsys) == f"nnviz: {cfg_line}"
    # ... and from a scene, which reads the cfg manim read (scenes.run)
    pytest.importorskip("manim")
    from scenes.run import load_history

    parser = configparser.ConfigParser()
    parser.read(tmp_path / "talk.cfg")
    with pytest.raises(SystemExit) as stop:
        load_history(parser, tmp_path / "talk.cfg")
    assert stop.value.code == 2 and one_line(capsys) == f"nnviz: {cfg_line}"


def test_the_real_command_exits_2(tmp_path):
    csv = write(tmp_path, "pts.csv", BAD["not UTF-8"][0])
    done = subprocess.run([sys.executable, "-m", "nnviz_core.frontends.cli", "train", "--dataset", "pts.csv"],
                          capture_output=True, text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert done.stderr.startswith(f"nnviz: --dataset pts.csv: {BAD['not UTF-8'][1]}")
    assert sorted(p.name for p in tmp_path.iterdir()) == [csv.name]


def test_a_file_too_large_for_memory_is_refused_before_it_is_read(tmp_path, capsys, monkeypatch):
    from nnviz_core import memory

    csv = write(tmp_path, "pts.csv", csv_text(*grid_points(40)))
    monkeypatch.setattr(memory, "available_bytes", lambda: 4 * csv.stat().st_size)  # under 8x the file
    assert main(["train", "--dataset", str(csv), "--out", str(tmp_path / "r.npz")]) == 2
    line = one_line(capsys)
    assert f"--dataset {csv}: a " in line and "reading it needs up to about" in line and "use a file with fewer" in line
    monkeypatch.undo()
    # A sparse file of a terabyte: refused from its size, at once (reading it would take hours).
    big = tmp_path / "big.csv"
    with open(big, "wb") as f:
        try:
            f.truncate(10**12)
        except OSError:
            pytest.skip("no sparse files here")
    assert main(["train", "--dataset", str(big), "--out", str(tmp_path / "r.npz")]) == 2
    assert "a 1.0 TB file: reading it needs up to about 8.0 TB of memory" in one_line(capsys)
    assert not (tmp_path / "r.npz").exists()


@pytest.mark.parametrize("flag, value, said", [
    ("--samples", "50", "pts.csv holds its own 12 points (samples is for the built-in datasets); leave samples out"),
    ("--noise", "0.3", "pts.csv's points are used as they are, nnviz adds no noise to them; leave noise out"),
    ("--classes", "3", "pts.csv's last column is y, a regression; to read it as classes, name it label in a "
                       "header (x1,x2,label), and leave classes out"),
])
def test_settings_the_file_fixes_are_refused_unless_default(flag, value, said, tmp_path, capsys):
    csv = write(tmp_path, "pts.csv", csv_text(*grid_points(12)))
    assert main(["train", "--dataset", str(csv), flag, value, "--out", str(tmp_path / "r.npz")]) == 2
    assert one_line(capsys) == f"nnviz: {flag} {value}: {said}"
    # manim.cfg's own lines (samples = 100, noise = 0.1: the defaults) do not stop a file's run
    section = {"dataset": str(csv), "samples": "100", "noise": "0.1", "classes": "2", "epochs": "2"}
    h = history_for_section(section, "talk.cfg")
    assert (h.config.samples, h.config.noise, h.config.classes) == (12, 0.0, 2)


# -- good files --------------------------------------------------------------------------------
def test_no_header_is_a_regression_even_of_whole_numbers(tmp_path):
    X, labels = grid_points(10, classes=2)
    c = RunConfig().updated({"dataset": str(write(tmp_path, "p.csv", csv_text(X, labels)))})
    assert c.data_columns == ("x1", "x2", "y") and c.class_count == 0 and c.layers == (2, 8, 1)
    one = RunConfig().updated({"dataset": str(write(tmp_path, "one.csv", "0.5,1\n-0.5,2\n1.5,3\n"))})
    assert one.data_columns == ("x", "y") and one.features == ("x",) and one.layers == (1, 10, 1)


def test_a_header_names_the_columns_in_any_order(tmp_path):
    X, labels = grid_points(12, classes=3)
    rows = "".join(f"{t}, {b:.6g} ,{a:.6g},\n" for (a, b), t in zip(X, labels))  # spaces, a trailing comma
    text = "\ufefflabel,X2,x1\n\n" + rows + "\n"  # a byte order mark, upper case, blank lines
    h = train(RunConfig().updated({"dataset": str(write(tmp_path, "p.csv", text)), "epochs": "2"}))
    assert h.config.layers == (2, 8, 3) and h.problem.loss.output == "softmax" and h.config.classes == 3
    np.testing.assert_allclose(h.X, np.round(X, 5), atol=1e-5)
    np.testing.assert_array_equal(h.y, np.eye(3)[labels])
    two = RunConfig().updated({"dataset": str(write(tmp_path, "two.csv", "x,label\n0,0\n1,1\n2,1\n"))})
    assert two.layers == (1, 10, 1) and two.class_count == 2
    assert train(two.updated({"epochs": "1"})).problem.loss.output == "sigmoid"


def test_a_run_trains_on_the_files_points_and_keeps_them(tmp_path):
    csv = write(tmp_path, "pts.csv", csv_text(*grid_points(30), "x1,x2,y"))
    table = np.loadtxt(csv, delimiter=",", skiprows=1)  # the file's own rows, read another way
    X, y = table[:, :2], table[:, 2]
    h = train(RunConfig().updated({"dataset": str(csv), "epochs": "4", "test_fraction": "0.2", "seed": "3"}))
    assert len(h.X) == 24 and len(h.X_test) == 6
    seen = np.concatenate([np.c_[h.X, h.y], np.c_[h.X_test, h.y_test]])
    np.testing.assert_array_equal(seen[np.lexsort(seen.T[::-1])], np.c_[X, y][np.lexsort(np.c_[X, y].T[::-1])])
    # the loss is the MSE of these very points (recomputed here from epoch 0's weights)
    s = h.at_epoch(0)
    a = np.maximum(h.X @ s.weights[0] + s.biases[0], 0)
    assert h.loss[0] == pytest.approx(np.mean((a @ s.weights[1] + s.biases[1] - h.y) ** 2))
    # the grid spans the points (their square: one scale for x1 and x2)
    lo, hi = own_span(np.concatenate([h.X, h.X_test]))
    assert h.grid.min() == lo and h.grid.max() == hi and lo <= X.min() and hi >= X.max()
    # saved, it loads without the file and is the same run
    path = h.save(tmp_path / "run.npz")
    csv.unlink()
    back = History.load(path)
    assert back.config == h.config and np.array_equal(back.X, h.X) and np.array_equal(back.loss, h.loss)


def test_the_digest_is_the_files_and_a_changed_file_is_noticed(tmp_path, capsys):
    csv = write(tmp_path, "pts.csv", "x,y\n0,1\n1,0\n2,1\n")
    c = RunConfig().updated({"dataset": str(csv), "epochs": "2"})
    assert c.data_sha256 == hashlib.sha256(csv.read_bytes()).hexdigest()
    run = train(c).save(tmp_path / "run.npz")
    assert main(["info", str(run)]) == 0
    assert f"data file       {csv}: columns x,y, sha256 {c.data_sha256} (unchanged)" in capsys.readouterr().out
    csv.write_text("x,y\n0,1\n1,0\n2,5\n")  # one value changed
    changed = RunConfig().updated({"dataset": str(csv), "epochs": "2"})
    assert changed.data_sha256 == hashlib.sha256(csv.read_bytes()).hexdigest() != c.data_sha256
    assert main(["info", "--json", str(run)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["data_file"]["sha256"] == c.data_sha256 and "changed" in info["data_file"]["now"]
    h = history_for_section({}, run_path=run)  # what every renderer draws: the run's own points, and a note
    note = one_line(capsys)
    assert note.startswith(f"nnviz: note: {csv} changed since {run} was trained on it") and "train again" in note
    assert h.y[-1, 0] == 1.0
    # a file changed between reading the settings and training is refused, not trained on
    csv.write_text("x,y\n0,1\n1,0\n2,6\n")
    with pytest.raises(Exception, match="the file changed after its settings were read"):
        train(changed)


def test_the_words_name_the_file_not_a_built_in_shape(tmp_path, capsys):
    X, labels = grid_points(16, classes=2)
    csv = write(tmp_path, "blobs.csv", csv_text(X * 3 + 5, labels, "x1,x2,label"))
    assert main(["script", "--dataset", str(csv), "--epochs", "3", "--format", "txt"]) == 0
    text = capsys.readouterr().out
    assert "learns to sort the 16 points of blobs.csv into 2 classes" in text
    assert str(tmp_path) not in text
    assert not any(d.description in text for d in DATASETS.values())


def test_a_built_in_runs_config_is_what_it_was():
    """No file's facts in a built-in run's JSON: its run files keep their bytes."""
    assert "data_" not in RunConfig().to_json() and RunConfig.from_dict(json.loads(RunConfig().to_json())) == RunConfig()
    with pytest.raises(Exception, match="unknown setting"):
        RunConfig().updated({"data_sha256": "0" * 64})


# -- it draws ------------------------------------------------------------------------------------
def test_a_files_runs_draw_in_the_gif_and_the_lecture(tmp_path):
    """A 1-D file without a header and a 2-D file of classes far from [-1, 1]: the GIF writes its
    frames; the lecture's first chapters (the whole lecture's are tests/test_lecture_2d.py's)
    play with every text inside the frame, the title naming the file, the forward pass on one of
    the file's points."""
    pytest.importorskip("manim")
    from manim import config as manim_config, tempconfig
    from PIL import Image

    from nnviz_core.chapters import forward_sample
    from nnviz_core.frontends.gif import write_dashboard_gif
    from drawn import frameless
    from scenes.training import TrainingLecture
    from test_any_run import manim_text_boxes

    X, labels = grid_points(24, classes=2)
    files = {"curve.csv": csv_text(X[:, :1] * 3, X[:, 1]), "far.csv": csv_text(X * [2, 1] + [5, 3], labels, "x1,x2,label")}
    for name, text in files.items():
        h = train(RunConfig().updated({"dataset": str(write(tmp_path, name, text)), "epochs": "4",
                                       "snapshot_every": "2"}))
        path, frames = write_dashboard_gif(h, tmp_path / f"{name}.gif", dpi=10, jobs=1, make_folders=False)
        assert frames >= 3 and Image.open(path).n_frames == frames
        if h.problem.is_2d:  # the plane holds every point
            lo, hi = own_span(h.X)
            assert (h.grid.min(), h.grid.max()) == (lo, hi) and lo < h.X.min() and h.X.max() < hi
        outside, texts = [], []

        class Opening(TrainingLecture):
            plan = TrainingLecture.plan[:3]

            def construct(self):
                self.show_title()
                self.build_network()
                self.forward_pass()

            def play(self, *args, **kwargs):
                super().play(*args, **kwargs)
                half_w, half_h = manim_config.frame_width / 2, manim_config.frame_height / 2
                for m, (x0, y0, x1, y1) in manim_text_boxes(self):
                    said = getattr(m, "original_text", None) or getattr(m, "text", "")
                    texts.append(said)
                    if x0 < -half_w or x1 > half_w or y0 < -half_h or y1 > half_h:
                        outside.append(said)

        with tempconfig({"dry_run": True, "quality": "low_quality", "media_dir": str(tmp_path / "media"),
                         "progress_bar": "none"}):
            scene = Opening(renderer=frameless())  # texts are the point, not pixels
            scene.history = h
            scene.render()
        assert scene.chapters == [chapter for chapter, _ in Opening.plan] and not outside, outside
        learns = "y(x) from curve.csv" if name == "curve.csv" else "to sort the 24 points of far.csv into 2 classes"
        assert any(learns in t for t in texts), name
        k = forward_sample(h).index  # the point 3/4 through the points' range, as 0.5 is through [-1, 1]
        target = h.X.min(axis=0) + 0.75 * np.ptp(h.X, axis=0)
        if not h.problem.is_2d:
            assert k == np.argmin(np.abs(h.X[:, 0] - target[0]))


def test_a_negative_target_after_a_minus_sign_is_in_parentheses(tmp_path):
    """A file's y can all be negative: the error factor read "2 × (1.006 − −0.187)"."""
    from nnviz_core.chapters import error_words, forward_sample

    rows = "".join(f"{x:.3f},{-1 - x * x:.3f}\n" for x in np.linspace(-1, 1, 20))
    h = train(RunConfig().updated({"dataset": str(write(tmp_path, "low.csv", rows)), "epochs": 2}))
    s = forward_sample(h)
    assert s.y < 0
    _, worked = error_words(h, s)
    assert "− −" not in worked and f"− ({'−' + f'{abs(s.y):.3f}'})" in worked
