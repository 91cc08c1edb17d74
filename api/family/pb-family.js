// GET /family/pb-family.js: fills the family page from the API (docs/family-page.md).
//
// The token: the council's sign-in hands the page a bearer token in the URL fragment
// (/family#token=...; a fragment never reaches a server or a Referer).  It is read once,
// removed from the address bar with history.replaceState, and kept in sessionStorage: this
// tab only, so a reload keeps the parent signed in, and gone when the tab closes.  Never
// localStorage, never a cookie.  Sign out forgets it.
//
// Money arrives as integer pence and is shown the GOV.UK way (£1,234.56) by string and
// integer arithmetic only; amounts typed in pounds are parsed the same way, never through a
// float.  Every figure carries data-pb-figure (which API field it shows) for the page test.
import { initAll } from "/family/govuk-frontend.min.js";

const TOKEN_KEY = "pb-family-token";
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
  "September", "October", "November", "December"];
const BUDGET_STATUS = {
  approved: { text: "Active", tag: "govuk-tag--green",
    say: "You can use this budget." },
  suspended: { text: "On hold", tag: "govuk-tag--yellow",
    say: "The council has paused this budget. No payments are made while it is on hold. Contact your caseworker to find out why." }
};
const PAYMENT_STATUS = {
  paid: "Paid", approved: "Approved, not paid yet", exported: "Being paid",
  pending_approval: "Waiting for approval", failed: "Not paid: the council will contact you",
  cancelled: "Cancelled"
};

let memoryToken = null;
let pendingReturn = null;   // a return created whose receipt did not upload: {id, element}

// ---- small helpers -------------------------------------------------------------------

function $(id) { return document.getElementById(id); }

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== null && v !== undefined) e.setAttribute(k, v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return e;
}

export function money(pence) {
  const n = Math.trunc(Number(pence));
  const sign = n < 0 ? "−" : "";
  const abs = Math.abs(n);
  const pounds = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return sign + "£" + pounds + "." + String(abs % 100).padStart(2, "0");
}

// "£1,234.5" → 123450; null when it is not an amount of money
export function parsePounds(text) {
  const s = String(text).trim().replace(/^£/, "").replace(/,(?=\d{3}(\D|$))/g, "");
  const m = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] || "0").padEnd(2, "0"));
}

export function longDate(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
  if (!m) return iso || "";
  return Number(m[3]) + " " + MONTHS[Number(m[2]) - 1] + " " + m[1];
}

function labelOf(element) {
  if (element.label) return element.label;
  const s = String(element.service_type || "").replace(/_/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// who manages this part of the budget, in words a parent uses
function managedBy(element) {
  const h = element.held_by;
  if (h && h.kind === "family") return "You manage this (a direct payment)";
  if (h && h.kind === "provider") return h.name + " (the council pays them)";
  if (h && h.kind === "council") return h.name + " arranges this";
  if (element.arrangement === "direct_payment") return "You manage this (a direct payment)";
  if (element.arrangement === "third_party") return "A provider the council pays";
  return "The council arranges this";
}

function figure(key, pence, cls) {
  return el("span", { "data-pb-figure": key, class: cls || null }, money(pence));
}

function dateText(key, iso) {
  return el("span", { "data-pb-date": key }, longDate(iso));
}

// ---- the token -------------------------------------------------------------------------

function storeToken(t) {
  memoryToken = t;
  try { if (t) sessionStorage.setItem(TOKEN_KEY, t); else sessionStorage.removeItem(TOKEN_KEY); }
  catch (e) { /* storage refused (a private window): memory only, lost on reload */ }
}

function takeToken() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    storeToken(decodeURIComponent(m[1]));
    history.replaceState(null, "", location.pathname + location.search);
  }
  if (memoryToken) return memoryToken;
  try { memoryToken = sessionStorage.getItem(TOKEN_KEY); } catch (e) { memoryToken = null; }
  return memoryToken;
}

function signedOut() {
  storeToken(null);
  $("pb-loading").hidden = true;
  $("pb-budgets").replaceChildren();
  for (const id of ["pb-payments", "pb-return", "pb-next-payment", "pb-signout-item"]) $(id).hidden = true;
  $("pb-signed-out").hidden = false;
}

// ---- the API ---------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || ("The service answered " + status));
    this.status = status;
    this.problem = problem || {};
  }
}

