// The bill view: the original's pages beside its fields. Hovering or focusing a field lights
// its box on the page; clicking a word puts it into the focused field. Line items, the live
// arithmetic check, the decision (vendor, account, tax, confirmations; approve or reject),
// and once booked: its id in the books and its payments.
"use strict";

import { api, followJob } from "./api.js";
import { badge, h, isEditable, money } from "./dom.js";
import { fromUnits, parseAmount, parseCurrency, parseDate, parseText, toUnits } from "./values.js";

const FIELDS = [
  ["vendor_name", "Vendor (as printed)", "text"],
  ["bill_number", "Bill number", "text"],
  ["bill_date", "Bill date", "date"],
  ["due_date", "Due date", "date"],
  ["currency", "Currency", "currency"],
  ["subtotal", "Subtotal", "amount"],
  ["tax", "Tax", "amount"],
  ["total", "Total", "amount"],
  ["po_number", "PO number", "text"],
];
// The payment data a reviewer may correct (checked by the service: IBAN check digits, BIC,
// RF and QR reference check digits); sent as `payment: {name: value}`.
const PAYMENT_FIELDS = [
  ["iban", "IBAN"], ["bic", "BIC"], ["reference", "Payment reference"], ["payee_name", "Payee"],
];
const PARSE = { text: parseText, date: parseDate, amount: parseAmount, currency: parseCurrency };
const EXPECTED = { date: "a date, e.g. 2024-03-05", amount: "an amount, e.g. 1234.50",
  currency: "a three-letter code, e.g. EUR", text: "text" };
const LINE_COLUMNS = [["description", "Description", "text"], ["quantity", "Qty", "amount"],
  ["unit_price", "Unit price", "amount"], ["amount", "Amount", "amount"], ["tax_rate", "Tax %", "amount"]];
const WAITING = new Set(["needs_review", "duplicate"]);
const NEW_VENDOR = "__new__";
const POLL_MS = 1500;

export async function showBill(root, jobId) {
  const path = encodeURIComponent(jobId);
  const [data, pages] = await Promise.all([
    api("GET", `/review/${path}`),
    api("GET", `/jobs/${path}/pages`).catch((error) => ({ pages: [], error: error.message })),
  ]);
  new BillView(root, jobId, data, pages).render();
}

function place(element, bbox, page) {
  const [x0, top, x1, bottom] = bbox;
  element.style.left = `${(x0 / page.width) * 100}%`;
  element.style.top = `${(top / page.height) * 100}%`;
  element.style.width = `${((x1 - x0) / page.width) * 100}%`;
  element.style.height = `${((bottom - top) / page.height) * 100}%`;
}

function confidenceLevel(confidence) {
  if (confidence === null || confidence === undefined) return "none";
  return confidence < 0.6 ? "low" : confidence < 0.9 ? "mid" : "high";
}

class BillView {
  constructor(root, jobId, data, pages) {
    this.root = root;
    this.jobId = jobId;
    this.path = encodeURIComponent(jobId);
    this.data = data;
    this.pages = pages.pages || [];
    this.pagesError = pages.error || null;
    this.editable = WAITING.has(data.state);
    this.inputs = {};
    this.lastFocused = null;
    this.linesDirty = false;
  }

  // -- layout ----------------------------------------------------------------------------
  render() {
    const d = this.data;
    document.title = `${d.fields.bill_number.value || d.job.filename} — billintake`;
    this.message = h("p", { class: "message", role: "status", hidden: true });
    const panel = h("section", { class: "panel", "aria-label": "Fields and decision" },
      this.header(), this.message, this.why(), this.billPages(),
      d.bill ? this.booked() : null,
      d.state === "failed" ? this.failed() : null,
      this.form = this.fieldsForm(),
      this.editable ? this.rejectForm() : null);
    this.root.replaceChildren(h("div", { class: "bill-layout", "data-job-id": d.job.id, "data-state": d.state },
      this.documentPane(), panel));
    this.bindKeys();
    this.checkArithmetic();
    if (d.state === "processing") setTimeout(() => this.reload(), POLL_MS);
    const first = this.editable && this.firstUnsure();
    if (first) first.closest(".field")?.classList.add("unsure"); // E focuses it; J/K stay free
  }

  async reload() {
    try {
      await showBill(this.root, this.jobId);
    } catch (error) {
      this.say(error.message, "error");
    }
  }

