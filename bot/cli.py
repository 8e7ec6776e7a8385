"""The ``pilot-coach`` command line (Typer). The only place that calls ``asyncio.run``.

Exit codes: 0 ok, 2 usage error, 1 runtime error with a one-line message (``--debug`` shows
the traceback).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError

from bot import logs
from bot.settings import SettingsError, load_settings

T = TypeVar("T")

cli = typer.Typer(
    name="pilot-coach",
    help="Pilot Coach: coach a 90-day AI pilot in Slack, Teams or the terminal.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_cli = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
cli.add_typer(db_cli, name="db")

_state = {"debug": False}


class Failure(RuntimeError):
    """A runtime error the user gets as one line."""


@cli.callback()
def _options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logs.")] = False,
) -> None:
    _state["debug"] = debug


def _run(coro: Coroutine[Any, Any, T]) -> T:
    try:
        return asyncio.run(coro)
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except Exception as exc:
        if _state["debug"]:
            raise
        typer.echo(f"error: {_one_line(exc)}", err=True)
        raise typer.Exit(1) from None


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, SQLAlchemyError):
        orig = getattr(exc, "orig", None)
        text = str(orig) if orig is not None else str(exc)
        return "database: " + text.strip().splitlines()[0]
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _settings(**overrides: object) -> Any:
    try:
        settings = load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except SettingsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    return settings


def _quiet_logs(settings: Any) -> None:
    """Terminal sessions log warnings only, so the conversation stays readable."""
    level = "DEBUG" if _state["debug"] else "WARNING"
    logs.configure(level, settings.log_format)


@cli.command()
def demo(
    lang: Annotated[str, typer.Option("--lang", help="de or en")] = "",
    out: Annotated[Path, typer.Option("--out", help="where the summary files go")] = Path(
        "demo-out"
    ),
    db: Annotated[
        str | None, typer.Option("--db", help="database URL (default: DIR/demo.db)")
    ] = None,
) -> None:
    """Play the 13-week appliance-repair pilot and write its results summary."""
    from bot.demo import run_demo

    settings = _settings()
    language = lang or settings.pilot_default_language
    if language not in ("de", "en"):
        raise typer.BadParameter("use de or en", param_hint="--lang")
    _quiet_logs(settings)
    url = db
    if url is None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "demo.db").unlink(missing_ok=True)
        url = f"sqlite:///{out / 'demo.db'}"
    console = Console(highlight=False, soft_wrap=True)
    written = _run(run_demo(language, out, url, console))
    console.print("")
    for path in written:
        console.print(f"wrote {path}")


@cli.command()
def console(
    db: Annotated[str | None, typer.Option("--db", help="database URL")] = None,
    user: Annotated[str, typer.Option("--user", help="who you are (@name)")] = "you",
    channel: Annotated[str, typer.Option("--channel", help="the channel (#name)")] = "pilot",
) -> None:
    """Chat with Pilot Coach in the terminal, with a simulated clock (:as, :advance)."""
    from bot.console import run_console

    settings = _settings(database_url=db)
    _quiet_logs(settings)
    _run(run_console(settings, user=user, channel=channel, interactive=sys.stdin.isatty()))


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option("--host", help="listen address (HOST)")] = None,
    port: Annotated[int | None, typer.Option("--port", help="listen port (PORT)")] = None,
) -> None:
    """Run the HTTP server (Slack and Teams routes, /healthz) and the scheduler."""
    from bot.server import run_server

    settings = _settings(host=host, port=port)
    logs.configure("DEBUG" if _state["debug"] else settings.log_level, settings.log_format)
    _run(run_server(settings, debug=_state["debug"]))


@cli.command()
def worker() -> None:
    """Run the scheduler alone (planning and delivery of nudges), without HTTP; serve starts
    one itself unless PILOT_SCHEDULER says otherwise."""
    from bot.worker import run_worker

    settings = _settings()
    logs.configure("DEBUG" if _state["debug"] else settings.log_level, settings.log_format)
    _run(run_worker(settings))


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations to DATABASE_URL."""
    from storage.db import upgrade

    settings = _settings()
    logs.configure(settings.log_level, settings.log_format)
    try:
        upgrade(settings.database_url)
    except Exception as exc:
        if _state["debug"]:
            raise
        typer.echo(f"error: {_one_line(exc)}", err=True)
        raise typer.Exit(1) from None
    from storage.db import head_revision

    typer.echo(f"database schema is at the newest version ({head_revision()})")


