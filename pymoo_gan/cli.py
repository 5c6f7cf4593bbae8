"""The ``pymoo-gan`` command line: ``pymoo-gan demo --out DIR`` runs the default search and writes its report."""

from __future__ import annotations

import argparse
import json
import os
import sys


def _demo(args) -> int:
    from pymoo.optimize import minimize

    from pymoo_gan.algorithms import nsga2
    from pymoo_gan.problems import GANSearchProblem
    from pymoo_gan.report import write_search_report

    problem = GANSearchProblem(device=args.device, progress=not args.quiet, **parse_overrides(args.set))
    print(f"pymoo-gan demo: {problem.space!r}, objectives {[o.key for o in problem.objectives]}, "
          f"pop_size={args.pop_size}, n_gen={args.n_gen}, seed={args.seed}", flush=True)
    res = minimize(problem, nsga2(pop_size=args.pop_size), ("n_gen", args.n_gen), seed=args.seed,
                   verbose=not args.quiet)
    paths = write_search_report(problem, res, args.out)
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump({"pop_size": args.pop_size, "n_gen": args.n_gen, "seed": args.seed,
                   "config": repr(problem.config)}, f, indent=2)
    print(f"{len(problem.results())} evaluations in {res.exec_time:.0f} s; wrote " + ", ".join(paths.values()))
    return 0


def parse_overrides(items: list[str]) -> dict:
    """``["warmup_epochs=2", "objectives=['fd', 'params']"]`` -> settings; values are TOML literals (else strings)."""
    import tomllib

    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--set {item!r} must look like key=value")
        try:
            out[key.strip()] = tomllib.loads(f"v = {value}")["v"]
        except tomllib.TOMLDecodeError:
            out[key.strip()] = value
    for key in ("objectives", "extra_metrics"):
        if isinstance(out.get(key), list):
            out[key] = tuple(out[key])
    return out


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pymoo-gan", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the default search (digits, NSGA-II) and write its report")
    demo.add_argument("--out", required=True, help="output folder (results.csv, pareto.csv, pareto.png, samples.png)")
    demo.add_argument("--pop-size", type=int, default=8)
    demo.add_argument("--n-gen", type=int, default=4)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1, ...")
    demo.add_argument("--quiet", action="store_true", help="no progress display")
    demo.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                      help="override a search setting, e.g. --set warmup_epochs=4 (repeatable)")
    demo.set_defaults(run=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, FileNotFoundError) as exc:  # bad input: one line, no traceback
        print(f"pymoo-gan: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