  say(text, kind = "info") {
    this.message.textContent = text;
    this.message.dataset.kind = kind;
    this.message.hidden = !text;
  }

  header() {
    const d = this.data;
    const nav = d.neighbours;
    return h("div", { class: "bill-head" },
      h("div", { class: "title" },
        h("a", { href: "/", class: "back", title: "Back to the inbox (Esc)" }, "← Inbox"),
        h("h1", {}, d.fields.vendor_name.value || d.job.filename),
        badge(d.state)),
      h("div", { class: "sub muted" },
        h("span", {}, d.job.filename), " · ",
        h("a", { href: `/jobs/${this.path}/original`, download: "" }, "download original"),
        d.kind === "vendor_credit" ? h("span", { class: "tag" }, "credit note") : null),
      h("div", { class: "pager" },
        h("a", { href: nav.previous ? `/bill/${nav.previous}` : null, rel: "prev", class: "button quiet",
          "aria-disabled": String(!nav.previous), title: "Previous bill in review (K)" }, "‹ K"),
        h("span", { class: "muted" }, `${nav.waiting} waiting`),
        h("a", { href: nav.next ? `/bill/${nav.next}` : null, rel: "next", class: "button quiet",
          "aria-disabled": String(!nav.next), title: "Next bill in review (J)" }, "J ›")));
  }

  why() {
    const d = this.data;
    if (!WAITING.has(d.state)) return null;
    const items = [...d.reasons, ...d.warnings.map((w) => `warning: ${w}`)];
    if (!items.length) return null;
    return h("details", { class: "why", open: true }, h("summary", {}, "Why it waits"),
      h("ul", {}, ...items.map((text) => h("li", {}, text))));
  }

  // -- a file of several bills: where this one begins and ends ----------------------------
  billPages() {
    const split = this.data.split;
    if (!split) return null;
    const [first, last] = split.pages;
    const describe = (bill) => [bill.vendor_name, bill.bill_number,
      bill.total ? money(bill.total, bill.currency) : null].filter(Boolean).join(" · ") || bill.status;
    const rows = split.bills.map((bill) => h("li", { "data-bill-pages": bill.job_id, class: bill.current ? "current" : null },
      bill.current ? h("strong", {}, `pages ${bill.pages[0]}–${bill.pages[1]}: this bill`)
        : h("a", { href: `/bill/${bill.job_id}` }, `pages ${bill.pages[0]}–${bill.pages[1]}`),
      " ", h("span", { class: "muted" }, describe(bill))));
    const section = h("details", { class: "split", id: "bill-pages", open: true },
      h("summary", {}, `Pages ${first}–${last} of ${split.filename} (${split.page_count} pages, ${split.bills.length} bill${split.bills.length === 1 ? "" : "s"})`),
      h("ol", { class: "split-bills" }, ...rows));
    if (split.changeable) {
      const controls = h("div", { class: "split-controls" });
      const pageInput = (name, label, value, min, max) => {
        const input = h("input", { type: "number", name, id: `split-${name}`, value: String(value), min: String(min),
          max: String(max), step: "1", inputmode: "numeric", "aria-label": label });
        const form = h("form", { class: "split-form", "data-change": name, novalidate: true },
          h("label", { for: `split-${name}` }, label), input, h("button", { type: "submit", class: "quiet" }, "Apply"));
        form.addEventListener("submit", (event) => {
          event.preventDefault();
          const page = Number.parseInt(input.value, 10);
          if (!Number.isInteger(page) || page < min || page > max) {
            this.say(`${label}: give a page from ${min} to ${max}.`, "error");
            input.focus();
            return;
          }
          this.changePages({ [name]: page });
        });
        return form;
      };
      if (split.previous) controls.append(pageInput("starts_at", "Starts at page", first, split.previous.pages[0] + 1, last));
      if (split.next) controls.append(pageInput("ends_at", "Ends at page", last, first, split.next.pages[1] - 1));
      if (last > first) controls.append(pageInput("split_at", "Split into a new bill at page", last, first + 1, last));
      for (const [side, neighbour] of [["previous", split.previous], ["next", split.next]]) {
        if (neighbour) controls.append(h("button", { type: "button", name: `merge_${side}`, class: "quiet",
          onclick: () => this.changePages({ merge: side }) },
        `Merge with the ${side} bill (pages ${neighbour.pages[0]}–${neighbour.pages[1]})`));
      }
      section.append(controls);
    }
    if (split.changes.length) {
      section.append(h("ul", { class: "split-changes muted" }, ...split.changes.map((change) => h("li", {},
        `${change.at.slice(0, 16).replace("T", " ")} ${change.by}: ${change.action} — `,
        change.after.map((bill) => `pages ${bill.pages[0]}–${bill.pages[1]}`).join(", ")))));
    }
    return section;
  }

