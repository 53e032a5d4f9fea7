"""Files of the kinds a user brings (issue 23), generated: prices, reviews, text, arrays.

`from own_files import ...` (tests/ is on the path). Nothing here is copied
from third-party data: every file is drawn from a seeded generator.
"""

import numpy as np
import pandas as pd

WORDS = {"pos": ["good", "Great", "great", "fine", "lovely", "nice"],
         "neg": ["bad", "Awful", "awful", "poor", "dull", "sad"]}


def price_csv(path, n=300, seed=0, shuffle=True, start="2020-01-01"):
    """Daily stock prices (date, open, high, low, close, volume), rows shuffled."""
    rng = np.random.default_rng(seed)
    close = 100 + np.cumsum(rng.normal(0, 1, n))
    frame = pd.DataFrame({
        "date": pd.date_range(start, periods=n, freq="D").strftime("%Y-%m-%d"),
        "open": np.round(close + rng.normal(0, 0.5, n), 3),
        "high": np.round(close + 1 + rng.random(n), 3),
        "low": np.round(close - 1 - rng.random(n), 3),
        "close": np.round(close, 3),
        "volume": rng.integers(1000, 5000, n)})
    if shuffle:
        frame = frame.sample(frac=1, random_state=seed)
    frame.to_csv(path, index=False)
    return path


def two_series_csv(path, n=80):
    """A long table of two series (id, date, value), the second after the first in time."""
    frames = [pd.DataFrame({"id": name, "date": pd.date_range(start, periods=n, freq="D")
                            .strftime("%Y-%m-%d"),
                            "value": np.sin(np.arange(n) / (3 + k)) * (k + 1) + 10})
              for k, (name, start) in enumerate([("a", "2020-01-01"), ("b", "2021-01-01")])]
    pd.concat(frames).to_csv(path, index=False)
    return path


def reviews_csv(path, n=120, seed=0):
    """Labelled texts: columns review and title; labels sentiment (pos/neg) and topic."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        label = ["pos", "neg"][i % 2]
        review = " ".join(rng.choice(WORDS[label], 6)) + "!"
        title = " ".join(rng.choice(WORDS["pos"] + WORDS["neg"], 3))
        rows.append({"review": review, "title": title, "sentiment": label,
                     "topic": ["food", "film", "book"][i % 3]})
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def corpus_txt(path, sentences=300, seed=0):
    """Plain English-like text with capitals and punctuation."""
    rng = np.random.default_rng(seed)
    words = ["The", "cat", "sat", "on", "a", "Mat", "and", "dog", "ran", "far", "away"]
    text = " ".join(" ".join(rng.choice(words, 7)) + "." for _ in range(sentences))
    path.write_text(text, encoding="utf-8")
    return path


def arrays_npz(path, n=90, seed=0):
    """x (n, 10, 2) floats, y 3 integer classes; also x2/y2 (another draw)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    x = rng.normal(size=(n, 10, 2)) + y[:, None, None]
    np.savez(path, x=x, y=y, x2=rng.normal(size=(n, 10, 2)), y2=(np.arange(n) + 1) % 3)
    return path


def long_csv(path, sequences=60, seed=0):
    """A long table: sid, grp, t, a, b, lab, lab2; rows shuffled, lengths 4-8."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(sequences):
        for t in range(int(rng.integers(4, 9))):
            rows.append({"sid": f"s{s}", "grp": f"g{s // 2}", "t": t,
                         "a": rng.normal() + t, "b": rng.normal() + s % 2,
                         "lab": s % 2, "lab2": (s // 2) % 2})
    pd.DataFrame(rows).sample(frac=1, random_state=seed).to_csv(path, index=False)
    return path


def wide_csv(path, sequences=60, steps=8, seed=0):
    """A wide table: v0..v7 per row (some rows shorter), label 0-2."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(sequences, steps)),
                         columns=[f"v{i}" for i in range(steps)])
    frame["label"] = np.arange(sequences) % 3
    frame.iloc[::5, steps - 2:steps] = np.nan
    frame.to_csv(path, index=False)
    return path


