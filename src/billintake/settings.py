"""All configuration, from the environment (prefix BILLINTAKE_) or a `.env` file.

Nothing else in the project reads the environment: take a `Settings` as an argument, or call
`get_settings()` at the edge (CLI, API app, worker).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BILLINTAKE_", env_file=".env", extra="ignore")

    # where things live
    data_dir: Path = Path("data")
    database_url: str = ""  # default: sqlite file under data_dir
    originals_dir: Path | None = None  # default: data_dir / "originals"
    models_dir: Path = Path(__file__).resolve().parents[2] / "models"  # the shipped spaCy model

    # limits on untrusted input
    max_upload_bytes: int = 25 * 1024 * 1024
    max_pages: int = 50
    max_image_pixels: int = 60_000_000
    max_email_bytes: int = 40 * 1024 * 1024
    max_xml_bytes: int = 10 * 1024 * 1024

    # reading
    ocr_languages: str = "eng"
    ocr_dpi: int = 300
    ocr_workers: int = 2
    ocr_page_timeout_s: float = 120.0

    # extraction
    model_dir: Path | None = None  # the spaCy pipeline; default: models/billintake_fields

    # execution
    queue: Literal["local", "celery"] = "local"
    local_workers: int = 2
    redis_url: str = "redis://127.0.0.1:6379/0"
    local_pool: Literal["process", "thread"] = "process"  # in-process jobs: processes or threads
    celery_queue: str = "billintake"
    celery_visibility_timeout_s: int = 3600  # an unacknowledged job is run again after this
    max_upload_files: int = 50  # files in one upload request
    # an unfinished job is held by a lease its process renews; when the process dies the lease
    # runs out and any running process takes the job again (after at most this long)
    job_lease_s: float = Field(default=60.0, gt=0)
    job_max_attempts: int = Field(default=3, ge=1)  # runs lost (worker killed), then failed

    # secrets at rest (see storage.secrets): Fernet keys, comma-separated, the first one
    # encrypts; else the key file (default <data dir>/secret.key, created 0600)
    secret_keys: SecretStr = SecretStr("")
    secret_key_file: Path | None = None

    # accounting
    default_accounting_backend: Literal["ledger", "beancount", "rutter"] = "ledger"
    beancount_dir: Path | None = None  # default: data_dir / "beancount"
    rutter_base_url: str = "https://production.rutterapi.com/versioned"
    rutter_client_id: str = ""
    rutter_client_secret: str = ""

    # review
    auto_approve_min_confidence: float = Field(default=0.85, ge=0.0, le=1.0)
    auto_approve_require_reconciled: bool = True
    vendor_match_threshold: float = Field(default=88.0, ge=0.0, le=100.0)
    vendor_ambiguity_margin: float = Field(default=5.0, ge=0.0, le=100.0)

    # email intake
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    intake_domain: str = "billintake.localhost"

    log_level: str = "INFO"

    # web
    host: str = "127.0.0.1"
    port: int = 8000

    # people: login sessions of the web workspace
    session_idle_minutes: int = Field(default=8 * 60, ge=1)  # signed out after this long idle
    session_max_hours: int = Field(default=7 * 24, ge=1)  # and after this long in any case
    session_cookie_secure: bool = False  # set True behind HTTPS (the cookie is then Secure)
    login_max_failures: int = Field(default=5, ge=1)  # wrong passwords in a row, then locked
    login_lock_minutes: int = Field(default=15, ge=1)
    page_render_dpi: int = Field(default=110, ge=36, le=300)  # page images of the bill view

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'billintake.db').resolve()}"

    @property
    def resolved_secret_key_file(self) -> Path:
        return self.secret_key_file or self.data_dir / "secret.key"

    @property
    def resolved_originals_dir(self) -> Path:
        return self.originals_dir or self.data_dir / "originals"

    @property
    def resolved_page_cache_dir(self) -> Path:
        """Page images and words made from originals for the bill view (safe to delete)."""
        return self.data_dir / "pages"

    @property
    def resolved_beancount_dir(self) -> Path:
        return self.beancount_dir or self.data_dir / "beancount"

    @property
    def ocr_language_list(self) -> list[str]:
        return [lang for lang in self.ocr_languages.replace(",", "+").split("+") if lang]


@lru_cache
def get_settings() -> Settings:
    return Settings()
