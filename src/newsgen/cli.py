"""The command line: parses arguments, calls the pipeline, prints errors and picks exit codes."""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from . import __version__
from .build import BuildOptions, BuildReport, build, check, next_due
from .cache import BuildCache
from .config import CONFIG_FILE, SiteConfig, load_config, normalise_base_url
from .errors import BuildFailed, NewsgenError, SourceLocation, UsageError
from .scaffold import init_site, new_article
from .theme import THEME_DIR

if TYPE_CHECKING:
    from .deploy import DeployReport

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


def build_time() -> datetime:
    """The build's ``now``: ``SOURCE_DATE_EPOCH`` when set (reproducible builds), else the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return datetime.now(UTC)
    try:
        return datetime.fromtimestamp(int(epoch), UTC)
    except (ValueError, OverflowError, OSError):
        raise UsageError(None, f"SOURCE_DATE_EPOCH must be a whole number of seconds, not '{epoch}'") from None


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of 1 or more")
    return int(text)


class ProgressDisplay:
    """Phase and counts on stderr once a build has run for ``delay`` seconds: one rewritten line on a
    terminal, a plain line per phase (and every 10 %) otherwise."""

    def __init__(self, *, terminal: bool, delay: float = 2.0) -> None:
        self.terminal = terminal
        self.started = time.monotonic()
        self.delay = delay
        self.shown = False
        self.last: tuple[str, int] = ("", -1)

    def __call__(self, phase: str, done: int, total: int) -> None:
        if time.monotonic() - self.started < self.delay and done < total:
            return
        if self.terminal:
            print(f"\r\x1b[K{phase}: {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)
            self.shown = done < total
            return
        tenth = done * 10 // max(total, 1)
        if (phase, tenth) != self.last and time.monotonic() - self.started >= self.delay:
            self.last = (phase, tenth)
            print(f"{phase}: {done}/{total}", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.shown:
            print(file=sys.stderr, flush=True)
            self.shown = False


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsgen", description="A static site generator for news publishers.")
    parser.add_argument("--version", action="version", version=f"newsgen {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def site_options(command: argparse.ArgumentParser) -> None:
        command.add_argument("site", nargs="?", default=".", type=Path, help="the site folder (default: .)")
        command.add_argument("--drafts", action="store_true", help="include articles and pages marked draft")
        command.add_argument("--future", action="store_true", help="include embargoed (future-dated) articles")
        command.add_argument("--base-url", help="override base_url (e.g. for a preview deploy)")

    def jobs_option(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--jobs",
            type=_positive,
            metavar="N",
            help="worker processes for parsing and rendering (default: all cores)",
        )

    build_command = commands.add_parser("build", help="build the site into its output folder")
    site_options(build_command)
    build_command.add_argument("--out", type=Path, help="output folder (default: SITE/public)")
    build_command.add_argument(
        "--next-due",
        action="store_true",
        help="print only when the next embargoed article becomes due (nothing if none) and write nothing",
    )
    jobs_option(build_command)
    build_command.add_argument(
        "--clean",
        action="store_true",
        help="ignore the build cache (.newsgen-cache/): read, parse and build everything afresh",
    )
    build_command.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors and warnings")

    check_command = commands.add_parser("check", help="validate content and internal links without writing")
    site_options(check_command)
    jobs_option(check_command)

    new_command = commands.add_parser("new", help="write a new article file")
    new_command.add_argument("kind", choices=["article"])
    new_command.add_argument("title")
    new_command.add_argument("--section", required=True, help="the key of a section in newsgen.yaml")
    new_command.add_argument("--byline", default="Staff Reporter", help="author name (default: Staff Reporter)")
    new_command.add_argument("--site", type=Path, default=Path("."), help="the site folder (default: .)")

    serve_command = commands.add_parser("serve", help="build, serve on 127.0.0.1 and rebuild and reload on every save")
    site_options(serve_command)
    serve_command.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve_command.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)")
    serve_command.add_argument("--open", action="store_true", help="open the site in the web browser")

    init_command = commands.add_parser("init", help="create a new site from the starter")
    init_command.add_argument("directory", type=Path)

    deploy_command = commands.add_parser("deploy", help="upload the built site to the S3 bucket in newsgen.yaml")
    deploy_command.add_argument("site", nargs="?", default=".", type=Path, help="the site folder (default: .)")
    deploy_command.add_argument("--out", type=Path, help="the built output folder (default: SITE/public)")
    deploy_command.add_argument("--dry-run", action="store_true", help="list what would be uploaded and deleted")
    deploy_command.add_argument("--force", action="store_true", help="delete even more than deploy.max_delete_share")
    return parser


def _report_errors(errors: Sequence[NewsgenError], what: str) -> None:
    for error in errors:
        print(error, file=sys.stderr)
    noun = "error" if len(errors) == 1 else "errors"
    print(f"{what} failed: {len(errors)} {noun}", file=sys.stderr)


def _config(args: argparse.Namespace) -> SiteConfig:
    config = load_config(args.site)
    base_url = _base_url_option(args)
    return replace(config, base_url=base_url) if base_url else config


def _base_url_option(args: argparse.Namespace) -> str | None:
    if not args.base_url:
        return None
    base_url = normalise_base_url(args.base_url)
    if base_url is None:
        raise UsageError(None, f"--base-url '{args.base_url}' must be an absolute http(s) URL")
    return base_url


@contextlib.contextmanager
def _cycle_collection_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for a build (reference counting still frees what a build drops).

    A build makes millions of long-lived objects (every article, page and digest) and almost no reference
    cycles; each full collection traverses them all again, about a fifth of a one-article rebuild at 10,000
    articles, for nothing (peak memory is the same without it). Paused in the parent, it is paused in the
    forked workers too, which then also leave the memory pages they share with the parent unwritten.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            # What the build made and still holds has not been through a collection, so all of it is in the
            # youngest generation, which the next collection would traverse whole (0.13 s after a rebuild at
            # 10,000 articles). Frozen and thawed, it is in the oldest generation, as if it had aged there.
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def _say(line: str) -> None:
    print(line, flush=True)


def _serve(args: argparse.Namespace) -> int:
    """``newsgen serve``: every rebuild reads the site afresh, so newsgen.yaml may change (or break) too."""
    # Imported here, not at the top: tornado, livereload and watchfiles (and boto3 for deploy) would add about
    # 0.2 s to the start of every `newsgen build`, which is on the path from "publish" to readers.
    # Not a way around an import cycle: serve.py and deploy.py import nothing from cli.py.
    from .serve import ServeSettings, is_loopback, serve

    site: Path = args.site
    if not (site / CONFIG_FILE).is_file():
        raise UsageError(None, f"no {CONFIG_FILE} in {site}; is it a newsgen site?")
    options = BuildOptions(drafts=args.drafts, future=args.future, preview=True)

    # The cache the last rebuild left, kept in memory rather than read again from the disk on every save.
    remembered: list[BuildCache] = []

    def rebuild(out: Path, base_url: str, served_there: bool) -> list[str]:
        config = replace(load_config(site), base_url=base_url)
        # Served where it is built, the output must be swapped in whole (the spare tree); copied to be served, not.
        with _cycle_collection_paused():
            report = build(
                config,
                out,
                now=build_time(),
                options=options,
                spare=served_there,
                remembered=remembered[0] if remembered else None,
            )
        remembered[:] = [report.cache] if report.cache else []
        return [*report.warnings, *_summary(report, out)]

    watch = [site / CONFIG_FILE, site / "content", site / "templates", site / "static"]
    if not any(part in ("site-packages", "dist-packages") for part in THEME_DIR.parts):
        watch.append(THEME_DIR)  # newsgen itself is being developed: its theme is a source too
    if not is_loopback(args.host):
        print(
            f"warning: listening on {args.host}: anyone who can reach this machine can read the preview, "
            "drafts and embargoed articles included",
            file=sys.stderr,
            flush=True,
        )
    settings = ServeSettings(
        watch=tuple(path.absolute() for path in watch),
        host=args.host,
        port=args.port,
        base_url=_base_url_option(args),
        open_browser=args.open,
        swaps_whole=True,
    )
    serve(settings, rebuild, _say)
    return EXIT_OK


def due_time(published: datetime) -> str:
    """An embargo's end as ISO 8601 with the offset it was written with, to the second."""
    return published.isoformat(timespec="seconds")


