// The sign-in form: email and password as JSON; the server sets the session cookie.
"use strict";

const form = document.getElementById("login-form");
const error = document.getElementById("login-error");

/** Where to go after signing in: a path of this site only (never another site). */
function nextPath() {
  const next = new URLSearchParams(location.search).get("next") || "/";
  return /^\/(?![/\\])/.test(next) ? next : "/";
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.hidden = true;
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const response = await fetch("/auth/login", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ email: form.email.value, password: form.password.value }),
    });
    if (response.ok) {
      location.assign(nextPath());
      return;
    }
    const body = await response.json().catch(() => ({}));
    error.textContent = body.detail || `sign-in failed (HTTP ${response.status})`;
    error.hidden = false;
    form.password.select();
  } catch (_) {
    error.textContent = "the server cannot be reached";
    error.hidden = false;
  } finally {
    button.disabled = false;
  }
});
