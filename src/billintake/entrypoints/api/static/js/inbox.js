// The inbox: every bill with where it stands, filters, search, live updates while jobs run,
// and upload by drag and drop (or the file picker).
"use strict";

import { api, uploadFile } from "./api.js";
import { badge, h, isEditable, money, STATUS_LABELS } from "./dom.js";

const FAST_MS = 1500;   // while bills are processing or uploading
const SLOW_MS = 10000;  // otherwise (others may upload too)
const FILTERS = ["", "needs_review", "duplicate", "processing", "booked", "partly_paid", "paid", "failed", "approved"];

export async function showInbox(root) {
  const params = new URLSearchParams(location.search);
  const state = { status: params.get("status") || "", q: params.get("q") || "", uploading: 0, last: "" };

  const picker = h("input", { type: "file", id: "file-input", name: "files", multiple: true, hidden: true,
    accept: ".pdf,.png,.jpg,.jpeg,.tif,.tiff,.xml,application/pdf,image/*,application/xml,text/xml" });
  const zone = h("section", { id: "drop-zone", class: "drop-zone", tabindex: "0",
    "aria-label": "Drop bill files here, or press Enter to choose files" },
  h("strong", {}, "Drop bills here"), " — PDF, scans or e-invoice XML — or ",
  h("button", { type: "button", name: "choose", class: "linkish", onclick: () => picker.click() }, "choose files"),
  picker);
  const uploads = h("ul", { id: "uploads", class: "uploads" });
  const chips = h("div", { class: "chips", role: "toolbar", "aria-label": "Filter by status" });
  const search = h("input", { type: "search", name: "q", placeholder: "Search vendor, number, file… ( / )",
    value: state.q, "aria-label": "Search" });
  const body = h("tbody", { id: "inbox-rows" });
  const table = h("table", { class: "inbox", id: "inbox" },
    h("thead", {}, h("tr", {}, ...["Status", "Vendor", "Number", "Date", "Total", "Due", "Why it waits", "Received"]
      .map((title) => h("th", { scope: "col" }, title)))), body);
  const empty = h("p", { class: "muted empty", hidden: true });
  root.replaceChildren(h("div", { class: "inbox-page" },
    h("div", { class: "inbox-head" }, h("h1", {}, "Inbox"), search), zone, uploads, chips, table, empty));

  async function refresh() {
    const query = new URLSearchParams();
    if (state.status) query.set("status", state.status);
    if (state.q.trim()) query.set("q", state.q.trim());
    const data = await api("GET", "/inbox?" + query.toString());
    const signature = JSON.stringify(data);
    if (signature !== state.last) {
      state.last = signature;
      render(data);
    }
    return data;
  }

  function render(data) {
    chips.replaceChildren(...FILTERS.filter((status) => !status || data.counts[status] || state.status === status).map((status) => {
      const count = status ? data.counts[status] : Object.values(data.counts).reduce((a, b) => a + b, 0);
      return h("button", { type: "button", class: "chip", "data-filter": status || "all",
        "aria-pressed": String(state.status === status),
        onclick: () => { state.status = status; syncUrl(); refresh(); } },
      status ? STATUS_LABELS[status] : "all", h("span", { class: "count" }, String(count)));
    }));
    body.replaceChildren(...data.rows.map((row) => h("tr", {
      "data-job-id": row.job_id, "data-status": row.status, tabindex: "-1",
      onclick: (event) => { if (!(event.target instanceof HTMLAnchorElement)) location.assign(`/bill/${row.job_id}`); },
    },
    h("td", {}, badge(row.status)),
    h("td", { class: "vendor" }, h("a", { href: `/bill/${encodeURIComponent(row.job_id)}` }, row.vendor || row.filename)),
    h("td", {}, row.bill_number || ""),
    h("td", { class: "nowrap" }, row.bill_date || ""),
    h("td", { class: "num" }, money(row.total, row.currency)),
    h("td", { class: "nowrap" }, row.due_date || ""),
    h("td", { class: "why", title: row.why }, row.why),
    h("td", { class: "nowrap muted", title: row.filename }, new Date(row.received_at).toLocaleString()))));
    empty.hidden = data.rows.length > 0;
    empty.textContent = state.status || state.q ? "No bill matches." : "No bills yet: drop some above.";
  }

  function syncUrl() {
    const query = new URLSearchParams();
    if (state.status) query.set("status", state.status);
    if (state.q) query.set("q", state.q);
    history.replaceState(null, "", "/" + (query.toString() ? "?" + query : ""));
  }

  let searchTimer = null;
  search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => { state.q = search.value; syncUrl(); refresh(); }, 200);
  });

  function addFiles(files) {
    for (const file of Array.from(files)) {
      const bar = h("progress", { max: "100", value: "0" });
      const note = h("span", { class: "note" }, "uploading…");
      const item = h("li", { class: "upload", "data-name": file.name }, h("span", { class: "name" }, file.name), bar, note);
      uploads.prepend(item);
      state.uploading += 1;
      uploadFile(file, (percent) => { bar.value = percent; })
        .then((job) => {
          item.dataset.jobId = job.id;
          note.textContent = job.duplicate ? "received before" : "received";
          setTimeout(() => item.remove(), 2500);
        })
        .catch((error) => {
          item.classList.add("failed");
          note.textContent = error.message;
          item.append(h("button", { type: "button", class: "quiet", "aria-label": "dismiss", onclick: () => item.remove() }, "×"));
        })
        .finally(() => { state.uploading -= 1; refresh(); });
    }
  }

  ["dragenter", "dragover"].forEach((type) => root.addEventListener(type, (event) => {
    event.preventDefault();
    zone.classList.add("over");
  }));
  ["dragleave", "drop"].forEach((type) => root.addEventListener(type, (event) => {
    event.preventDefault();
    if (type === "drop" || event.target === zone) zone.classList.remove("over");
  }));
  root.addEventListener("drop", (event) => { if (event.dataTransfer) addFiles(event.dataTransfer.files); });
  zone.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") { event.preventDefault(); picker.click(); }
  });
  picker.addEventListener("change", () => { addFiles(picker.files); picker.value = ""; });

  document.addEventListener("keydown", (event) => {
    if (isEditable(event.target) || event.ctrlKey || event.metaKey || event.altKey) {
      if (event.key === "Escape" && event.target === search) search.blur();
      return;
    }
    if (event.key === "/") { event.preventDefault(); search.focus(); return; }
    if (event.key === "j" || event.key === "k") {
      const rows = [...body.querySelectorAll("tr")];
      if (!rows.length) return;
      const at = rows.indexOf(document.activeElement);
      const next = event.key === "j" ? Math.min(rows.length - 1, at + 1) : Math.max(0, at - 1);
      rows[next].focus();
    } else if (event.key === "Enter" && document.activeElement?.dataset?.jobId) {
      location.assign(`/bill/${document.activeElement.dataset.jobId}`);
    }
  });

  async function poll() {
    let data = null;
    try { data = await refresh(); } catch (_) { /* the server may be restarting; keep asking */ }
    const busy = state.uploading > 0 || (data && data.processing);
    setTimeout(poll, document.hidden ? SLOW_MS : busy ? FAST_MS : SLOW_MS / 2);
  }
  await poll();
}
