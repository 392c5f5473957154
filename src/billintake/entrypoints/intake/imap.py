"""IMAP intake: poll a mailbox (imap-tools) and take in the messages its rules select.

Rules: the folder to read, senders (address patterns such as `*@vendor.example`) and subject
words (any of them, case-insensitive); an empty rule matches everything. A message taken in is
then moved to `move_to` (created when missing) or given the flag `flag`; a message that fails
(the database is down, say) is left as it was and tried again at the next poll. Messages
already handled carry the flag or sit in the other folder, so nothing is taken twice; a
message seen again anyway (a copy) links to its first job.
"""

from __future__ import annotations

import fnmatch
import logging
import threading
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Literal

from imap_tools import AND, NOT, BaseMailBox, MailBox, MailBoxUnencrypted, MailMessage

from billintake.bootstrap import Runtime
from billintake.domain.errors import BillintakeError
from billintake.queue import Dispatcher
from billintake.services.receive import accept_message
from billintake.settings import Settings

log = logging.getLogger(__name__)

IMPORTED_FLAG = "$BillintakeImported"  # an IMAP keyword: no standard flag means "imported"


@dataclass(frozen=True)
class MailboxRules:
    """Which messages of which folder are bills, and what becomes of them once taken in."""

    folder: str = "INBOX"
    senders: tuple[str, ...] = ()  # address patterns, e.g. "*@vendor.example"
    subject_words: tuple[str, ...] = ()  # any of them in the subject
    after: Literal["move", "flag"] = "move"
    move_to: str = "Imported"
    flag: str = IMPORTED_FLAG

    def matches(self, sender: str, subject: str) -> bool:
        address = parseaddr(sender)[1].lower() or sender.lower()
        if self.senders and not any(fnmatch.fnmatchcase(address, p.lower().strip())
                                    for p in self.senders):
            return False
        text = subject.casefold()
        return not self.subject_words or any(w.casefold() in text for w in self.subject_words)

    @classmethod
    def from_settings(cls, settings: Settings) -> MailboxRules:
        return cls(folder=settings.imap_folder, senders=_split(settings.imap_senders),
                   subject_words=_split(settings.imap_subject_words), after=settings.imap_after,
                   move_to=settings.imap_move_to, flag=settings.imap_flag)


@dataclass(frozen=True)
class MailboxAccount:
    host: str
    port: int
    user: str
    password: str
    ssl: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> MailboxAccount:
        return cls(host=settings.imap_host, port=settings.imap_port, user=settings.imap_user,
                   password=settings.imap_password.get_secret_value(), ssl=settings.imap_ssl)

    def open(self) -> BaseMailBox:
        box = MailBox(self.host, self.port) if self.ssl else \
            MailBoxUnencrypted(self.host, self.port)
        return box.login(self.user, self.password)


@dataclass
class PollResult:
    taken: list[str] = field(default_factory=list)  # subjects of the messages taken in
    jobs: int = 0
    skipped: int = 0  # not matching the rules
    failed: list[str] = field(default_factory=list)  # left in place, tried again next time


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def poll_once(runtime: Runtime, dispatcher: Dispatcher, organization_id: str,
              account: MailboxAccount, rules: MailboxRules) -> PollResult:
    """Read the folder once: take in each matching message not handled yet, then move or
    flag it."""
    result = PollResult()
    with account.open() as mailbox:
        mailbox.folder.set(rules.folder)
        criteria = NOT(keyword=rules.flag) if rules.after == "flag" else AND(all=True)
        handled: list[str] = []
        for message in mailbox.fetch(criteria, mark_seen=False, bulk=20):
            if not rules.matches(message.from_, message.subject):
                result.skipped += 1
                continue
            if _take(runtime, dispatcher, organization_id, message, result):
                handled.append(message.uid or "")
        handled = [uid for uid in handled if uid]
        if handled:
            if rules.after == "move":
                if not mailbox.folder.exists(rules.move_to):
                    mailbox.folder.create(rules.move_to)
                mailbox.move(handled, rules.move_to)
            else:
                mailbox.flag(handled, rules.flag, True)
    return result


def _take(runtime: Runtime, dispatcher: Dispatcher, organization_id: str,
          message: MailMessage, result: PollResult) -> bool:
    raw = message.obj.as_bytes()
    try:
        received = accept_message(runtime, dispatcher, organization_id, raw)
    except BillintakeError as exc:  # refused for good (e.g. too large): never retried
        log.warning("IMAP message %r refused: %s", message.subject, exc.message)
        result.failed.append(message.subject)
        return True
    except Exception:
        log.exception("could not take in IMAP message %r; it stays for the next poll",
                      message.subject)
        result.failed.append(message.subject)
        return False
    result.taken.append(message.subject)
    result.jobs += len(received.jobs)
    log.info("IMAP message taken in", extra={"organization_id": organization_id,
                                             "channel": "imap"})
    return True


def poll_forever(runtime: Runtime, dispatcher: Dispatcher, organization_id: str,
                 account: MailboxAccount, rules: MailboxRules, stop: threading.Event,
                 interval_s: float) -> None:
    """Poll every `interval_s` until `stop` is set; a failed poll (server down) is logged."""
    while not stop.is_set():
        try:
            done = poll_once(runtime, dispatcher, organization_id, account, rules)
            if done.taken or done.failed:
                log.info("IMAP poll: %d messages taken in, %d failed", len(done.taken),
                         len(done.failed))
        except Exception as exc:
            log.warning("IMAP poll of %s@%s failed: %s", account.user, account.host, exc)
        stop.wait(interval_s)
