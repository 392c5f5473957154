"""People over HTTP: sign in and out, the cookie's flags, CSRF on every change made with the
cookie, pages that need a person, the security headers, the docs served locally, and another
organization's bill, page image and original being 404."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from fixtures_gen.intake_fixtures import digital_bill, make_org

from billintake.bootstrap import Runtime
from billintake.domain.model import Channel, IngestJob
from billintake.entrypoints.api.app import create_app
from billintake.services import people
from billintake.services.pipeline import run_job
from billintake.services.receive import receive

PASSWORD = "correct horse battery"


@pytest.fixture
def app_client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime), base_url="http://testserver") as client:
        yield client


def signed_in(client: TestClient, email: str) -> str:
    """Sign the client in; the session's CSRF token."""
    response = client.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return str(response.json()["csrf_token"])


@pytest.fixture
def two_orgs(runtime: Runtime) -> tuple[str, str, str]:
    """acme (ann, and its API key) and other (bob)."""
    acme, key = make_org(runtime, "acme", known_sellers=False)
    other, _key = make_org(runtime, "other", known_sellers=False)
    people.add_user(runtime, acme.id, "ann@acme.example", PASSWORD)
    people.add_user(runtime, other.id, "bob@other.example", PASSWORD)
    return acme.id, other.id, key


def test_sign_in_sets_a_safe_cookie_and_sign_out_ends_the_session(
        app_client: TestClient, two_orgs: tuple[str, str, str]) -> None:
    assert app_client.get("/", follow_redirects=False).headers["location"] == "/login"
    response = app_client.post("/auth/login", json={"email": "ann@acme.example",
                                                    "password": PASSWORD})
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert response.json()["organization"]["slug"] == "acme"
    csrf = response.json()["csrf_token"]
    assert app_client.get("/").status_code == 200
    assert app_client.get("/login", follow_redirects=False).status_code == 303
    assert app_client.get("/auth/session").json()["user"]["email"] == "ann@acme.example"
    assert app_client.post("/auth/logout").status_code == 403  # without the CSRF token
    assert app_client.post("/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert app_client.get("/me").status_code == 401
    assert app_client.get("/bill/x", follow_redirects=False).headers["location"] == \
        "/login?next=/bill/x"


def test_a_wrong_password_is_401_with_no_cookie(app_client: TestClient,
                                                two_orgs: tuple[str, str, str]) -> None:
    response = app_client.post("/auth/login", json={"email": "ann@acme.example",
                                                    "password": "not the password"})
    assert response.status_code == 401 and "set-cookie" not in response.headers
    assert "wrong email or password" in response.json()["detail"]


def test_changes_with_the_cookie_need_the_csrf_token_and_this_site(
        app_client: TestClient, two_orgs: tuple[str, str, str]) -> None:
    csrf = signed_in(app_client, "ann@acme.example")
    body = {"name": "Paper & Co"}
    refused = app_client.post("/vendors", json=body)
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    assert app_client.post("/vendors", json=body,
                           headers={"X-CSRF-Token": "guess"}).status_code == 403
    assert app_client.post("/vendors", json=body, headers={
        "X-CSRF-Token": csrf, "Origin": "https://evil.example"}).status_code == 403
    assert app_client.post("/vendors", json=body, headers={
        "X-CSRF-Token": csrf, "Origin": "http://testserver"}).status_code == 201
    assert app_client.get("/vendors").status_code == 200  # reading needs no token
    assert app_client.post("/auth/login", json={"email": "ann@acme.example", "password": PASSWORD},
                           headers={"Origin": "https://evil.example"}).status_code == 403


def test_api_keys_work_as_before_without_csrf(app_client: TestClient,
                                              two_orgs: tuple[str, str, str]) -> None:
    _acme, _other, key = two_orgs
    headers = {"Authorization": f"Bearer {key}"}
    assert app_client.post("/vendors", json={"name": "Keyed"}, headers=headers).status_code == 201
    assert app_client.get("/auth/session", headers=headers).status_code == 401


def test_pages_carry_a_strict_content_security_policy(app_client: TestClient,
                                                       two_orgs: tuple[str, str, str]) -> None:
    signed_in(app_client, "ann@acme.example")
    page = app_client.get("/")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"


def test_the_docs_and_every_page_use_local_assets_only(app_client: TestClient) -> None:
    docs = app_client.get("/docs")
    assert docs.status_code == 200
    for page in (docs.text, app_client.get("/login").text):
        assert "http://" not in page and "https://" not in page and "//cdn" not in page
    assert app_client.get("/static/swagger/swagger-ui-bundle.js").status_code == 200
    assert app_client.get("/static/swagger/swagger-ui.css").status_code == 200
    assert app_client.get("/redoc").status_code == 404  # ReDoc would load from a CDN


def _waiting_job(runtime: Runtime, org_id: str) -> IngestJob:
    bill = digital_bill(1)
    job = receive(runtime, org_id, bill.data, filename=bill.name, channel=Channel.UPLOAD).job
    return run_job(runtime, org_id, job.id)


def test_another_organization_never_sees_a_bill_its_pages_or_its_original(
        app_client: TestClient, runtime: Runtime, two_orgs: tuple[str, str, str]) -> None:
    acme, _other, key = two_orgs
    job = _waiting_job(runtime, acme)
    paths = [f"/review/{job.id}", f"/jobs/{job.id}/pages", f"/jobs/{job.id}/pages/1/image",
             f"/jobs/{job.id}/original", f"/jobs/{job.id}", f"/bill/{job.id}"]
    signed_in(app_client, "ann@acme.example")
    for path in paths:
        assert app_client.get(path).status_code == 200, path
    original = app_client.get(f"/jobs/{job.id}/original")
    assert original.content == digital_bill(1).data
    assert original.headers["content-disposition"].startswith('attachment; filename="bill-001.pdf"')
    image = app_client.get(f"/jobs/{job.id}/pages/1/image")
    assert image.headers["content-type"] == "image/png" and image.content[:4] == b"\x89PNG"
    words = app_client.get(f"/jobs/{job.id}/pages").json()["pages"][0]
    assert words["width"] > 500 and any(w["text"] == "A70693" for w in words["words"])

    app_client.cookies.clear()
    signed_in(app_client, "bob@other.example")
    for path in paths:
        assert app_client.get(path).status_code == 404, path
    assert app_client.get(f"/jobs/{job.id}/pages/1/image",
                          headers={"Authorization": f"Bearer {key}"}).status_code == 200