async function api(method, path, body, contentType) {
  const headers = { Authorization: "Bearer " + takeToken(), Accept: "application/json" };
  let payload;
  if (body !== undefined) {
    headers["Content-Type"] = contentType || "application/json";
    payload = contentType ? body : JSON.stringify(body);
  }
  const r = await fetch(path, { method, headers, body: payload, cache: "no-store",
    credentials: "omit", referrerPolicy: "no-referrer" });
  const type = r.headers.get("Content-Type") || "";
  const data = /json/.test(type) ? await r.json() : null;
  if (r.status === 401) { signedOut(); throw new ApiError(401, data); }
  if (!r.ok) throw new ApiError(r.status, data);
  return data;
}

// ---- the problem box -------------------------------------------------------------------

function showProblems(list) {
  const ul = $("pb-problem-list");
  ul.replaceChildren(...list.map((p) => el("li", {},
    p.target ? el("a", { href: "#" + p.target }, p.message) : p.message)));
  $("pb-problem").hidden = list.length === 0;
  if (list.length) $("pb-problem").focus();
}

// ---- budgets ---------------------------------------------------------------------------

function totals(prefix, x) {
  const item = (label, field) => el("li", {}, el("span", { class: "govuk-body-s" }, label),
    figure(prefix + "." + field, x[field], "pb-figure"));
  return el("ul", { class: "pb-totals" },
    item("Budget for the year", "allocated_pence"),
    item("Paid out so far", "spent_pence"),
    item("Waiting to be paid", "committed_pence"),
    item("Left to use", "remaining_pence"));
}

function summaryRow(key, value) {
  return el("div", { class: "govuk-summary-list__row" },
    el("dt", { class: "govuk-summary-list__key" }, key),
    el("dd", { class: "govuk-summary-list__value" }, value));
}

function elementCard(e) {
  const p = "element." + e.id;
  const rows = [
    summaryRow("Managed by", el("span", { "data-pb-text": p + ".managed_by" }, managedBy(e))),
    summaryRow("Budget", figure(p + ".allocated_pence", e.allocated_pence)),
    summaryRow("Paid out so far", figure(p + ".spent_pence", e.spent_pence)),
    summaryRow("Waiting to be paid", figure(p + ".committed_pence", e.committed_pence)),
    summaryRow("Left to use", figure(p + ".remaining_pence", e.remaining_pence))
  ];
  if (e.paid_to_family_pence !== undefined && e.arrangement === "direct_payment") {
    rows.push(summaryRow("Paid to you so far", figure(p + ".paid_to_family_pence", e.paid_to_family_pence)));
  }
  if (Array.isArray(e.upcoming_payments) && e.upcoming_payments.length) {
    rows.push(summaryRow("Coming payments to you", el("ul", { class: "govuk-list" },
      ...e.upcoming_payments.map((u, i) => el("li", {},
        figure(p + ".upcoming." + i + ".amount_pence", u.amount_pence), " on ",
        dateText(p + ".upcoming." + i + ".due_date", u.due_date))))));
  }
  return el("div", { class: "govuk-summary-card" },
    el("div", { class: "govuk-summary-card__title-wrapper" },
      el("h4", { class: "govuk-summary-card__title", "data-pb-text": p + ".label" }, labelOf(e))),
    el("div", { class: "govuk-summary-card__content" },
      el("dl", { class: "govuk-summary-list" }, ...rows)));
}

function nextPaymentText(key, n, fallbackLabel) {
  const label = n.element_label || fallbackLabel;
  return el("p", { class: "govuk-body" }, "Next payment to you: ",
    el("strong", {}, figure(key + ".amount_pence", n.amount_pence)), " on ",
    el("strong", {}, dateText(key + ".due_date", n.due_date)),
    label ? " (" + label + ")" : null, ".");
}

function budgetSection(b) {
  const st = BUDGET_STATUS[b.status] || { text: b.status, tag: "govuk-tag--grey", say: "" };
  const name = b.child && b.child.given_name ? b.child.given_name : "Your child";
  const dp = b.elements.find((e) => e.arrangement === "direct_payment");
  const parts = [
    el("h2", { class: "govuk-heading-m" }, name + "’s budget",
      el("span", { class: "govuk-caption-m" }, longDate(b.period_start) + " to " + longDate(b.period_end))),
    el("p", { class: "govuk-body" },
      el("strong", { class: "govuk-tag " + st.tag, "data-pb-text": "budget." + b.budget_id + ".status" }, st.text),
      " ", st.say),
    totals("budget." + b.budget_id, b)
  ];
  if (b.next_payment) {
    parts.push(el("div", { class: "govuk-inset-text" },
      nextPaymentText("next." + b.budget_id, b.next_payment, dp ? labelOf(dp) : null)));
  }
  parts.push(el("h3", { class: "govuk-heading-s" }, "What the budget pays for"));
  parts.push(...b.elements.map(elementCard));
  return el("section", { class: "pb-budget", "data-pb-budget": b.budget_id }, ...parts);
}

