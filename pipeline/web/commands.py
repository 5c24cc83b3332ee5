"""The web's commands: ``teczka serve``, ``users add``, ``links create|revoke``, ``backup``.

Registered on the main ``teczka`` group by ``register``; each parses its options and calls one
function of the web package. The web package is imported inside the commands: Starlette,
uvicorn, Jinja2 and argon2 take 0.39 s to import (``python -X importtime``, 1 Dec 2026), more
than half again of the CLI's own start-up, which ``teczka build`` and ``teczka validate`` would
otherwise pay on every run.
"""

from __future__ import annotations

import csv
import io
import logging
import sys
from pathlib import Path
from typing import Any

import click

forms_option = click.option("--forms", "forms_dir", type=click.Path(path_type=Path), default=Path("forms"),
                            show_default=True, help="Folder of the units' forms.")
out_option = click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("output"),
                          show_default=True, help="Output folder; the web's database sits beside it.")


def register(main: click.Group, user_errors: Any, edition_option: Any) -> None:
    """Add the web's commands to the ``teczka`` group."""

    @main.command("serve")
    @click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
    @click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
    @forms_option
    @out_option
    @click.option("--templates", "templates_dir", type=click.Path(path_type=Path), default=Path("templates"),
                  show_default=True)
    @click.option("--no-pdf", is_flag=True, help="Build documents without PDF/A (no LibreOffice needed).")
    @edition_option
    @user_errors
    def serve_command(host: str, port: int, forms_dir: Path, out_dir: Path, templates_dir: Path, no_pdf: bool,
                      edition_id: str) -> None:
        """Serve Teczka online: the teams' pages (private links) and the coordinator's pages."""
        import uvicorn

        from pipeline.web.app import create_app
        from pipeline.web.service import WebConfig

        config = WebConfig(forms_dir=forms_dir, out_dir=out_dir, templates_dir=templates_dir, edition_id=edition_id,
                           pdf=not no_pdf)
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        app = create_app(config)
        click.echo(f"Teczka online: http://{host}:{port}/ (dane serwera: {config.data_dir})", err=True)
        # access_log off: uvicorn's log line holds the full path, and a team's path holds its token;
        # the application logs each request itself, with the token replaced.
        uvicorn.run(app, host=host, port=port, access_log=False, proxy_headers=True,
                    forwarded_allow_ips="127.0.0.1", log_level="info")

    @main.group("users")
    def users_group() -> None:
        """Coordinator accounts of Teczka online."""

    @users_group.command("add")
    @click.argument("name")
    @out_option
    @click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
    @user_errors
    def users_add_command(name: str, out_dir: Path, password_stdin: bool) -> None:
        """Add a coordinator account (or set a new password for it)."""
        from pipeline.web.db import Database
        from pipeline.web.security import hash_password
        from pipeline.web.service import database_path

        if password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = click.prompt("Hasło", hide_input=True, confirmation_prompt="Powtórz hasło")
        if len(password) < 10:
            click.secho("Błąd: Hasło musi mieć co najmniej 10 znaków.", fg="red", err=True)
            sys.exit(2)
        Database(database_path(out_dir)).add_user(name, hash_password(password))
        click.echo(f"Konto koordynatora „{name}” jest gotowe.")

    @main.group("links")
    def links_group() -> None:
        """The teams' private links."""

    @links_group.command("create")
    @click.argument("units", nargs=-1)
    @forms_option
    @out_option
    @click.option("--csv", "csv_file", type=click.Path(path_type=Path), help="Write unit,link rows for a mail merge.")
    @click.option("--base-url", default="http://127.0.0.1:8000", show_default=True, envvar="TECZKA_URL",
                  help="The address the teams reach the server at.")
    @user_errors
    def links_create_command(units: tuple[str, ...], forms_dir: Path, out_dir: Path, csv_file: Path | None,
                             base_url: str) -> None:
        """Issue a private link for each UNIT (all units when none is named); old links stop working."""
        from pipeline.web.db import Database
        from pipeline.web.library import UsageError, discover_units
        from pipeline.web.service import database_path

        known = [folder.name for folder in discover_units(forms_dir)] if forms_dir.is_dir() else []
        unknown = [unit for unit in units if unit not in known]
        if unknown:
            raise UsageError(f"Nie ma jednostki {', '.join(unknown)} w katalogu {forms_dir}.")
        database = Database(database_path(out_dir))
        rows = [(unit, f"{base_url.rstrip('/')}/j/{database.create_link(unit, f'zespół JST {unit}', 'wiersz poleceń')}")
                for unit in (units or known)]
        if csv_file:
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(["jednostka", "odnosnik"])
            writer.writerows(rows)
            csv_file.write_text(buffer.getvalue(), encoding="utf-8")
            csv_file.chmod(0o600)
            click.echo(f"zapisano {len(rows)} odnośników w {csv_file}")
        else:
            for unit, url in rows:
                click.echo(f"{unit}\t{url}")

    @links_group.command("revoke")
    @click.argument("unit")
    @out_option
    @user_errors
    def links_revoke_command(unit: str, out_dir: Path) -> None:
        """Revoke UNIT's link (a new one is made with `teczka links create UNIT`)."""
        from pipeline.web.db import Database
        from pipeline.web.service import database_path

        count = Database(database_path(out_dir)).revoke_links(unit, "wiersz poleceń")
        click.echo(f"{unit}: unieważniono odnośniki: {count}")

    @main.command("backup")
    @click.argument("target", type=click.Path(path_type=Path))
    @out_option
    @user_errors
    def backup_command(target: Path, out_dir: Path) -> None:
        """Copy the web's database to TARGET with SQLite's backup API (safe while serving)."""
        from pipeline.web.db import Database
        from pipeline.web.service import database_path

        Database(database_path(out_dir)).backup(target)
        click.echo(f"zapisano kopię bazy w {target}")
