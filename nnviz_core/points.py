"""Your own data: a CSV file of points, read once and checked cell by cell.

The file is UTF-8 text, one point a row, values separated by commas:

- with a header, its names say what each column is, in any order: ``x,y`` (1-D regression),
  ``x,label`` (1-D classes), ``x1,x2,y`` (2-D regression), ``x1,x2,label`` (2-D classes);
- without one, 2 columns are x,y and 3 are x1,x2,y: the last column is always a regression's y.
  Whole numbers are not guessed to be classes; a classification names its column ``label``.

A label is a class number: 0, 1, ..., k−1, every one used, k from 2 to MAX_CLASSES (each class
has a colour and a marker shape of its own: nnviz_core.plane). Two classes give one sigmoid
output, more a softmax, as the built-in datasets do.

The points replace the generated data: ``samples`` is the file's count and ``noise`` is 0 (a
value other than the default or the file's own for either, or for ``classes``, is refused:
``refusal``). A bad file is one ConfigError on the ``dataset`` setting whose message names the
row and the column ("row 5, column 2 (x2): 'abc' is not a number; ..."); row is the file's line,
the header's line 1. Nothing is read before the file's size is checked against the memory free.
"""
from __future__ import annotations

import csv
import hashlib
import math
import os
from array import array
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import ConfigError

SUFFIX = ".csv"
MAX_CLASSES = 4  # the class colours and marker shapes (palette.class_colours, plane.CLASS_MARKERS)
MAX_POINTS = 1_000_000  # as RunConfig.samples
MIN_POINTS = 2
# Reading holds every value as a float64 twice at most (read, then the arrays trained on), and a
# value takes at least 2 bytes of the file (a digit and a comma or a newline): 8 bytes of memory
# per byte of file, at the very most.
READ_BYTES_PER_FILE_BYTE = 8
# The columns a file may have (their order in the arrays: the inputs, then the target), by count.
LAYOUTS = (("x", "y"), ("x", "label"), ("x1", "x2", "y"), ("x1", "x2", "label"))
NO_HEADER = {2: ("x", "y"), 3: ("x1", "x2", "y")}
NAMES = "x,y or x,label (1-D), x1,x2,y or x1,x2,label (2-D)"
RULE = ("2 columns x,y or 3 columns x1,x2,y, the last one a regression's y; a header x,label or x1,x2,label "
        "makes the last one classes 0..k-1")


def is_points_file(name) -> bool:
    """Whether a ``dataset`` value names a CSV file (else it is a built-in dataset's name)."""
    return isinstance(name, str) and name.lower().endswith(SUFFIX)


@dataclass(frozen=True, eq=False)
class Points:
    """A CSV file's points, as read: X (n, 1 or 2) the inputs, target (n,) y's values or the labels."""
    path: str
    columns: tuple  # one of LAYOUTS: the inputs then y or label (whatever the file's order)
    header: bool
    X: np.ndarray
    target: np.ndarray
    sha256: str  # of the file's bytes

    @property
    def classes(self) -> int:
        """k for labels 0..k−1; 0 for a regression."""
        return int(self.target.max()) + 1 if self.columns[-1] == "label" else 0

    def targets(self) -> np.ndarray:
        """y as the network learns it: (n, 1) values, (n, 1) 0/1 for two classes, one-hot (n, k)."""
        k = self.classes
        if k == 0:
            return self.target.reshape(-1, 1)
        labels = self.target.astype(int)
        return labels.astype(float).reshape(-1, 1) if k == 2 else np.eye(k)[labels]


def file_digest(path) -> str | None:
    """SHA-256 of a file's bytes, or None when it cannot be read (missing, a folder, no permission)."""
    sha = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                sha.update(block)
    except OSError:
        return None
    return sha.hexdigest()


_last: list = []  # [(key, Points)]: the last file read, so that a run's config and training read it once


