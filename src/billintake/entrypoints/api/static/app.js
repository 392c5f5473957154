// billintake upload page: drop or pick files, upload each (with progress), follow its job.
"use strict";

const FIELDS = [
  ["vendor_name", "Vendor"], ["bill_number", "Bill number"], ["bill_date", "Bill date"],
  ["due_date", "Due date"], ["currency", "Currency"], ["subtotal", "Subtotal"],
  ["tax", "Tax"], ["total", "Total"], ["po_number", "PO number"],
];
const FINAL = new Set(["pushed", "needs_review", "failed"]);
const POLL_MS = 700;

const keyInput = document.getElementById("api-key");
const keyState = document.getElementById("key-state");
const zone = document.getElementById("drop-zone");
const picker = document.getElementById("file-input");
const list = document.getElementById("uploads");
const template = document.getElementById("upload-row");

keyInput.value = localStorage.getItem("billintake.apiKey") || "";
keyInput.addEventListener("change", () => {
  localStorage.setItem("billintake.apiKey", keyInput.value.trim());
  keyState.textContent = keyInput.value ? "saved in this browser" : "";
});

function authHeaders() {
  const key = keyInput.value.trim();
  return key ? { "Authorization": "Bearer " + key } : {};
}

["dragenter", "dragover"].forEach((type) => zone.addEventListener(type, (event) => {
  event.preventDefault();
  zone.classList.add("over");
}));
["dragleave", "drop"].forEach((type) => zone.addEventListener(type, (event) => {
  event.preventDefault();
  zone.classList.remove("over");
}));
zone.addEventListener("drop", (event) => addFiles(event.dataTransfer.files));
zone.addEventListener("keydown", (event) => {
  if (event.key === "Enter" || event.key === " ") picker.click();
});
picker.addEventListener("change", () => { addFiles(picker.files); picker.value = ""; });

function addFiles(files) {
  for (const file of Array.from(files)) {
    upload(file, addRow(file.name));
  }
}

function addRow(name) {
  document.getElementById("empty").hidden = true;
  const row = template.content.firstElementChild.cloneNode(true);
  row.querySelector(".name").textContent = name;
  list.prepend(row);
  return row;
}

function setStatus(row, status, text) {
  const badge = row.querySelector(".status");
  badge.dataset.status = status;
  badge.textContent = text || status.replace("_", " ");
  row.dataset.status = status;
}

function showError(row, message) {
  const error = row.querySelector(".error");
  error.textContent = message;
  error.hidden = !message;
}

function upload(file, row) {
  const form = new FormData();
  form.append("files", file, file.name);
  const xhr = new XMLHttpRequest();
  const bar = row.querySelector("progress");
  xhr.open("POST", "/bills/upload");
  for (const [name, value] of Object.entries(authHeaders())) xhr.setRequestHeader(name, value);
  xhr.upload.addEventListener("progress", (event) => {
    if (event.lengthComputable) bar.value = Math.round((event.loaded / event.total) * 100);
  });
  xhr.addEventListener("load", () => {
    bar.value = 100;
    let body = null;
    try { body = JSON.parse(xhr.responseText); } catch (_) { /* not JSON */ }
    if (xhr.status === 202 && body && body.jobs && body.jobs.length) {
      const job = body.jobs[0];
      row.dataset.jobId = job.id;
      render(row, job);
      if (!FINAL.has(job.status)) follow(row, job.id);
    } else {
      setStatus(row, "rejected");
      showError(row, (body && (body.detail || body.error)) || `upload failed (HTTP ${xhr.status})`);
    }
  });
  xhr.addEventListener("error", () => {
    setStatus(row, "rejected");
    showError(row, "the upload did not reach the server");
  });
  setStatus(row, "uploading");
  xhr.send(form);
}

async function follow(row, jobId) {
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    let job;
    try {
      const response = await fetch(`/jobs/${encodeURIComponent(jobId)}`, { headers: authHeaders() });
      if (!response.ok) { showError(row, `could not fetch the job (HTTP ${response.status})`); continue; }
      job = await response.json();
    } catch (_) {
      continue; // the server may be restarting; the job is stored, keep asking
    }
    render(row, job);
    if (FINAL.has(job.status)) return;
  }
}

function render(row, job) {
  setStatus(row, job.status, job.duplicate ? `${job.status.replace("_", " ")} (seen before)` : null);
  showError(row, job.error || "");
  const reasons = row.querySelector(".reasons");
  reasons.replaceChildren(...(job.review_reasons || []).map((text) => {
    const item = document.createElement("li");
    item.textContent = text;
    return item;
  }));
  reasons.hidden = !(job.review_reasons && job.review_reasons.length);
  const fields = row.querySelector(".fields");
  if (job.extracted) {
    const cells = [];
    for (const [key, label] of FIELDS) {
      const value = job.extracted[key];
      if (value === null || value === undefined) continue;
      const dt = document.createElement("dt");
      dt.textContent = label;
      const dd = document.createElement("dd");
      dd.textContent = value;
      dd.dataset.field = key;
      cells.push(dt, dd);
    }
    fields.replaceChildren(...cells);
    fields.hidden = cells.length === 0;
  }
}
