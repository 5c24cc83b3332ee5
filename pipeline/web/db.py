"""The web application's own data: accounts, link tokens (hashed), sessions, upload history, audit.

One SQLite file beside the output folder, in WAL mode so that readers never wait for the writer.
The schema is versioned with ``PRAGMA user_version``: each migration runs once, in order, in its
own transaction. Forms and documents are not here: ``forms/`` and ``output/`` stay the truth.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DB_FILE_NAME = "teczka-web.sqlite"
TOKEN_BYTES = 32  # 256 bits from the operating system's cryptographic source

MIGRATIONS: tuple[str, ...] = (
    # 1: the first schema
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE users (
        id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL, created TEXT NOT NULL);
    CREATE TABLE links (
        id INTEGER PRIMARY KEY, unit TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, label TEXT NOT NULL,
        created TEXT NOT NULL, revoked TEXT, last_used TEXT);
    CREATE INDEX links_unit ON links(unit);
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), created TEXT NOT NULL,
        expires TEXT NOT NULL);
    CREATE TABLE uploads (
        id INTEGER PRIMARY KEY, unit TEXT NOT NULL, form TEXT, file_name TEXT NOT NULL, size INTEGER NOT NULL,
        sha256 TEXT NOT NULL, result TEXT NOT NULL, errors INTEGER NOT NULL, warnings INTEGER NOT NULL,
        who TEXT NOT NULL, created TEXT NOT NULL, state TEXT NOT NULL);
    CREATE INDEX uploads_unit ON uploads(unit, id);
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY, time TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, unit TEXT,
        detail TEXT NOT NULL DEFAULT '');
    """,
)