  async changePages(body) {
    this.say("Reading the bills again from their new pages…");
    try {
      await api("POST", `/review/${this.path}/pages`, body);
      await this.reload();
    } catch (error) {
      this.say(error.message, "error");
    }
  }

  // -- the pages -------------------------------------------------------------------------
  documentPane() {
    const pane = h("section", { class: "doc", "aria-label": "The bill's pages" });
    if (!this.pages.length) {
      pane.append(h("p", { class: "muted doc-empty" }, this.pagesError
        ? `The pages cannot be shown: ${this.pagesError}`
        : "This is an e-invoice (XML): it has no pages; its fields come from its data."));
    }
    for (const page of this.pages) {
      const frame = h("div", { class: "page", "data-page-frame": String(page.number) });
      frame.style.aspectRatio = `${page.width} / ${page.height}`;
      frame.append(h("img", { src: `/jobs/${this.path}/pages/${page.number}/image`,
        alt: `page ${page.number} of the bill`, "data-page": String(page.number), draggable: "false" }));
      const words = h("div", { class: "words" });
      for (const word of page.words) {
        const span = h("span", { class: "word", "data-word": word.text, title: word.text });
        place(span, word.bbox, page);
        words.append(span);
      }
      words.addEventListener("mousedown", (event) => event.preventDefault()); // keep the field focused
      words.addEventListener("click", (event) => {
        const word = event.target.closest(".word");
        if (word) this.fillFocused(word, event.shiftKey);
      });
      frame.append(words);
      for (const [name, label] of FIELDS) {
        const evidence = this.data.fields[name].evidence;
        if (!evidence || evidence.page !== page.number || !evidence.bbox) continue;
        const box = h("div", { class: "box", "data-box": name, title: label });
        place(box, evidence.bbox, page);
        frame.insertBefore(box, words); // under the words: a word inside it stays clickable
      }
      pane.append(h("figure", { class: "page-wrap" }, frame,
        h("figcaption", { class: "muted" }, `page ${page.number} of ${this.pages.length}`)));
    }
    return pane;
  }

  focusedName() {
    const active = document.activeElement;
    return active && active.dataset && active.dataset.field ? active.dataset.field : null;
  }

