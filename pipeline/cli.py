"""The `teczka` command: a thin layer over the library, one exception boundary.

Each command parses its options, calls one library function and prints the result. Errors the
user can act on (``TeczkaError``) become a Polish message and an exit code, never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from pipeline import __version__, api, preview, shipped
from pipeline.cli_polish import install as install_polish
from pipeline.console import BuildConsole, mask_problem, masked_report
from pipeline.edition import DEFAULT_EDITION, load_edition
from pipeline.errors import TeczkaError, os_error_message
from pipeline.statuses import BY_ID

install_polish()

EDITION_HELP = "Edycja programu: 2020, 2022 albo ścieżka do pliku edycji .toml."
def _edition_or_the_one_before(ctx: click.Context, _param: click.Parameter, value: str | None) -> str:
    """The edition given after the command, else the one before it (or TECZKA_EDITION), else the default."""
    return value if value is not None else ctx.find_root().params.get("edition_id") or DEFAULT_EDITION


edition_option = click.option(
    "--edition", "edition_id", default=None, metavar="EDYCJA", callback=_edition_or_the_one_before,
    help=EDITION_HELP + " Można ją podać także przed nazwą polecenia (domyślnie: TECZKA_EDITION albo "
    + DEFAULT_EDITION + ").",
)


def user_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into a clean message and exit code."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except TeczkaError as exc:
            click.secho(f"Błąd: {exc.message}", fg="red", err=True)
            sys.exit(exc.exit_code)
        except OSError as exc:  # disk full, no permission, a file where a folder should be
            click.secho(f"Błąd: {os_error_message(exc)} Usuń przyczynę i uruchom polecenie ponownie.",
                        fg="red", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("Przerwano.", err=True)
            sys.exit(130)

    return wrapper


class PolishCommand(click.Command):
    """A command whose usage line reads in Polish: "Użycie: teczka build [OPCJE]"."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[OPCJE]")
        super().__init__(*args, **kwargs)


class PolishGroup(click.Group):
    command_class = PolishCommand

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[OPCJE]")
        kwargs.setdefault("subcommand_metavar", "POLECENIE [ARGUMENTY]...")
        super().__init__(*args, **kwargs)


PolishGroup.group_class = PolishGroup


@click.group(cls=PolishGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="teczka")
@click.option("--edition", "edition_id", envvar="TECZKA_EDITION", default=DEFAULT_EDITION, show_default=True, metavar="EDYCJA",
              help=EDITION_HELP)
def main(edition_id: str) -> None:
    """Teczka JST: formularze, ich sprawdzanie i dokumenty programu doradczego ORE dla JST.

    Kody wyjścia: 0 — wszystko w porządku (jednostki kompletne lub w toku), 1 — są błędy w formularzach
    albo nie udało się zbudować jednostki, 2 — polecenie nie mogło ruszyć (złe opcje, brak katalogu,
    brak LibreOffice).
    """


@main.command("forms")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), metavar="KATALOG", default=Path("forms/puste"), show_default=True,
              help="Katalog na puste formularze.")
@edition_option
@user_errors
def forms_command(out_dir: Path, edition_id: str) -> None:
    """Zapisz puste formularze dla zespołów JST (jeden skoroszyt na formularz)."""
    for path in api.write_blank_forms(out_dir, load_edition(edition_id)):
        click.echo(f"zapisano {path}")


@main.command("samples")
@click.option("--source", type=click.Path(path_type=Path), metavar="KATALOG", default=Path("tests/data/sample_units"), show_default=True,
              help="Katalog z danymi przykładowych jednostek (.json).")
@click.option("--forms", "forms_dir", type=click.Path(path_type=Path), metavar="KATALOG", default=Path("forms"), show_default=True,
              help="Katalog, w którym powstaną formularze jednostek.")
@edition_option
@user_errors
def samples_command(source: Path, forms_dir: Path, edition_id: str) -> None:
    """Odtwórz wypełnione formularze przykładowych jednostek z danych JSON."""
    written = api.write_sample_forms(source, forms_dir, load_edition(edition_id))
    click.echo(f"zapisano {len(written)} formularzy w {forms_dir}")


