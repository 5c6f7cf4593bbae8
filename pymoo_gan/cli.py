"""The ``pymoo-gan`` command line.

``pymoo-gan demo --out DIR`` runs the default search (stage 1 on the embedded digits) and writes its report; ``pymoo-gan
search problems/small_cpu.toml --out DIR`` runs a problem file: stage 1, stage 2, retraining and export, resuming from
the checkpoints in DIR when it is run again (a file with ``kind = "coarse_to_fine"``, e.g.
``problems/c2f_sr_digits.toml``, runs the coarse-to-fine search of :mod:`pymoo_gan.runs.c2f_run` instead); ``pymoo-gan
evaluate G.pt --dataset digits`` scores an exported generator; ``pymoo-gan plot DIR --format pdf`` redraws a run's
figures and tables and writes its report.html.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import typing

import tomllib

from pymoo_gan import registry
from pymoo_gan.data.config import DataConfig
from pymoo_gan.data.registry import dataset_names
from pymoo_gan.evaluation.config import MetricsConfig
from pymoo_gan.evaluation.scorer import CandidateScorer
from pymoo_gan.problems import SearchConfig
from pymoo_gan.problems.config import setting_path
from pymoo_gan.report import FORMATS, replot_run
from pymoo_gan.runs import load_run_config, run_two_stage
from pymoo_gan.runs.c2f_run import is_c2f_file, load_c2f_config, run_c2f
from pymoo_gan.runs.compress import compress
from pymoo_gan.runs.config import EvolutionConfig, set_dotted
from pymoo_gan.runs.demo import run_demo
from pymoo_gan.runs.export import load_generator
from pymoo_gan.runs.finetune import FinetuneConfig
from pymoo_gan.runs.schema import from_dict
from pymoo_gan.runs.two_stage import retrain_run
from pymoo_gan.training.device import resolve_device


def _demo(args) -> int:
    config = search_settings(args.set, device=args.device)
    evolution = from_dict(EvolutionConfig, options_of(args, EvolutionConfig))
    tune = from_dict(FinetuneConfig, options_of(args, FinetuneConfig))
    print(f"pymoo-gan demo: {config.model.space} generator space, objectives {list(config.objectives)}, "
          f"pop_size={evolution.pop_size}, n_gen={evolution.n_gen}, seed={args.seed} -> {args.out}", flush=True)
    _print_data(config.data)
    summary = run_demo(config, evolution, tune, args.out, seed=args.seed, fresh=args.fresh,
                       progress=not args.quiet, verbose=not args.quiet, formats=tuple(args.format or ["png"]))
    _print_extractor(summary.get("extractor", {}))
    tuned = summary.get("finetune")
    if tuned:
        fd = tuned["fd_key"]
        print(f"trained {tuned['genotype']} ({tuned['rule']} of the Pareto set) standalone from {tuned['init']} for "
              f"{tuned['steps']} steps in {tuned['seconds']:.0f} s: {fd} {tuned[fd + '_supernet']:.4g} on the supernet "
              f"-> {tuned[fd]:.4g} standalone")
    print(f"{summary['evaluations']} evaluations; {summary['seconds']['total']:.0f} s; wrote "
          + ", ".join(summary["paths"].values()))
    return 0


def _print_data(data: DataConfig) -> None:
    """One line about the training images: dataset, resolution and channel count (an image folder of grey images has
    one channel)."""
    where = f" {data.root}" if data.root else ""
    channels = data.channels
    print(f"data: {data.dataset}{where} at {data.resolution}x{data.resolution}, {channels} channel"
          f"{'s' if channels > 1 else ''}", flush=True)


def _print_extractor(info: dict) -> None:
    """One line about the extractor the scores come from (classes, held-out accuracy) and its warning, if any."""
    if not info:
        return
    parts = [f"scores from extractor {info['name']}"]
    if "classes" in info:
        parts.append(f"{info['classes']} classes, held-out accuracy {info['held_out_accuracy']:.3f}")
    print("; ".join(parts), flush=True)
    if info.get("warning"):
        print(f"pymoo-gan: warning: {info['warning']}", file=sys.stderr, flush=True)


def _search(args) -> int:
    if is_c2f_file(args.file):
        return _search_c2f(args)
    config = load_run_config(args.file, parse_overrides(args.set))
    print(f"pymoo-gan search: {config.name} ({', '.join(config.stages)}) -> {args.out}", flush=True)
    _print_data(config.stage1.problem.data)
    summary = run_two_stage(config, args.out, fresh=args.fresh, progress=not args.quiet, verbose=not args.quiet)
    _print_extractor(summary.get("extractor", {}))
    print(f"done: {args.out}/summary.json")
    for row in summary.get("final", []):
        print("  pair {pair}: ".format(**row) + ", ".join(f"{k}={v:.4g}" for k, v in row.items()
                                                         if isinstance(v, float)))
    return 0


def _search_c2f(args) -> int:
    config = load_c2f_config(args.file, parse_overrides(args.set))
    print(f"pymoo-gan search: {config.name} (coarse-to-fine: path, op, width) -> {args.out}", flush=True)
    summary = run_c2f(config, args.out, fresh=args.fresh, progress=not args.quiet)
    if summary["baseline"]:
        print("  bicubic: " + ", ".join(f"{k}={v:.4g}" for k, v in summary["baseline"].items()))
    for level in summary["levels"]:
        print(f"  {level['level']}: {level['evaluated']} evaluated, {level['front']} on the front")
    print(f"done: {args.out}/summary.json")
    return 0


def _retrain(args) -> int:
    summary, root = retrain_run(args.run_dir, parse_overrides(args.set), fresh=args.fresh, progress=not args.quiet)
    print(f"done: {root}/summary.json")
    for row in summary.get("final", []):
        print("  pair {pair}: ".format(**row) + ", ".join(f"{k}={v:.4g}" for k, v in row.items()
                                                         if isinstance(v, float)))
    return 0


def _add_retrain(sub) -> None:
    retrain = sub.add_parser("retrain", help="retrain the chosen pairs of a finished (or stage-2-finished) search "
                                             "run with its settings")
    retrain.add_argument("run_dir", help="a run directory of `pymoo-gan search`")
    retrain.add_argument("--set", action="append", default=[], metavar="retrain.KEY=VALUE",
                         help="change a retrain setting, e.g. --set retrain.epochs=60 (repeatable); results then go "
                              "to RUN_DIR/retrain_<hash>/, never over the run's own")
    retrain.add_argument("--fresh", action="store_true", help="discard the retraining state and start it over")
    retrain.add_argument("--quiet", action="store_true", help="no progress display")
    retrain.set_defaults(run=_retrain)


def _evaluate(args) -> int:
    device = resolve_device(args.device)
    G = load_generator(args.generator, map_location=device)
    data = from_dict(DataConfig, {**options_of(args, DataConfig), "resolution": G.arch.macro.resolution})
    metrics = from_dict(MetricsConfig, options_of(args, MetricsConfig))
    scores = CandidateScorer(data, metrics, latent_dim=G.latent_dim, device=device, seed=args.seed).score_generator(G)
    print(json.dumps({"generator": args.generator, "dataset": data.dataset, "n_samples": metrics.n_samples,
                      "reference": "train split", **scores}, indent=2))
    return 0


def _compress(args) -> int:
    summary = compress(args.run_dir, args.out, student_width=args.student_width, d_width=args.d_width,
                       density=args.density, density_d=args.density_d, sparse_mode=args.sparse_mode,
                       weight=args.weight, start_epoch=args.start_epoch, teacher=args.teacher, pair=args.pair,
                       overrides=parse_overrides(args.set), progress=not args.quiet, fresh=args.fresh)
    for row in summary["comparison"]:
        print(f"  {row['role']}: " + ", ".join(f"{k}={v:.4g}" for k, v in row.items() if isinstance(v, float)))
    print(f"done: {args.out}/comparison.csv, {args.out}/generator.pt")
    return 0


def _plot(args) -> int:
    paths = replot_run(args.run_dir, formats=tuple(args.format or ["png"]))
    print(f"wrote {len(paths)} files into {args.run_dir}, among them {paths.get('report.html', 'no report')}")
    return 0


def search_settings(items: list[str], **fixed) -> SearchConfig:
    """The :class:`SearchConfig` of ``--set`` items (dotted keys such as ``train.ema_decay=0.99``, or a name that
    one section has, such as ``n_samples=200``; validated like a problem file's ``[stage1.problem]``) and ``fixed``
    settings."""
    data: dict = {}
    for key, value in {**parse_overrides(items), **fixed}.items():
        set_dotted(data, setting_path(SearchConfig, key), value)
    return from_dict(SearchConfig, data)


def parse_overrides(items: list[str]) -> dict:
    """``["warmup_epochs=2", "objectives=['fd', 'params']"]`` -> ``{dotted key: value}``; values are TOML literals (else
    strings)."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--set {item!r} must look like key=value")
        try:
            out[key.strip()] = tomllib.loads(f"v = {value}")["v"]
        except tomllib.TOMLDecodeError:
            out[key.strip()] = value
    return out


