"""The command line: `python -m pipeline COMMAND`. Every Makefile target calls one of these."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from pipeline.collection import DEFAULT_COLLECTION, CollectionError, load_collection
from pipeline.database import (
    DatabaseUnavailable,
    check_connection,
    demo_database_url,
    resolve_database_url,
)
from pipeline.paths import warc_dir

DEMO_COLLECTION = "demo-discovery"
# Commands with parsers of their own (module, help): every further argument goes to them.
PASSTHROUGH = {
    "search": ("pipeline.read.search", "full-text search of the corpus (web-search syntax)"),
    "export": ("pipeline.read.export", "export the corpus or a query (csv, jsonl, parquet) with citations"),
    "report": ("pipeline.read.report", "write the coverage report (self-contained HTML)"),
    "extract": ("pipeline.extract.cli", "extract articles from HTML files, one JSON line each"),
    "drop-collection": (
        "pipeline.read.dropcollection", "remove one collection's rows (WARC files only with --warc)"
    ),
}
DEFAULT_FIXTURE_PORT = 8714

EPILOG = """\
Data goes under var/ (or $ARCHIVE_DATA_DIR): WARC files in var/warc/<collection>/, the embedded
PostgreSQL in var/pgdata/. Set DATABASE_URL (postgresql://user:pass@host/db) to use another
PostgreSQL instead of the embedded one. The demo writes to a database of its own (archive_demo, or
<database>_demo beside DATABASE_URL, or DEMO_DATABASE_URL): put --demo before a command to read it.

examples:
  python -m pipeline demo                      crawl the offline fixture web (no network)
  python -m pipeline crawl                     crawl the default collection (sony-hack-2014)
  python -m pipeline crawl --collection collections/my-incident.toml
  python -m pipeline psql -c "SELECT outlet, count(*) FROM corpus GROUP BY 1"
  python -m pipeline --demo search '"Guardians of Peace"'   search the demo's database
"""


class CommandError(Exception):
    """A normal mistake or outage: printed as one line, exit status 2."""


def _database(migrate: bool = True, demo: bool = False) -> str:
    url = demo_database_url() if demo else resolve_database_url()
    check_connection(url)
    if migrate:
        from pipeline.migrate import upgrade

        upgrade(url)
    return url


def cmd_crawl(args: argparse.Namespace) -> int:
    collection = load_collection(args.collection)
    redis_url = args.redis or os.environ.get("REDIS_URL") or None
    if args.workers is not None:
        if args.workers < 1:
            raise CommandError(f"--workers must be at least 1, not {args.workers}")
        from pipeline.settings import REDIS_URL

        redis_url = redis_url or REDIS_URL
    if redis_url:
        from pipeline.run.frontier import check_redis

        if problem := check_redis(redis_url):
            raise CommandError(f"{problem}; a distributed crawl needs it (set REDIS_URL, start redis-server)")
    url = _database()
    if args.workers is not None:
        from pipeline.run.workers import run_workers

        extra = [f"--log-level={args.log_level}", *(f"--set={n}={v}" for n, v in args.settings)]
        if args.proxy:
            extra.append(f"--proxy={args.proxy}")
        result = run_workers(args.workers, str(collection.path), url, redis_url, extra)
        print(f"{args.workers} workers of the crawl of '{collection.name}' ended (exit {result.codes})")
        return result.status
    from pipeline.run.crawl import run_crawl

    report = run_crawl(
        collection,
        url,
        proxy=args.proxy,
        log_level=args.log_level,
        overrides=args.settings,
        redis_url=redis_url,
    )
    print(report.render())
    return 0 if report.ok else 1


def setting(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name.strip(), value


def cmd_demo(args: argparse.Namespace) -> int:
    """Crawl the fixture web into the demo's database (pipeline/demo/run.py)."""
    from pipeline.demo.run import edited_article, run_demo

    collection = load_collection(args.collection)
    url = _database(demo=True)
    level = "INFO" if args.verbose else args.log_level
    status = run_demo(collection, url, args.edition, args.port, level)
    if status != 0:
        return status
    print()
    command = f"{_python()} -m pipeline --demo"
    if edited := edited_article(url, collection.name):
        print(f"Try the versions of an edited article: {command} versions {edited}")
    print(f"The demo has its own database, apart from the corpus: read it with `{command} COMMAND` "
          "(e.g. --demo psql, --demo search ...) or `make psql DEMO=1`.")
    return 0


def _python() -> str:
    """This interpreter as the researcher can type it: `.venv/bin/python` from the project folder."""
    try:
        return str(Path(sys.executable).relative_to(Path.cwd()))
    except ValueError:
        return sys.executable


def cmd_serve_fixtures(args: argparse.Namespace) -> int:
    from pipeline.demo import FixtureWeb

    web = FixtureWeb(port=args.port)
    print(f"fixture web: {len(web.site.pages)} pages on {len(web.site.hosts)} hosts")
    for host in web.site.hosts:
        print(f"  http://{host}/")
    print(f"Use it as an HTTP proxy: curl -x http://127.0.0.1:{args.port} http://{web.site.hosts[0]}/")
    print(f"or open http://127.0.0.1:{args.port}/ for the list of pages. Ctrl-C stops it.")
    try:
        web.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from pipeline.database import engine_for
    from pipeline.rebuild.verify import capture_outcomes, verify_corpus

    engine = engine_for(_database())
    report = verify_corpus(engine)
    print(report.render())
    outcomes = capture_outcomes(engine)
    print(outcomes.render())
    return 1 if report.problems or outcomes.missing else 0


def _recover_all() -> None:
    from warc.recover import recover_open_files

    if warc_dir().exists():
        for folder in sorted(p for p in warc_dir().iterdir() if p.is_dir()):
            for recovery in recover_open_files(folder):
                print(recovery)


def cmd_reprocess(args: argparse.Namespace) -> int:
    from pipeline.database import engine_for
    from pipeline.rebuild.records import by_collection, warc_files
    from pipeline.rebuild.reprocess import Reprocessor

    url = _database()
    _recover_all()
    paths = [Path(p) for p in args.warcs] or [warc_dir()]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise CommandError(f"no such WARC file or folder: {', '.join(missing)}")
    if args.collection:
        groups = [(args.collection, paths)]
    else:  # each file's own collection, as its warcinfo names it (isPartOf)
        named_folder = len(paths) == 1 and paths[0].is_dir() and paths[0].resolve() != warc_dir().resolve()
        fallback = paths[0].name if named_folder else "reprocess"
        groups = by_collection(warc_files(paths), fallback) or [(fallback, [])]
    engine = engine_for(url)
    failed = False
    for name, files in groups:
        report = Reprocessor(engine, name, "reprocess", favor=args.favor).run(files)
        if len(groups) > 1:
            print(f"collection {name}:")
        print(report.render())
        failed = failed or bool(report.problems and not report.records)
    return 1 if failed else 0


def cmd_import_warc(args: argparse.Namespace) -> int:
    from pipeline.database import engine_for
    from pipeline.rebuild.reprocess import Reprocessor

    url = _database()
    paths = [Path(p).resolve() for p in args.warcs]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise CommandError(f"no such WARC file or folder: {', '.join(missing)}")
    report = Reprocessor(engine_for(url), args.collection, "import", favor=args.favor).run(paths)
    print(report.render())
    return 1 if report.problems and not report.records else 0


def cmd_versions(args: argparse.Namespace) -> int:
    from pipeline.database import engine_for
    from pipeline.read.versions import article_history, render_history

    rows = article_history(engine_for(_database(migrate=False)), args.article)
    print(render_history(rows))
    return 0 if rows else 1


def cmd_cron(args: argparse.Namespace) -> int:
    from pipeline.run.schedule import cron_line, environment_file, install, validate_schedule

    load_collection(args.collection)  # a typo is caught now, not at 3 a.m.
    try:
        validate_schedule(args.schedule)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    environment = environment_file(args.collection)
    line = cron_line(args.collection, args.schedule, environment)
    if environment is not None:  # on stderr: stdout is the line alone, to paste
        print(f"the line reads the settings saved in {environment} (readable by you alone)", file=sys.stderr)
    if args.install:
        try:
            install(line, args.collection)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
        print(f"installed in your crontab:\n{line}")
    else:
        print(line)
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from pipeline.read import replay

    return replay.main(["--port", str(args.port), "--bind", args.bind])


def cmd_migrate(args: argparse.Namespace) -> int:
    _database(migrate=True)
    print("schema is at the latest migration")
    return 0


def cmd_psql(args: argparse.Namespace) -> int:
    url = _database(migrate=False)
    env = dict(os.environ)  # psql's alone: this process's environment stays as it is
    if args.researcher:
        from pipeline.read.researcher import researcher_pgoptions

        # A read-only session as the researcher role; kept across psql reconnects.
        env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} {researcher_pgoptions()}".strip()
    libpq_url = url.replace("postgresql+psycopg://", "postgresql://", 1)
    import pgserver._commands as pg_commands

    # The psql bundled with the embedded server matches its version; any psql reads DATABASE_URL.
    bundled = Path(pg_commands.POSTGRES_BIN_PATH) / "psql"
    psql = str(bundled) if bundled.exists() else shutil.which("psql")
    if not psql:
        raise CommandError(
            "psql not found: install the PostgreSQL client (e.g. apt install postgresql-client)"
        )
    os.execve(psql, [psql, libpq_url, *args.psql_args], env)


