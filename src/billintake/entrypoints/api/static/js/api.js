// The JSON API, with the session cookie; every change carries the session's CSRF token.
"use strict";

let session = null;

export class ApiError extends Error {
  constructor(status, body) {
    super((body && (body.detail || body.error)) || `the server answered HTTP ${status}`);
    this.status = status;
    this.body = body || {};
    this.field = this.body.field || null;
  }
}

function toLogin() {
  const next = location.pathname === "/" ? "" : "?next=" + encodeURIComponent(location.pathname);
  location.assign("/login" + next);
}

/** Who is signed in; sends the browser to the sign-in page when nobody is. */
export async function loadSession() {
  const response = await fetch("/auth/session", { credentials: "same-origin" });
  if (response.status === 401) {
    toLogin();
    throw new ApiError(401, { detail: "not signed in" });
  }
  session = await response.json();
  return session;
}

export function csrfToken() {
  return session ? session.csrf_token : "";
}

/** A request to the API; resolves to the JSON body, rejects with an ApiError. */
export async function api(method, path, body) {
  const headers = { "Accept": "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = csrfToken();
  let payload;
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const response = await fetch(path, { method, headers, body: payload, credentials: "same-origin" });
  if (response.status === 401) toLogin();
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** Upload one file as a job (multipart), reporting progress 0..100; resolves to the job. */
export function uploadFile(file, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    form.append("files", file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/bills/upload");
    xhr.setRequestHeader("X-CSRF-Token", csrfToken());
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(Math.round((event.loaded / event.total) * 100));
    });
    xhr.addEventListener("load", () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch (_) { /* not JSON */ }
      if (xhr.status === 202 && body && body.jobs && body.jobs.length) resolve(body.jobs[0]);
      else reject(new ApiError(xhr.status, body));
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, { detail: "the upload did not reach the server" })));
    xhr.send(form);
  });
}

export async function signOut() {
  try { await api("POST", "/auth/logout"); } finally { location.assign("/login"); }
}

/** Follow a booking job (a push or payment answered 202) until it ends; resolves to its
 * result, rejects with an ApiError carrying the job's error when it failed. */
export async function followJob(accepted, { intervalMs = 500, timeoutMs = 600000 } = {}) {
  const started = Date.now();
  let job = accepted.job;
  while (!job.final) {
    if (Date.now() - started > timeoutMs) {
      throw new ApiError(504, { detail: "The accounting system has not answered yet; the job goes on, check the bill later." });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    job = await api("GET", `/booking-jobs/${encodeURIComponent(job.id)}`);
  }
  if (job.status !== "done") {
    const body = job.result || { detail: job.error, error: job.error_code };
    throw new ApiError(job.error_code === "confirmation_needed" ? 409 : 422, body);
  }
  return job.result;
}
