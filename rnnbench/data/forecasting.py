"""More univariate forecasting series: two real ones and two generators.

All are `SeriesDataset`s (see `series.py`): `(window, 1)` inputs, `horizon`
targets, a chronological split, a scaler fitted on the training part only
and the persistence baseline.

- `co2`: weekly Mauna Loa CO2 (ppm), 1958-03-29 .. 2001-12-29, 2284 weeks,
  from statsmodels. 59 weeks are missing (22 gaps of 1-18 weeks, none at the
  ends); they are filled by linear interpolation between the neighbouring
  observed weeks before windowing. A gap that straddles a split boundary
  therefore borrows one observed value from the later part (the interpolated
  values are flagged in `info`, not removed).
- `airline`: monthly international airline passengers (thousands),
  1949-01 .. 1960-12, 144 values (Box & Jenkins series G), read from the
  `Airline.csv` that sktime ships (sktime itself is not imported).
- `sine`: `sin(2 pi t / period) + noise * N(0, 1)`, `t = 0 .. length - 1`.
- `mackey_glass`: the Mackey-Glass delay differential equation
  `dx/dt = 0.2 x(t - 17) / (1 + x(t - 17)^10) - 0.1 x(t)` (chaotic for
  tau = 17), integrated with RK4 at a fixed step of 0.1 (the delayed value at
  half steps is the mean of its two neighbours), sampled every 1.0 time
  unit after a washout of 500 time units.

The generators draw from `numpy.random.default_rng(data_seed)` only (the
noise of `sine`; the initial history `x(t) = 1.2 + U(-0.1, 0.1)` on
`[-17, 0]` of `mackey_glass`), so the same `data_seed` gives the same series;
the model `seed` passed to `load` is ignored.
"""

import copy

import numpy as np

from rnnbench.config.registry import DATASETS
from rnnbench.config.schema import SchemaError
from rnnbench.data.base import Param, seed_param
from rnnbench.data.packages import package_dir, package_version, require_file
from rnnbench.data.series import SeriesDataset, series_params, statsmodels_datasets


@DATASETS.register("co2")
class CO2(SeriesDataset):
    """Weekly atmospheric CO2 at Mauna Loa, 1958-2001 (2284 weeks), gaps interpolated."""

    description = "Weekly Mauna Loa CO2 1958-2001 (statsmodels), gaps interpolated."
    source = ("statsmodels.datasets.co2 (weekly 1958-03-29 .. 2001-12-29; "
              "59 missing weeks filled by linear interpolation)")
    params = series_params(window=52, season=52, season_note="52 weeks")
    reads = "statsmodels' co2 data (statsmodels is a dependency of rnnbench)"

    def observed(self):
        """The raw weekly series with its missing weeks as NaN."""
        return statsmodels_datasets("co2").co2.load_pandas().data["co2"]

    def raw_series(self):
        return self.observed().interpolate(method="linear", limit_area="inside")

    def load(self, params, split, scale, seed=None):
        splits = super().load(params, split, scale, seed)
        missing = self.observed().isna().to_numpy()
        bounds = splits.info["target_index"]
        splits.info = {
            **splits.info,
            "interpolated": {
                "total": int(missing.sum()),
                # Interpolated values among each part's targets.
                **{part: int(missing[lo:hi].sum()) for part, (lo, hi) in bounds.items()},
            },
        }
        return splits


@DATASETS.register("airline")
class Airline(SeriesDataset):
    """Monthly international airline passengers 1949-1960 (144 values, thousands)."""

    requires = ("sktime",)

    description = "Monthly airline passengers 1949-1960 (Box & Jenkins G; sktime's Airline.csv)."
    params = series_params(window=12, season=12, season_note="12 months")
    reads = "sktime/datasets/data/Airline/Airline.csv, shipped by sktime"

    @property
    def source(self):
        return (f"sktime {package_version('sktime')}: "
                "sktime/datasets/data/Airline/Airline.csv (Box & Jenkins series G)")

    def raw_series(self):
        import pandas as pd

        root = package_dir("sktime", "airline")
        path = require_file(root / "datasets" / "data" / "Airline" / "Airline.csv",
                            "airline", "sktime")
        frame = pd.read_csv(path, dtype={"Date": str, "Passengers": float})
        return frame.set_index("Date")["Passengers"]


