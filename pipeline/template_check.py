"""Checking Word templates before a run: tags that do not parse, variables the pipeline does not
provide, data a template leaves out, and what Word does to templates (``template_word``: curly
quotes and formatting changes inside tags, loop tags sharing a paragraph or row, pictures next to
tags in headers, fonts this machine lacks).

Every template part (body, headers, footers) is read the way the renderer reads it (docxtpl's
patching, the same Jinja environment). Variables are compared with what ``build_context``
produces for an example unit generated from the form models themselves, so a new form field
or context key is known here without being listed twice. Messages are Polish.
"""

from __future__ import annotations

import io
import types
import typing
import zipfile
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import jinja2
from jinja2 import meta, nodes
from lxml import etree
from pydantic import BaseModel

from pipeline.documents import BY_TEMPLATE, SUMMARY_CODES, build_context, document_plan
from pipeline.edition import Edition
from pipeline.models import Unit, form_field
from pipeline.polish import plural
from pipeline.render import (
    finish_part,
    make_environment,
    paragraph_text,
    prepare_source,
    rendered_parts,
    unescape_tags,
)
from pipeline.template_word import font_findings, part_findings

Severity = Literal["error", "warning"]
_UNKNOWN = object()


@dataclass(frozen=True, slots=True)
class TemplateIssue:
    template: str
    part: str
    severity: Severity
    message: str
    context_text: str = ""


# ----------------------------------------------------------------------------- example data
def _example_value(annotation: Any, name: str, label: str, choices: str | None, edition: Edition, index: int) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return _example_value(args[0], name, label, choices, edition, index)
    if typing.get_origin(annotation) is list:
        return [_example_model(args[0], edition, i) for i in (1, 2)]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _example_model(annotation, edition, index)
    if choices:
        return edition.choices(choices)[0]
    if annotation is int:
        return {"stage": 1, "priority": 1, "meeting": 1}.get(name, index)
    if annotation is Decimal:
        return Decimal("1500.50")
    if annotation is time:
        return time(9 + 3 * (name == "ends_at"), 0)
    if annotation.__name__ == "date":
        return edition.start
    special = {"terc": "0613082", "number": f"1.{index}", "goal": "1.1", "email": "jan.kowalski@example.pl",
               "contact_email": "jan.kowalski@example.pl", "office_email": "urzad@example.pl",
               "phone": "81 123 45 67", "contact_phone": "81 123 45 67"}
    return special.get(name, f"Przykład: {label}")


def _example_model(model: type[BaseModel], edition: Edition, index: int = 1) -> dict[str, Any]:
    values = {}
    for name, field in model.model_fields.items():
        try:
            spec = form_field(model, name)
            label, choices = spec.label, spec.choices
        except LookupError:
            label, choices = name, None
        values[name] = _example_value(field.annotation, name, label, choices, edition, index)
    return values


def example_unit(edition: Edition, summary_code: str = "good_practice") -> Unit:
    """A unit with every form, every optional field and two rows in every list, from the models."""
    raw = _example_model(Unit, edition)
    raw["id"] = "przyklad"
    raw["summary"]["info"]["form"] = getattr(edition.summary_forms, summary_code)
    return Unit.model_validate(raw, context={"edition": edition})


def example_contexts(edition: Edition) -> dict[str, dict[str, Any]]:
    """Template file name -> the context build_context gives for the example unit."""
    contexts: dict[str, dict[str, Any]] = {}
    for code in SUMMARY_CODES:
        unit = example_unit(edition, code)
        for spec in document_plan(unit, edition):
            contexts.setdefault(spec.template, build_context(spec, unit, edition))
    return contexts


