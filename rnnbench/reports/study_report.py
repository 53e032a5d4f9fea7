"""A study's report.md and PNG figures, read back from its run folders.

Learning curves come from each run's TensorBoard event files (TensorBoard's
own event reader), final metrics from metrics.json, epoch times from
manifest.json: the report shows what the runs wrote, nothing kept in memory.
The figures also go to the study's own TensorBoard run, `tb/`.
"""

import statistics
from pathlib import Path

import numpy as np
import pandas as pd

from rnnbench.reports import results_table
from rnnbench.runs import folders
from rnnbench.runs import stats
from rnnbench.runs.references import mean_std_text, summary


def validation_curve(run_dir, tag="epoch_loss"):
    """Per-epoch validation values from a run's TensorBoard events."""
    from tensorboard.backend.event_processing import event_accumulator
    from tensorboard.util import tensor_util
    acc = event_accumulator.EventAccumulator(
        str(Path(run_dir) / "tb" / "validation"),
        size_guidance={event_accumulator.TENSORS: 0})
    acc.Reload()
    if tag not in acc.Tags().get("tensors", []):
        return []
    events = sorted(acc.Tensors(tag), key=lambda e: e.step)
    return [float(tensor_util.make_ndarray(e.tensor_proto)) for e in events]


def inference_latency_ms(run_dir, batch_size=32):
    """Median milliseconds for one forward pass of a batch through the run's model.

    The model is rebuilt from the run's config.yaml, with the kernels a run
    picks, and given model.keras's weights: model.keras itself holds the
    plain Keras layers (`models.saving`), which would time Keras' loop where
    the run used a fused kernel.
    """
    from rnnbench.config import experiment as config_lib
    from rnnbench.models import builders, saving
    from rnnbench.runs.timing import latency_ms
    exp = config_lib.load_experiment(str(Path(run_dir) / "config.yaml"),
                                     recorded_kernels(run_dir))
    model = builders.build_model(exp, compile=False)
    # The same weights in the same order: the stand-in layers add none of their own.
    # (`load_weights` matches by saved object path, which a re-classed layer changes.)
    model.set_weights(saving.load_model(Path(run_dir) / "model.keras",
                                        compile=False).get_weights())
    shape = [batch_size] + [d if d is not None else 50 for d in model.input_shape[1:]]
    return latency_ms(model, np.zeros(shape, dtype=model.inputs[0].dtype), repeats=20)


def recorded_kernels(run_dir):
    """`--set`-style overrides for the CPU kernels the run's manifest says it built.

    A rule may hang on what only the run knew (`simple_rnn_kernel: auto` on the
    run's planned steps), so the rebuilt model takes the recorded choice of each
    `train.*_kernel` key whose layers all chose the same (else its rule again).
    """
    from rnnbench.models import speed
    manifest = folders.read_json(Path(run_dir) / "manifest.json")
    overrides = []
    for key in speed.KERNEL_KEYS.values():
        chosen = {entry["chosen"] for entry in manifest.get(key) or []}
        if len(chosen) == 1:
            overrides.append(f"train.{key}={chosen.pop()}")
    return overrides


def collect(study_dir):
    """One row per run: variant, seed, metrics, params, epoch time, curve."""
    rows = []
    for entry in folders.read_json(Path(study_dir) / "runs.json"):
        run_dir = Path(entry["run_dir"])
        metrics = folders.read_json(run_dir / "metrics.json")
        manifest = folders.read_json(run_dir / "manifest.json")
        epoch_times = manifest.get("epoch_time_s") or [np.nan]
        rows.append({**entry, **metrics,
                     "epoch_time_s": statistics.median(epoch_times),
                     "curve": validation_curve(run_dir)})
    return pd.DataFrame(rows)