def read_points(path) -> Points:
    """The points of the CSV file at ``path``, checked; any problem is one ConfigError line."""
    from .memory import available_shown, fits, shown  # memory imports config, which imports this

    said = str(path)
    where = Path(path)
    try:
        stat = where.stat()
    except FileNotFoundError:
        raise _bad(said, f"no such file; give the path of a CSV file of points ({RULE})") from None
    except OSError as exc:
        raise _bad(said, f"cannot read it ({exc.strerror or exc}); give a readable CSV file") from None
    if where.is_dir():
        raise _bad(said, "is a folder; give the path of a CSV file of points in it")
    key = (os.path.realpath(where), stat.st_size, stat.st_mtime_ns)
    if _last and _last[0][0] == key:
        return _last[0][1]
    needed = READ_BYTES_PER_FILE_BYTE * stat.st_size
    if not fits(needed):
        raise _bad(said, f"a {shown(stat.st_size)} file: reading it needs up to about {shown(needed)} of memory "
                         f"(available {available_shown()}); use a file with fewer points")
    try:
        points = _read(said, where)
    except PermissionError:
        raise _bad(said, "cannot read it (permission denied); give a readable CSV file") from None
    _last[:] = [(key, points)]
    return points


def _bad(path: str, why: str) -> ConfigError:
    return ConfigError("dataset", path, why)


def _read(said: str, where: Path) -> Points:
    sha = hashlib.sha256()
    line = [0]  # the physical line being read, for the decoding error

    def decoded(f):
        for raw in f:
            line[0] += 1
            sha.update(raw)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                column = raw[:exc.start].count(b",") + 1
                raise _bad(said, f"row {line[0]}, column {column}: byte 0x{raw[exc.start]:02x} is not UTF-8 text; "
                                 "save the file as UTF-8 (plain CSV)") from None
            yield text.lstrip("\ufeff") if line[0] == 1 else text  # a spreadsheet's byte order mark

    values = array("d")
    names = None  # the file's columns, in its own order
    header = False
    with open(where, "rb") as f:
        reader = csv.reader(decoded(f))
        try:
            for cells in reader:
                row = reader.line_num
                cells = [c.strip() for c in cells]
                if not any(cells):
                    continue  # a blank line
                if names is None:
                    names, header = _columns(said, row, cells)
                    if header:
                        continue
                while len(cells) > len(names) and not cells[-1]:
                    cells.pop()  # a spreadsheet's trailing commas
                if len(cells) > len(names):
                    raise _bad(said, f"row {row}, column {len(names) + 1}: a value past the {len(names)} columns "
                                     f"({','.join(names)}); each row holds one point")
                for c, name in enumerate(names):
                    text = cells[c] if c < len(cells) else ""
                    values.append(_value(said, row, c, name, text))
                if len(values) > MAX_POINTS * len(names):
                    raise _bad(said, f"row {row}: more than {MAX_POINTS:,} points; nnviz takes at most "
                                     f"{MAX_POINTS:,}, use fewer")
        except csv.Error as exc:  # e.g. a quote that never closes, or an old Mac file's bare CR line ends
            why = ("a line ends in a carriage return alone; save the file with ordinary line ends" if "new-line" in
                   str(exc) else f"not CSV ({exc}); write plain comma-separated numbers")
            raise _bad(said, f"row {reader.line_num}: {why}") from None
    if names is None:
        raise _bad(said, f"is empty; write one point a row: {RULE}")
    table = np.frombuffer(values, float).reshape(-1, len(names))
    n = len(table)
    if n < MIN_POINTS:
        held = "a header but no points" if n == 0 else "only 1 point"
        raise _bad(said, f"has {held}; a run needs at least {MIN_POINTS}, one a row")
    layout = next(lay for lay in LAYOUTS if sorted(lay) == sorted(names))
    order = [names.index(name) for name in layout]
    X, target = table[:, order[:-1]].copy(), table[:, order[-1]].copy()
    if layout[-1] == "label":
        _check_classes(said, target, names.index("label") + 1)
    return Points(said, layout, header, X, target, sha.hexdigest())