# ----------------------------------------------------------------------------- checks
def check_templates(templates_dir: Path, edition: Edition) -> list[TemplateIssue]:
    """Every problem found in every .docx template of the folder, errors before warnings."""
    contexts = example_contexts(edition)
    issues: list[TemplateIssue] = []
    paths = [p for p in sorted(Path(templates_dir).glob("*.docx")) if not p.name.startswith(("~$", ".~lock"))]
    if not paths:
        issues.append(TemplateIssue(str(templates_dir), "", "error", f"W katalogu {templates_dir} nie ma szablonów .docx."))
    for name in sorted(set(contexts) - {p.name for p in paths}):
        issues.append(TemplateIssue(name, "", "error", f"Brak szablonu {name} w katalogu {templates_dir}."))
    for path in paths:
        context = contexts.get(path.name)
        if context is None:
            issues.append(TemplateIssue(path.name, "", "warning", f"Szablon {path.name} nie jest używany przez potok "
                                        "(nazwa pliku nie pasuje do żadnego dokumentu)."))
            context = {k: v for ctx in contexts.values() for k, v in ctx.items()}
        document = BY_TEMPLATE.get(path.name)
        issues += check_template(path, context, document.required_keys if document else frozenset())
    return sorted(issues, key=lambda i: (i.severity != "error", i.template))


def check_template(path: Path, context: dict[str, Any], required: frozenset[str] = frozenset()) -> list[TemplateIssue]:
    env = make_environment()
    try:
        archive = zipfile.ZipFile(io.BytesIO(Path(path).read_bytes()))
        parts = rendered_parts(archive)
    except (zipfile.BadZipFile, etree.XMLSyntaxError, OSError) as exc:
        return [TemplateIssue(path.name, "", "error", f"Szablon {path.name} nie jest poprawnym plikiem .docx ({exc}).")]
    issues: list[TemplateIssue] = []
    used: set[str] = set()
    unreadable = False
    for part_name, label in sorted(parts.items()):
        xml = unescape_tags(archive.read(part_name).decode("utf-8"))
        head = f"Szablon {path.name} ({label})"
        issues += [TemplateIssue(path.name, label, f.severity, f"{head}: {f.message}", f.context_text)
                   for f in part_findings(xml, label)]
        source = prepare_source(xml.split("?>", 1)[1] if xml.startswith("<?xml") else xml)
        lines = source.split("\n")
        try:
            env.from_string(source)
            tree = env.parse(source)
        except jinja2.TemplateSyntaxError as exc:
            where = paragraph_text(lines[exc.lineno - 1]) if exc.lineno and exc.lineno <= len(lines) else ""
            issues.append(TemplateIssue(path.name, label, "error",
                                        f"{head}: znacznik nie daje się odczytać ({exc.message}) w akapicie: „{where}”.", where))
            unreadable = True
            continue
        names = meta.find_undeclared_variables(tree)
        used |= names
        for name in sorted(names - set(context) - set(env.globals)):
            where = _where(tree, lines, name)
            issues.append(TemplateIssue(path.name, label, "error",
                                        f"{head}: nieznana zmienna „{name}” w akapicie: „{where}”.", where))
        walker = _AttributeWalker(lines, head, path.name, label)
        walker.walk(tree, {name: value for name, value in context.items()})
        issues += walker.issues
        if not any(i.severity == "error" and i.part == label for i in issues):
            issues += _render_check(env, source, context, path.name, label, head)
    issues += [TemplateIssue(path.name, "", f.severity, f"Szablon {path.name}: {f.message}", f.context_text)
               for f in font_findings(archive)]
    for key in sorted(required - used) if not unreadable else ():
        issues.append(TemplateIssue(path.name, "", "warning", f"Szablon {path.name} nie używa zmiennej „{key}”: "
                                    "dokument pominie te dane."))
    return issues


def _where(tree: nodes.Template, lines: list[str], name: str) -> str:
    for node in tree.find_all(nodes.Name):
        if node.name == name and node.lineno <= len(lines):
            return paragraph_text(lines[node.lineno - 1], name)
    return ""


