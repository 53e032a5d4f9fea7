"""`rnnbench backtest NAME|RUN_DIR --folds K`: rolling-origin folds of a forecast (issue 31).

A single chronological cut is one sample of the future. A backtest makes K
folds with an expanding training window: with `N` target positions, a
validation size `V = round(N * val)` and a block size `B = round(N * test)`
(the experiment's own `data.split`), fold `k` (1..K) tests on the block
`[N - (K - k + 1) B, N - (K - k) B)`, validates on the `V` positions before it
and trains on everything earlier. The last fold is the experiment's own split.

Each fold is an ordinary run (its `config.yaml` differs only in
`data.split`, whose test part runs from the fold's origin to the end of the
series), in `results/backtests/<experiment>/<id>/fold<k>/`. Its model, the
naive baseline and ETS are then scored on the fold's block only (the first
windows of the run's test part, whose targets all lie in the block) by the
task's own `score`, with the fold's own scaler and MASE scale.
"""

import dataclasses
import json
import logging
from pathlib import Path

import numpy as np

from rnnbench.config import experiment as config_lib
from rnnbench.config import paths
from rnnbench.errors import UserError
from rnnbench.runs import folders, stats

log = logging.getLogger("rnnbench.runs")

WHO = ("model", "naive", "ets")


@dataclasses.dataclass
class Plan:
    """The folds' sizes in target positions."""

    positions: int  # N: target positions of the series
    val: int  # V
    block: int  # B
    folds: int  # K

    def origin(self, k):
        """The first test position of fold `k` (1-based)."""
        return self.positions - (self.folds - k + 1) * self.block

    def split(self, k):
        """The fold's `data.split` fractions: validation `V`, test from its origin on."""
        return {"val": self.val / self.positions,
                "test": (self.positions - self.origin(k)) / self.positions}


def load(target, epochs=None):
    """The experiment of a name, a file or a run folder (its `config.yaml`)."""
    path = Path(target)
    if path.is_dir():
        if not (path / "config.yaml").is_file():
            raise UserError(f"Expected NAME or a run folder holding config.yaml. Received: "
                            f"the folder {target!r} without one.")
        exp = config_lib.load_run_config(path / "config.yaml")
    else:
        exp = config_lib.load_experiment(target)
    if epochs is not None:
        if epochs < 1:
            raise UserError(f"Expected `--epochs` to be >= 1. Received: {epochs}")
        exp = with_overrides(exp, {"train.epochs": epochs})
    return exp


def with_overrides(exp, overrides):
    return config_lib.apply_overrides(config_lib.to_dict(exp), overrides,
                                      source=f"backtest of {exp.name}")


def check_series(exp, where="backtest"):
    """Refuses an experiment that is not a forecast of one series (no data is read).

    Args:
        where: what asked, for the message (`backtest`, a sweep's
            `evaluation.backtest`).

    Raises:
        UserError: a task other than forecast, a dataset other than a
            built-in series or `file_series`, or a long table (`id_column`).
    """
    from rnnbench.data.series import SeriesDataset

    dataset = config_lib.dataset_of(exp)
    if exp.data.task != "forecast" or not (
            isinstance(dataset, SeriesDataset) or exp.data.name == "file_series"):
        raise UserError(f"Expected a forecast experiment on a series (a built-in series or "
                        f"`file_series`) for {where}. Received: {exp.name!r}, dataset "
                        f"{exp.data.name!r}, task {exp.data.task!r}.")
    if exp.data.params.get("id_column"):
        raise UserError(f"Expected a table of one series for {where} (folds cut one time "
                        "axis). Received: `data.id_column` "
                        f"{exp.data.params['id_column']!r}.")


def plan(exp, folds, where="--folds"):
    """The folds of `exp`, checked before anything is written.

    Args:
        where: the option or key that gave `folds`, for the messages.

    Raises:
        UserError: not a forecast of one series, `folds` < 2, or too few
            positions for `folds` blocks and a training part.
    """
    from rnnbench.data import cache

    check_series(exp, "a backtest" if where == "--folds" else f"`{where}`")
    if folds < 2:
        raise UserError(f"Expected `{where}` to be >= 2 (one fold is `rnnbench run`). "
                        f"Received: {folds}")
    info = cache.load(exp).info
    window = exp.data.params["window"]
    n = (info["n_values"] if "n_values" in info else info["rows"]) - window
    found = Plan(n, round(n * exp.data.split.val), round(n * exp.data.split.test), folds)
    horizon = exp.data.params.get("horizon", 1)
    least = max(found.block, horizon, int(exp.data.params.get("season", 1)) + 1)
    most = (n - found.val - least) // found.block if found.block else 0
    if found.block < horizon or found.val < horizon or folds > most:
        raise UserError(
            f"Expected `{where}` to be at most {max(most, 1)} for {exp.name!r}: its "
            f"{n} target positions give test blocks of {found.block} "
            f"(data.split.test={exp.data.split.test}), a validation part of {found.val} and "
            f"at least {least} training positions before the first fold. Received: "
            f"{folds} (use fewer folds, a smaller `data.split.test`, or a longer series).")
    return found


def fold_experiment(exp, chosen, k):
    """The experiment of fold `k` of plan `chosen`: `exp` with the fold's `data.split`."""
    return with_overrides(exp, {f"data.split.{key}": value
                                for key, value in chosen.split(k).items()})


