"""The command line's own words in Polish: click's help headings and usage errors.

Click builds its messages from English templates passed through ``gettext``; each click module
imports ``gettext as _`` (and ``ngettext``). ``install`` points those names at the Polish
templates below, so "No such option", "does not exist" and the help headings reach a Polish
coordinator in Polish, with the option names unchanged. A template without a Polish entry
stays English.
"""

from __future__ import annotations

import importlib

POLISH: dict[str, str] = {
    "Usage:": "Użycie:",
    "Options": "Opcje",
    "Commands": "Polecenia",
    "Positional arguments": "Argumenty",
    "Show this message and exit.": "Pokaż tę pomoc i zakończ.",
    "Show the version and exit.": "Pokaż wersję programu i zakończ.",
    "%(prog)s, version %(version)s": "%(prog)s, wersja %(version)s",
    "Error: {message}": "Błąd: {message}",
    "Try '{command} {option}' for help.": "Pomoc: {command} {option}",
    "No such option {name!r}.": "Nie ma opcji {name!r}.",
    "No such command {name!r}.": "Nie ma polecenia {name!r}.",
    "Did you mean {possibility}?": "Czy chodziło o {possibility}?",
    "(Did you mean one of: {possibilities}?)": "(Czy chodziło o jedną z: {possibilities}?)",
    "Missing argument": "Brak argumentu",
    "Missing option": "Brak opcji",
    "Missing parameter": "Brak parametru",
    "Missing command.": "Brak polecenia.",
    "Missing {param_type}": "Brak: {param_type}",
    "Invalid value for {param_hint}: {message}": "Niepoprawna wartość {param_hint}: {message}",
    "Invalid value: {message}": "Niepoprawna wartość: {message}",
    "Option {name!r} requires an argument.": "Opcja {name!r} wymaga wartości.",
    "Option {name!r} requires {nargs} arguments.": "Opcja {name!r} wymaga {nargs} wartości.",
    "Option {name!r} does not take a value.": "Opcja {name!r} nie przyjmuje wartości.",
    "Got unexpected extra argument ({args})": "Nieoczekiwany dodatkowy argument ({args})",
    "Got unexpected extra arguments ({args})": "Nieoczekiwane dodatkowe argumenty ({args})",
    "{name} {filename!r} does not exist.": "{name} {filename!r} nie istnieje.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} jest katalogiem.",
    "{name} {filename!r} is a file.": "{name} {filename!r} jest plikiem.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} nie daje się odczytać.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} nie daje się zapisać.",
    "file": "plik",
    "directory": "katalog",
    "path": "ścieżka",
    "{value!r} is not a valid {number_type}.": "{value!r} nie jest poprawną liczbą.",
    "{value} is not in the range {range}.": "{value} nie mieści się w zakresie {range}.",
    "{value!r} is not {choice}.": "{value!r} to nie {choice}.",
    "{value!r} is not one of {choices}.": "{value!r} nie jest jedną z wartości: {choices}.",
    "default: {default}": "domyślnie: {default}",
    "env var: {var}": "zmienna środowiskowa: {var}",
    "required": "wymagane",
    "Aborted!": "Przerwano.",
}
_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types")


def gettext(message: str) -> str:
    return POLISH.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


def install() -> None:
    """Point click's message lookups at the Polish templates (idempotent)."""
    for name in _MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]