_CHOICES = {"dataset": dataset_names, "extractor": lambda: tuple(registry.EXTRACTORS)}


def add_settings_options(parser: argparse.ArgumentParser, cls, skip: tuple[str, ...] = (), **defaults) -> None:
    """One ``--field-name`` option per field of settings dataclass ``cls`` (type, choices and default from the
    dataclass; ``defaults`` replace some), so the command line follows the settings without a second list."""
    hints = typing.get_type_hints(cls)
    group = parser.add_argument_group(f"{cls.__name__} settings", (cls.__doc__ or "").split("\n\n")[0])
    for f in dataclasses.fields(cls):
        if f.name in skip:
            continue
        default = defaults.get(f.name, f.default)
        tp = hints[f.name]
        options = [t for t in typing.get_args(tp) if t is not type(None)] or [tp]
        kwargs: dict = {"default": default, "dest": f.name, "help": f"(default: {default})"}
        if options[0] is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        elif options[0] is tuple or typing.get_origin(options[0]) is tuple:
            kwargs["nargs"] = "*"
        else:
            kwargs["type"] = options[0]
        if f.name in _CHOICES:
            kwargs["choices"] = _CHOICES[f.name]()
        group.add_argument("--" + f.name.replace("_", "-"), **kwargs)


def options_of(args: argparse.Namespace, cls) -> dict:
    """The values of ``cls``'s options in parsed ``args`` (see :func:`add_settings_options`)."""
    return {f.name: getattr(args, f.name) for f in dataclasses.fields(cls) if hasattr(args, f.name)}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pymoo-gan", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the default search (digits, NSGA-II) and write its report")
    demo.add_argument("--out", required=True, help="run directory (results.csv, pareto.csv, plots, report.html); "
                      "re-running the command resumes it, other settings are refused")
    add_settings_options(demo, EvolutionConfig, skip=("prob_crossover", "prob_mutation"))
    add_settings_options(demo, FinetuneConfig)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--fresh", action="store_true",
                      help="discard this demo's checkpoint (same settings) and start over")
    demo.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1, ...")
    demo.add_argument("--quiet", action="store_true", help="no progress display")
    demo.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                      help="override a search setting, e.g. --set train.ema_decay=0.99 (repeatable)")
    demo.set_defaults(run=_demo)
    search = sub.add_parser("search", help="run a problem file (TOML): stage 1, stage 2, retrain, export")
    search.add_argument("file", help="problem file, e.g. problems/small_cpu.toml")
    search.add_argument("--out", required=True, help="run directory; re-running the command resumes it")
    search.add_argument("--fresh", action="store_true",
                        help="discard this run's checkpoints (e.g. a damaged one) and start over")
    search.add_argument("--quiet", action="store_true", help="no progress display")
    search.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help="override a setting, e.g. --set stage1.algorithm.n_gen=2 (repeatable)")
    search.set_defaults(run=_search)
    _add_retrain(sub)
    evaluate = sub.add_parser("evaluate", help="score an exported generator against a dataset's training statistics")
    evaluate.add_argument("generator", help="a file written by export_model, e.g. DIR/export/final/generator_0.pt")
    add_settings_options(evaluate, DataConfig, skip=("resolution",))  # the generator's resolution
    add_settings_options(evaluate, MetricsConfig, n_samples=50_000)  # the papers' sample count
    evaluate.add_argument("--seed", type=int, default=0, help="seed of the latents")
    evaluate.add_argument("--device", default="auto")
    evaluate.set_defaults(run=_evaluate)
    comp = sub.add_parser("compress", help="train a narrower and/or sparser student of a run's pair (DGL-GAN, STU-GAN)")
    comp.add_argument("run_dir", help="a finished run directory of `search` (its retrained pair is the teacher)")
    comp.add_argument("--out", required=True, help="output folder; re-running the command resumes it")
    comp.add_argument("--student-width", type=float, default=0.5, help="student G channels / teacher's (default 0.5)")
    comp.add_argument("--d-width", type=float, help="student D channels / teacher's (default: --student-width)")
    comp.add_argument("--density", type=float, help="STU-GAN: G's convolution density (default: dense)")
    comp.add_argument("--density-d", type=float, help="STU-GAN: D's convolution density (default 0.5)")
    comp.add_argument("--sparse-mode", choices=("dynamic", "static"), default="dynamic")
    comp.add_argument("--weight", type=float, default=0.1, help="DGL-GAN's lambda; 0: no teacher term (default 0.1)")
    comp.add_argument("--start-epoch", type=float, help="epoch the teacher term starts (default: half the epochs)")
    comp.add_argument("--teacher", help="an exported D file or 'train' (default: the run's retrained pair's D)")
    comp.add_argument("--pair", type=int, default=0, help="which retrained pair of the run (default 0)")
    comp.add_argument("--fresh", action="store_true", help="discard this output's checkpoints and start over")
    comp.add_argument("--quiet", action="store_true", help="no progress display")
    comp.add_argument("--set", action="append", default=[], metavar="retrain.KEY=VALUE",
                      help="override a setting of the run, e.g. --set retrain.epochs=50 (repeatable)")
    comp.set_defaults(run=_compress)
    plot = sub.add_parser("plot", help="redraw every figure and table of a run directory and write its report.html")
    plot.add_argument("run_dir", help="a run directory of `search` or an output folder of `demo`")
    plot.set_defaults(run=_plot)
    for command in (demo, plot):
        command.add_argument("--format", action="append", choices=FORMATS, metavar="FORMAT",
                             help=f"figure format, repeatable: {', '.join(FORMATS)} (default: png)")
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
