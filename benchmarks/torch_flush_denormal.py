"""PyTorch twin of a bench workload with and without flushing denormals, in one process.

    python benchmarks/torch_flush_denormal.py --workload A --cell lstm --steps 10 --rounds 6

Three identical twins, timed epoch by epoch, interleaved, the order flipping every
round, from the same initial weights: `flush` and `flush_control` with denormals flushed (TensorFlow's mode, what
`rnnbench bench` sets), `keep` without. One intra-op thread, so that the mode set
before each epoch (a per-thread CPU flag) is the mode of every op. Prints JSON.
"""

import argparse
import json
import statistics

from rnnbench.bench import benchmark, torch_twins
from rnnbench.config import experiment as config_lib


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workload", default="A")
    parser.add_argument("--cell", default="lstm")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    torch = torch_twins.import_torch()
    torch.set_num_threads(1)
    workload = benchmark.WORKLOADS[args.workload]
    exp = benchmark.experiment(workload, args.cell)
    spec = config_lib.data_spec(exp)
    x, y = benchmark.training_arrays(exp, workload, args.steps)
    modes = {"flush": True, "keep": False, "flush_control": True}
    twins = {}
    for name in modes:
        torch.manual_seed(0)  # the same initial weights: only the mode differs
        twins[name] = torch_twins.TorchTwin(workload, *benchmark.CELLS[args.cell], spec,
                                            x, y,
                                            exp.train.optimizer.learning_rate, device="cpu")

    def epoch(name):
        torch.set_flush_denormal(modes[name])
        try:
            return twins[name].time_epoch()
        finally:
            torch.set_flush_denormal(True)

    for name in modes:
        epoch(name)  # warm-up
    steps = {name: [] for name in modes}
    order = list(modes)
    for round_index in range(args.rounds):
        for name in order if round_index % 2 == 0 else order[::-1]:
            steps[name].append(epoch(name).step_s)
    rates = {f"{name}_samples_per_s": round(workload.batch_size / statistics.median(s), 1)
             for name, s in steps.items()}
    ratios = {}
    for name, other in (("flush", "keep"), ("flush_control", "flush")):
        per_round = sorted(b / a for a, b in zip(steps[name], steps[other]))
        ratios[f"ratio_{name}_vs_{other}"] = [round(statistics.median(per_round), 2),
                                              round(per_round[0], 2), round(per_round[-1], 2)]
    print(json.dumps({"workload": args.workload, "cell": args.cell, "steps": args.steps,
                      "rounds": args.rounds, "torch_version": torch.__version__,
                      **benchmark.machine_mode(),
                      **rates, **ratios}, indent=2))


if __name__ == "__main__":
    main()