def _delegate(module: str):
    """Run `module.main(arguments)`: the subcommand's own parser handles them, --help included."""

    def run(args: argparse.Namespace) -> int:
        from importlib import import_module

        return import_module(module).main(args.passthrough)

    return run


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Archive news coverage of an incident: crawl, capture to WARC, extract articles, "
        "and keep a PostgreSQL corpus you can query in SQL.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="before COMMAND: use the demo's own database (where `demo` writes) instead of the corpus",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    crawl = sub.add_parser("crawl", help=f"crawl a collection (default: {DEFAULT_COLLECTION})")
    crawl.add_argument(
        "--collection",
        default=DEFAULT_COLLECTION,
        help="collection name in collections/ or path to a .toml file (default: %(default)s)",
    )
    crawl.add_argument("--proxy", help="send every request through this HTTP proxy URL")
    crawl.add_argument(
        "-s",
        "--set",
        dest="settings",
        type=setting,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a Scrapy setting, e.g. -s DOWNLOAD_TIMEOUT=60 (repeatable)",
    )
    crawl.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="run N crawler processes sharing one frontier in Redis (a distributed crawl)",
    )
    crawl.add_argument(
        "--redis",
        metavar="URL",
        help="join the distributed crawl whose frontier is in this Redis (default: $REDIS_URL; "
        "with --workers and neither set, redis://127.0.0.1:6379/0)",
    )
    crawl.set_defaults(func=cmd_crawl)

    demo = sub.add_parser("demo", help="crawl the bundled offline fixture web (no network needed)")
    demo.add_argument("--port", type=int, default=0, help="fixture web port (default: any free)")
    demo.add_argument(
        "--collection",
        default=DEMO_COLLECTION,
        help="a fixture-web collection: demo-discovery (found from sitemaps, feeds, references, "
        "a web archive and links) or demo (every article as a seed); default: %(default)s",
    )
    demo.add_argument(
        "--edition",
        type=int,
        choices=(1, 2),
        default=2,
        help="2 (default): on the first run, crawl the fixture web, then again after its second "
        "edition, so articles have versions; 1: one crawl of the first edition",
    )
    demo.add_argument(
        "-v", "--verbose", action="store_true", help="show the crawl's progress (--log-level INFO)"
    )
    demo.set_defaults(func=cmd_demo)

    serve = sub.add_parser("serve-fixtures", help="serve the fixture web to browse it by hand")
    serve.add_argument("--port", type=int, default=DEFAULT_FIXTURE_PORT)
    serve.set_defaults(func=cmd_serve_fixtures)

    migrate = sub.add_parser("migrate", help="upgrade the corpus schema to the latest migration")
    migrate.set_defaults(func=cmd_migrate)

    verify = sub.add_parser(
        "verify",
        help="re-read every WARC record the corpus points to and check its digests; check that every "
        "HTML page fetched became an article, a decision or a note",
    )
    verify.set_defaults(func=cmd_verify)

    reprocess = sub.add_parser("reprocess", help="rebuild the corpus from WARC files, without network")
    reprocess.add_argument(
        "warcs", nargs="*", metavar="WARC", help="files or folders (default: all of var/warc/)"
    )
    reprocess.add_argument(
        "--collection", help="collection for every file (default: the one each file's warcinfo names)"
    )
    reprocess.set_defaults(func=cmd_reprocess)

    import_warc = sub.add_parser("import-warc", help="take WARC files written by other tools into the corpus")
    import_warc.add_argument("warcs", nargs="+", metavar="PATH", help="WARC files or folders")
    import_warc.add_argument("--collection", default="imported", help="default: %(default)s")
    import_warc.set_defaults(func=cmd_import_warc)

    for command in (reprocess, import_warc):
        command.add_argument(
            "--favor",
            choices=("balanced", "precision", "recall"),
            default="balanced",
            help="extraction trade-off; a new choice is kept beside earlier extractions",
        )

    versions = sub.add_parser(
        "versions", help="how an article was edited: its versions and the diff between them"
    )
    versions.add_argument("article", help="article id, canonical URL, or any URL variant of it")
    versions.set_defaults(func=cmd_versions)

    cron = sub.add_parser("cron", help="print (or --install) the crontab line for a collection")
    cron.add_argument("--collection", default=DEFAULT_COLLECTION, help="default: %(default)s")
    cron.add_argument("--schedule", default="0 */6 * * *", help="cron schedule (default: %(default)s)")
    cron.add_argument("--install", action="store_true", help="add it to your crontab")
    cron.set_defaults(func=cmd_cron)

    replay = sub.add_parser("replay", help="index the WARC files and replay them with pywb")
    replay.add_argument("--port", type=int, default=8080, help="default: %(default)s")
    replay.add_argument("--bind", default="127.0.0.1", help="default: %(default)s")
    replay.set_defaults(func=cmd_replay)

    psql = sub.add_parser("psql", help="open psql on the corpus (extra arguments go to psql)")
    psql.add_argument("--researcher", action="store_true", help="a read-only session as the researcher role")
    psql.set_defaults(func=cmd_psql)

    for name, (module, text) in PASSTHROUGH.items():
        sub.add_parser(name, help=text, add_help=False).set_defaults(func=_delegate(module))

    crawl.add_argument("--log-level", default="INFO", help="Scrapy log level (default: %(default)s)")
    demo.add_argument(
        "--log-level",
        default="WARNING",
        help="Scrapy log level on the console (default: %(default)s; the log file keeps INFO)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] != ["--demo"]:
        return _main(argv)
    saved = {name: os.environ.get(name) for name in ("DATABASE_URL", "DEMO_DATABASE_URL")}
    try:
        _use_demo_database()
    except DatabaseUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        return _main(argv[1:])
    finally:  # for this command only (and the processes it starts), not its caller
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _main(argv: list[str]) -> int:
    parser = build_parser()
    if argv and argv[0] in PASSTHROUGH:
        module = PASSTHROUGH[argv[0]][0]
        return _run(argparse.Namespace(func=_delegate(module), passthrough=argv[1:]))
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "psql":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.psql_args = [a for a in extra if a != "--"]
    return _run(args)


def _use_demo_database() -> None:
    """`--demo`: this command (and the processes it starts) reads and writes the demo's database."""
    url = demo_database_url()
    os.environ["DATABASE_URL"] = os.environ["DEMO_DATABASE_URL"] = url


def _run(args: argparse.Namespace) -> int:
    try:
        return args.func(args)
    except (CollectionError, DatabaseUnavailable, CommandError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
