"""IMAP intake against a real Dovecot, started unprivileged in a temporary directory: the
rules (folder, sender, subject) pick the bills, taken-in messages are moved or flagged, and a
second poll takes nothing twice."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures_gen.intake_fixtures import einvoice, free_port, make_org, plain_message
from imap_tools import MailBoxUnencrypted

from billintake.bootstrap import Runtime
from billintake.domain.model import Channel
from billintake.entrypoints.intake.imap import MailboxAccount, MailboxRules, poll_once
from billintake.queue.local import LocalDispatcher
from billintake.settings import Settings

USER, PASSWORD = "bills", "imap-secret"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CONFIG = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


@pytest.fixture(scope="module")
def dovecot() -> Iterator[int]:
    """A Dovecot IMAP server of our own (not the system's): its port."""
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not Path(binary).exists():
        if IN_CI:
            pytest.fail("dovecot is not installed (dovecot-imapd), and CI=true requires it")
        pytest.skip("dovecot is not installed (Debian package dovecot-imapd)")
    # as root, the server runs as nobody; otherwise as the user running the tests
    account = pwd.getpwnam("nobody") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
    root = Path(tempfile.mkdtemp(prefix="billintake-dovecot-"))
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir()
    port = free_port()
    (root / "dovecot.conf").write_text(CONFIG.format(
        root=root, user=account.pw_name, group=_group(account.pw_gid), uid=account.pw_uid,
        gid=account.pw_gid, port=port))
    (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    os.chmod(root, 0o755)
    if os.geteuid() == 0:
        for path in [root, *root.rglob("*")]:
            os.chown(path, account.pw_uid, account.pw_gid)
    command = [binary, "-F", "-c", str(root / "dovecot.conf")]
    if os.geteuid() == 0:
        command = ["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}",
                   "--clear-groups", *command]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_listening(port, server, root)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


def _group(gid: int) -> str:
    import grp

    return grp.getgrgid(gid).gr_name


def _wait_listening(port: int, server: subprocess.Popen[bytes], root: Path) -> None:
    import socket

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
            raise RuntimeError(f"dovecot exited: {server.stderr.read() if server.stderr else ''}"
                               f" {log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("dovecot did not start listening")


@pytest.fixture
def mailbox(dovecot: int) -> Iterator[MailboxAccount]:
    """The mailbox, emptied: INBOX and every other folder."""
    account = MailboxAccount(host="127.0.0.1", port=dovecot, user=USER, password=PASSWORD,
                             ssl=False)
    with MailBoxUnencrypted("127.0.0.1", dovecot).login(USER, PASSWORD) as box:
        for folder in box.folder.list():
            box.folder.set(folder.name)
            uids = [m.uid for m in box.fetch(mark_seen=False, headers_only=True) if m.uid]
            if uids:
                box.delete(uids)
            if folder.name != "INBOX":
                box.folder.set("INBOX")
                box.folder.delete(folder.name)
    yield account


@pytest.fixture
def imap_runtime(tmp_path: Path) -> Iterator[Runtime]:
    runtime = Runtime.from_settings(Settings(_env_file=None, data_dir=tmp_path / "data",
                                             local_pool="thread"))
    yield runtime
    runtime.close()


def _deliver(port: int, raw: bytes, folder: str = "INBOX") -> None:
    with MailBoxUnencrypted("127.0.0.1", port).login(USER, PASSWORD) as box:
        if not box.folder.exists(folder):
            box.folder.create(folder)
        box.append(raw, folder)


def _subjects(port: int, folder: str) -> list[str]:
    with MailBoxUnencrypted("127.0.0.1", port).login(USER, PASSWORD) as box:
        box.folder.set(folder)
        return sorted(m.subject for m in box.fetch(mark_seen=False))


def test_rules_pick_the_bills_and_taken_messages_move(
        imap_runtime: Runtime, mailbox: MailboxAccount) -> None:
    org, _key = make_org(imap_runtime, "acme")
    to = "ap@acme.example"
    _deliver(mailbox.port, plain_message(to, einvoice("RE-2024-0801")[0], filename="a.pdf",
                                         sender="Billing <billing@nordwind.example>",
                                         subject="Rechnung RE-0801"))
    _deliver(mailbox.port, plain_message(to, einvoice("RE-2024-0802")[0], filename="b.pdf",
                                         sender="news@shop.example",
                                         subject="Invoice for your order"))  # wrong sender
    _deliver(mailbox.port, plain_message(to, einvoice("RE-2024-0803")[0], filename="c.pdf",
                                         sender="billing@nordwind.example",
                                         subject="Newsletter"))  # wrong subject
    _deliver(mailbox.port, plain_message(to, einvoice("RE-2024-0804")[0], filename="d.pdf",
                                         sender="billing@nordwind.example",
                                         subject="Invoice RE-0804"), folder="Bills")
    rules = MailboxRules(senders=("*@nordwind.example",), subject_words=("rechnung", "invoice"),
                         after="move", move_to="Done")
    dispatcher = LocalDispatcher(imap_runtime, mode="thread")
    try:
        first = poll_once(imap_runtime, dispatcher, org.id, mailbox, rules)
        assert first.taken == ["Rechnung RE-0801"] and first.skipped == 2 and first.jobs == 1
        assert _subjects(mailbox.port, "Done") == ["Rechnung RE-0801"]
        assert _subjects(mailbox.port, "INBOX") == ["Invoice for your order", "Newsletter"]
        again = poll_once(imap_runtime, dispatcher, org.id, mailbox, rules)
        assert again.taken == [] and again.jobs == 0

        other = poll_once(imap_runtime, dispatcher, org.id, mailbox,
                          MailboxRules(folder="Bills", senders=rules.senders,
                                       subject_words=rules.subject_words, move_to="Done"))
        assert other.taken == ["Invoice RE-0804"]
    finally:
        dispatcher.close()
    with imap_runtime.repository(org.id) as repo:
        jobs = repo.list_jobs()
    assert sorted(j.original_filename for j in jobs) == ["a.pdf", "d.pdf"]
    assert {j.channel for j in jobs} == {Channel.EMAIL}


def test_flag_after_import_leaves_the_message_and_takes_it_once(
        imap_runtime: Runtime, mailbox: MailboxAccount) -> None:
    org, _key = make_org(imap_runtime, "acme")
    _deliver(mailbox.port, plain_message("ap@acme.example", einvoice("RE-2024-0805")[0],
                                         filename="e.pdf", subject="Invoice RE-0805"))
    rules = MailboxRules(after="flag")
    dispatcher = LocalDispatcher(imap_runtime, mode="thread")
    try:
        assert poll_once(imap_runtime, dispatcher, org.id, mailbox, rules).taken == [
            "Invoice RE-0805"]
        assert poll_once(imap_runtime, dispatcher, org.id, mailbox, rules).taken == []
    finally:
        dispatcher.close()
    with MailBoxUnencrypted("127.0.0.1", mailbox.port).login(USER, PASSWORD) as box:
        [message] = list(box.fetch(mark_seen=False))
    assert rules.flag in message.flags
    with imap_runtime.repository(org.id) as repo:
        assert len(repo.list_jobs()) == 1