def _columns(said: str, row: int, cells: list) -> tuple[tuple, bool]:
    """The file's columns from its first row: a header's names, or 2 or 3 numbers' meaning."""
    if len(cells) == 1 and (";" in cells[0] or "\t" in cells[0]):
        raise _bad(said, f"row {row}: one column, {cells[0]!r}; separate the values with commas")
    if all(_number(c) is not None for c in cells):
        if len(cells) not in NO_HEADER:
            return _wrong_count(said, row, len(cells), cells)
        return NO_HEADER[len(cells)], False
    names = [c.lower() for c in cells]
    for c, name in enumerate(names):
        if name not in ("x", "x1", "x2", "y", "label"):
            raise _bad(said, f"row {row}, column {c + 1}: {cells[c]!r} is neither a number nor a column name; "
                             f"name the columns {NAMES}, or leave the header out")
        if name in names[:c]:
            raise _bad(said, f"row {row}, column {c + 1}: a second column {name}; name the columns {NAMES}")
    if not any(sorted(lay) == sorted(names) for lay in LAYOUTS):
        if len(names) not in NO_HEADER:
            return _wrong_count(said, row, len(names), cells)
        raise _bad(said, f"row {row}: columns {','.join(names)} do not go together; name them {NAMES}")
    return tuple(names), True


def _wrong_count(said: str, row: int, count: int, cells: list):
    column = f", column {count}" if count > 3 else ""
    raise _bad(said, f"row {row}{column}: {count} column{'s' if count != 1 else ''}; a CSV of points has 2 or 3 "
                     f"({NAMES})")


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _value(said: str, row: int, c: int, name: str, text: str) -> float:
    at = f"row {row}, column {c + 1} ({name})"
    if not text:
        raise _bad(said, f"{at}: a missing value; every point needs a number in each column")
    value = _number(text)
    if value is None:
        how = "; separate the values with commas" if ";" in text or "\t" in text else ""
        raise _bad(said, f"{at}: {text!r} is not a number{how}")
    if not math.isfinite(value):
        raise _bad(said, f"{at}: {text!r} is not a finite number")
    if name == "label" and not (value.is_integer() and 0 <= value < MAX_CLASSES):
        why = ("is not a whole number" if not value.is_integer() else
               "is below 0" if value < 0 else f"is more than {MAX_CLASSES} classes allow")
        raise _bad(said, f"{at}: {text!r} {why}; labels are the classes 0, 1, ..., k-1 (k at most {MAX_CLASSES}); "
                         "for a regression, name the column y")
    return value


def _check_classes(said: str, labels: np.ndarray, column: int) -> None:
    present = np.unique(labels).astype(int)
    k = int(present[-1]) + 1
    at = f"column {column} (label)"
    if k < 2:
        raise _bad(said, f"{at}: every label is 0; a classification needs at least 2 classes (labels 0 and 1), "
                         "or name the column y for a regression")
    missing = sorted(set(range(k)) - set(present.tolist()))
    if missing:
        used = ", ".join(map(str, present))
        raise _bad(said, f"{at}: no point has label {missing[0]}; labels are 0, 1, ..., k-1 with every class used "
                         f"(here {used}: number them 0 to {len(present) - 1})")


def refusal(name: str, dataset: str, columns: tuple, samples: int, classes: int) -> str:
    """Why ``samples``, ``noise`` or ``classes`` cannot be set for a CSV dataset of these columns."""
    file = Path(dataset).name
    if name == "samples":
        return f"{file} holds its own {samples} points (samples is for the built-in datasets); leave samples out"
    if name == "noise":
        return f"{file}'s points are used as they are, nnviz adds no noise to them; leave noise out"
    if columns[-1] == "label":
        return f"{file}'s labels give its classes ({classes}); leave classes out"
    return (f"{file}'s last column is y, a regression; to read it as classes, name it label in a header "
            f"({','.join(columns[:-1])},label), and leave classes out")
