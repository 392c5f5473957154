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