  /** Light the field's box on the page (and its row); none when `name` is null. */
  highlight(name) {
    for (const element of this.root.querySelectorAll(".box.active, .field.active")) element.classList.remove("active");
    if (!name) return;
    const row = this.root.querySelector(`.field[data-field="${name}"]`);
    if (row) row.classList.add("active");
    const box = this.root.querySelector(`[data-box="${name}"]`);
    if (box) {
      box.classList.add("active");
      box.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
  }

  /** Put a clicked word into the focused field (Shift: append), read as that field reads. */
  fillFocused(word, append) {
    const input = this.lastFocused;
    if (!input || !input.isConnected || input.readOnly || input.disabled) {
      this.say("Focus a field first, then click the word that belongs in it.", "info");
      return;
    }
    const text = word.dataset.word;
    const raw = append && input.value ? `${input.value} ${text}` : text;
    const parsed = PARSE[input.dataset.kind || "text"](raw);
    input.value = typeof parsed === "string" && input.dataset.kind !== "text" ? parsed : raw;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.focus();
    word.classList.add("taken");
    setTimeout(() => word.classList.remove("taken"), 600);
  }

  // -- fields, lines and the check -------------------------------------------------------
  fieldsForm() {
    const d = this.data;
    const form = h("form", { id: "bill-form", class: "bill-form", novalidate: true, autocomplete: "off" });
    const grid = h("div", { class: "fields" });
    for (const [name, label, kind] of FIELDS) {
      const field = d.fields[name];
      const input = h("input", { id: `f-${name}`, name, value: field.value ?? "", "data-field": name,
        "data-kind": kind, readonly: !this.editable, spellcheck: "false",
        inputmode: kind === "amount" ? "decimal" : null, "aria-describedby": `e-${name}` });
      this.inputs[name] = input;
      this.watch(input, name);
      const corrected = field.evidence && field.evidence.source === "review";
      const level = corrected ? "edited" : confidenceLevel(field.confidence);
      const row = h("div", { class: "field", "data-field": name },
        h("label", { for: `f-${name}` }, label),
        input,
        h("span", { class: "conf", "data-level": level, title: corrected ? "corrected in review"
          : field.confidence === null ? "not found on the bill" : `confidence ${Math.round(field.confidence * 100)} %` },
        corrected ? "edited" : field.confidence === null ? "—" : `${Math.round(field.confidence * 100)}%`),
        h("span", { class: "field-error", id: `e-${name}`, role: "alert" }));
      row.addEventListener("mouseenter", () => this.highlight(name));
      row.addEventListener("mouseleave", () => this.highlight(this.focusedName()));
      grid.append(row);
    }
    form.append(h("h2", {}, "Fields"), grid,
      this.checkList = h("ul", { class: "check", id: "arithmetic", "aria-label": "Arithmetic check" }),
      this.paymentFields());
    if (this.editable) form.append(this.decide());
    form.append(this.linesTable());
    form.addEventListener("submit", (event) => { event.preventDefault(); this.approve(); });
    return form;
  }

  /** The payment data: account, bank, reference and payee, editable while the bill waits. */
  paymentFields() {
    const payment = this.data.payment || {};
    this.paymentInputs = {};
    const grid = h("div", { class: "fields", id: "payment-fields" });
    for (const [name, label] of PAYMENT_FIELDS) {
      const field = payment[name] || { value: null, confidence: null, evidence: null };
      const input = h("input", { id: `p-${name}`, name: `payment.${name}`, value: field.value ?? "",
        "data-kind": "text", "data-payment": name, readonly: !this.editable, spellcheck: "false",
        "aria-describedby": `pe-${name}` });
      this.paymentInputs[name] = input;
      input.addEventListener("focus", () => { this.lastFocused = input; });
      input.addEventListener("input", () => input.setAttribute("aria-invalid", "false"));
      const corrected = field.evidence && field.evidence.source === "review";
      const fromQr = field.evidence && field.evidence.source === "qr";
      grid.append(h("div", { class: "field", "data-field": `payment.${name}` },
        h("label", { for: `p-${name}` }, label), input,
        h("span", { class: "conf", "data-level": corrected ? "edited" : confidenceLevel(field.confidence),
          title: fromQr ? "from the payment QR code" : "" },
        corrected ? "edited" : fromQr ? "QR" : field.confidence === null ? "—" : `${Math.round(field.confidence * 100)}%`),
        h("span", { class: "field-error", id: `pe-${name}`, role: "alert" })));
    }
    return h("div", { class: "payment" }, h("h2", {}, "Payment"), grid);
  }

  changedPayment() {
    const payment = this.data.payment || {};
    const changed = {};
    for (const [name] of PAYMENT_FIELDS) {
      const value = parseText(this.paymentInputs[name].value) ?? null;
      if (value !== ((payment[name] || {}).value ?? null)) changed[name] = value;
    }
    return Object.keys(changed).length ? changed : null;
  }

  watch(input, name) {
    input.addEventListener("focus", () => { this.lastFocused = input; if (name) this.highlight(name); });
    input.addEventListener("input", () => { this.validate(input); this.checkArithmetic(); });
    input.addEventListener("blur", () => {
      const parsed = PARSE[input.dataset.kind](input.value);
      if (typeof parsed === "string" && input.dataset.kind !== "text" && parsed !== input.value) {
        input.value = parsed;
        this.checkArithmetic();
      }
    });
  }

  validate(input) {
    const parsed = PARSE[input.dataset.kind](input.value);
    const error = input.id ? this.root.querySelector(`#e-${input.name}`) : null;
    const bad = parsed === undefined;
    input.setAttribute("aria-invalid", String(bad));
    const message = bad ? `expected ${EXPECTED[input.dataset.kind]}` : "";
    if (error) error.textContent = message;
    input.title = message;
    return !bad;
  }

  linesTable() {
    const d = this.data;
    this.lineBody = h("tbody", {});
    const table = h("table", { class: "lines", id: "line-items" },
      h("thead", {}, h("tr", {}, ...LINE_COLUMNS.map(([, title]) => h("th", { scope: "col" }, title)),
        this.editable ? h("th", {}, h("span", { class: "sr-only" }, "remove")) : null)),
      this.lineBody);
    for (const line of d.line_items) this.addLine(line, false);
    const add = this.editable ? h("button", { type: "button", name: "add_line", class: "quiet",
      onclick: () => { this.addLine({}, true); this.linesDirty = true; } }, "+ Add line") : null;
    return h("details", { class: "lines-wrap", open: d.line_items.length <= 12 },
      h("summary", {}, h("h2", {}, `Line items (${d.line_items.length})`)), table, add);
  }

  addLine(line, focus) {
    const row = h("tr", {});
    for (const [key, title, kind] of LINE_COLUMNS) {
      const input = h("input", { name: `line_${key}`, value: line[key] ?? "", "data-kind": kind,
        "aria-label": title, readonly: !this.editable, class: kind === "amount" ? "num" : null,
        inputmode: kind === "amount" ? "decimal" : null });
      this.watch(input, null);
      input.addEventListener("input", () => { this.linesDirty = true; });
      row.append(h("td", {}, input));
    }
    if (this.editable) {
      row.append(h("td", {}, h("button", { type: "button", class: "quiet", "aria-label": "remove line",
        onclick: () => { row.remove(); this.linesDirty = true; this.checkArithmetic(); } }, "×")));
    }
    this.lineBody.append(row);
    if (focus) row.querySelector("input").focus();
  }

  lineValues() {
    return [...this.lineBody.querySelectorAll("tr")].map((row) => {
      const value = {};
      for (const [key, , kind] of LINE_COLUMNS) value[key] = PARSE[kind](row.querySelector(`[name=line_${key}]`).value);
      return value;
    });
  }

  /** Items, subtotal, tax and total against each other, in exact decimals, as typed. */
  checkArithmetic() {
    if (!this.checkList) return;
    const units = (text) => { const parsed = parseAmount(text); return typeof parsed === "string" ? toUnits(parsed) : null; };
    const sub = units(this.inputs.subtotal.value);
    const tax = units(this.inputs.tax.value);
    const total = units(this.inputs.total.value);
    const lines = this.lineValues();
    const amounts = lines.map((line) => (typeof line.amount === "string" ? toUnits(line.amount) : null));
    const items = amounts.length && amounts.every((a) => a !== null) ? amounts.reduce((a, b) => a + b, 0n) : null;
    const checks = [];
    const compare = (label, left, right, leftName, rightName) => {
      const ok = left === right;
      const diff = left > right ? left - right : right - left;
      checks.push(h("li", { class: ok ? "ok" : "bad", "data-check": label },
        ok ? `✓ ${leftName} ${money(fromUnits(left))} = ${rightName}`
          : `✗ ${leftName} ${money(fromUnits(left))} ≠ ${rightName} ${money(fromUnits(right))} (off by ${money(fromUnits(diff))})`));
    };
    if (items !== null && sub !== null) compare("items-subtotal", items, sub, "items", "subtotal");
    if (sub !== null && total !== null) compare("subtotal-tax-total", sub + (tax ?? 0n), total, "subtotal + tax", "total");
    else if (items !== null && total !== null) compare("items-tax-total", items + (tax ?? 0n), total, "items + tax", "total");
    const wrong = lines.filter((line) => {
      if (![line.quantity, line.unit_price, line.amount].every((v) => typeof v === "string")) return false;
      const diff = (toUnits(line.quantity) * toUnits(line.unit_price)) / 1000000n - toUnits(line.amount);
      return (diff < 0n ? -diff : diff) > 5000n; // more than half a cent
    });
    if (wrong.length) checks.push(h("li", { class: "bad", "data-check": "lines" }, `✗ ${wrong.length} line(s): quantity × unit price ≠ amount`));
    if (!checks.length) checks.push(h("li", { class: "muted" }, "Not enough amounts to check."));
    this.checkList.replaceChildren(h("li", { class: "check-title" }, "Arithmetic"), ...checks);
  }

  // -- the decision ------------------------------------------------------------------------
  decide() {
    const d = this.data;
    const vendor = d.vendor;
    this.vendorSelect = h("select", { id: "vendor-select", name: "vendor_id" },
      h("option", { value: "" }, "— choose the vendor —"),
      ...vendor.choices.map((c) => h("option", { value: c.id },
        `${c.name} — ${Math.round(c.score)} (${c.reason})`)),
      this.newVendorOption = h("option", { value: NEW_VENDOR }, ""));
    const matchText = this.matchText();
    this.vendorSelect.value = vendor.suggested_id && vendor.choices.some((c) => c.id === vendor.suggested_id)
      ? vendor.suggested_id : vendor.match && vendor.match.ambiguous ? "" : NEW_VENDOR;
    this.renameNewVendor();
    this.inputs.vendor_name.addEventListener("input", () => this.renameNewVendor());
    const books = d.books;
    this.accountSelect = h("select", { id: "account-select", name: "account_id" },
      h("option", { value: "" }, "Default expense account of the books"),
      ...books.expense_accounts.map((a) => h("option", { value: a.id }, `${a.code} ${a.name}`)));
    // the chosen vendor's own expense account, when it has one in these books
    const vendorAccount = () => {
      const account = (books.vendor_accounts || {})[this.vendorSelect.value];
      if (account && books.expense_accounts.some((a) => a.id === account)) this.accountSelect.value = account;
    };
    vendorAccount();
    this.vendorSelect.addEventListener("change", vendorAccount);
    this.taxSelect = h("select", { id: "tax-select", name: "tax_rate" },
      h("option", { value: "" }, "As printed on the lines"),
      ...d.tax_codes.map((t, i) => h("option", { value: `${i}`, "data-rate": t.rate, "data-id": t.id }, t.label)));
    this.confirmBox = h("div", { class: "confirm", id: "confirm" });
    this.renderConfirm(d.confirm);
    for (const select of [this.vendorSelect, this.accountSelect, this.taxSelect]) {
      select.addEventListener("keydown", (event) => {
        if (event.key === "Enter") { event.preventDefault(); this.form.requestSubmit(); }
      });
    }
    return h("div", { class: "decide" }, h("h2", {}, "Book it"),
      h("div", { class: "decide-grid" },
        h("label", { for: "vendor-select" }, "Vendor"), this.vendorSelect,
        h("span", {}), h("p", { class: "hint", id: "vendor-why" }, matchText),
        h("label", { for: "account-select" }, "Expense account"), this.accountSelect,
        h("label", { for: "tax-select" }, "Tax code"), this.taxSelect),
      books.error ? h("p", { class: "error" }, `The books cannot be reached: ${books.error}`) : null,
      this.confirmBox,
      h("div", { class: "actions" },
        h("button", { type: "submit", name: "approve", class: "primary", title: "Approve and book (Enter)" },
          "Approve and book ⏎")));
  }

  matchText() {
    const match = this.data.vendor.match;
    if (!match) return "No vendor match was made.";
    const parts = [];
    if (match.vendor) parts.push(`Matched ${match.vendor.name} (${match.method}, score ${Math.round(match.score)}).`);
    else if (match.candidate) parts.push(`Best candidate ${match.candidate.name} (score ${Math.round(match.score)}).`);
    if (match.runner_up) {
      const ranked = this.data.vendor.choices.find((c) => c.id === match.runner_up.id);
      parts.push(`Runner-up: ${match.runner_up.name}${ranked ? ` (score ${Math.round(ranked.score)})` : ""}.`);
    }
    if (match.reason) parts.push(`Why: ${match.reason}.`);
    return parts.join(" ") || "No vendor is known yet.";
  }

  renameNewVendor() {
    const name = parseText(this.inputs.vendor_name.value);
    this.newVendorOption.textContent = name ? `＋ New vendor “${name}”` : "＋ New vendor (fill in its name above)";
  }

  renderConfirm(items) {
    this.confirmBox.replaceChildren(...(items || []).map((item) => h("label", { class: "confirm-item", "data-code": item.code },
      h("input", { type: "checkbox", name: "confirm", value: item.code }),
      h("span", {}, h("strong", {}, item.code === "possible_duplicate" ? "Possible duplicate: " : "Bank details changed: "),
        item.message))));
  }

  changedFields() {
    const body = {};
    for (const [name, , kind] of FIELDS) {
      const value = PARSE[kind](this.inputs[name].value);
      if ((value ?? null) !== (this.data.fields[name].value ?? null)) body[name] = value;
    }
    return body;
  }

  async approve() {
    const invalid = Object.values(this.inputs).find((input) => !this.validate(input))
      || [...this.lineBody.querySelectorAll("input")].find((input) => !this.validate(input));
    if (invalid) {
      this.say("Fix the marked values first.", "error");
      invalid.focus();
      return;
    }
    const body = this.changedFields();
    const payment = this.changedPayment();
    if (payment) body.payment = payment;
    if (this.linesDirty) {
      const lines = this.lineValues().filter((line) => line.description || line.amount);
      const incomplete = lines.find((line) => !line.description || !line.amount);
      if (incomplete) { this.say("Each line needs a description and an amount.", "error"); return; }
      body.line_items = lines.map((line) => Object.fromEntries(Object.entries(line).filter(([, v]) => v !== null)));
    }
    const vendor = this.vendorSelect.value;
    if (!vendor) { this.say("Choose the vendor, or create a new one.", "error"); this.vendorSelect.focus(); return; }
    if (vendor === NEW_VENDOR) body.create_vendor = true;
    else body.vendor_id = vendor;
    if (this.accountSelect.value) body.account_id = this.accountSelect.value;
    const taxCode = this.taxSelect.selectedOptions[0];
    if (taxCode && taxCode.dataset.rate) {
      body.tax_rate = taxCode.dataset.rate;
      if (taxCode.dataset.id) body.tax_rate_id = taxCode.dataset.id;  // the books' code, remembered
    }
    body.confirm = [...this.confirmBox.querySelectorAll("input:checked")].map((box) => box.value);
    const button = this.form.querySelector("button[name=approve]");
    button.disabled = true;
    this.say("Booking…");
    try {
      const accepted = await api("POST", `/review/${this.path}/approve`, body);
      await followJob(accepted);
      await this.reload();
    } catch (error) {
      button.disabled = false;
      if (error.status === 409 && error.body.error === "confirmation_needed") {
        const already = new Set(body.confirm);
        this.renderConfirm(error.body.confirm);
        for (const box of this.confirmBox.querySelectorAll("input")) box.checked = already.has(box.value);
        this.say("Confirm what is listed below, then approve again.", "warn");
        this.confirmBox.querySelector("input").focus();
      } else {
        this.say(error.message, "error");
        const field = error.field && (this.inputs[error.field] || this.form.querySelector(`[name="${CSS.escape(error.field)}"]`));
        if (field) {
          field.setAttribute("aria-invalid", "true");
          const note = field.closest(".field")?.querySelector(".field-error");
          if (note) note.textContent = error.message;
          field.focus();
        }
      }
    }
  }

  rejectForm() {
    const reason = h("input", { name: "reason", id: "reject-reason", placeholder: "Why is it rejected? (e.g. not our bill)",
      "aria-label": "Reason for rejecting", maxlength: "500" });
    const form = h("form", { id: "reject-form", class: "reject", novalidate: true },
      reason, h("button", { type: "submit", name: "reject", class: "danger" }, "Reject"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!reason.value.trim()) { this.say("Say why the bill is rejected.", "error"); reason.focus(); return; }
      try {
        await api("POST", `/review/${this.path}/reject`, { reason: reason.value.trim() });
        await this.reload();
      } catch (error) { this.say(error.message, "error"); }
    });
    return form;
  }

