"""What `rnnbench check` says about the user's own data: files, rows, windows, shapes.

`data_report(exp)` loads the data as a run would and lists its files (with
their layout), its size per split, the input and target shapes, the classes
and the periods.
"""

import numpy as np

from rnnbench.data.own import labelled
from rnnbench.data.own.inspect import csv_layout


SHOWN_FILES = 5  # files `check` lists one a line; the manifest records them all


def data_report(exp):
    """The data side of `rnnbench check` for the user's own data (a file dataset or
    a class named by import path; None for other datasets).

    Loads the data as a run would (so a bad file is the same error here):
    files, rows, samples (windows) per split, input shape, classes.
    """
    from rnnbench.data import cache
    from rnnbench.data.own import user_data

    if not user_data(exp):
        return None
    splits = cache.load(exp)
    info = splits.info
    lines = ["data:"]
    files = info.get("files", [])
    for f in files[:SHOWN_FILES]:
        layout = csv_layout(f["path"])
        lines.append(f"  file {f['path']} ({f['size']:,} bytes, SHA-256 {f['sha256'][:16]}..."
                     f"{'; ' + layout if layout else ''})")
    if len(files) > SHOWN_FILES:  # a folder of a file per sequence or document
        lines.append(f"  ... {len(files) - SHOWN_FILES:,} more files "
                     f"({sum(f['size'] for f in files):,} bytes in all; each in the manifest)")
    for key in ("rows", "series", "sequences", "tokens", "vocabulary_size"):
        if key in info:
            lines.append(f"  {key}: {info[key]}")
    if (skipped := labelled.left_out(info)):
        lines.append(f"  unlabelled: {skipped}")
    sizes = {p: len(getattr(splits, p)) for p in ("train", "val", "test")}
    unit = "windows" if exp.data.task in ("forecast", "language_model") else "samples"
    lines.append(f"  {unit} per split: " + ", ".join(f"{p} {n:,}" for p, n in sizes.items()))
    lines.append(f"  input shape per sample: {tuple(splits.train.x.shape[1:])} "
                 f"({splits.spec.input_dtype})")
    lines.append(f"  target shape per sample: {tuple(np.shape(splits.train.y)[1:]) or 'one'}")
    if info.get("class_names"):
        counts = info.get("class_counts", {}).get("train")
        lines.append(f"  classes: {info['class_names']}" +
                     (f" (train counts {counts})" if counts else ""))
        lines += _classes_missing_from_parts(info)
    if info.get("periods"):
        lines.append("  periods: " + ", ".join(f"{p} {a} .. {b}"
                                               for p, (a, b) in info["periods"].items()))
    lines.append(f"  baseline: {splits.baseline_name}")
    return "\n".join(lines)


def _classes_missing_from_parts(info):
    """A line per split that lacks a class (too rare to stratify): its scores there say
    nothing about that class."""
    names, counts = info["class_names"], info.get("class_counts", {})
    lines = []
    for part in ("val", "test"):
        missing = [str(n) for n, k in zip(names, counts.get(part, [])) if k == 0]
        if missing:
            lines.append(f"  no {part} sample of class{'es' * (len(missing) > 1)} "
                         f"{', '.join(missing)} (too few rows to stratify): the {part} "
                         "scores say nothing about it")
    return lines
