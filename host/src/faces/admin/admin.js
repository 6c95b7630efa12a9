// The admin page: reads the host's JSON API (/health, /devices, /journal), previews documents
// (/preview) and runs the operator's actions through the REST face. No build step: plain JS.
"use strict";
const $ = (s) => document.querySelector(s);

// Kopecks as text, without floating point: money stays integer minor units.
function money(k) {
  const sign = k < 0 ? "-" : "";
  const a = Math.abs(k);
  return `${sign}${Math.floor(a / 100)}.${String(a % 100).padStart(2, "0")}`;
}

function cell(text, cls) {
  const td = document.createElement("td");
  td.textContent = text ?? "";
  if (cls) td.className = cls;
  return td;
}

function row(cells) {
  const tr = document.createElement("tr");
  for (const c of cells) tr.appendChild(c);
  return tr;
}

async function getJson(path) {
  const r = await fetch(path, { credentials: "same-origin" });
  const body = await r.json();
  if (!r.ok) throw new Error(body?.error?.message ?? body?.error ?? `HTTP ${r.status}`);
  return body;
}

async function postJson(path, body) {
  const r = await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return r.json();
}

// How long a shift has been open, from the register's clock (local time, no zone) to this
// browser's: a shop's register and screen keep the same time; past 24 hours it must be closed.
function shiftAge(opened) {
  if (!opened) return "";
  const minutes = Math.max(0, Math.floor((Date.now() - new Date(opened).getTime()) / 60000));
  return `, ${Math.floor(minutes / 60)} ч ${minutes % 60} мин`;
}

function showDevices(devices) {
  const body = $("#devices tbody");
  body.replaceChildren(...devices.map((d) => row([
    cell(d.id), cell(d.kind), cell(d.driver),
    cell(d.online ? "в сети" : "нет связи", d.online ? "online" : "offline"),
    cell(d.shift == null ? "" : `${d.shift}${d.shift_number ? " №" + d.shift_number : ""}${shiftAge(d.shift_opened)}`,
      d.shift === "expired" ? "offline" : ""),
    cell(d.paper_present == null ? "" : d.paper_present ? "есть" : "НЕТ"),
    cell(d.cover_open == null ? "" : d.cover_open ? "ОТКРЫТА" : "закрыта"),
    cell(d.fiscal_drive ? String(d.fiscal_drive.unsent_documents) : ""),
    cell(d.last_error ?? ""),
  ])));
  const select = $("#register");
  const registers = devices.filter((d) => d.kind === "fiscal-register").map((d) => d.id);
  if (select.options.length !== registers.length) {
    const chosen = select.value;
    select.replaceChildren(...registers.map((id) => new Option(id, id)));
    if (registers.includes(chosen)) select.value = chosen;
  }
}

function showJournal(page) {
  $("#journal tbody").replaceChildren(...page.documents.map((d) => row([
    cell(d.id), cell(d.created_at.replace("T", " ").slice(0, 19)), cell(d.device),
    cell(d.kind), cell(money(d.total), "money"), cell(d.state),
    cell(d.document_number ?? ""), cell(d.fiscal_sign ?? ""),
  ])));
}

function showHealth(health) {
  $("#version").textContent = `версия ${health.version}`;
  $("#plugins tbody").replaceChildren(...health.plugins.map((p) => row([
    cell(p.name), cell(p.world), cell(p.wit),
    cell(typeof p.origin === "string" ? p.origin : p.origin.file),
    cell(p.sha256.slice(0, 12)), cell(p.loaded_at.replace("T", " ").slice(0, 19)),
  ])));
  $("#recovery").textContent = JSON.stringify(health.recovery, null, 1);
}

let search = null;

function journalQuery() {
  if (!search) return "/journal?limit=20";
  return /^\d+$/.test(search) && search.length < 10
    ? `/journal?number=${search}`
    : `/journal?fiscal_sign=${encodeURIComponent(search)}`;
}

function updated() {
  $("#updated").textContent = `обновлено ${new Date().toLocaleTimeString()}`;
}

