"""All configuration: the environment (prefix BILLINTAKE_), then a `.env` file in the current
directory, then the user's config file (`$BILLINTAKE_CONFIG`, else
`$XDG_CONFIG_HOME/billintake/billintake.env`, i.e. `~/.config/billintake/billintake.env`).

The data directory defaults to `$XDG_DATA_HOME/billintake` (`~/.local/share/billintake`), the
same wherever a command runs, so the CLI and the server always find the same database.
Nothing else in the project reads the environment: take a `Settings` as an argument, or call
`get_settings()` at the edge (CLI, API app, worker).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def user_config_file() -> Path:
    """The user's config file: `$BILLINTAKE_CONFIG`, else under `$XDG_CONFIG_HOME`."""
    if explicit := os.environ.get("BILLINTAKE_CONFIG"):
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "billintake" / "billintake.env"


def default_data_dir() -> Path:
    """`$XDG_DATA_HOME/billintake` (`~/.local/share/billintake`): one place for every command."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "billintake"


def config_files() -> tuple[Path, ...]:
    """The files settings are read from, lowest precedence first (later ones win)."""
    return (user_config_file(), Path(".env"))


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity), no more than a container's CPU
    quota allows (cgroup v2 `cpu.max`, e.g. `docker run --cpus 2`), at least one."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            cores = min(cores, -(-int(quota) // int(period)))
    except (OSError, ValueError):
        pass
    return max(1, cores)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BILLINTAKE_", env_file=".env", extra="ignore")

    # where things live
    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str = ""  # default: sqlite file under data_dir
    originals_dir: Path | None = None  # default: data_dir / "originals"

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
    # tesseract | rapidocr (PP-OCRv4, models in the wheel) | auto: per page the better reading
    # (Tesseract for clean pages and other languages; see reading/engines.py for the figures)
    ocr_engine: Literal["tesseract", "rapidocr", "auto"] = "auto"

    # extraction
    # the trained models' folder (billintake_fields/, ranker/): BILLINTAKE_MODELS_DIR; default:
    # models/ of the source tree. An installed package (a wheel, the image) is told where it is.
    models_dir: Path | None = None
    model_dir: Path | None = None  # the spaCy pipeline alone (default: <models>/billintake_fields)

    # execution
    queue: Literal["local", "celery"] = "local"
    local_workers: int = 2  # job workers at once; split between the serving processes, >= 1 each
    redis_url: str = "redis://127.0.0.1:6379/0"
    local_pool: Literal["process", "thread"] = "process"  # in-process jobs: processes or threads
    celery_queue: str = "billintake"
    celery_visibility_timeout_s: int = 3600  # an unacknowledged job is run again after this
    max_upload_files: int = 50  # files in one upload request
    max_upload_request_bytes: int = 100 * 1024 * 1024  # all files of one upload request
    upload_spool_dir: Path | None = None  # uploads wait here on disk; default: data_dir / "spool"
    # threads that store and queue the files a server receives (entrypoints.api.intake_threads)
    intake_threads: int = Field(default=8, ge=1)
    # processes serving the API on one port (`billintake up` and `serve`;
    # entrypoints.api.processes): one interpreter runs one request at a time, so a machine of
    # several cores serves more uploads at once with several; the job workers
    # (`local_workers`) are split between them. Default: one per core (`available_cores`)
    serve_processes: int | None = Field(default=None, ge=1)
    # an unfinished job is held by a lease its process renews; when the process dies the lease
    # runs out and any running process takes the job again (after at most this long)
    job_lease_s: float = Field(default=60.0, gt=0)
    job_max_attempts: int = Field(default=3, ge=1)  # runs lost (worker killed), then failed
    # a server keeps the organization of an API key it saw lately for this long, so a request
    # does not read the database for its key; a key revoked by another process (`billintake
    # key revoke`) stops working within it (at once in the process that revoked it); 0: no cache
    api_key_cache_s: float = Field(default=5.0, ge=0)

    # secrets at rest (see storage.secrets): Fernet keys, comma-separated, the first one
    # encrypts; else the key file (default <data dir>/secret.key, created 0600)
    secret_keys: SecretStr = SecretStr("")
    secret_key_file: Path | None = None

    # accounting
    default_accounting_backend: Literal["ledger", "beancount", "rutter"] = "ledger"
    beancount_dir: Path | None = None  # default: data_dir / "beancount"
    # an HTTP request waits at most this long, all its reads and retries together, for the
    # accounting system (GET /accounts, the reports): then 504 with the reason (jobs wait longer)
    remote_read_timeout_s: float = Field(default=10.0, gt=0)
    rutter_base_url: str = "https://production.rutterapi.com/versioned"
    rutter_client_id: str = ""
    rutter_client_secret: str = ""

    # review
    # the least probability that every required field is right (the product of their
    # calibrated confidences, `ExtractedBill.joint_confidence`) for a bill to pass unseen
    auto_approve_min_confidence: float = Field(default=0.85, ge=0.0, le=1.0)
    auto_approve_require_reconciled: bool = True
    vendor_match_threshold: float = Field(default=88.0, ge=0.0, le=100.0)
    vendor_ambiguity_margin: float = Field(default=5.0, ge=0.0, le=100.0)

    # email intake
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    intake_domain: str = "billintake.localhost"
    intake_folder: Path | None = None  # `billintake up` watches it when set

    # IMAP intake (`billintake imap`, and `up` when imap_host is set): one mailbox, its rules
    imap_host: str = ""
    imap_port: int = 993
    imap_ssl: bool = True
    imap_user: str = ""
    imap_password: SecretStr = SecretStr("")
    imap_folder: str = "INBOX"
    imap_senders: str = ""  # comma-separated address patterns, e.g. *@vendor.example
    imap_subject_words: str = ""  # comma-separated; any of them in the subject
    imap_after: Literal["move", "flag"] = "move"  # what becomes of a message taken in
    imap_move_to: str = "Imported"
    imap_flag: str = "$BillintakeImported"
    imap_poll_s: float = Field(default=60.0, gt=0)

    # inbound-mail webhooks (POST /inbound/{mailgun,postmark,sendgrid}): their secrets
    mailgun_signing_key: SecretStr = SecretStr("")
    postmark_webhook_user: str = ""  # Postmark signs nothing: HTTP basic auth on the URL
    postmark_webhook_password: SecretStr = SecretStr("")
    sendgrid_public_key: str = ""  # Inbound Parse security policy's key (base64 DER): signed
    sendgrid_webhook_user: str = ""  # else basic auth on the URL, as for Postmark
    sendgrid_webhook_password: SecretStr = SecretStr("")
    default_org: str | None = None  # slug of the organization commands act for (if several)

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

    @field_validator("data_dir", "originals_dir", "beancount_dir", "intake_folder",
                     "models_dir", "model_dir", mode="after")
    @classmethod
    def _absolute(cls, value: Path | None) -> Path | None:
        """Relative paths are taken from the current directory once, at start."""
        return None if value is None else value.expanduser().absolute()

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'billintake.db').resolve()}"

    @property
    def resolved_secret_key_file(self) -> Path:
        return self.secret_key_file or self.data_dir / "secret.key"

    @property
    def resolved_model_dir(self) -> Path | None:
        """The spaCy pipeline's folder when set (else the source tree's, see extraction.model)."""
        if self.model_dir is not None:
            return self.model_dir
        return None if self.models_dir is None else self.models_dir / "billintake_fields"

    @property
    def resolved_ranker_dir(self) -> Path | None:
        """The candidate ranker's folder when set (else the source tree's)."""
        return None if self.models_dir is None else self.models_dir / "ranker"

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
    def resolved_serve_processes(self) -> int:
        return self.serve_processes or available_cores()

    @property
    def ocr_language_list(self) -> list[str]:
        return [lang for lang in self.ocr_languages.replace(",", "+").split("+") if lang]


@lru_cache
def get_settings() -> Settings:
    return Settings(_env_file=config_files())  # type: ignore[call-arg]
