// Small helpers for building the page without a framework.
"use strict";

/** An element with attributes (on* as listeners, dataset via data-*) and children. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === "class") {
      element.className = value;
    } else if (name === "text") {
      element.textContent = value;
    } else if (value === true) {
      element.setAttribute(name, "");
    } else {
      element.setAttribute(name, String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export const STATUS_LABELS = {
  processing: "processing", needs_review: "needs review", duplicate: "duplicate",
  approved: "approved", booked: "booked", partly_paid: "partly paid", paid: "paid",
  failed: "failed",
};

export function badge(status) {
  return h("span", { class: "badge", "data-status": status }, STATUS_LABELS[status] || status);
}

/** Amounts as a bookkeeper reads them: 1,234.50 (the value itself stays a decimal string). */
export function money(value, currency) {
  if (value === null || value === undefined || value === "") return "";
  const [whole, fraction = ""] = String(value).replace("-", "").split(".");
  const sign = String(value).startsWith("-") ? "−" : "";
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const cents = (fraction + "00").slice(0, Math.max(2, fraction.length));
  return `${sign}${grouped}.${cents}${currency ? " " + currency : ""}`;
}

export function isEditable(target) {
  return target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}