@cli.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="csv, md or json")],
    pilot: Annotated[int | None, typer.Option("--pilot", help="pilot id (default: all)")] = None,
    user: Annotated[
        str | None, typer.Option("--user", help="a person's platform id: their data (Art. 15)")
    ] = None,
) -> None:
    """Write a pilot's data (default: every pilot's; json: a full, importable dump) to stdout."""
    from bot import backup
    from bot.export import FORMATS, export_text

    if fmt not in FORMATS:
        raise typer.BadParameter("use csv, md or json", param_hint="--format")
    if user is not None and (fmt != "json" or pilot is not None):
        raise typer.BadParameter("--user goes with --format json alone", param_hint="--user")
    settings = _settings()
    logs.configure("WARNING", settings.log_format)
    if user is not None:
        sys.stdout.write(_run(backup.export_person(settings, user)))
    elif fmt == "json" and pilot is None:
        sys.stdout.write(_run(backup.dump(settings)))
    else:
        sys.stdout.write(_run(export_text(settings, fmt, pilot)))


@cli.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="a pilot-coach export --format json dump")],
) -> None:
    """Restore an export --format json dump into an empty database (DATABASE_URL)."""
    from bot import backup

    settings = _settings()
    logs.configure("WARNING", settings.log_format)
    try:
        raw = file.read_text("utf-8")
    except OSError as exc:
        typer.echo(f"error: cannot read {file}: {exc.strerror}", err=True)
        raise typer.Exit(1) from None
    counts = _run(backup.restore(settings, raw))
    typer.echo(f"restored {sum(counts.values())} rows into {len(counts)} tables")


@cli.command()
def doctor() -> None:
    """Check settings, database, schema, Slack and Teams credentials; one line each."""
    from bot.doctor import run_checks

    settings = _settings()
    logs.configure("ERROR", settings.log_format)
    checks = _run(run_checks(settings))
    for check in checks:
        typer.echo(check.line())
    if any(c.status == "fail" for c in checks):
        raise typer.Exit(1)


@cli.command()
def forget(
    user: Annotated[str, typer.Option("--user", help="the person's platform id (e.g. U0123)")],
) -> None:
    """Remove or anonymise one person's personal data; the pilots' numbers stay."""
    from bot import backup

    settings = _settings()
    logs.configure("WARNING", settings.log_format)
    for name in _run(backup.forget_person(settings, user)):
        typer.echo(f"forgotten: {user} is now {name}")


@cli.command()
def report(
    pilot: Annotated[int, typer.Option("--pilot", help="pilot id (see pilot-coach export)")],
    out: Annotated[Path, typer.Option("--out", help="output folder")] = Path("report"),
) -> None:
    """Write a pilot's results summary: md, html, png, csv and json."""
    from bot.export import write_report

    settings = _settings()
    logs.configure("WARNING", settings.log_format)
    for path in _run(write_report(settings, pilot, out)):
        typer.echo(f"wrote {path}")


@cli.command()
def outbox(
    failed: Annotated[bool, typer.Option("--failed", help="only failed deliveries")] = False,
) -> None:
    """List pending and failed deliveries (nudges, reminders, escalations)."""
    from bot.ops import outbox_listing

    settings = _settings()
    logs.configure("WARNING", settings.log_format)
    sys.stdout.write(_run(outbox_listing(settings, failed)))


@cli.command("teams-package")
def teams_package(
    out: Annotated[Path, typer.Option("--out", help="the zip to write")] = Path(
        "pilot-coach-teams.zip"
    ),
) -> None:
    """Zip the Teams app manifest and icons with MICROSOFT_APP_ID filled in."""
    from adapters.teams.package import PackageError, write_package

    settings = _settings()
    try:
        written = write_package(settings.microsoft_app_id, out)
    except (PackageError, OSError) as exc:
        typer.echo(f"error: {_one_line(exc)}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"wrote {written}")


def main() -> None:
    logging.captureWarnings(True)
    cli()


if __name__ == "__main__":
    main()