def backtest(exp, folds, results_dir=None):
    """Runs the folds and writes `backtest.json`; returns `(folder, summary dict)`."""
    from rnnbench.runs import training

    chosen = plan(exp, folds)
    out = folders.new_run_dir(paths.results_root(results_dir) / "backtests", exp.name)
    rows = []
    for k in range(1, folds + 1):
        fold_exp = fold_experiment(exp, chosen, k)
        log.info(f"backtest {exp.name}: fold {k}/{folds}, test positions "
                 f"[{chosen.origin(k)}, {chosen.origin(k) + chosen.block}) of "
                 f"{chosen.positions}")
        run_dir = out / f"fold{k}"
        training.run(fold_exp, run_dir=run_dir)
        rows.append({"fold": k, "run_dir": str(run_dir),
                     "train_positions": chosen.origin(k) - chosen.val,
                     "test_positions": [chosen.origin(k), chosen.origin(k) + chosen.block],
                     **score_fold(fold_exp, run_dir, chosen.block)})
    result = {"experiment": exp.name, "folds": folds, "target_positions": chosen.positions,
              "val_positions": chosen.val, "block_positions": chosen.block,
              "epochs": exp.train.epochs, "fold_results": rows,
              "summary": summarize(rows)}
    (out / "backtest.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    write_tensorboard(out, result)
    return out, result


def score_fold(exp, run_dir, block):
    """The model's, the naive baseline's and ETS's metrics on the fold's block."""
    from rnnbench.data import cache, statistical
    from rnnbench.runs import use

    splits = cache.load(exp)
    task = config_lib.task_of(exp)
    count = block - exp.data.params.get("horizon", 1) + 1  # windows inside the block
    if len(splits.test) < count:  # the fractions did not cut where the plan says
        raise RuntimeError(f"backtest fold of {exp.name}: {len(splits.test)} test windows, "
                           f"fewer than the block's {count}")
    x, y = splits.test.x[:count], splits.test.y[:count]
    model = use.load_model(run_dir)
    predicted = np.asarray(model.predict(x, batch_size=256, verbose=0))
    forecasts = {"model": predicted, "naive": splits.baseline_predict(x)}
    try:
        ets = statistical.series_ets(config_lib.dataset_of(exp), dict(exp.data.params), splits)
    except Exception as e:  # noqa: BLE001  (an extra baseline never fails the backtest)
        log.warning(f"no ETS row: statsmodels could not fit the training part "
                    f"({type(e).__name__}: {e})")
        ets = None
    if ets is not None:
        forecasts["ets"] = ets[1]["test"][:count]
    scores = {who: task.score(y, value, splits.inverse_transform, **splits.score_context)
              for who, value in forecasts.items()}
    scores["baseline"] = splits.baseline_name
    if ets is not None:
        scores["ets_name"] = ets[0]
    return scores


def write_tensorboard(out, result):
    """`<out>/tb`: each fold's scores as scalars `backtest/<who>_<metric>` at step = fold
    (model, naive and ETS side by side in the Scalars tab), and the table as text."""
    import tensorflow as tf

    writer = tf.summary.create_file_writer(str(out / "tb"))
    with writer.as_default():
        for row in result["fold_results"]:
            for who in WHO:
                for metric, value in row.get(who, {}).items():
                    tf.summary.scalar(f"backtest/{who}_{metric}", float(value),
                                      step=row["fold"])
        table = "\n".join(render(out, result)[:-1])
        tf.summary.text("backtest/summary", f"```\n{table}\n```", step=0)
    writer.close()


def summarize(rows):
    """`{who: {metric: {"mean", "std", "n"}}}` over the folds (sample std, ddof 1)."""
    out = {}
    for who in WHO:
        present = [r[who] for r in rows if who in r]
        if not present:
            continue
        out[who] = {}
        for metric in present[0]:
            mean, std, n = stats.summary(float(r[metric]) for r in present)
            out[who][metric] = {"mean": mean, "std": std, "n": n}
    return out


def render(out, result):
    """The per-fold table and mean ± sample std (n), one block per metric."""
    rows = result["fold_results"]
    first = rows[0]
    names = {"model": "model", "naive": f"naive: {first['baseline']}",
             "ets": "ETS" if "ets" in first else None}
    lines = [f"backtest of {result['experiment']}: {result['folds']} folds, expanding "
             f"window, test blocks of {result['block_positions']} of "
             f"{result['target_positions']} target positions"]
    for metric in first["model"]:
        header = [metric] + [f"fold {r['fold']}" for r in rows] + ["mean ± std (n)"]
        table = [header]
        for who in WHO:
            if who not in first:
                continue
            s = result["summary"][who][metric]
            std = "-" if s["std"] is None else f"{s['std']:.4g}"
            table.append([names[who]] + [f"{r[who][metric]:.4g}" for r in rows] +
                         [f"{s['mean']:.4g} ± {std} ({s['n']})"])
        widths = [max(len(row[i]) for row in table) for i in range(len(header))]
        lines.append("")
        lines.extend("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()
                     for row in table)
    if "ets" not in first:
        lines.append("\n(no ETS row: the series is longer than ETS is fitted for, or "
                     "statsmodels could not fit it; the log says which)")
    lines.append(f"\nwrote {out / 'backtest.json'} (each fold's run: {out}/fold<k>/)")
    return lines