def summary_table(frame, metric):
    """Mean ± sample std (ddof 1, as references) per variant of the headline metric and
    the losses; one run shows its value alone."""
    out = []
    for variant, group in frame.groupby("variant", sort=False):
        row = {"variant": variant, "runs": len(group)}
        for column in dict.fromkeys([metric, "val_loss", "test_loss"]):
            if column in group:
                row[column] = mean_std_text(*summary(group[column].tolist()))
                if column == metric:
                    row["95% CI"] = stats.interval_text(
                        stats.interval(*stats.summary(group[column].tolist())))
        row["params"] = int(group["params"].iloc[0])
        row["epochs"] = f"{group['epochs_run'].mean():.3g}"
        row["time/epoch (s)"] = f"{group['epoch_time_s'].median():.3g}"
        if "latency_ms" in group and group["latency_ms"].notna().any():
            row["latency (ms/batch of 32)"] = f"{group['latency_ms'].dropna().iloc[0]:.3g}"
        baseline = f"baseline_{metric}"
        if baseline in group:
            row[f"baseline {metric}"] = f"{group[baseline].iloc[0]:.4g}"
        out.append(row)
    return pd.DataFrame(out)


def comparison_table(frame, metric):
    """Each variant against the best by mean `metric`: Welch's t-test on per-seed values."""
    from rnnbench.data import tasks
    higher = tasks.higher_is_better(metric)
    groups = {v: stats.summary(g[metric].tolist())
              for v, g in frame.groupby("variant", sort=False)}
    best = (max if higher else min)(groups, key=lambda v: groups[v][0])
    rows = []
    for variant, ours in groups.items():
        if variant == best:
            continue
        result = stats.compare_two(ours, groups[best], higher)
        rows.append({"variant": variant, "against": best,
                     "difference": f"{ours[0] - groups[best][0]:+.4g}",
                     "test": result["test"], "p": stats.p_text(result["p"]) or "—",
                     "result": result["words"]})
    return pd.DataFrame(rows)


