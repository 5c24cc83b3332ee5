"""Teczka online: the Starlette application. Routes parse the request, ask ``unit_access`` (the
one place that decides which unit a request may see), call the service, and render a template.

URLs (documented in README "Teczka online"):
  /j/{token}                       a team's unit page (the private link); POST …/wgraj uploads
  /j/{token}/dokumenty             the documents fragment (refreshed while PDF/A is being made)
  /j/{token}/dokument/{name}       a document of the unit (DOCX, PDF/A, HTML)
  /j/{token}/uwagi/{upload}        the marked copy of an upload with errors
  /j/{token}/puste/{form}          a blank form (the karta pre-filled)
  /k/jst/{unit}/…                  the same pages for the coordinator
  /logowanie, /wyloguj             the coordinator's session
  /k, /k/tabela                    the status of all units (the table refreshed live)
  /k/budowanie, /k/budowanie/stan  run the full build; its progress
  /k/paczki/{name}, /k/odnosniki, /k/audyt.csv
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from pipeline.web import library
from pipeline.web.security import (
    DOCUMENT_POLICY,
    Guard,
    RateLimiter,
    csrf_ok,
    csrf_token,
    verify_password,
)
from pipeline.web.service import MB, Teczka, WebConfig

log = logging.getLogger("teczka.web")
HERE = Path(__file__).parent
SESSION_COOKIE = "teczka_sesja"
LOGIN_COOKIE = "teczka_logowanie"
MEDIA_TYPES = {".pdf": "application/pdf", ".html": "text/html; charset=utf-8",
               ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
               ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               ".zip": "application/zip"}


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["polish_time"] = polish_time
    env.filters["size"] = size_text
    env.filters["kilobytes"] = lambda n: f"{n / 1024:.1f}".replace(".", ",") + " KB"
    env.filters["urlpart"] = lambda s: quote(str(s), safe="")
    return env


def size_text(size: int) -> str:
    """A limit in words: "5 MB", "195 KB"."""
    return f"{size // MB} MB" if size >= MB and size % MB == 0 else f"{size / 1024:.0f} KB"


def polish_time(stamp: str | None) -> str:
    """"2026-12-01T14:05:09.123+00:00" -> "1.12.2026, 14:05:09 UTC"."""
    if not stamp:
        return "—"
    moment = datetime.fromisoformat(stamp)
    return f"{moment.day}.{moment.month:02d}.{moment.year}, {moment:%H:%M:%S} UTC"


@dataclass(frozen=True)
class UnitAccess:
    """What a request may see: one unit, and under which base URL and name it acts."""

    unit: str
    who: str
    base: str
    csrf_identity: str
    rate_key: str
    coordinator: str | None = None


class Site:
    def __init__(self, teczka: Teczka) -> None:
        self.teczka = teczka
        config = teczka.config
        self.env = _environment()
        self.upload_limit = RateLimiter(config.uploads_per_minute, 60)
        self.login_limit = RateLimiter(config.logins_per_window, config.login_window_seconds)

    # -- access: the one place ------------------------------------------------------------------

    def coordinator(self, request: Request) -> str | None:
        token = request.cookies.get(SESSION_COOKIE)
        return self.teczka.db.session_user(token) if token else None

    def unit_access(self, request: Request) -> UnitAccess:
        """May this request see a unit, and which one? A link's token opens its own unit only;
        a coordinator's session opens any unit. Anything else is 404 (or the login page)."""
        params = request.path_params
        if "token" in params:
            link = self.teczka.db.link_for_token(params["token"])
            if link is None or link.unit not in self.teczka.unit_ids():
                raise HTTPException(404)
            self.teczka.db.touch_link(link)
            return UnitAccess(link.unit, link.label, f"/j/{params['token']}", f"link:{link.id}", f"link:{link.id}")
        user = self.coordinator(request)
        if user is None:
            raise HTTPException(303, headers={"location": "/logowanie"})
        unit = params.get("unit")
        if unit not in self.teczka.unit_ids():
            raise HTTPException(404)
        session = request.cookies[SESSION_COOKIE]
        return UnitAccess(unit, f"koordynator {user}", f"/k/jst/{quote(unit, safe='')}", f"session:{session}",
                          f"user:{user}", coordinator=user)

    def require_coordinator(self, request: Request) -> tuple[str, str]:
        user = self.coordinator(request)
        if user is None:
            raise HTTPException(303, headers={"location": "/logowanie"})
        return user, f"session:{request.cookies[SESSION_COOKIE]}"

    def check_csrf(self, identity: str, form: Any) -> None:
        if not csrf_ok(self.teczka.secret, identity, form.get("csrf")):
            raise HTTPException(403)

    # -- rendering -------------------------------------------------------------------------------

    def page(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.env.get_template(template).render(**context)
        return HTMLResponse(html, status_code=status, headers={"cache-control": "no-store"})

    def error_page(self, status: int, title: str, message: str) -> HTMLResponse:
        return self.page("error.html", status, title=title, message=message, coordinator=None)

    def unit_context(self, access: UnitAccess, **extra: Any) -> dict[str, Any]:
        teczka = self.teczka
        return {"unit": teczka.unit_view(access.unit), "access": access, "base": access.base,
                "docs": teczka.documents(access.unit), "history": teczka.history(access.unit),
                "csrf": csrf_token(teczka.secret, access.csrf_identity), "forms": library.FORMS,
                "limits": teczka.config, "coordinator": access.coordinator, "outcomes": None} | extra

    def file(self, path: Path, name: str, inline: bool) -> Response:
        media = MEDIA_TYPES.get(path.suffix, "application/octet-stream")
        disposition = "inline" if inline else "attachment"
        return FileResponse(path, media_type=media, content_disposition_type=disposition, filename=name,
                            headers={"content-security-policy": DOCUMENT_POLICY, "cache-control": "no-store"})

    # -- a unit's pages (team and coordinator) ---------------------------------------------------

    async def unit_page(self, request: Request) -> Response:
        access = await run_in_threadpool(self.unit_access, request)
        context = await run_in_threadpool(self.unit_context, access)
        return self.page("unit.html", title=context["unit"]["name"] or access.unit, **context)

    async def documents_fragment(self, request: Request) -> Response:
        access = await run_in_threadpool(self.unit_access, request)
        docs = await run_in_threadpool(self.teczka.documents, access.unit)
        return self.page("_documents.html", docs=docs, base=access.base)

    async def upload(self, request: Request) -> Response:
        access = await run_in_threadpool(self.unit_access, request)
        config = self.teczka.config
        try:
            async with request.form(max_files=config.max_files, max_fields=config.max_files + 5) as form:
                self.check_csrf(access.csrf_identity, form)
                files = [f for f in form.getlist("pliki") if isinstance(f, UploadFile) and f.filename]
                if not files:
                    return self.error_page(400, "Nie wybrano pliku",
                                           "Wybierz co najmniej jeden formularz (.xlsx) i wyślij go ponownie.")
                if any((f.size or 0) > config.max_file_bytes for f in files):
                    return self.too_large_page()
                if not self.upload_limit.hit(access.rate_key):
                    return self.error_page(429, "Za dużo wysyłek",
                                           f"Z tego odnośnika można wysłać najwyżej {config.uploads_per_minute} "
                                           "razy na minutę. Odczekaj chwilę i spróbuj ponownie.")
                payload = [(f.filename or "", await f.read()) for f in files]
        except (MultiPartException, HTTPException) as exc:  # Starlette reports too many files as a 400
            if isinstance(exc, HTTPException) and exc.status_code != 400:
                raise
            return self.error_page(400, "Za dużo plików",
                                   f"Naraz można wysłać najwyżej {config.max_files} formularzy — "
                                   "tyle, ile jest rodzajów formularzy. Wyślij pozostałe osobno.")
        outcomes = await run_in_threadpool(self.teczka.upload, access.unit, payload, access.who)
        context = await run_in_threadpool(self.unit_context, access, outcomes=outcomes)
        return self.page("unit.html", title=context["unit"]["name"] or access.unit, **context)

    def too_large_page(self) -> HTMLResponse:
        config = self.teczka.config
        return self.error_page(
            413, "Plik jest za duży",
            f"Jeden formularz może mieć najwyżej {size_text(config.max_file_bytes)}, a wszystkie pliki wysłane "
            f"naraz — najwyżej {size_text(config.max_request_bytes)}. Wypełniony formularz ma zwykle kilkadziesiąt KB: "
            "sprawdź, czy wybrano właściwy plik.")

    async def document(self, request: Request) -> Response:
        access = await run_in_threadpool(self.unit_access, request)
        name = request.path_params["name"]
        path = await run_in_threadpool(self.teczka.document_file, access.unit, name)
        if path is None:
            raise HTTPException(404)
        return self.file(path, name, inline=path.suffix in (".pdf", ".html"))

    async def feedback(self, request: Request) -> Response:
        access = await run_in_threadpool(self.unit_access, request)
        found = await run_in_threadpool(self.teczka.feedback_file, access.unit, request.path_params["upload"])
        if found is None:
            raise HTTPException(404)
        return self.file(found[0], found[1], inline=False)

    async def blank(self, request: Request) -> Response:
        access = await run_in_threadpool(self.unit_access, request)
        key = request.path_params["form"]
        if key not in library.FORMS_BY_KEY:
            raise HTTPException(404)
        card = await run_in_threadpool(self.teczka.card_values, access.unit) if key == "card" else None
        data = await run_in_threadpool(library.blank_form, key, self.teczka.edition, card)
        name = library.FORMS_BY_KEY[key].file_name
        return Response(data, media_type=MEDIA_TYPES[".xlsx"], headers={
            "content-disposition": f'attachment; filename="{name}"', "cache-control": "no-store"})

    # -- the coordinator ------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        if self.coordinator(request):
            return RedirectResponse("/k", 303)
        return self.page("home.html", title="Teczka online", coordinator=None)

    async def login_form(self, request: Request) -> Response:
        nonce = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(32)
        response = self.page("login.html", title="Logowanie koordynatora", coordinator=None,
                             csrf=csrf_token(self.teczka.secret, f"login:{nonce}"), failed=False)
        self._cookie(request, response, LOGIN_COOKIE, nonce, max_age=3600)
        return response

    async def login(self, request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=5)
        nonce = request.cookies.get(LOGIN_COOKIE, "")
        self.check_csrf(f"login:{nonce}", form)
        name, password = str(form.get("nazwa") or "").strip(), str(form.get("haslo") or "")
        address = request.client.host if request.client else "?"
        if not (self.login_limit.allowed(f"ip:{address}") and self.login_limit.allowed(f"user:{name}")):
            return self.error_page(429, "Za dużo prób logowania",
                                   "Kilka prób logowania się nie powiodło. Odczekaj 5 minut i spróbuj ponownie.")
        user = await run_in_threadpool(self.teczka.db.user, name)
        ok = await run_in_threadpool(verify_password, user.password_hash if user else None, password)
        if not ok or user is None:
            self.login_limit.hit(f"ip:{address}")
            self.login_limit.hit(f"user:{name}")
            self.teczka.db.audit(name or "?", "nieudane logowanie")
            return self.page("login.html", 401, title="Logowanie koordynatora", coordinator=None,
                             csrf=csrf_token(self.teczka.secret, f"login:{nonce}"), failed=True)
        hours = self.teczka.config.session_hours
        expires = (datetime.now(UTC) + timedelta(hours=hours)).isoformat(timespec="milliseconds")
        session = await run_in_threadpool(self.teczka.db.start_session, user, expires)
        self.teczka.db.audit(user.name, "logowanie")
        response = RedirectResponse("/k", 303)
        self._cookie(request, response, SESSION_COOKIE, session, max_age=hours * 3600)
        response.delete_cookie(LOGIN_COOKIE, path="/")
        return response

    async def logout(self, request: Request) -> Response:
        user, identity = self.require_coordinator(request)
        self.check_csrf(identity, await request.form(max_files=0, max_fields=5))
        self.teczka.db.end_session(request.cookies[SESSION_COOKIE])
        self.teczka.db.audit(user, "wylogowanie")
        response = RedirectResponse("/logowanie", 303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @staticmethod
    def _cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
        response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="strict",
                            secure=request.url.scheme == "https")

    def status_context(self) -> dict[str, Any]:
        teczka = self.teczka
        units = teczka.unit_views()
        last = {}
        for row in teczka.db.uploads():
            last[row["unit"]] = row["created"]
        return {"units": units, "last_upload": last, "forms": library.FORMS, "progress": teczka.worker.progress.as_dict(),
                "pending": teczka.worker.pending, "bundles": teczka.bundles()}

    async def status(self, request: Request) -> Response:
        user, identity = self.require_coordinator(request)
        context = await run_in_threadpool(self.status_context)
        return self.page("status.html", title="Stan jednostek", coordinator=user,
                         csrf=csrf_token(self.teczka.secret, identity), **context)

    async def status_table(self, request: Request) -> Response:
        self.require_coordinator(request)
        context = await run_in_threadpool(self.status_context)
        return self.page("_status_table.html", **context)

    async def build_progress(self, request: Request) -> Response:
        self.require_coordinator(request)
        return self.page("_build.html", progress=self.teczka.worker.progress.as_dict(),
                         pending=self.teczka.worker.pending)

    async def start_build(self, request: Request) -> Response:
        user, identity = self.require_coordinator(request)
        self.check_csrf(identity, await request.form(max_files=0, max_fields=5))
        self.teczka.worker.request(f"koordynator {user}")
        return RedirectResponse("/k#budowanie", 303)

    async def bundle(self, request: Request) -> Response:
        self.require_coordinator(request)
        name = request.path_params["name"]
        path = self.teczka.bundle_file(name)
        if path is None:
            raise HTTPException(404)
        return self.file(path, name, inline=False)

    async def links(self, request: Request) -> Response:
        user, identity = self.require_coordinator(request)
        links = await run_in_threadpool(self.teczka.db.links)
        return self.page("links.html", title="Odnośniki zespołów", coordinator=user, links=links,
                         csrf=csrf_token(self.teczka.secret, identity))

    async def revoke(self, request: Request) -> Response:
        user, identity = self.require_coordinator(request)
        self.check_csrf(identity, await request.form(max_files=0, max_fields=5))
        unit = request.path_params["unit"]
        if unit not in {link.unit for link in self.teczka.db.links()}:
            raise HTTPException(404)
        self.teczka.db.revoke_links(unit, f"koordynator {user}")
        return RedirectResponse("/k/odnosniki", 303)

    async def audit_csv(self, request: Request) -> Response:
        self.require_coordinator(request)
        data = await run_in_threadpool(self.teczka.db.audit_csv)
        return Response(data, media_type="text/csv; charset=utf-8", headers={
            "content-disposition": 'attachment; filename="dziennik-zdarzen.csv"', "cache-control": "no-store"})

    async def status_css(self, request: Request) -> Response:
        return Response(library.PAGE_CSS, media_type="text/css; charset=utf-8")

    # -- errors ---------------------------------------------------------------------------------

    async def http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code in (301, 302, 303, 307):
            return Response(status_code=exc.status_code, headers=exc.headers)
        titles = {
            403: ("Brak uprawnień", "Formularz wygasł albo nie pochodzi z tej strony. Odśwież stronę i spróbuj ponownie."),
            404: ("Nie znaleziono strony", "Tej strony nie ma albo odnośnik jest nieaktualny. Jeśli dostałeś "
                                           "odnośnik od koordynatora, poproś go o nowy."),
            405: ("Niedozwolona operacja", "Ta strona nie obsługuje takiego żądania."),
        }
        title, message = titles.get(exc.status_code, ("Błąd", "Nie udało się wykonać żądania."))
        return self.error_page(exc.status_code, title, message)

    async def server_error(self, request: Request, exc: Exception) -> Response:
        return self.error_page(500, "Błąd serwera", "Coś poszło nie tak po stronie serwera. Spróbuj ponownie "
                                                    "za chwilę; jeśli błąd się powtarza, napisz do koordynatora.")


def unit_routes(site: Site, prefix: str) -> list[Route]:
    """The same pages under a team's link and under the coordinator's unit prefix."""
    return [
        Route(prefix, site.unit_page),
        Route(f"{prefix}/wgraj", site.upload, methods=["POST"]),
        Route(f"{prefix}/dokumenty", site.documents_fragment),
        Route(f"{prefix}/dokument/{{name}}", site.document),
        Route(f"{prefix}/uwagi/{{upload:int}}", site.feedback),
        Route(f"{prefix}/puste/{{form}}", site.blank),
    ]


def create_app(config: WebConfig, *, start_worker: bool = True) -> Starlette:
    teczka = Teczka(config)
    site = Site(teczka)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if start_worker:
            teczka.start()
        yield
        teczka.stop()

    routes = [
        Route("/", site.home),
        Route("/logowanie", site.login_form),
        Route("/logowanie", site.login, methods=["POST"]),
        Route("/wyloguj", site.logout, methods=["POST"]),
        Route("/k", site.status),
        Route("/k/tabela", site.status_table),
        Route("/k/budowanie", site.start_build, methods=["POST"]),
        Route("/k/budowanie/stan", site.build_progress),
        Route("/k/paczki/{name}", site.bundle),
        Route("/k/odnosniki", site.links),
        Route("/k/odnosniki/{unit}/uniewaznij", site.revoke, methods=["POST"]),
        Route("/k/audyt.csv", site.audit_csv),
        *unit_routes(site, "/j/{token}"),
        *unit_routes(site, "/k/jst/{unit}"),
        Route("/static/status.css", site.status_css),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={HTTPException: site.http_error, 500: site.server_error})
    app.state.teczka = teczka
    app.state.site = site
    too_large = site.too_large_page()
    app.add_middleware(Guard, max_body=config.max_request_bytes,
                       too_large=lambda: (413, bytes(too_large.body)))
    return app