def _summary(report: BuildReport, out: Path) -> list[str]:
    work = f"{report.parsed} parsed, {report.rendered} rendered, {report.reused} reused, {report.written} written"
    lines = [f"built {report.pages} pages ({report.files} files; {work}) in {report.seconds:.2f} s → {out}"]
    if drafts := report.drafts_left_out:
        lines.append(f"{drafts} {'draft' if drafts == 1 else 'drafts'} left out (--drafts includes them)")
    if due := report.next_due:
        count = len(report.embargoed)
        lines.append(
            f"{count} embargoed {'article' if count == 1 else 'articles'} left out; "
            f"next embargo lifts {due_time(due.published)} ({due.slug})"
        )
    return lines


def _deploy_summary(report: DeployReport) -> str:
    plan = report.plan
    if report.dry_run:
        line = (
            f"dry run for {report.target}: would upload {len(plan.uploads)}, delete {len(plan.deletions)}, "
            f"keep {plan.unchanged} unchanged"
        )
        if report.refused:
            line += f"; the deletions ({plan.delete_share:.0%} of the bucket) would need --force"
        return line
    return (
        f"deployed to {report.target}: {len(plan.uploads)} uploaded, {len(plan.deletions)} deleted, "
        f"{plan.unchanged} unchanged"
    )