  // -- after the decision -------------------------------------------------------------------
  booked() {
    const d = this.data;
    const bill = d.bill;
    const rows = bill.payments.map((p) => h("tr", {}, h("td", {}, p.payment_date),
      h("td", { class: "num" }, money(p.amount, p.currency)), h("td", {}, p.reference || ""),
      h("td", { class: "muted" }, p.external_id || "")));
    const section = h("section", { class: "booked", id: "booked", "data-bill-id": bill.id },
      h("h2", {}, bill.external_id ? "Booked" : "Approved"),
      h("p", {}, bill.external_id
        ? ["In the books (", d.books.backend, ") as ", h("code", { id: "booked-id" }, bill.external_id), "."]
        : "Recorded; not yet in the books."),
      h("dl", { class: "amounts" },
        h("dt", {}, "Total"), h("dd", {}, money(bill.total, bill.currency)),
        h("dt", {}, "Paid"), h("dd", { id: "paid" }, money(bill.paid ?? "0", bill.currency)),
        h("dt", {}, "Open"), h("dd", { id: "open-balance" }, money(bill.open_balance ?? bill.total, bill.currency)),
        h("dt", {}, "Status"), h("dd", {}, badge(d.state))),
      rows.length ? h("table", { class: "payments", id: "payments" },
        h("thead", {}, h("tr", {}, h("th", {}, "Paid on"), h("th", {}, "Amount"), h("th", {}, "Reference"), h("th", {}, "Id in the books"))),
        h("tbody", {}, ...rows)) : null);
    const open = parseAmount(bill.open_balance ?? bill.total);
    if (bill.kind !== "vendor_credit" && open && toUnits(open) > 0n) section.append(this.paymentForm(bill, open));
    return section;
  }

