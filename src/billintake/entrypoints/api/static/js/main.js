// The workspace: who is signed in, which page (inbox or a bill), and the global keys.
"use strict";

import { loadSession, signOut } from "./api.js";
import { showInbox } from "./inbox.js";
import { showBill } from "./bill.js";
import { isEditable } from "./dom.js";

const view = document.getElementById("view");
const help = document.getElementById("help");

document.getElementById("logout").addEventListener("click", signOut);

document.addEventListener("keydown", (event) => {
  if (event.key === "?" && !isEditable(event.target)) {
    help.hidden = !help.hidden;
    event.preventDefault();
  } else if (event.key === "Escape" && !help.hidden) {
    help.hidden = true;
  }
});

// The service's health: a banner when jobs wait for a worker or the queue is down.
const serviceStatus = document.getElementById("service-status");
const HEALTH_MS = 15000;

async function watchHealth() {
  try {
    const response = await fetch("/healthz", { credentials: "same-origin" });
    const health = await response.json();
    const problems = Object.entries(health.checks || {})
      .filter(([, check]) => check.status !== "ok")
      .map(([name, check]) => `${name}: ${check.detail}`);
    serviceStatus.textContent = problems.join(" · ");
    serviceStatus.dataset.level = health.status;
    serviceStatus.hidden = problems.length === 0;
  } catch (error) {
    serviceStatus.textContent = "The service does not answer.";
    serviceStatus.dataset.level = "error";
    serviceStatus.hidden = false;
  }
  setTimeout(watchHealth, HEALTH_MS);
}
watchHealth();

async function start() {
  const session = await loadSession();
  document.getElementById("who").textContent =
    `${session.user.email} · ${session.organization.name}`;
  const bill = location.pathname.match(/^\/bill\/([^/]+)$/);
  if (bill) {
    await showBill(view, decodeURIComponent(bill[1]));
  } else {
    document.getElementById("nav-inbox").setAttribute("aria-current", "page");
    await showInbox(view);
  }
}

start().catch((error) => {
  view.replaceChildren();
  const message = document.createElement("p");
  message.className = "error";
  message.textContent = `The page could not be loaded: ${error.message}`;
  view.append(message);
});