// ---- payments received (GET /v1/me/payments, where the server has it) -------------------

async function loadPayments() {
  let page;
  try {
    page = await api("GET", "/v1/me/payments?limit=50");
  } catch (e) {
    if (e.status === 404 || e.status === 405) return;   // not offered by this server
    throw e;
  }
  const items = (page && page.items) || [];
  $("pb-payments").hidden = false;
  $("pb-payments-none").hidden = items.length > 0;
  $("pb-payments-table").hidden = items.length === 0;
  $("pb-payments-body").replaceChildren(...items.map((p) => {
    const key = "payment." + p.id;
    const what = [p.element_label, p.child && p.child.name ? "for " + p.child.name : null]
      .filter(Boolean).join(" ") || p.description || "";
    return el("tr", { class: "govuk-table__row" },
      el("td", { class: "govuk-table__cell" }, dateText(key + ".date", p.paid_on || p.due_date)),
      el("td", { class: "govuk-table__cell" }, what,
        p.status !== "paid" ? el("span", { class: "govuk-body-s" }, " (" + (PAYMENT_STATUS[p.status] || p.status) + ")") : null),
      el("td", { class: "govuk-table__cell govuk-table__cell--numeric" }, figure(key + ".amount_pence", p.amount_pence)));
  }));
}

// ---- the spend return form -------------------------------------------------------------

const FIELDS = {
  element: "pb-f-element", period_start: "pb-f-start", period_end: "pb-f-end",
  opening_balance_pence: "pb-f-opening", closing_balance_pence: "pb-f-closing",
  spent_on: "pb-f-spent-on", description: "pb-f-description", amount_pence: "pb-f-amount",
  file: "pb-f-receipt", file_name: "pb-f-receipt"
};

function setFieldError(input, message) {
  const group = $(input + "-group");
  const err = $(input + "-error");
  const ctl = $(input);
  const described = (ctl.getAttribute("aria-describedby") || "").split(" ")
    .filter((x) => x && x !== input + "-error");
  if (message) {
    group.classList.add("govuk-form-group--error");
    err.replaceChildren(el("span", { class: "govuk-visually-hidden" }, "Error: "), message);
    err.hidden = false;
    ctl.classList.add(ctl.tagName === "SELECT" ? "govuk-select--error"
      : ctl.type === "file" ? "govuk-file-upload--error" : "govuk-input--error");
    described.push(input + "-error");
  } else {
    group.classList.remove("govuk-form-group--error");
    err.hidden = true;
    ctl.classList.remove("govuk-select--error", "govuk-file-upload--error", "govuk-input--error");
  }
  if (described.length) ctl.setAttribute("aria-describedby", described.join(" "));
  else ctl.removeAttribute("aria-describedby");
}

function clearErrors() {
  for (const id of new Set(Object.values(FIELDS))) setFieldError(id, null);
  showProblems([]);
}

function formProblems(list) {
  for (const p of list) if (p.target) setFieldError(p.target, p.message);
  showProblems(list);
}

function readForm(choices) {
  const problems = [];
  const need = (cond, target, message) => { if (!cond) problems.push({ target, message }); };
  const choice = choices[Number($("pb-f-element").value)];
  const v = (id) => $(id).value.trim();
  const iso = /^\d{4}-\d{2}-\d{2}$/;
  need(choice, "pb-f-element", "Choose the direct payment");
  need(iso.test(v("pb-f-start")), "pb-f-start", "Enter the first day of the period");
  need(iso.test(v("pb-f-end")), "pb-f-end", "Enter the last day of the period");
  if (iso.test(v("pb-f-start")) && iso.test(v("pb-f-end")))
    need(v("pb-f-start") <= v("pb-f-end"), "pb-f-end", "The last day must be the same as or after the first day");
  const opening = parsePounds(v("pb-f-opening"));
  const closing = parsePounds(v("pb-f-closing"));
  const amount = parsePounds(v("pb-f-amount"));
  need(opening !== null, "pb-f-opening", "Enter the money in the account at the start, like 120.50");
  need(closing !== null, "pb-f-closing", "Enter the money in the account at the end, like 20.00");
  need(iso.test(v("pb-f-spent-on")), "pb-f-spent-on", "Enter the date you spent the money");
  need(v("pb-f-description").length > 0, "pb-f-description", "Enter what the money was for");
  need(amount !== null && amount > 0, "pb-f-amount", "Enter the amount you spent, like 45.00");
  const file = $("pb-f-receipt").files[0];
  need(file, "pb-f-receipt", "Choose a photo of the receipt");
  if (file) need(file.size <= 5 * 1024 * 1024, "pb-f-receipt", "The receipt must be smaller than 5 MB");
  return { problems, choice, file, body: {
    period_start: v("pb-f-start"), period_end: v("pb-f-end"),
    opening_balance_pence: opening, closing_balance_pence: closing,
    lines: [{ spent_on: v("pb-f-spent-on"), description: v("pb-f-description"),
      category: choice ? choice.element.service_type : "", amount_pence: amount }]
  } };
}