@main.command("validate")
@click.argument("path", type=click.Path(path_type=Path), default=Path("forms"), metavar="[ŚCIEŻKA]")
@click.option("--json", "as_json", is_flag=True, help="Wypisz wynik jako JSON.")
@edition_option
@user_errors
def validate_command(path: Path, as_json: bool, edition_id: str) -> None:
    """Sprawdź formularze bez tworzenia dokumentów.

    ŚCIEŻKA to katalog forms/ (wszystkie jednostki), katalog jednej jednostki (forms/gmina-x)
    albo jeden skoroszyt (forms/gmina-x/3_hdr.xlsx).
    """
    results = api.validate_path(path, load_edition(edition_id), Path.cwd())
    if as_json:
        click.echo(json.dumps([masked_report(r) for r in results], ensure_ascii=False, indent=2))
    else:
        for result in results:
            _print_unit(result)
        invalid = sum(r.status == "invalid" for r in results)
        click.echo(f"\nJednostek: {len(results)}; z błędami: {invalid}.")
    sys.exit(1 if any(r.status == "invalid" for r in results) else 0)


@main.command("build")
@click.option("--forms", "forms_dir", type=click.Path(path_type=Path), metavar="KATALOG", default=Path("forms"), show_default=True,
              help="Katalog z formularzami jednostek.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), metavar="KATALOG", default=Path("output"), show_default=True,
              help="Katalog wyników.")
@click.option("--templates", "templates_dir", type=click.Path(path_type=Path), metavar="KATALOG", default=Path("templates"), show_default=True,
              help="Katalog szablonów Word.")
@click.option("--no-pdf", is_flag=True, help="Bez konwersji do PDF/A (szybkie próby).")
@click.option("--no-html", is_flag=True, help="Bez wersji HTML do publikacji.")
@click.option("--jobs", type=click.IntRange(1, 64), default=None, metavar="LICZBA", help="Liczba procesów (domyślnie: liczba rdzeni).")
@click.option("--force", is_flag=True, help="Zbuduj każdą jednostkę od nowa, nawet bez zmian.")
@click.option("--timeout", type=click.FloatRange(1), default=120.0, show_default=True, metavar="SEKUNDY",
              help="Limit czasu LibreOffice na jeden dokument (w sekundach).")
@edition_option
@user_errors
def build_command(forms_dir: Path, out_dir: Path, templates_dir: Path, no_pdf: bool, no_html: bool,
                  jobs: int | None, force: bool, timeout: float, edition_id: str) -> None:
    """Zbuduj każdą jednostkę z --forms w --out: dokumenty, PDF/A, HTML, paczki i raporty.

    Kod wyjścia: 0 — jednostki kompletne lub w toku, 1 — są jednostki z błędami w formularzach
    albo nieudane, 2 — budowanie nie mogło ruszyć lub musiało się zatrzymać.
    """
    options = api.BuildOptions(forms_dir=forms_dir, out_dir=out_dir, edition=load_edition(edition_id),
                           templates_dir=templates_dir, pdf=not no_pdf, html=not no_html, force=force,
                           conversion_timeout=timeout)
    if jobs:
        options.jobs = jobs
    console = BuildConsole()
    summary = api.build(options, progress=console.progress, echo=click.echo)
    console.finish(summary)
    sys.exit(summary.exit_code)


@main.command("demo")
@click.option("--count", type=click.IntRange(1, 100_000), default=20, show_default=True, metavar="LICZBA", help="Liczba jednostek.")
@click.option("--seed", type=int, default=1, show_default=True, metavar="LICZBA", help="Ziarno losowania (te same dane dla tego samego ziarna).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), metavar="KATALOG", required=True, help="Katalog na formularze jednostek.")
@edition_option
@user_errors
def demo_command(count: int, seed: int, out_dir: Path, edition_id: str) -> None:
    """Zapisz poprawne formularze --count fikcyjnych jednostek (np. do prób i pomiarów).

    Edycja jest ta sama co w innych poleceniach, więc „teczka build --forms KATALOG” zbuduje je od razu.
    """
    edition = load_edition(edition_id)
    ids = api.write_demo(count, seed, out_dir, edition)
    click.echo(f"zapisano formularze {len(ids)} jednostek w {out_dir} (edycja {edition.id})")


@main.command("verify")
@click.argument("bundles", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True, dir_okay=False),
                metavar="PACZKA.zip...")
@user_errors
def verify_command(bundles: tuple[Path, ...]) -> None:
    """Sprawdź paczki z ich manifestami (sumy kontrolne, rozmiary, brakujące lub nadmiarowe pliki)."""
    failed = 0
    for path in bundles:
        problems = api.verify_bundle(path)
        if problems:
            failed += 1
            click.secho(f"{path}: NIEZGODNA", fg="red")
            for problem in problems:
                click.echo(f"  {problem}")
        else:
            click.secho(f"{path}: zgodna z manifestem", fg="green")
    sys.exit(1 if failed else 0)


@main.group("templates")
def templates_group() -> None:
    """Szablony Word."""