# An upload's state: "pending" while its form is being put in place (a crash leaves it so and the
# next start settles it), "current" (the unit's form now), "kept" (an earlier current version),
# "rejected" (had errors; never became current). Their Polish labels: service.STATE_LABELS.


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def token_hash(token: str) -> str:
    """Link and session tokens are stored as their SHA-256 (they carry 256 random bits)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


@dataclass(frozen=True)
class Link:
    id: int
    unit: str
    label: str
    created: str
    revoked: str | None
    last_used: str | None


@dataclass(frozen=True)
class User:
    id: int
    name: str
    password_hash: str


class Database:
    """A thin wrapper: one short-lived connection per operation, so any thread may call it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._write = threading.Lock()
        self._local = threading.local()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.migrate()

    @contextlib.contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection (opened once per thread; WAL lets readers run beside the writer)."""
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA foreign_keys = ON")
            connection.execute("PRAGMA synchronous = NORMAL")  # with WAL: a crash loses nothing committed
            self._local.connection = connection
        yield connection

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._write, self.connect() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    def migrate(self) -> int:
        with self.connect() as connection:
            connection.execute("PRAGMA journal_mode = WAL")
        with self.transaction() as connection:
            version = _one(connection.execute("PRAGMA user_version"))[0]
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in filter(str.strip, script.split(";")):
                    connection.execute(statement)
                connection.execute(f"PRAGMA user_version = {number}")
        return len(MIGRATIONS)

    def schema_version(self) -> int:
        with self.connect() as connection:
            return _one(connection.execute("PRAGMA user_version"))[0]

    def secret(self) -> bytes:
        """The server's key for CSRF tokens, made once and kept in the database."""
        with self.transaction() as connection:
            row = _one(connection.execute("SELECT value FROM meta WHERE key = 'secret'"))
            if row is None:
                value = secrets.token_hex(32)
                connection.execute("INSERT INTO meta(key, value) VALUES ('secret', ?)", (value,))
                return bytes.fromhex(value)
            return bytes.fromhex(row["value"])

    # -- audit ---------------------------------------------------------------------------------

    def audit(self, actor: str, action: str, unit: str | None = None, detail: str = "",
              connection: sqlite3.Connection | None = None) -> None:
        row = (now(), actor, action, unit, detail)
        sql = "INSERT INTO audit(time, actor, action, unit, detail) VALUES (?, ?, ?, ?, ?)"
        if connection is not None:
            connection.execute(sql, row)
            return
        with self.transaction() as connection:
            connection.execute(sql, row)

    def audit_rows(self) -> list[sqlite3.Row]:
        with self.connect() as connection:
            return connection.execute("SELECT * FROM audit ORDER BY id").fetchall()

    def audit_csv(self) -> bytes:
        """The audit log as CSV (UTF-8 with a BOM, so that Excel reads the Polish letters)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["czas (UTC)", "kto", "zdarzenie", "jednostka", "szczegóły"])
        for row in self.audit_rows():
            writer.writerow([row["time"], row["actor"], row["action"], row["unit"] or "",
                             _csv_safe(row["detail"])])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")

    # -- users and sessions --------------------------------------------------------------------

    def add_user(self, name: str, password_hash: str) -> None:
        with self.transaction() as connection:
            connection.execute("INSERT INTO users(name, password_hash, created) VALUES (?, ?, ?) "
                               "ON CONFLICT(name) DO UPDATE SET password_hash = excluded.password_hash",
                               (name, password_hash, now()))
            self.audit("wiersz poleceń", "konto koordynatora", None, name, connection)

    def user(self, name: str) -> User | None:
        with self.connect() as connection:
            row = _one(connection.execute("SELECT id, name, password_hash FROM users WHERE name = ?", (name,)))
        return User(row["id"], row["name"], row["password_hash"]) if row else None

    def start_session(self, user: User, expires: str) -> str:
        token = new_token()
        with self.transaction() as connection:
            connection.execute("INSERT INTO sessions(token_hash, user_id, created, expires) VALUES (?, ?, ?, ?)",
                               (token_hash(token), user.id, now(), expires))
        return token

    def session_user(self, token: str) -> str | None:
        with self.connect() as connection:
            row = _one(connection.execute(
                "SELECT users.name FROM sessions JOIN users ON users.id = sessions.user_id "
                "WHERE token_hash = ? AND expires > ?", (token_hash(token), now())))
        return row["name"] if row else None

    def end_session(self, token: str) -> None:
        with self.transaction() as connection:
            connection.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash(token),))

    # -- links ---------------------------------------------------------------------------------

    def create_link(self, unit: str, label: str, actor: str) -> str:
        """A new private link token for ``unit``; the unit's earlier links are revoked."""
        token = new_token()
        with self.transaction() as connection:
            connection.execute("UPDATE links SET revoked = ? WHERE unit = ? AND revoked IS NULL", (now(), unit))
            connection.execute("INSERT INTO links(unit, token_hash, label, created) VALUES (?, ?, ?, ?)",
                               (unit, token_hash(token), label, now()))
            self.audit(actor, "wydano odnośnik", unit, label, connection)
        return token

    def revoke_links(self, unit: str, actor: str) -> int:
        with self.transaction() as connection:
            count = connection.execute("UPDATE links SET revoked = ? WHERE unit = ? AND revoked IS NULL",
                                       (now(), unit)).rowcount
            self.audit(actor, "unieważniono odnośnik", unit, f"unieważnione: {count}", connection)
        return count

    def link_for_token(self, token: str) -> Link | None:
        """The live link whose token this is (compared through its hash), or None."""
        digest = token_hash(token)
        with self.connect() as connection:
            row = _one(connection.execute("SELECT * FROM links WHERE token_hash = ? AND revoked IS NULL",
                                          (digest,)))
        if row is None or not secrets.compare_digest(row["token_hash"], digest):
            return None
        return _link(row)

    def touch_link(self, link: Link) -> None:
        with self.transaction() as connection:
            connection.execute("UPDATE links SET last_used = ? WHERE id = ?", (now(), link.id))

    def links(self) -> list[Link]:
        with self.connect() as connection:
            return [_link(row) for row in connection.execute("SELECT * FROM links ORDER BY unit, id")]

    # -- uploads -------------------------------------------------------------------------------

    def record_uploads(self, uploads: list[dict[str, Any]]) -> list[int]:
        """The uploads of one request, in one transaction (with their audit lines)."""
        columns = ("unit", "form", "file_name", "size", "sha256", "result", "errors", "warnings", "who", "state")
        ids = []
        with self.transaction() as connection:
            for upload in uploads:
                cursor = connection.execute(
                    f"INSERT INTO uploads({', '.join(columns)}, created) VALUES ({', '.join('?' * len(columns))}, ?)",
                    (*(upload[c] for c in columns), now()))
                self.audit(upload["who"], "wgrano formularz", upload["unit"],
                           f"{upload['form'] or '?'} · {upload['sha256'][:12]} · {upload['result']}", connection)
                ids.append(int(cursor.lastrowid or 0))
        return ids

    def record_upload(self, upload: dict[str, Any]) -> int:
        return self.record_uploads([upload])[0]

    def make_current(self, upload_ids: int | list[int]) -> None:
        """The uploads are now their unit's forms; the versions they replaced are kept in the history."""
        with self.transaction() as connection:
            for upload_id in [upload_ids] if isinstance(upload_ids, int) else upload_ids:
                row = _one(connection.execute("SELECT unit, form FROM uploads WHERE id = ?", (upload_id,)))
                connection.execute("UPDATE uploads SET state = 'kept' WHERE unit = ? AND form = ? "
                                   "AND state = 'current'", (row["unit"], row["form"]))
                connection.execute("UPDATE uploads SET state = 'current' WHERE id = ?", (upload_id,))

    def drop_upload(self, upload_id: int) -> None:
        with self.transaction() as connection:
            connection.execute("DELETE FROM uploads WHERE id = ?", (upload_id,))

    def uploads(self, unit: str | None = None) -> list[sqlite3.Row]:
        with self.connect() as connection:
            if unit is None:
                return connection.execute("SELECT * FROM uploads ORDER BY id").fetchall()
            return connection.execute("SELECT * FROM uploads WHERE unit = ? ORDER BY id DESC", (unit,)).fetchall()

    def upload(self, upload_id: int) -> sqlite3.Row | None:
        with self.connect() as connection:
            return _one(connection.execute("SELECT * FROM uploads WHERE id = ?", (upload_id,)))

    def pending_uploads(self) -> list[sqlite3.Row]:
        with self.connect() as connection:
            return connection.execute("SELECT * FROM uploads WHERE state = 'pending' ORDER BY id").fetchall()

    # -- backup --------------------------------------------------------------------------------

    def backup(self, target: Path) -> None:
        """A consistent copy through SQLite's backup API (safe while the server runs)."""
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.tmp")
        partial.unlink(missing_ok=True)
        with self.connect() as source:
            copy = sqlite3.connect(partial)
            try:
                source.backup(copy)
            finally:
                copy.close()
        partial.replace(target)


def _one(cursor: sqlite3.Cursor) -> Any:
    """The first row, with the statement run to its end: a statement left half-read would keep
    this thread's connection on an old snapshot of the database (new links unseen)."""
    rows = cursor.fetchall()
    return rows[0] if rows else None


def _link(row: sqlite3.Row) -> Link:
    return Link(row["id"], row["unit"], row["label"], row["created"], row["revoked"], row["last_used"])


def _csv_safe(text: str) -> str:
    """A value Excel will not take for a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