// the API's problem+json → messages by the form's fields
function apiProblems(e, fallbackTarget) {
  const errors = (e.problem && e.problem.errors) || [];
  if (!errors.length) return [{ target: fallbackTarget, message: e.message }];
  return errors.map((x) => {
    const leaf = String(x.field || "").replace(/^.*[.\]]/, "");
    return { target: FIELDS[leaf] || fallbackTarget, message: x.message || e.message };
  });
}

async function submitReturn(choices, ev) {
  ev.preventDefault();
  clearErrors();
  const f = readForm(choices);
  if (f.problems.length) { formProblems(f.problems); return; }
  const button = $("pb-f-submit");
  button.disabled = true;
  try {
    let ret = pendingReturn && pendingReturn.element === f.choice.element.id ? pendingReturn : null;
    if (!ret) {
      try {
        const made = await api("POST", "/v1/budgets/" + encodeURIComponent(f.choice.budget) +
          "/elements/" + encodeURIComponent(f.choice.element.id) + "/spend-returns", f.body);
        ret = { id: made.id, element: f.choice.element.id };
      } catch (e) {
        formProblems(apiProblems(e, null));
        return;
      }
    }
    try {
      const bytes = await f.file.arrayBuffer();
      await api("POST", "/v1/spend-returns/" + encodeURIComponent(ret.id) + "/evidence?file_name=" +
        encodeURIComponent(f.file.name), bytes, f.file.type || "application/octet-stream");
    } catch (e) {
      pendingReturn = ret;
      formProblems(apiProblems(e, "pb-f-receipt").map((p) => ({ target: "pb-f-receipt",
        message: "Your return is saved but the receipt was not: " + p.message + ". Choose another file and send again." })));
      return;
    }
    pendingReturn = null;
    $("pb-return-form").reset();
    $("pb-return-ref").textContent = ret.id;
    $("pb-return-sent").hidden = false;
    $("pb-return-sent").focus();
  } finally {
    button.disabled = false;
  }
}

function setUpReturnForm(budgets) {
  const choices = [];
  for (const b of budgets) {
    for (const e of b.elements) {
      if (e.arrangement === "direct_payment") choices.push({ budget: b.budget_id, element: e,
        text: ((b.child && b.child.given_name) || "Your child") + ": " + labelOf(e) });
    }
  }
  if (!choices.length) return;
  $("pb-f-element").replaceChildren(...choices.map((c, i) => el("option", { value: String(i) }, c.text)));
  $("pb-return-form").addEventListener("submit", (ev) => submitReturn(choices, ev));
  $("pb-return").hidden = false;
}

// ---- the page --------------------------------------------------------------------------

async function main() {
  document.body.classList.add("js-enabled", "govuk-frontend-supported");
  initAll();
  $("pb-signout").addEventListener("click", (ev) => { ev.preventDefault(); signedOut(); });
  if (!takeToken()) { signedOut(); return; }
  $("pb-signout-item").hidden = false;
  try {
    const mine = await api("GET", "/v1/me/budgets");
    const items = (mine && mine.items) || [];
    $("pb-loading").hidden = true;
    if (!items.length) {
      $("pb-budgets").replaceChildren(el("p", { class: "govuk-body" },
        "There are no budgets for your children yet. Your council will tell you when a budget is agreed."));
    } else {
      $("pb-budgets").replaceChildren(...items.map(budgetSection));
    }
    setUpReturnForm(items);
    await loadPayments();
  } catch (e) {
    $("pb-loading").hidden = true;
    if (e.status !== 401) showProblems([{ message: "Sorry, your budgets cannot be shown right now. Try again later. (" + e.message + ")" }]);
  }
  document.documentElement.setAttribute("data-pb-ready", "true");
}

main();