def _render_check(env, source, context, template, label, head) -> list[TemplateIssue]:
    """Fill the part with the example data; the result must be well-formed XML."""
    try:
        xml = finish_part(env.from_string(source).render(context))
        etree.fromstring(xml.encode("utf-8"))
    except jinja2.TemplateError as exc:
        return [TemplateIssue(template, label, "error", f"{head}: nie daje się wypełnić przykładowymi danymi ({exc}).")]
    except etree.XMLSyntaxError as exc:
        return [TemplateIssue(template, label, "error", f"{head}: po wypełnieniu powstaje uszkodzony dokument ({exc}). "
                              "Sprawdź, czy znaczniki {%p …%} i {%tr …%} otwierające i zamykające są w tym samym "
                              "miejscu struktury (oba w akapitach albo oba w wierszach tej samej tabeli).")]
    return []


class _AttributeWalker:
    """Follows loop variables to the example values and reports unknown fields (``jst.nazwa``)."""

    def __init__(self, lines: list[str], head: str, template: str, label: str) -> None:
        self.lines, self.head, self.template, self.label = lines, head, template, label
        self.issues: list[TemplateIssue] = []
        self.seen: set[tuple[str, str]] = set()

    def walk(self, node: nodes.Node, scope: dict[str, Any]) -> None:
        if isinstance(node, nodes.For):
            self.walk(node.iter, scope)
            inner = dict(scope, loop=_UNKNOWN)
            items = self.resolve(node.iter, scope)
            first = items[0] if isinstance(items, list) and items else _UNKNOWN
            for target in node.target.find_all(nodes.Name) if not isinstance(node.target, nodes.Name) else [node.target]:
                inner[target.name] = first if isinstance(node.target, nodes.Name) else _UNKNOWN
            for child in [*node.body, *([node.test] if node.test else [])]:
                self.walk(child, inner)
            for child in node.else_:
                self.walk(child, scope)
            return
        if isinstance(node, nodes.Getattr):
            self.resolve(node, scope)
            return
        for child in node.iter_child_nodes():
            self.walk(child, scope)

    def resolve(self, node: nodes.Node, scope: dict[str, Any]) -> Any:
        if isinstance(node, nodes.Name):
            return scope.get(node.name, _UNKNOWN)
        if isinstance(node, (nodes.Getattr, nodes.Getitem)):
            owner = self.resolve(node.node, scope)
            key = node.attr if isinstance(node, nodes.Getattr) else getattr(node.arg, "value", _UNKNOWN)
            if isinstance(owner, dict) and isinstance(key, str):
                if key in owner:
                    return owner[key]
                if not hasattr(dict, key):
                    self.report(node, key, owner)
            return _UNKNOWN
        for child in node.iter_child_nodes():
            self.walk(child, scope)
        return _UNKNOWN

    def report(self, node: nodes.Node, key: str, owner: dict) -> None:
        path = _dotted(node)
        if (path, key) in self.seen:
            return
        self.seen.add((path, key))
        where = paragraph_text(self.lines[node.lineno - 1], key) if node.lineno <= len(self.lines) else ""
        known = ", ".join(sorted(owner))
        self.issues.append(TemplateIssue(self.template, self.label, "error",
                                         f"{self.head}: nieznana zmienna „{path}” (pole „{key}” nie istnieje; dostępne: "
                                         f"{known}) w akapicie: „{where}”.", where))


def _dotted(node: nodes.Node) -> str:
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_dotted(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        return f"{_dotted(node.node)}[{node.arg.value!r}]"
    return "…"


def format_issues(issues: list[TemplateIssue]) -> str:
    """The report for `teczka templates check`: one line per issue and a Polish summary."""
    errors = sum(1 for i in issues if i.severity == "error")
    warnings = len(issues) - errors
    if not issues:
        return "Szablony są poprawne: nie znaleziono błędów ani ostrzeżeń."
    lines = [f"{'BŁĄD' if i.severity == 'error' else 'UWAGA'}: {i.message}" for i in issues]
    lines.append(f"Razem: {errors} {plural(errors, 'błąd', 'błędy', 'błędów')}, "
                 f"{warnings} {plural(warnings, 'ostrzeżenie', 'ostrzeżenia', 'ostrzeżeń')}.")
    return "\n".join(lines)