def cell_sequences(n=120, seed=0):
    """A sequence a row, whole: id, signal (rising or falling, 20-40 steps), trend."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        steps = int(rng.integers(20, 41))
        slope = 1 if i % 2 else -1
        rows.append({"id": f"r{i}", "signal": np.round(
            slope * np.linspace(0, 2, steps) + rng.normal(0, 0.3, steps), 3),
            "trend": "up" if slope > 0 else "down"})
    return pd.DataFrame(rows)


def cell_sequences_file(path, n=120, seed=0):
    """`cell_sequences` as a CSV (`0.1 0.2 ...` in a cell), Parquet or JSONL (lists)."""
    frame = cell_sequences(n, seed)
    if str(path).endswith(".csv"):
        frame["signal"] = [" ".join(f"{v:g}" for v in cell) for cell in frame["signal"]]
        frame.to_csv(path, index=False)
    elif str(path).endswith(".parquet"):
        frame.to_parquet(path)
    else:
        frame["signal"] = [list(map(float, cell)) for cell in frame["signal"]]
        frame.to_json(path, orient="records", lines=True)
    return path


def sequence_folder(root, per_class=20, seed=0, suffix="csv"):
    """A folder of a sequence a table in class subfolders (`walk/`, `run/`): columns t,
    ax, ay; 40-59 steps of a circle at two frequencies, noisy; rows shuffled (t orders
    them)."""
    rng = np.random.default_rng(seed)
    for label, hertz in (("walk", 2.0), ("run", 4.0)):
        (root / label).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            t = np.arange(int(rng.integers(40, 60))) / 20
            frame = pd.DataFrame({"t": t,
                                  "ax": np.sin(2 * np.pi * hertz * t) + rng.normal(0, .2, len(t)),
                                  "ay": np.cos(2 * np.pi * hertz * t) + rng.normal(0, .2, len(t))})
            frame = frame.sample(frac=1, random_state=i)
            path = root / label / f"{i:03d}.{suffix}"
            frame.to_parquet(path) if suffix == "parquet" else frame.to_csv(path, index=False)
    return root


def tagged_long_csv(path, sequences=40, seed=1):
    """A long table whose label changes within a sequence: session, t, x, y, state; a
    state flips now and then, x follows it through noise; 20-59 steps; rows shuffled."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(sequences):
        state = 0
        for t in range(int(rng.integers(20, 60))):
            state = 1 - state if rng.random() < 0.1 else state
            rows.append({"session": f"s{s}", "t": t, "x": state + rng.normal(0, 0.3),
                         "y": rng.normal(), "state": "on" if state else "off"})
    pd.DataFrame(rows).sample(frac=1, random_state=seed).to_csv(path, index=False)
    return path


def own_data_files(root):
    """Writes every kind of file under `root`; returns `{name: path}`."""
    root.mkdir(parents=True, exist_ok=True)
    files = {
        "prices": price_csv(root / "prices.csv"),
        "prices2": price_csv(root / "prices2.csv", seed=1),
        "two_series": two_series_csv(root / "two_series.csv"),
        "reviews": reviews_csv(root / "reviews.csv"),
        "reviews2": reviews_csv(root / "reviews2.csv", seed=1),
        "corpus": corpus_txt(root / "corpus.txt"),
        "corpus2": corpus_txt(root / "corpus2.txt", seed=1),
        "arrays": arrays_npz(root / "arrays.npz"),
        "arrays2": arrays_npz(root / "arrays2.npz", seed=1),
        "long": long_csv(root / "long.csv"),
        "long2": long_csv(root / "long2.csv", seed=1),
        "wide": wide_csv(root / "wide.csv"),
    }
    frame = pd.read_csv(files["prices"])
    with_gaps = frame.copy()
    with_gaps.loc[with_gaps.index[::17], "close"] = np.nan
    with_gaps.to_csv(root / "prices_gaps.csv", index=False)
    files["prices_gaps"] = root / "prices_gaps.csv"
    repeated = pd.concat([frame, frame.iloc[::9].assign(close=lambda f: f.close + 50)])
    repeated.to_csv(root / "prices_repeats.csv", index=False)
    files["prices_repeats"] = root / "prices_repeats.csv"
    rated = pd.read_csv(files["reviews"])  # a number per text: a rating to regress
    rated["stars"] = np.where(rated.sentiment == "pos", 4.0, 1.5) + np.arange(len(rated)) % 4 / 4
    rated.to_csv(root / "reviews_rated.csv", index=False)
    files["reviews_rated"] = root / "reviews_rated.csv"
    for name, column in (("reviews", "sentiment"), ("wide", "label")):
        unlabelled = pd.read_csv(files[name])
        unlabelled[column] = unlabelled[column].astype(object)
        unlabelled.loc[unlabelled.index[::6], column] = None
        unlabelled.to_csv(root / f"{name}_unlabelled.csv", index=False)
        files[f"{name}_unlabelled"] = root / f"{name}_unlabelled.csv"
    gaps = pd.read_csv(files["long"])  # empty feature cells, for `data.missing`
    gaps.loc[gaps.index[3::11], "a"] = np.nan
    gaps.to_csv(root / "long_gaps.csv", index=False)
    files["long_gaps"] = root / "long_gaps.csv"
    data = np.load(files["arrays"])
    partly = data["y"].astype(np.float64)
    partly[::6] = np.nan  # a NumPy file marks an unknown label NaN
    np.savez(root / "arrays_unlabelled.npz", x=data["x"], y=partly)
    files["arrays_unlabelled"] = root / "arrays_unlabelled.npz"
    np.save(root / "x.npy", data["x"])
    np.save(root / "y.npy", data["y"])
    np.save(root / "y_other.npy", data["y2"])
    files.update(x_npy=root / "x.npy", y_npy=root / "y.npy", y_other=root / "y_other.npy")
    return files