  paymentForm(bill, open) {
    const today = new Date().toISOString().slice(0, 10);
    const amount = h("input", { name: "pay_amount", id: "pay-amount", value: open, inputmode: "decimal", "data-kind": "amount", "aria-label": "Amount" });
    const date = h("input", { name: "pay_date", id: "pay-date", type: "date", value: today, "aria-label": "Paid on" });
    const account = h("select", { name: "pay_account", "aria-label": "Paid from" },
      h("option", { value: "" }, "Default bank account"),
      ...this.data.books.bank_accounts.map((a) => h("option", { value: a.id }, `${a.code} ${a.name}`)));
    const reference = h("input", { name: "pay_reference", placeholder: "Reference (optional)", "aria-label": "Reference", maxlength: "200" });
    const form = h("form", { id: "pay-form", class: "pay", novalidate: true },
      h("h3", {}, "Record a payment"), amount, date, account, reference,
      h("button", { type: "submit", name: "pay", class: "primary" }, "Record payment"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const value = parseAmount(amount.value);
      if (typeof value !== "string") { this.say("The payment needs an amount.", "error"); amount.focus(); return; }
      try {
        const accepted = await api("POST", `/bills/${encodeURIComponent(bill.id)}/payments`, {
          amount: value, currency: bill.currency, payment_date: date.value,
          reference: reference.value.trim() || null, account_id: account.value || null });
        this.say("Recording the payment in the books…", "info");
        await followJob(accepted);
        await this.reload();
      } catch (error) { this.say(error.message, "error"); }
    });
    return form;
  }

