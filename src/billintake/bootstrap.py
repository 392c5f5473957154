"""The running service's shared parts, built once from settings: database, originals store.

The API app, the CLI and the workers each build one `Runtime` at their edge and pass it down.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from billintake.settings import Settings, get_settings
from billintake.storage.db import make_engine, migrate, private_dir, session_factory, transaction
from billintake.storage.originals import OriginalsStore
from billintake.storage.people import People
from billintake.storage.repository import Directory, Repository
from billintake.storage.secrets import SecretBox, read_or_create_key_file

log = logging.getLogger(__name__)

DEFAULT_POOL_SIZE = 5  # SQLAlchemy's: connections kept for everything but the intake threads


def secret_box(settings: Settings) -> SecretBox:
    """The keys secrets are sealed with: the environment's, else the key file's (made 0600)."""
    keys = [k.strip() for k in settings.secret_keys.get_secret_value().split(",") if k.strip()]
    return SecretBox(keys or read_or_create_key_file(settings.resolved_secret_key_file))


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    originals: OriginalsStore
    secrets: SecretBox

    @classmethod
    def from_settings(cls, settings: Settings | None = None, *, migrate_db: bool = True) -> Runtime:
        settings = settings or get_settings()
        private_dir(settings.data_dir)
        url = settings.resolved_database_url
        if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
            log.warning("no database at %s yet: creating a new one (`billintake config` shows "
                        "where the settings come from)", url.removeprefix("sqlite:///"))
        if migrate_db:
            migrate(url)
        # the intake threads keep a connection each, beside the pool's usual five (a pool too
        # small opens and closes a connection per checkout beyond it)
        engine = make_engine(url, pool_size=settings.intake_threads + DEFAULT_POOL_SIZE)
        originals_dir = settings.resolved_originals_dir
        private_dir(originals_dir)
        return cls(settings, engine, session_factory(engine), OriginalsStore(originals_dir),
                   secret_box(settings))

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: commits at the end of the block, rolls back on error."""
        with transaction(self.sessions) as session:
            yield session

    @contextmanager
    def repository(self, organization_id: str) -> Iterator[Repository]:
        with self.session() as session:
            yield Repository(session, organization_id, secrets=self.secrets)

    @contextmanager
    def directory(self) -> Iterator[Directory]:
        with self.session() as session:
            yield Directory(session)

    @contextmanager
    def people(self) -> Iterator[People]:
        """Users and login sessions (looked up before an organization is known)."""
        with self.session() as session:
            yield People(session)

    def close(self) -> None:
        self.engine.dispose()