class GeneratedSeries(SeriesDataset):
    """A `SeriesDataset` whose series is generated from params (`generate`)."""

    params = {**SeriesDataset.params,
              "length": Param(int, 2000, "number of values of the series "
                                         "(at least `window` + 3)", min=4),
              "data_seed": seed_param("the generated series (independent of the model seed)")}

    def generate(self, params):
        """Returns the series (float64 array of `params["length"]` values)."""
        raise NotImplementedError

    def check_params(self, params):
        super().check_params(params)
        if params["length"] < params["window"] + 3:
            raise SchemaError(
                "data.length",
                "Expected `data.length` to be >= `data.window` + 3, to leave "
                "targets for the three parts. "
                f"Received: length={params['length']}, window={params['window']}"
            )

    def raw_series(self, params=None):
        import pandas as pd

        if params is None:
            params = getattr(self, "_bound_params", None)
        params = self.with_defaults(params)
        values = self.generate(params)
        return pd.Series(values, index=pd.RangeIndex(len(values), name="t"))

    def series_labels(self, params):
        return list(range(self.with_defaults(params)["length"]))

    def series_values(self, params):
        return self.raw_series(params).to_numpy(dtype=np.float64)

    def load(self, params, split, scale, seed=None):
        """Returns chronological `Splits` of the generated series; `seed` is ignored."""
        bound = copy.copy(self)  # SeriesDataset.load calls raw_series() without params
        bound._bound_params = self.with_defaults(params)
        splits = SeriesDataset.load(bound, params, split, scale, seed)
        params = bound._bound_params
        splits.info = {
            **splits.info,
            "generator": {k: params[k] for k in self.params
                          if k not in ("window", "horizon", "season", "target_transform")},
        }
        return splits


@DATASETS.register("sine")
class NoisySine(GeneratedSeries):
    """A noisy sine wave: `sin(2 pi t / period) + noise * N(0, 1)`."""

    description = "Generated noisy sine wave."
    source = "generated: sin(2 pi t / period) + noise * N(0, 1)"
    params = {**GeneratedSeries.params,
              "period": Param(float, 50.0, "period of the sine, in steps",
                              min=0.0, exclusive_min=True),
              "noise": Param(float, 0.1, "standard deviation of the Gaussian noise",
                             min=0.0)}

    def generate(self, params):
        rng = np.random.default_rng(params["data_seed"])
        t = np.arange(params["length"], dtype=np.float64)
        noise = rng.standard_normal(params["length"])
        return np.sin(2 * np.pi * t / params["period"]) + params["noise"] * noise


def mackey_glass_series(length, rng, tau=17.0, beta=0.2, gamma=0.1, power=10,
                        dt=0.1, sample_every=1.0, washout=500.0, history=1.2,
                        history_jitter=0.1):
    """Integrates the Mackey-Glass equation with RK4 at a fixed step.

    `dx/dt = beta x(t - tau) / (1 + x(t - tau)^power) - gamma x(t)`. The
    history on `[-tau, 0]` is `history + U(-history_jitter, history_jitter)`
    per integration step, drawn from `rng`. The first `washout` time units
    are dropped; then every `sample_every` time units one value is kept.

    Returns:
        float64 array of `length` values.
    """
    delay = int(round(tau / dt))
    every = int(round(sample_every / dt))
    if abs(delay * dt - tau) > 1e-9 or abs(every * dt - sample_every) > 1e-9:
        raise ValueError("tau and sample_every must be multiples of dt.")
    skip = int(round(washout / dt))
    steps = skip + (length - 1) * every
    x = np.empty(delay + 1 + steps)
    x[:delay + 1] = history + rng.uniform(-history_jitter, history_jitter, delay + 1)

    def f(now, lagged):
        return beta * lagged / (1.0 + lagged ** power) - gamma * now

    values = x.tolist()  # Python floats: the loop is scalar
    for i in range(delay, delay + steps):
        lag0, lag1 = values[i - delay], values[i - delay + 1]
        lag_half = 0.5 * (lag0 + lag1)
        now = values[i]
        k1 = f(now, lag0)
        k2 = f(now + 0.5 * dt * k1, lag_half)
        k3 = f(now + 0.5 * dt * k2, lag_half)
        k4 = f(now + dt * k3, lag1)
        values[i + 1] = now + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
    x = np.asarray(values)
    return x[delay + skip::every][:length].copy()


@DATASETS.register("mackey_glass")
class MackeyGlass(GeneratedSeries):
    """The chaotic Mackey-Glass series (tau = 17), RK4 with dt = 0.1, sampled every 1.0."""

    description = "Generated Mackey-Glass chaotic series (tau=17)."
    source = ("generated: Mackey-Glass dx/dt = 0.2 x(t-17)/(1+x(t-17)^10) - 0.1 x(t), "
              "RK4 dt=0.1, sampled every 1.0 after a 500-unit washout")
    tau = 17.0

    def generate(self, params):
        rng = np.random.default_rng(params["data_seed"])
        return mackey_glass_series(params["length"], rng, tau=self.tau)