@templates_group.command("check")
@click.option("--templates", "templates_dir", type=click.Path(path_type=Path), metavar="KATALOG", default=Path("templates"), show_default=True,
              help="Katalog szablonów Word.")
@edition_option
@user_errors
def templates_check_command(templates_dir: Path, edition_id: str) -> None:
    """Sprawdź szablony: znaczniki, zmienne i to, co Word robi ze znacznikami (cudzysłowy, formatowanie, czcionki)."""
    issues = api.check_templates(templates_dir, load_edition(edition_id))
    if issues:
        click.echo(api.format_issues(issues))
    errors = [i for i in issues if i.severity == "error"]
    click.echo(f"Szablony: {'błędy: ' + str(len(errors)) if errors else 'w porządku'}"
               f" (ostrzeżenia: {len(issues) - len(errors)}).")
    if differing := shipped.differing(templates_dir):
        click.echo(f"Różnią się od wersji dostarczonych z programem (zmiany koordynatora): {', '.join(differing)}.")
    sys.exit(1 if errors else 0)


@templates_group.command("restore")
@click.argument("names", nargs=-1, required=True, metavar="SZABLON...")
@click.option("--templates", "templates_dir", type=click.Path(path_type=Path), metavar="KATALOG", default=Path("templates"),
              show_default=True, help="Katalog szablonów Word.")
@user_errors
def templates_restore_command(names: tuple[str, ...], templates_dir: Path) -> None:
    """Przywróć wersję szablonu dostarczoną z programem (obecny plik trafi do templates/poprzednie/)."""
    for name in names:
        changed, kept = shipped.restore(templates_dir, name)
        click.echo(f"{name}: przywrócono wersję dostarczoną z programem"
                   + (f"; poprzedni plik zachowano jako {kept}." if kept else ".") if changed
                   else f"{name}: jest już w wersji dostarczonej z programem.")


@templates_group.command("preview")
@click.argument("names", nargs=-1, metavar="[SZABLON]...")
@click.option("--units", "unit_ids", multiple=True, metavar="JEDNOSTKA",
              help="Jednostka z katalogu --forms, której dane pokazać (można powtórzyć; domyślnie dane przykładowe "
                   "wypełniające każde pole).")
@click.option("--compare", is_flag=True, help="Pokaż każdą stronę przed (ostatni zaakceptowany podgląd) i po; "
              "zaznacz zmienione.")
@click.option("--accept", is_flag=True, help="Ten podgląd staje się wzorcem do porównań (--compare).")
@click.option("--templates", "templates_dir", type=click.Path(path_type=Path), metavar="KATALOG", default=Path("templates"),
              show_default=True, help="Katalog szablonów Word.")
@click.option("--forms", "forms_dir", type=click.Path(path_type=Path), metavar="KATALOG", default=Path("forms"),
              show_default=True, help="Katalog z formularzami jednostek (dla --units).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), metavar="KATALOG", default=Path("output/podglad"),
              show_default=True, help="Katalog podglądu.")
@edition_option
@user_errors
def templates_preview_command(names: tuple[str, ...], unit_ids: tuple[str, ...], compare: bool, accept: bool,
                              templates_dir: Path, forms_dir: Path, out_dir: Path, edition_id: str) -> None:
    """Pokaż szablony wypełnione danymi: strony PDF i PNG oraz strona HTML (output/podglad/index.html)."""
    edition = load_edition(edition_id)
    units = preview.load_units(forms_dir, list(unit_ids), edition) if unit_ids else None
    result = preview.make_preview(templates_dir, edition, out_dir, names=list(names) or None, units=units,
                                  compare=compare, accept=accept)
    click.echo("\n".join(preview.preview_summary(result)))
    sys.exit(1 if any(doc.error for doc in result.documents) else 0)


def _print_unit(result: api.UnitReport) -> None:
    """One unit's status and problems; e-mail addresses and phone numbers are masked."""
    name = result.name if result.name and result.name != result.id else "nazwa nieznana (brak karty JST)"
    if result.teryt:
        name += f" ({result.teryt})"
    status = BY_ID[result.status]
    click.echo(f"{result.id}: {name}, etap {result.stage} z 5, ", nl=False)
    click.secho(status.label, fg=status.terminal)
    for problem in map(mask_problem, result.problems):
        mark = "błąd" if problem.severity == "error" else "uwaga"
        value = f" [wartość: {problem.value}]" if problem.value else ""
        click.echo(f"  {mark}: {problem.file}: {problem.describe()}{value}")


from pipeline.web.commands import register as _register_web  # noqa: E402 (serve, users, links, backup)

_register_web(main, user_errors, edition_option)

if __name__ == "__main__":
    main()
