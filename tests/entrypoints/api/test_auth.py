import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from billintake.bootstrap import Runtime
from billintake.domain.model import Organization, Vendor
from billintake.entrypoints.api import auth
from billintake.entrypoints.api.app import create_app
from billintake.settings import Settings


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime)) as c:
        yield c


def test_health_and_docs_need_no_key(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.get("/docs").status_code == 200
    assert client.get("/openapi.json").json()["info"]["title"] == "billintake"


def test_missing_or_wrong_key_is_401_with_a_reason(client: TestClient) -> None:
    response = client.get("/me")
    assert response.status_code == 401
    assert response.json() == {"error": "unauthorized",
                               "detail": "missing API key: send 'Authorization: Bearer <key>'"}
    assert client.get("/me", headers={"Authorization": "Bearer bik_nope"}).status_code == 401


def test_key_scopes_the_request_to_its_organization(client: TestClient, runtime: Runtime) -> None:
    with runtime.directory() as directory:
        org_a, key_a = directory.create_organization("Org A")
        org_b, key_b = directory.create_organization("Org B")
    assert client.get("/me", headers={"Authorization": f"Bearer {key_a}"}).json()["id"] == org_a.id
    assert client.get("/me", headers={"X-API-Key": key_b}).json()["id"] == org_b.id


def test_keys_are_stored_hashed(runtime: Runtime) -> None:
    with runtime.directory() as directory:
        _org, key = directory.create_organization("Hashed")
    with runtime.session() as session:
        stored = [row[0] for row in session.connection().exec_driver_sql(
            "SELECT key_hash FROM api_keys")]
    assert key not in stored and len(stored[0]) == 64


def test_other_organizations_objects_are_404_never_their_data(client: TestClient,
                                                             runtime: Runtime) -> None:
    """Uses the repository-backed error mapping: a foreign id looks exactly like a missing one."""
    from fastapi import APIRouter

    from billintake.entrypoints.api.auth import OrgRepository

    router = APIRouter()

    @router.get("/_test/vendors/{vendor_id}")
    def get_vendor(vendor_id: str, repo: OrgRepository) -> dict[str, str]:
        return {"name": repo.get_vendor(vendor_id).name}

    client.app.include_router(router)  # type: ignore[attr-defined]
    with runtime.directory() as directory:
        _org_a, key_a = directory.create_organization("Org A")
        org_b, _key_b = directory.create_organization("Org B")
    secret = Vendor(organization_id=org_b.id, name="B's secret supplier")
    with runtime.repository(org_b.id) as repo:
        repo.add_vendor(secret)
    response = client.get(f"/_test/vendors/{secret.id}", headers={"X-API-Key": key_a})
    assert response.status_code == 404
    assert "secret" not in response.text
    assert response.json()["error"] == "not_found"


def _revoke_behind_the_servers_back(runtime: Runtime, key: str) -> None:
    """Revoke as another process would (its own connection, not this process's Directory)."""
    from billintake.storage.repository import hash_api_key

    with runtime.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE api_keys SET revoked_at = CURRENT_TIMESTAMP "
                             "WHERE key_hash = ?", (hash_api_key(key),))


def test_a_key_revoked_in_this_process_is_refused_at_once(client: TestClient,
                                                          runtime: Runtime) -> None:
    with runtime.directory() as directory:
        org, key = directory.create_organization("Revoked here")
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get("/me", headers=headers).status_code == 200  # now in the key cache
    with runtime.directory() as directory:
        [listed] = directory.list_api_keys(org.id)
        directory.revoke_api_key(org.id, listed.id)
    assert client.get("/me", headers=headers).status_code == 401


@pytest.mark.parametrize("cache_s", [0.3, 0.0], ids=["cached", "no-cache"])
def test_a_key_revoked_elsewhere_is_refused_once_its_cache_entry_ends(
        settings: Settings, cache_s: float) -> None:
    """Revoked by another process: refused once the cache entry ends, at once without one."""
    import time

    runtime = Runtime.from_settings(settings.model_copy(update={"api_key_cache_s": cache_s}))
    with runtime.directory() as directory:
        _org, key = directory.create_organization("Revoked elsewhere")
    headers = {"Authorization": f"Bearer {key}"}
    with TestClient(create_app(runtime=runtime)) as client:
        assert client.get("/me", headers=headers).status_code == 200
        _revoke_behind_the_servers_back(runtime, key)
        time.sleep(cache_s + 0.1 if cache_s else 0)
        assert client.get("/me", headers=headers).status_code == 401
    runtime.close()


def test_requests_needing_the_same_new_key_at_once_share_one_look_up(
        runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    """A client's first requests, on all its connections at once, look its key up once."""
    looked_up: list[str] = []
    real = auth._organization_for_key

    def slow_look_up(runtime: Runtime, key: str) -> Organization | None:
        looked_up.append(key)
        time.sleep(0.2)  # all the requests arrive while it runs
        return real(runtime, key)

    monkeypatch.setattr(auth, "_organization_for_key", slow_look_up)
    with runtime.directory() as directory:
        org, key = directory.create_organization("Org A")
    app = create_app(runtime=runtime)

    async def at_once(sent_key: str) -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://test") as client:
            return await asyncio.gather(*(
                client.get("/me", headers={"Authorization": f"Bearer {sent_key}"})
                for _ in range(5)))

    assert [r.json()["id"] for r in asyncio.run(at_once(key))] == [org.id] * 5
    assert [r.status_code for r in asyncio.run(at_once("bik_unknown"))] == [401] * 5
    assert looked_up == [key, "bik_unknown"]
