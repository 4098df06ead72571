"""The ``undoc`` command line: parse arguments, call importable functions, report errors in one line."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from pipeline import __version__
from pipeline.errors import UndocError

log = logging.getLogger("undoc")
INTERNAL_ERROR_EXIT = 70


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", default="outputs", metavar="DIR",
                        help="output folder (default: outputs)")
    parser.add_argument("--config", default=None, metavar="FILE",
                        help="config name (default, fast, ...) or path to a TOML file")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="undoc", description="Review Chinese translations of UN documents, offline.")
    parser.add_argument("--version", action="version", version=f"undoc {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run every stage on a Chinese document (and its English original)")
    run.add_argument("file", help="the Chinese document")
    run.add_argument("--en", default=None, metavar="FILE", help="the English original")
    run.add_argument("--device", choices=("auto", "cpu", "cuda"), default=None,
                     help="where models run (default: from the config)")
    _common(run)

    seg = sub.add_parser("segment", help="rebuild a document's structure; writes DIR/<doc-id>/document.json")
    seg.add_argument("file")
    seg.add_argument("--lang", choices=("zh", "en", "auto"), default="auto",
                     help="document language (default: detect)")
    _common(seg)

    aln = sub.add_parser("align", help="segment both documents and align them; writes alignment.json/.tsv/.tmx")
    aln.add_argument("file", help="the Chinese document")
    aln.add_argument("en_file", help="the English original")
    aln.add_argument("--device", choices=("auto", "cpu", "cuda"), default=None)
    _common(aln)

    for name, text in (("check", "flag translation defects; writes flags.json (more checks with --en)"),
                       ("summarize", "section and executive summaries; writes summaries.json and summaries.md"),
                       ("report", "every stage, then the reviewer report (report.html, report.md)")):
        p = sub.add_parser(name, help=text)
        p.add_argument("file", help="the Chinese document")
        p.add_argument("--en", default=None, metavar="FILE", help="the English original")
        p.add_argument("--device", choices=("auto", "cpu", "cuda"), default=None)
        _common(p)

    bat = sub.add_parser("batch", help="every document of a folder: one output folder each, index.html/.csv; "
                         "resumable")
    bat.add_argument("input_dir", help="folder of Chinese documents (English originals may sit beside them)")
    bat.add_argument("--en-dir", default=None, metavar="DIR", help="folder of English originals (default: INPUT_DIR)")
    bat.add_argument("--engine", choices=("local", "ray"), default="local",
                     help="local worker processes (default) or a Ray cluster")
    bat.add_argument("--workers", type=int, default=1, metavar="N",
                     help="worker processes or Ray actors, each loading the models once (default: 1)")
    bat.add_argument("--ray-address", default=None, metavar="ADDR",
                     help="Ray cluster to join (default: RAY_ADDRESS, else a local instance)")
    bat.add_argument("--export-dataset", default=None, metavar="DIR",
                     help="also write the aligned sentence pairs and flags as a Hugging Face dataset (Parquet)")
    bat.add_argument("--device", choices=("auto", "cpu", "cuda"), default=None)
    _common(bat)

    sub.add_parser("stages", help="list the registered stages")

    models = sub.add_parser("models", help="list, verify or prepare the offline models")
    models_sub = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    for action, text in (("list", "roles, backends, installed or not, sizes, licences"),
                         ("verify", "load each configured model, run a tiny input, check hashes"),
                         ("prepare", "assemble (and convert) the packaged models once, with progress")):
        p = models_sub.add_parser(action, help=text)
        p.add_argument("--config", default=None, metavar="FILE", help="config name or TOML file")
        p.add_argument("--device", choices=("auto", "cpu", "cuda"), default=None)
        if action == "prepare":
            p.add_argument("--size", action="append", choices=("0.5b", "1.5b"),
                           help="packaged model size (default: the sizes the config uses)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="undoc: %(levelname)s: %(message)s")
    if args.quiet:
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return _dispatch(args)
    except UndocError as exc:
        if args.debug:
            raise
        print(f"undoc: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("undoc: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        print(f"undoc: internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)",
              file=sys.stderr)
        return INTERNAL_ERROR_EXIT


def _progress(args: argparse.Namespace):
    if args.quiet:
        return None
    return lambda message: print(f"undoc: {message}", file=sys.stderr, flush=True)


def _dispatch(args: argparse.Namespace) -> int:
    from pipeline.config import load_config

    if args.command == "stages":
        from pipeline import registry

        for name in registry.names():
            spec = registry.get(name)
            print(f"{name:10s} requires: {', '.join(spec.requires) or '-':20s} provides: "
                  f"{', '.join(spec.provides):30s} {spec.description}")
        return 0
    if args.command == "models":
        return _models(args)
    overrides = {}
    if getattr(args, "device", None):
        overrides["run.device"] = args.device
    config = load_config(args.config, overrides)
    if config.run.device == "cuda":  # fail before any work, not when the first model loads
        from models.device import resolve_device

        resolve_device("cuda")
    progress = _progress(args)
    started = time.perf_counter()
    if args.command == "batch":
        return _batch(args, config, progress)
    if args.command == "run":
        from pipeline.runner import run_pipeline

        out = run_pipeline(args.file, config, en_path=args.en, output_dir=args.output, progress=progress)
        _warn_findings(out)
    elif args.command == "align":
        from pipeline.runner import run_pipeline

        out = run_pipeline(args.file, config, en_path=args.en_file, output_dir=args.output, progress=progress,
                           stages=["ingest", "segment", "align"])
        _warn_findings(out)
    elif args.command in ("check", "summarize", "report"):
        from pipeline.runner import run_pipeline

        if args.command == "report":  # every configured stage, the report last
            stages = [s for s in config.run.stages if s != "report"] + ["report"]
        else:
            stages = ["ingest", "segment", *(["align"] if args.en else []), args.command]
        out = run_pipeline(args.file, config, en_path=args.en, output_dir=args.output, progress=progress,
                           stages=stages)
        _warn_findings(out)
    elif args.command == "segment":
        from pipeline.atomic import atomic_write_json
        from pipeline.runner import run_file, write_run_record

        doc = run_file(args.file, args.lang, config, progress, stages=["ingest", "segment"])
        out = Path(args.output) / doc.id
        atomic_write_json(out / "document.json", doc.to_dict())
        write_run_record(out, config, {doc.language: args.file}, time.perf_counter() - started)
    else:  # pragma: no cover - argparse rejects unknown commands
        raise AssertionError(args.command)
    if progress:
        progress(f"wrote {out} in {time.perf_counter() - started:.1f}s")
    return 0


def _batch(args: argparse.Namespace, config, progress) -> int:
    """``undoc batch``: exit 0 when every document is ok, BATCH_FAILED_EXIT when any failed."""
    from pipeline.batch import run_batch

    result = run_batch(args.input_dir, config, args.output, en_dir=args.en_dir, engine=args.engine,
                       workers=args.workers, ray_address=args.ray_address, export_dir=args.export_dataset,
                       progress=progress)
    failed = len(result.failed)
    print(f"undoc: batch: {len(result.records) - failed} ok, {failed} failed of {len(result.records)} "
          f"({result.reused} skipped as current) in {result.seconds:.1f}s; index: {result.output_dir / 'index.html'}",
          file=sys.stderr)
    return result.exit_code


def _warn_findings(out: Path) -> None:
    """One line per high-severity pair finding (not a translation of each other, lengths far apart)."""
    import json

    path = out / "alignment.json"
    if not path.exists():
        return
    data = json.loads(path.read_text(encoding="utf-8"))
    for finding in data.get("structure_findings", []):
        if finding["kind"] in ("pair_mismatch", "length_ratio"):
            print(f"undoc: warning: {finding['message']} (overall alignment score {data['overall_score']:.2f})",
                  file=sys.stderr)


def _models(args: argparse.Namespace) -> int:
    from models import manage
    from pipeline.config import load_config

    overrides = {"run.device": args.device} if args.device else {}
    config = load_config(args.config, overrides)
    progress = _progress(args)
    if args.models_command == "list":
        print(f"{'role':10s} {'backend':13s} {'installed':9s} {'MiB':>7s} {'default':7s} {'licence':12s} model")
        for row in manage.list_models(config):
            size = f"{row.size_mb:,.0f}" if row.size_mb is not None else "-"
            print(f"{row.role:10s} {row.backend:13s} {'yes' if row.installed else 'no':9s} {size:>7s} "
                  f"{'*' if row.default else '':7s} {row.licence[:12]:12s} {row.model}")
        return 0
    if args.models_command == "verify":
        results = manage.verify(config, progress)
        for role, ok, message in results:
            print(f"{'ok  ' if ok else 'FAIL'} {role:10s} {message}")
        return 0 if all(ok for _, ok, _ in results) else 4
    sizes = args.size or sorted({s.size for s in (config.models.lm, config.models.generator) if s.backend != "hf"})
    for line in manage.prepare(config, sizes, progress):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