def plot_learning_curves(frame, path):
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for variant, group in frame.groupby("variant", sort=False):
        curves = [c for c in group["curve"] if c]
        if not curves:
            continue
        length = max(map(len, curves))
        padded = np.full((len(curves), length), np.nan)
        for i, curve in enumerate(curves):
            padded[i, :len(curve)] = curve
        epochs = np.arange(1, length + 1)
        mean = np.nanmean(padded, axis=0)
        line, = ax.plot(epochs, mean, label=f"{variant} (n={len(curves)})")
        ax.fill_between(epochs, np.nanmin(padded, axis=0), np.nanmax(padded, axis=0),
                        color=line.get_color(), alpha=0.2)
    from matplotlib.ticker import MaxNLocator
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation loss")
    ax.set_title("Validation loss per epoch: mean over seeds, band = min..max")
    ax.set_yscale("log")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_metric_vs_params(frame, metric, path):
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for variant, group in frame.groupby("variant", sort=False):
        x = group["params"].iloc[0]
        ax.errorbar(x, group[metric].mean(), yerr=group[metric].std(ddof=1) if len(group) > 1
                    else 0.0,
                    fmt="o", capsize=4, label=variant)
        ax.annotate(variant, (x, group[metric].mean()), textcoords="offset points",
                    xytext=(6, 6))
    baseline = f"baseline_{metric}"
    if baseline in frame:
        ax.axhline(frame[baseline].iloc[0], color="gray", linestyle="--",
                   label=f"naive baseline ({frame['baseline'].iloc[0]})")
    values = frame[metric].to_numpy(dtype=float)
    if values.min() > 0 and values.max() / values.min() > 20:
        ax.set_yscale("log")  # results spanning orders of magnitude stay readable
    ax.set_xlabel("parameters")
    ax.set_ylabel(metric)
    ax.set_title(f"Final {metric} vs model size (mean ± sample std over seeds)")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_times(frame, path):
    import matplotlib.pyplot as plt
    grouped = frame.groupby("variant", sort=False)
    labels = list(grouped.groups)
    epoch = [grouped.get_group(v)["epoch_time_s"].median() for v in labels]
    latency = [grouped.get_group(v)["latency_ms"].dropna().iloc[0]
               if "latency_ms" in frame and grouped.get_group(v)["latency_ms"].notna().any()
               else np.nan for v in labels]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 4))
    left.bar(labels, epoch, color="tab:blue")
    left.set_ylabel("seconds")
    left.set_title("Training time per epoch (median)")
    right.bar(labels, latency, color="tab:orange")
    right.set_ylabel("milliseconds")
    right.set_title("Inference latency, batch of 32")
    for ax in (left, right):
        ax.tick_params(axis="x", rotation=20)
        ax.grid(True, axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write(study_dir, study, metric, reproduce=None):
    """Writes report.md and figures/*.png into the study folder.

    Args:
        reproduce: the command that re-runs the study (default: by its name).
    """
    import matplotlib
    matplotlib.use("Agg")
    study_dir = Path(study_dir)
    frame = collect(study_dir)
    figures = study_dir / "figures"
    figures.mkdir(exist_ok=True)
    plot_learning_curves(frame, figures / "learning_curves.png")
    plot_metric_vs_params(frame, metric, figures / "metric_vs_params.png")
    plot_times(frame, figures / "times.png")
    table = summary_table(frame, metric)
    per_run = frame[["variant", "seed", metric, "val_loss", "params", "epochs_run",
                     "epoch_time_s"]]
    text = "\n".join([
        f"# Study `{study.name}`",
        "",
        study.description,
        "",
        f"Base experiment `{study.experiment}`, {len(table)} variants × seeds "
        f"{list(study.seeds)}; headline metric `{metric}`. Reproduce with "
        f"`{reproduce or 'rnnbench study ' + study.name}`. Every number below is read back from the run "
        "folders in `runs/` (metrics.json, manifest.json, TensorBoard events).",
        "",
        "## Summary (mean ± sample std over seeds, ddof 1; 95% CI of the mean)",
        "",
        results_table.render(table, "markdown"),
        "",
        f"## Against the best variant by mean {metric}",
        "",
        "Welch's t-test on the per-seed values, two-sided at 0.05 "
        "(rnnbench/runs/stats.py); \"not distinguishable over n seeds\" is no ranking.",
        "",
        results_table.render(comparison_table(frame, metric), "markdown")
        if frame["variant"].nunique() > 1 else "(one variant)",
        "",
        "## Figures",
        "",
        "![learning curves](figures/learning_curves.png)",
        "",
        f"![{metric} vs parameters](figures/metric_vs_params.png)",
        "",
        "![time per epoch and inference latency](figures/times.png)",
        "",
        "## Every run",
        "",
        results_table.render(per_run, "markdown"),
        "",
    ])
    folders.write_text_atomic(study_dir / "report.md", text)
    write_tensorboard(study_dir, [figures / f"{name}.png" for name in FIGURES], text)
    return study_dir / "report.md"


# The report's figures, in its order: also the study's TensorBoard images.
FIGURES = ("learning_curves", "metric_vs_params", "times")
TENSORBOARD_RUN = "tb"


def write_tensorboard(study_dir, figures, report):
    """The study's own TensorBoard run, `tb/`: the report's figures as images
    (`study/<figure>`) and its text (`study/report`, without the image links),
    so the comparison is on the board beside the runs it compares (issue 33)."""
    import tensorflow as tf
    writer = tf.summary.create_file_writer(str(Path(study_dir) / TENSORBOARD_RUN))
    with writer.as_default():
        for path in figures:
            image = tf.io.decode_png(Path(path).read_bytes(), channels=3)
            tf.summary.image(f"study/{Path(path).stem}", image[None], step=0)
        text = "\n".join(line for line in report.splitlines() if not line.startswith("!["))
        tf.summary.text("study/report", text, step=0)
    writer.close()