def _run_deploy(args: argparse.Namespace) -> int:
    from .deploy import deploy  # only for this command (see _serve)

    config = load_config(args.site)
    if config.deploy is None:
        raise NewsgenError(
            SourceLocation(args.site / CONFIG_FILE), "no 'deploy' block (bucket, prefix, region, endpoint_url) here"
        )
    report = deploy(
        config.deploy,
        args.out or args.site / "public",
        environ=os.environ,
        dry_run=args.dry_run,
        force=args.force,
        progress=print,
    )
    print(_deploy_summary(report))
    return EXIT_OK


def _build_command(args: argparse.Namespace) -> int:
    """``newsgen build`` and ``newsgen check``; errors are reported by ``main``."""
    options = BuildOptions(drafts=args.drafts, future=args.future)
    config = _config(args)
    if args.command == "check":
        checked = check(config, now=build_time(), options=options, jobs=args.jobs)
        for warning in checked.warnings:
            print(warning, file=sys.stderr)
        print(f"checked {len(checked.index.articles)} articles and {checked.pages} pages: no problems")
        return EXIT_OK
    if args.next_due:
        due = next_due(config, now=build_time(), options=options)
        if due:
            print(due_time(due.published))
        return EXIT_OK
    out = args.out or args.site / "public"
    display = None if args.quiet else ProgressDisplay(terminal=sys.stderr.isatty())
    try:
        report = build(
            config, out, now=build_time(), options=options, jobs=args.jobs, clean=args.clean, progress=display
        )
    finally:
        if display:
            display.close()
    for warning in report.warnings:
        print(warning, file=sys.stderr)
    if not args.quiet:
        print("\n".join(_summary(report, out)))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "init":
            written = init_site(args.directory)
            print(
                f"created a new site in {args.directory} ({len(written)} files); build it with: newsgen build {args.directory}"
            )
            return EXIT_OK
        if args.command == "new":
            path = new_article(load_config(args.site), args.title, args.section, args.byline, build_time())
            print(path)
            return EXIT_OK
        if args.command == "deploy":
            return _run_deploy(args)
        if args.command == "serve":
            return _serve(args)
        with _cycle_collection_paused():
            return _build_command(args)
    except UsageError as error:
        _report_errors([error], args.command)
        return EXIT_USAGE
    except NewsgenError as error:
        _report_errors([error], args.command)
        return EXIT_CONTENT
    except BuildFailed as failure:
        _report_errors(failure.errors, args.command)
        return EXIT_CONTENT


def run() -> NoReturn:
    """The ``newsgen`` command (and ``python -m newsgen``): ``main``, then exit with its code.

    Every object still alive is frozen first (``gc.freeze``), so that the cyclic garbage collections of
    Python's shutdown look at none of them: after a rebuild of 10,000 articles they took about 25 ms of the
    exit. The rest of a normal exit stays (the streams flushed, atexit handlers, a profiler's report).
    ``main`` itself returns without it, for callers that go on (the tests).
    """
    code = main()
    gc.freeze()
    sys.exit(code)