async function refresh() {
  try {
    const [devices, page] = await Promise.all([getJson("/devices"), getJson(journalQuery())]);
    showDevices(devices);
    showJournal(page);
    updated();
  } catch (e) {
    $("#updated").textContent = `нет ответа: ${e.message}`;
  }
}

async function refreshJournal() {
  try {
    showJournal(await getJson(journalQuery()));
    updated();
  } catch (e) {
    $("#updated").textContent = `нет ответа: ${e.message}`;
  }
}

async function reloadPlugins() {
  const r = await fetch("/admin/plugins/reload", { method: "POST", credentials: "same-origin" });
  const reply = await r.json();
  const words = { reloaded: "заменён", unchanged: "без изменений", refused: "ОТКАЗ" };
  const lines = (reply.reloads ?? []).map((p) =>
    `${p.plugin}: ${words[p.outcome] ?? p.outcome}${p.reason ? " — " + p.reason : ""}`);
  $("#reload-result").textContent = lines.length ? lines.join("\n") : "плагинов из файлов нет";
  $("#reload-result").className = r.ok ? "" : "error";
  getJson("/health").then(showHealth).catch(() => {});
}

function said(text, error) {
  const p = $("#action-result");
  p.textContent = text;
  p.className = error ? "error" : "";
}

async function action(route) {
  const device = encodeURIComponent($("#register").value);
  const reply = await postJson(`/${route}?device=${device}`, { employeeName: $("#cashier").value });
  said(reply.status === "success"
    ? `${route}: готово${reply.shiftNumber ? ", смена " + reply.shiftNumber : ""}`
    : `${route}: ${reply.message}`, reply.status !== "success");
  refresh();
}

async function copyLast() {
  const device = encodeURIComponent($("#register").value);
  const last = await postJson(`/last_document?device=${device}`, {});
  if (last.status !== "success") return said(last.message, true);
  const copy = await postJson(`/check_copy?device=${device}`, { fiscalID: last.fiscalID });
  said(copy.status === "success" ? `копия чека ФП ${last.fiscalID} напечатана` : copy.message,
    copy.status !== "success");
}

async function preview(event) {
  event.preventDefault();
  $("#preview-error").textContent = "";
  let document;
  try {
    document = JSON.parse($("#preview-doc").value);
  } catch (e) {
    $("#preview-error").textContent = `не JSON: ${e.message}`;
    return;
  }
  const device = encodeURIComponent($("#register").value);
  const reply = await postJson(`/preview?device=${device}`,
    { document, width: Number($("#preview-width").value) });
  if (reply.error) {
    $("#preview-error").textContent = reply.error.message;
    $("#preview-paper").replaceChildren();
    return;
  }
  // The host's own picture, its text escaped by the SVG library that made it.
  $("#preview-paper").innerHTML = reply.svg;
}

for (const button of document.querySelectorAll("[data-route]")) {
  button.addEventListener("click", () => action(button.dataset.route));
}
$("#copy-last").addEventListener("click", copyLast);
$("#reload-plugins").addEventListener("click", reloadPlugins);
$("#preview-form").addEventListener("submit", preview);
$("#search").addEventListener("submit", (e) => {
  e.preventDefault();
  search = $("#search-text").value.trim() || null;
  refresh();
});
$("#search-clear").addEventListener("click", () => {
  search = null;
  $("#search-text").value = "";
  refresh();
});

getJson("/health").then(showHealth).catch((e) => said(e.message, true));
refresh();
// Live: the host pushes the devices when they change and says when the journal was written
// (server-sent events, GET /events); the browser reconnects a dropped stream by itself.
const events = new EventSource("/events");
events.addEventListener("devices", (e) => { showDevices(JSON.parse(e.data)); updated(); });
events.addEventListener("journal", refreshJournal);
events.addEventListener("error", () => { $("#updated").textContent = "нет связи с хостом"; });
setInterval(() => getJson("/health").then(showHealth).catch(() => {}), 10000);