def probe_bases(files):
    """A `data:` block per file dataset that loads (the base of its key probes)."""
    return {
        "file_series": {"path": str(files["prices"]), "time_column": "date",
                        "targets": "close", "window": 5},
        "file_text": {"path": str(files["reviews"]), "text_column": "review",
                      "label_column": "sentiment", "seq_len": 6},
        "file_corpus": {"path": str(files["corpus"]), "seq_len": 10},
        "file_arrays": {"path": str(files["arrays"])},
        "file_sequences": {"path": str(files["long"]), "id_column": "sid",
                           "time_column": "t", "value_columns": ["a", "b"],
                           "label_column": "lab"},
    }


def probe_changes(files):
    """`{(dataset, key): [(change, context)]}`: a change of each key that alters the data.

    Keys the generic probes cover (a next choice, +1 on an int, `not` on a
    bool) are left out.
    """
    return {
        ("file_series", "path"): [({"data.path": str(files["prices2"])}, {})],
        ("file_series", "time_column"): [({"data.time_column": None}, {})],
        ("file_series", "targets"): [({"data.targets": "open"}, {})],
        ("file_series", "features"): [({"data.features": ["volume"]}, {})],
        ("file_series", "categories"): [({"data.categories": ["id"]},
                                         {"data.path": str(files["two_series"]),
                                          "data.targets": "value"})],
        ("file_series", "id_column"): [({"data.id_column": "id"},
                                        {"data.path": str(files["two_series"]),
                                         "data.targets": "value"})],
        ("file_series", "missing"): [({"data.missing": "ffill"},
                                      {"data.path": str(files["prices_gaps"]),
                                       "data.missing": "drop"})],
        ("file_series", "duplicates"): [({"data.duplicates": "last"},
                                         {"data.path": str(files["prices_repeats"]),
                                          "data.duplicates": "first"})],
        ("file_text", "path"): [({"data.path": str(files["reviews2"])}, {})],
        ("file_text", "text_column"): [({"data.text_column": "title"}, {})],
        ("file_text", "label_column"): [({"data.label_column": "topic"}, {})],
        ("file_text", "max_tokens"): [({"data.max_tokens": 5}, {})],
        ("file_text", "target"): [({"data.target": "values", "data.task": "regress"},
                                   {"data.path": str(files["reviews_rated"]),
                                    "data.label_column": "stars"})],
        ("file_corpus", "path"): [({"data.path": str(files["corpus2"])}, {})],
        ("file_corpus", "max_vocab"): [({"data.max_vocab": 6}, {})],
        ("file_arrays", "path"): [({"data.path": str(files["arrays2"])}, {})],
        ("file_arrays", "y_path"): [({"data.y_path": str(files["y_other"])},
                                     {"data.path": str(files["x_npy"]),
                                      "data.y_path": str(files["y_npy"])})],
        ("file_arrays", "x_key"): [({"data.x_key": "x2"}, {})],
        ("file_arrays", "y_key"): [({"data.y_key": "y2"}, {})],
        ("file_sequences", "path"): [({"data.path": str(files["long2"])}, {})],
        ("file_sequences", "id_column"): [({"data.id_column": "grp",
                                            "data.label_column": "lab2"}, {})],
        ("file_sequences", "time_column"): [({"data.time_column": None}, {})],
        ("file_sequences", "value_columns"): [({"data.value_columns": ["a"]}, {})],
        ("file_sequences", "label_column"): [({"data.label_column": "lab2"}, {})],
    }


def probe_unlabelled(files):
    """`{dataset: context}`: a `data:` block of a file with some labels empty."""
    return {
        "file_text": {"data.path": str(files["reviews_unlabelled"])},
        "file_arrays": {"data.path": str(files["arrays_unlabelled"])},
        "file_sequences": {"data.path": str(files["wide_unlabelled"]), "data.layout": "wide",
                           "data.id_column": None, "data.time_column": None,
                           "data.value_columns": None, "data.label_column": "label"},
    }
