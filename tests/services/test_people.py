"""People: argon2 hashes, one message for every failed sign-in, lock-out, session expiry,
sign-out, and a removed user's sessions ending with them (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from billintake.bootstrap import Runtime
from billintake.domain.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from billintake.domain.model import utcnow
from billintake.services import people

PASSWORD = "correct horse battery"


def org_id(runtime: Runtime, slug: str = "acme") -> str:
    with runtime.directory() as directory:
        org, _key = directory.create_organization(slug.title(), slug)
    return org.id


def test_passwords_are_stored_as_argon2id_hashes(any_db_runtime: Runtime) -> None:
    runtime = any_db_runtime
    user = people.add_user(runtime, org_id(runtime), " Ann@Acme.Example ", PASSWORD)
    assert user.email == "ann@acme.example"
    with runtime.people() as store:
        row = store.user_row("ann@acme.example")
        assert row is not None and row.password_hash.startswith("$argon2id$")
        assert PASSWORD not in row.password_hash


def test_users_are_checked_when_added(runtime: Runtime) -> None:
    acme, other = org_id(runtime), org_id(runtime, "other")
    people.add_user(runtime, acme, "ann@acme.example", PASSWORD)
    with pytest.raises(Conflict):
        people.add_user(runtime, other, "ANN@acme.example", PASSWORD)
    with pytest.raises(ValidationFailed, match="at least 10"):
        people.add_user(runtime, acme, "bob@acme.example", "short")
    with pytest.raises(ValidationFailed, match="not an email"):
        people.add_user(runtime, acme, "bob at acme", PASSWORD)
    assert [u.email for u in people.list_users(runtime, acme)] == ["ann@acme.example"]
    assert people.list_users(runtime, other) == []


def test_sign_in_opens_a_session_and_sign_out_ends_it(any_db_runtime: Runtime) -> None:
    runtime = any_db_runtime
    user = people.add_user(runtime, org_id(runtime), "ann@acme.example", PASSWORD)
    signed = people.sign_in(runtime, "ANN@acme.example", PASSWORD)
    session = people.session_for(runtime, signed.token)
    assert session is not None and session.user.id == user.id
    assert session.csrf_token == signed.session.csrf_token and len(signed.token) >= 40
    with runtime.session() as db:  # only the token's hash is stored
        stored = [r[0] for r in db.connection().exec_driver_sql(
            "SELECT token_hash FROM login_sessions")]
    assert signed.token not in stored and len(stored[0]) == 64
    people.sign_out(runtime, signed.token)
    assert people.session_for(runtime, signed.token) is None


def test_every_failed_sign_in_says_the_same(runtime: Runtime) -> None:
    people.add_user(runtime, org_id(runtime), "ann@acme.example", PASSWORD)
    messages = set()
    for email, password in (("ann@acme.example", "wrong password"),
                            ("nobody@acme.example", PASSWORD)):
        with pytest.raises(Unauthorized) as error:
            people.sign_in(runtime, email, password)
        messages.add(error.value.message)
    assert len(messages) == 1 and "wrong email or password" in messages.pop()


def test_too_many_wrong_passwords_lock_the_account_for_a_while(runtime: Runtime) -> None:
    people.add_user(runtime, org_id(runtime), "ann@acme.example", PASSWORD)
    now = utcnow()
    for _ in range(runtime.settings.login_max_failures):
        with pytest.raises(Unauthorized):
            people.sign_in(runtime, "ann@acme.example", "wrong password", now=now)
    with pytest.raises(Unauthorized):  # locked: even the right password is refused
        people.sign_in(runtime, "ann@acme.example", PASSWORD, now=now + timedelta(minutes=1))
    later = now + timedelta(minutes=runtime.settings.login_lock_minutes + 1)
    assert people.sign_in(runtime, "ann@acme.example", PASSWORD, now=later).token


def test_sessions_end_when_idle_and_after_their_longest_life(runtime: Runtime) -> None:
    people.add_user(runtime, org_id(runtime), "ann@acme.example", PASSWORD)
    settings = runtime.settings
    start = utcnow()
    idle = people.sign_in(runtime, "ann@acme.example", PASSWORD, now=start)
    assert people.session_for(runtime, idle.token, now=start + timedelta(
        minutes=settings.session_idle_minutes + 1)) is None

    busy = people.sign_in(runtime, "ann@acme.example", PASSWORD, now=start)
    at, step = start, timedelta(minutes=settings.session_idle_minutes - 5)  # never idle long
    while at + step < start + timedelta(hours=settings.session_max_hours):
        at += step
        assert people.session_for(runtime, busy.token, now=at) is not None
    assert people.session_for(runtime, busy.token, now=start + timedelta(
        hours=settings.session_max_hours, minutes=1)) is None


def test_a_removed_user_is_signed_out_everywhere(runtime: Runtime) -> None:
    acme = org_id(runtime)
    people.add_user(runtime, acme, "ann@acme.example", PASSWORD)
    signed = people.sign_in(runtime, "ann@acme.example", PASSWORD)
    with pytest.raises(NotFound):
        people.remove_user(runtime, org_id(runtime, "other"), "ann@acme.example")
    people.remove_user(runtime, acme, "ann@acme.example")
    assert people.session_for(runtime, signed.token) is None
    with pytest.raises(Unauthorized):
        people.sign_in(runtime, "ann@acme.example", PASSWORD)