  failed() {
    const d = this.data;
    const rejected = (d.job.error || "").startsWith("rejected by reviewer");
    return h("section", { class: "failed" }, h("h2", {}, rejected ? "Rejected" : "Failed"),
      h("p", {}, d.job.error || ""),
      rejected ? null : h("button", { type: "button", name: "retry", class: "primary", onclick: async () => {
        try { await api("POST", `/jobs/${this.path}/retry`); await this.reload(); } catch (error) { this.say(error.message, "error"); }
      } }, "Retry"));
  }

  // -- keys ------------------------------------------------------------------------------------
  firstUnsure() {
    const d = this.data;
    const unsure = FIELDS.map(([name]) => name).find((name) => name in d.low_confidence || d.fields[name].value === null);
    return this.inputs[unsure || "vendor_name"];
  }

  bindKeys() {
    if (document.body.dataset.billKeys) return;
    document.body.dataset.billKeys = "1";
    document.addEventListener("keydown", (event) => {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      const nav = this.root.querySelector(".pager");
      if (event.key === "Escape") {
        if (isEditable(event.target)) event.target.blur();
        else location.assign("/");
        return;
      }
      if (isEditable(event.target)) return;
      const link = (rel) => nav && nav.querySelector(`a[rel=${rel}][href]`);
      if (event.key === "j" && link("next")) location.assign(link("next").getAttribute("href"));
      else if (event.key === "k" && link("prev")) location.assign(link("prev").getAttribute("href"));
      else if (event.key === "e") {
        const first = this.root.querySelector(".field.unsure input") || this.root.querySelector(".field input");
        if (first) { event.preventDefault(); first.focus(); }
      }
      else if (event.key === "Enter" && (event.target === document.body || event.target === null)) {
        const form = this.root.querySelector("#bill-form");
        if (form && form.querySelector("button[name=approve]")) { event.preventDefault(); form.requestSubmit(); }
      }
    });
  }
}
