"""The dashboard's pictures: matplotlib figures rendered off-screen to RGBA arrays.

Figures are built on `matplotlib.figure.Figure` with the Agg canvas, never
through `pyplot`: no backend is chosen for the process, no global figure
list grows, and a run in a thread draws safely. Each picture is at most
~800x500 pixels (TensorBoard stores it as a PNG of tens of kB).
"""

import numpy as np

DPI = 100
ACTUAL, MODEL, NAIVE = "black", "tab:blue", "tab:orange"


def figure(width=8.0, height=4.5, rows=1, cols=1, **kwargs):
    """A new off-screen figure and its axes."""
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    return fig, fig.subplots(rows, cols, squeeze=False, **kwargs)


def to_rgba(fig):
    """The rendered figure as an `(height, width, 4)` uint8 array."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


def to_png(fig):
    """The rendered figure as PNG bytes."""
    import io
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def forecast(index, actual, predicted, naive, naive_name, units):
    """One-step-ahead test forecasts against the truth and the naive forecast."""
    fig, ((ax,),) = figure()
    ax.plot(index, actual, color=ACTUAL, lw=1.4, label="actual")
    ax.plot(index, predicted, color=MODEL, lw=1.2, label="model")
    ax.plot(index, naive, color=NAIVE, lw=1.0, ls="--", label=f"naive: {naive_name}")
    ax.set_xlabel("series index (test part)")
    ax.set_ylabel(units)
    ax.set_title("Test part, one step ahead: actual vs model vs naive")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return to_rgba(fig)


def residuals(index, model_residuals, naive_residuals, units):
    """The test residuals over time and their histograms, model vs naive."""
    fig, ((left, right),) = figure(cols=2, width_ratios=[2, 1])
    left.axhline(0, color="gray", lw=0.8)
    left.plot(index, model_residuals, color=MODEL, lw=1.0, label="model")
    left.plot(index, naive_residuals, color=NAIVE, lw=0.8, alpha=0.7, label="naive")
    left.set_xlabel("series index (test part)")
    left.set_ylabel(f"actual - forecast ({units})")
    left.set_title("Residuals, one step ahead")
    left.grid(True, alpha=0.3)
    left.legend(fontsize=8)
    bins = np.histogram_bin_edges(np.concatenate([model_residuals, naive_residuals]), 30)
    right.hist(naive_residuals, bins=bins, color=NAIVE, alpha=0.5, label="naive")
    right.hist(model_residuals, bins=bins, color=MODEL, alpha=0.7, label="model")
    right.set_xlabel(units)
    right.set_title("Distribution")
    return to_rgba(fig)


def fan(index, actual, paths, origins, units):
    """Multi-step forecasts: from each of a few origins, the whole horizon.

    Args:
        index, actual: the one-step targets of the test part.
        paths: `(len(origins), horizon)` forecasts; origin `o` forecasts
            `index[o] .. index[o] + horizon - 1`.
    """
    fig, ((ax,),) = figure()
    ax.plot(index, actual, color=ACTUAL, lw=1.4, label="actual")
    for k, (origin, path) in enumerate(zip(origins, paths)):
        steps = index[origin] + np.arange(len(path))
        ax.plot(steps, path, color=MODEL, lw=1.1, alpha=0.85,
                label=f"model, {len(path)} steps ahead" if k == 0 else None)
        ax.plot(steps[:1], path[:1], "o", color=MODEL, ms=3)
    ax.set_xlabel("series index (test part)")
    ax.set_ylabel(units)
    ax.set_title("Test part: the whole horizon forecast from several origins")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    return to_rgba(fig)


def confusion(matrix, names, normalised):
    """A confusion matrix (rows: true class, columns: predicted), counts or row shares."""
    n = len(names)
    size = min(9.0, 3.0 + 0.45 * n)
    fig, ((ax,),) = figure(size + 1.2, size)
    shown = matrix / np.maximum(matrix.sum(1, keepdims=True), 1) if normalised else matrix
    image = ax.imshow(shown, cmap="Blues", vmin=0, vmax=1 if normalised else None)
    fig.colorbar(image, ax=ax, shrink=0.8)
    ax.set_xticks(range(n), names, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(n), names, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("Test confusion matrix" + (", share of each true class" if normalised
                                             else ", counts"))
    if n <= 20:
        top = shown.max() if shown.size else 0
        for i in range(n):
            for j in range(n):
                text = f"{shown[i, j]:.2f}" if normalised else f"{int(shown[i, j])}"
                ax.text(j, i, text, ha="center", va="center", fontsize=7,
                        color="white" if shown[i, j] > 0.6 * top else "black")
    return to_rgba(fig)


def series_examples(series, titles):
    """A few input series (each `(steps, features)`), one panel each."""
    fig, axes = figure(8, 1.8 * len(series) + 0.6, rows=len(series), sharex=True)
    for (ax,), values, title in zip(axes, series, titles):
        ax.plot(np.asarray(values).reshape(len(values), -1), lw=1.0)
        ax.set_title(title, fontsize=9)
        ax.grid(True, alpha=0.3)
    axes[-1][0].set_xlabel("time step")
    return to_rgba(fig)


def per_step(actual, predicted, titles, ylabel):
    """Predicted vs actual per time step for a few examples."""
    fig, axes = figure(8, 1.8 * len(actual) + 0.6, rows=len(actual), sharex=True)
    for (ax,), truth, guess, title in zip(axes, actual, predicted, titles):
        steps = np.arange(len(truth))
        ax.step(steps, truth, where="mid", color=ACTUAL, lw=1.4, label="actual")
        ax.step(steps, guess, where="mid", color=MODEL, lw=1.0, ls="--", label="model")
        ax.set_title(title, fontsize=9)
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.3)
    axes[0][0].legend(fontsize=8)
    axes[-1][0].set_xlabel("time step")
    return to_rgba(fig)


def scatter(actual, predicted, naive, units):
    """Predicted against actual values (one point per output), with the naive's."""
    fig, ((ax,),) = figure(6, 5.5)
    ax.scatter(actual, naive, s=8, color=NAIVE, alpha=0.5, label="naive")
    ax.scatter(actual, predicted, s=8, color=MODEL, alpha=0.7, label="model")
    low = float(np.nanmin([actual.min(), predicted.min()]))
    high = float(np.nanmax([actual.max(), predicted.max()]))
    ax.plot([low, high], [low, high], color="gray", lw=0.8, ls=":")
    ax.set_xlabel(f"actual ({units})")
    ax.set_ylabel(f"predicted ({units})")
    ax.set_title("Test part: predicted vs actual")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    return to_rgba(fig)


def piano_roll(actual, probabilities):
    """A test piece: its actual notes above the model's note probabilities."""
    fig, ((top,), (bottom,)) = figure(9, 5.5, rows=2, sharex=True)
    for ax, roll, title in ((top, actual, "actual notes"),
                            (bottom, probabilities, "model: probability of each note")):
        image = ax.imshow(roll.T, aspect="auto", origin="lower", cmap="magma",
                          vmin=0, vmax=1, interpolation="nearest")
        ax.set_ylabel("key")
        ax.set_title(title, fontsize=9)
    fig.colorbar(image, ax=[top, bottom], shrink=0.8)
    bottom.set_xlabel("time step (next frame)")
    return to_rgba(fig)
