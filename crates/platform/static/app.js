/* Growthdeck — page behaviour. Plain JavaScript, no build step, no inline scripts (the CSP
 * is `script-src 'self'`). Everything is wired through event delegation on `document`, so it
 * also works for content that htmx swaps in later.
 *
 * Hooks for templates:
 *   [data-theme-toggle]           button cycling the theme system → light → dark
 *   .flash-close                  button removing its enclosing .flash
 *   [data-copy="ID"]              button copying the text (or value) of #ID
 *   [data-confirm="Question?"]    on a <form>, a submit button, a link or an hx-* element
 *   gd:toast event                detail {kind: success|info|warning|error, message, title?}
 *                                 (dispatch it on any element, or send it from the server
 *                                 with `HX-Trigger: {"gd:toast": {"kind": "success", "message": "…"}}`)
 *   .live-events (base.html)      SSE connection to /api/v1/events: `toast` and `job.finished`
 *                                 live events become toasts
 *   [sse-connect="/admin/events"]  the back office's stream: a `notification` event becomes an
 *                                 info toast with its title (the bell refreshes itself)
 *   progress[data-job-id="ID"]    set from `job.progress` events of job ID (value/max, or
 *                                 indeterminate while the total is unknown); complete on
 *                                 `job.finished` (macros.html `job_progress` renders one)
 *   [data-job-progress-text="ID"] text "120 of 400 (30 %)" from `job.progress`, the message
 *                                 of `job.finished` (data-job-state="done"/"failed" then)
 *   gd:job-done / gd:job-failed   dispatched (bubbling) on a job's progress bar when the job
 *                                 finishes — also when the bar arrives after the event — so
 *                                 a part of the page can reload itself:
 *                                 hx-trigger="gd:job-done from:body"
 *   htmx error answers            carry their own toast (HX-Trigger gd:toast, HX-Reswap none);
 *                                 others get a generic error toast
 *
 * The shell (base.html, staff/layout.html), in the second half of this file:
 *   [data-drawer-open]            button opening #sidebar-panel as a drawer on phones (focus
 *                                 kept inside, Escape or [data-drawer-close] closes it)
 *   details[data-menu]            disclosure menus: one open at a time, Escape or a click
 *                                 outside closes them
 *   #palette, [data-palette-open] the command palette: Ctrl-K / ⌘K, GET /api/v1/search
 *   [data-shortcut]               shows "⌘K" on Apple devices, "Ctrl K" elsewhere
 */

/* ---- Runs immediately (before the DOM exists): stored theme, .js marker ------------- */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");
  try {
    var stored = window.localStorage.getItem("gd-theme");
    if (stored === "light" || stored === "dark") root.dataset.theme = stored;
  } catch (_) {
    /* storage unavailable (privacy mode): follow the system theme */
  }
})();

(function () {
  "use strict";

  var THEME_KEY = "gd-theme";
  var THEMES = ["system", "light", "dark"];
  var THEME_TEXT = { system: "System", light: "Light", dark: "Dark" };
  var THEME_ICON = { system: "\u25D0", light: "\u2600", dark: "\u263E" };
  var TOAST_MS = 6000;
  var KINDS = ["success", "info", "warning", "error"];

  /* ---- (a) Theme ---------------------------------------------------------------------- */

  function currentTheme() {
    var t = document.documentElement.dataset.theme;
    return t === "light" || t === "dark" ? t : "system";
  }

  function applyTheme(theme) {
    var root = document.documentElement;
    if (theme === "light" || theme === "dark") {
      root.dataset.theme = theme;
    } else {
      delete root.dataset.theme;
      theme = "system";
    }
    try {
      if (theme === "system") window.localStorage.removeItem(THEME_KEY);
      else window.localStorage.setItem(THEME_KEY, theme);
    } catch (_) {
      /* not persisted; the choice lasts for this page only */
    }
    updateToggles();
  }

  function updateToggles() {
    var theme = currentTheme();
    var next = THEMES[(THEMES.indexOf(theme) + 1) % THEMES.length];
    var buttons = document.querySelectorAll("[data-theme-toggle]");
    for (var i = 0; i < buttons.length; i++) {
      var b = buttons[i];
      b.setAttribute(
        "aria-label",
        "Theme: " + THEME_TEXT[theme] + ". Switch to " + THEME_TEXT[next].toLowerCase() + " theme"
      );
      b.setAttribute("data-theme-current", theme);
      var icon = b.querySelector(".theme-icon");
      var label = b.querySelector(".theme-label");
      if (icon) icon.textContent = THEME_ICON[theme];
      if (label) label.textContent = THEME_TEXT[theme];
      if (!icon && !label) b.textContent = "Theme: " + THEME_TEXT[theme];
    }
  }

  /* ---- (f) Toasts --------------------------------------------------------------------- */

  function toastRegion() {
    var region = document.querySelector(".toast-region");
    if (!region) {
      region = document.createElement("div");
      region.className = "toast-region";
      region.setAttribute("aria-live", "polite");
      document.body.appendChild(region);
    }
    return region;
  }

  function dismissToast(toast) {
    if (!toast || !toast.parentNode) return;
    toast.classList.add("is-leaving");
    window.setTimeout(function () {
      if (toast.parentNode) toast.parentNode.removeChild(toast);
    }, 200);
  }

  function showToast(kind, message, title) {
    if (KINDS.indexOf(kind) < 0) kind = "info";
    if (!message && !title) return;
    var toast = document.createElement("div");
    toast.className = "toast toast-" + kind;
    toast.setAttribute("role", "status");

    var body = document.createElement("div");
    body.className = "toast-message";
    if (title) {
      var strong = document.createElement("strong");
      strong.className = "toast-title";
      strong.textContent = title;
      body.appendChild(strong);
    }
    if (message) body.appendChild(document.createTextNode(message));
    toast.appendChild(body);

    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close";
    close.setAttribute("aria-label", "Dismiss");
    close.textContent = "\u00D7";
    toast.appendChild(close);

    toastRegion().appendChild(toast);
    var timer = window.setTimeout(function () { dismissToast(toast); }, TOAST_MS);
    close.addEventListener("click", function () {
      window.clearTimeout(timer);
      dismissToast(toast);
    });
    return toast;
  }

  document.addEventListener("gd:toast", function (evt) {
    var d = evt.detail || {};
    var message = d.message != null ? String(d.message) : d.value != null ? String(d.value) : "";
    showToast(d.kind, message, d.title ? String(d.title) : "");
  });

  /* ---- (g) Live events ---------------------------------------------------------------- */

  // Elements of one job: `attr` is data-job-id or data-job-progress-text. Compared, not put
  // into a selector, so no id needs escaping.
  function jobElements(attr, jobId) {
    var all = document.querySelectorAll("[" + attr + "]");
    var out = [];
    for (var i = 0; i < all.length; i++) {
      if (all[i].getAttribute(attr) === jobId) out.push(all[i]);
    }
    return out;
  }

  function count(v) {
    var n = Number(v);
    return isFinite(n) && n >= 0 ? n : null;
  }

  // job.progress data: {job_id, label, done, total?, percent?}
  function showJobProgress(d) {
    if (d.job_id == null) return;
    var id = String(d.job_id);
    var done = count(d.done) || 0;
    var total = count(d.total);
    var bars = jobElements("data-job-id", id);
    for (var i = 0; i < bars.length; i++) {
      var bar = bars[i];
      if (bar.tagName !== "PROGRESS") continue;
      if (total === null) {
        bar.removeAttribute("value"); // indeterminate
      } else if (total === 0) {
        bar.max = 1;
        bar.value = 1;
      } else {
        bar.max = total;
        bar.value = Math.min(done, total);
      }
    }
    var text;
    if (total === null) {
      text = done + " done";
    } else {
      var percent = count(d.percent);
      if (percent === null) percent = total === 0 ? 100 : Math.floor((Math.min(done, total) * 100) / total);
      text = done + " of " + total + " (" + percent + " %)";
    }
    var texts = jobElements("data-job-progress-text", id);
    for (var j = 0; j < texts.length; j++) texts[j].textContent = text;
  }

  // Jobs that finished lately, by id: a bar swapped in after its job's `job.finished` (a
  // quick job beats the response that renders its bar) still completes.
  var finishedJobs = {};
  var finishedOrder = [];

  function rememberFinished(id, failed, message) {
    if (!(id in finishedJobs)) finishedOrder.push(id);
    finishedJobs[id] = { failed: failed, message: message };
    while (finishedOrder.length > 50) delete finishedJobs[finishedOrder.shift()];
  }

  function completeBar(bar, failed) {
    if (bar.getAttribute("data-job-state")) return; // told once
    if (!bar.hasAttribute("value") || !(bar.max > 0)) bar.max = 1;
    bar.value = bar.max;
    bar.setAttribute("data-job-state", failed ? "failed" : "done");
    bar.dispatchEvent(new CustomEvent(failed ? "gd:job-failed" : "gd:job-done", {
      bubbles: true,
      detail: { jobId: bar.getAttribute("data-job-id") }
    }));
  }

  // job.finished data: {job_id, label, ok, message}
  function showJobFinished(d, failed, message) {
    if (d.job_id == null) return;
    var id = String(d.job_id);
    rememberFinished(id, failed, message);
    var bars = jobElements("data-job-id", id);
    for (var i = 0; i < bars.length; i++) {
      var bar = bars[i];
      if (bar.tagName !== "PROGRESS") continue;
      completeBar(bar, failed);
    }
    var texts = jobElements("data-job-progress-text", id);
    for (var j = 0; j < texts.length; j++) {
      texts[j].textContent = message;
      texts[j].setAttribute("data-job-state", failed ? "failed" : "done");
    }
  }

  // The sse extension fires htmx:sseMessage with the EventSource's MessageEvent as detail:
  // `type` is the event kind, `data` the event as JSON: {id, topic, kind, data, at}.
  document.addEventListener("htmx:sseMessage", function (evt) {
    var msg = evt.detail;
    if (!msg || (msg.type !== "toast" && msg.type !== "job.progress" && msg.type !== "job.finished" &&
        msg.type !== "notification")) return;
    var event;
    try {
      event = JSON.parse(msg.data);
    } catch (_) {
      return;
    }
    var d = (event && event.data) || {};
    // notification data: {id, kind, audience, title, link}; the title is text (textContent).
    if (msg.type === "notification") {
      if (d.title != null && d.title !== "") showToast("info", "", String(d.title));
      return;
    }
    if (msg.type === "job.progress") {
      showJobProgress(d);
      return;
    }
    var message = d.message != null ? String(d.message) : "";
    if (msg.type === "toast") {
      showToast(d.kind, message, d.title ? String(d.title) : "");
      return;
    }
    var failed = d.status === "failed" || d.ok === false || (d.error != null && d.error !== "");
    var name = d.label != null && d.label !== "" ? String(d.label) : d.name != null ? String(d.name) : "";
    if (!message) {
      message = failed
        ? (name ? name + " failed." : "A background job failed.")
        : (name ? name + " finished." : "A background job finished.");
    }
    showJobFinished(d, failed, message);
    showToast(failed ? "error" : "success", message, name || (failed ? "Job failed" : "Job finished"));
  });

  // New content (an htmx swap): a bar of a job that has already finished completes now.
  document.addEventListener("htmx:load", function (evt) {
    var root = evt.target;
    if (!root || !root.querySelectorAll) return;
    var bars = root.matches && root.matches("progress[data-job-id]") ? [root] : [];
    var inner = root.querySelectorAll("progress[data-job-id]");
    for (var i = 0; i < inner.length; i++) bars.push(inner[i]);
    for (var j = 0; j < bars.length; j++) {
      var id = bars[j].getAttribute("data-job-id");
      var done = finishedJobs[id];
      if (!done) continue;
      var texts = jobElements("data-job-progress-text", id);
      for (var k = 0; k < texts.length; k++) {
        texts[k].textContent = done.message;
        texts[k].setAttribute("data-job-state", done.failed ? "failed" : "done");
      }
      completeBar(bars[j], done.failed);
    }
  });

  /* ---- (c) Copy to clipboard ---------------------------------------------------------- */

  function fallbackCopy(text) {
    var ta = document.createElement("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.className = "visually-hidden";
    document.body.appendChild(ta);
    ta.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (_) { ok = false; }
    document.body.removeChild(ta);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }

  function flashLabel(button, text) {
    if (!button.hasAttribute("data-copy-label")) {
      button.setAttribute("data-copy-label", button.textContent);
    }
    button.textContent = text;
    window.clearTimeout(button._gdCopyTimer);
    button._gdCopyTimer = window.setTimeout(function () {
      button.textContent = button.getAttribute("data-copy-label");
      button.removeAttribute("data-copy-label");
    }, 2000);
  }

  function handleCopy(button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target) return;
    var text = "value" in target && typeof target.value === "string" ? target.value : target.textContent;
    copyText(text.trim()).then(
      function () { flashLabel(button, "Copied"); },
      function () { flashLabel(button, "Copy failed"); showToast("error", "Could not copy to the clipboard. Select the text and copy it manually."); }
    );
  }

  /* ---- (d) Confirmation --------------------------------------------------------------- */

  // Plain forms: ask before the browser (or htmx, which listens on the form itself) sees the
  // submit. Capture phase, so cancelling here stops htmx's own handler as well.
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    var submitter = evt.submitter;
    var message =
      (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      evt.preventDefault();
      evt.stopPropagation();
    }
  }, true);

  // Links and non-submit buttons (including hx-get/post/delete buttons triggered by click).
  document.addEventListener("click", function (evt) {
    var el = evt.target.closest ? evt.target.closest("[data-confirm]") : null;
    if (!el || el.tagName === "FORM") return;
    // Submit buttons are handled by the submit listener (via evt.submitter).
    if (el.form && (el.type === "submit" || el.type === "image") && !el.hasAttribute("hx-post") &&
        !el.hasAttribute("hx-put") && !el.hasAttribute("hx-patch") && !el.hasAttribute("hx-delete") &&
        !el.hasAttribute("hx-get")) {
      return;
    }
    if (!window.confirm(el.getAttribute("data-confirm"))) {
      evt.preventDefault();
      evt.stopPropagation();
    }
  }, true);

  // htmx requests started by anything other than a click or submit (change, load, sse, …).
  document.addEventListener("htmx:confirm", function (evt) {
    var elt = evt.detail && evt.detail.elt;
    if (!elt || !elt.getAttribute) return;
    var message = elt.getAttribute("data-confirm");
    if (!message) return;
    var trigger = evt.detail.triggeringEvent;
    if (trigger && (trigger.type === "click" || trigger.type === "submit")) return; // asked already
    evt.preventDefault();
    if (window.confirm(message)) evt.detail.issueRequest(true);
  });

  /* ---- (e) htmx error responses ------------------------------------------------------- */

  document.addEventListener("htmx:responseError", function (evt) {
    var xhr = evt.detail && evt.detail.xhr;
    if (!xhr) return;
    // The server already said what went wrong (its HX-Trigger toast was shown).
    if ((xhr.getResponseHeader("HX-Trigger") || "").indexOf("gd:toast") >= 0) return;
    var type = (xhr.getResponseHeader("Content-Type") || "").toLowerCase();
    var title = "";
    var detail = "";
    if (type.indexOf("application/problem+json") === 0) {
      try {
        var problem = JSON.parse(xhr.responseText);
        title = problem.title ? String(problem.title) : "";
        detail = problem.detail ? String(problem.detail) : "";
      } catch (_) {
        /* malformed body: fall through to the generic message */
      }
    }
    if (!title && !detail) {
      title = "Request failed";
      detail = "The server answered " + xhr.status + (xhr.statusText ? " " + xhr.statusText : "") + ". Please try again.";
    }
    showToast("error", detail, title);
  });

  document.addEventListener("htmx:sendError", function () {
    showToast("error", "Check your connection and try again.", "Network error");
  });

  /* ---- (a, b, c) Click delegation ----------------------------------------------------- */

  document.addEventListener("click", function (evt) {
    if (!evt.target.closest) return;

    var toggle = evt.target.closest("[data-theme-toggle]");
    if (toggle) {
      var theme = currentTheme();
      applyTheme(THEMES[(THEMES.indexOf(theme) + 1) % THEMES.length]);
      return;
    }

    var close = evt.target.closest(".flash-close");
    if (close) {
      var flash = close.closest(".flash");
      var list = flash && flash.parentNode;
      if (flash) flash.parentNode.removeChild(flash);
      if (list && list.classList && list.classList.contains("flashes") && !list.querySelector(".flash")) {
        list.parentNode.removeChild(list);
      }
      return;
    }

    var copy = evt.target.closest("[data-copy]");
    if (copy) {
      evt.preventDefault();
      handleCopy(copy);
    }
  });

  /* ---- Start-up ----------------------------------------------------------------------- */

  function init() {
    updateToggles();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();

  // Keep the toggle label right when another tab changes the theme.
  window.addEventListener("storage", function (evt) {
    if (evt.key !== THEME_KEY) return;
    var v = evt.newValue;
    if (v === "light" || v === "dark") document.documentElement.dataset.theme = v;
    else delete document.documentElement.dataset.theme;
    updateToggles();
  });

  window.Growthdeck = { toast: showToast };
})();

/* ---- Live streams and the back/forward cache ------------------------------------------
 * Browsers allow six HTTP/1.1 connections per host. A page kept in the back/forward cache
 * would keep its event stream (`sse-connect`) open, and after a few navigations new page
 * loads would wait for a free connection (measured: a minute). So the streams close when the
 * page is hidden; a page restored from the cache reloads, which shows fresh figures and
 * reconnects. The sse extension closes its EventSource on `htmx:beforeCleanupElement`. */
(function () {
  "use strict";
  window.addEventListener("pagehide", function () {
    if (!window.htmx) return;
    var streams = document.querySelectorAll("[sse-connect]");
    for (var i = 0; i < streams.length; i++) {
      window.htmx.trigger(streams[i], "htmx:beforeCleanupElement");
    }
  });
  window.addEventListener("pageshow", function (evt) {
    if (evt.persisted) window.location.reload();
  });
})();

/* ---- The shell: drawer, menus, command palette ------------------------------------------
 * Escape closes the innermost thing open: the palette, then a menu, then the drawer; focus
 * goes back to what opened it. */
(function () {
  "use strict";

  var root = document.documentElement;
  var FOCUSABLE = "a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), " +
    "textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])";

  // Inside a closed <details> only its summary can take focus.
  function inClosedDetails(e) {
    for (var d = e.parentElement && e.parentElement.closest("details"); d;
         d = d.parentElement && d.parentElement.closest("details")) {
      var summary = d.querySelector("summary");
      if (!d.open && !(summary && summary.contains(e))) return true;
    }
    return false;
  }

  function visibleFocusables(container) {
    var all = container.querySelectorAll(FOCUSABLE);
    var out = [];
    for (var i = 0; i < all.length; i++) {
      if (all[i].getClientRects().length && !inClosedDetails(all[i])) out.push(all[i]);
    }
    return out;
  }

  function focusBack(el) {
    if (el && document.contains(el) && typeof el.focus === "function") el.focus();
  }

  /* ---- Drawer (phones) ---------------------------------------------------------------- */

  var drawerOpener = null;

  function drawer() { return document.getElementById("sidebar-panel"); }
  function drawerIsOpen() { var d = drawer(); return !!d && d.classList.contains("is-open"); }

  function setDrawer(open, returnFocus) {
    var panel = drawer();
    if (!panel) return;
    panel.classList.toggle("is-open", open);
    root.classList.toggle("drawer-open", open);
    var backdrop = document.querySelector(".drawer-backdrop");
    if (backdrop) backdrop.hidden = !open;
    var toggles = document.querySelectorAll("[data-drawer-open]");
    for (var i = 0; i < toggles.length; i++) toggles[i].setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      var close = panel.querySelector("[data-drawer-close]");
      if (close) close.focus();
    } else if (returnFocus) {
      focusBack(drawerOpener);
    }
  }

  // Back on a wide screen the sidebar is not a drawer: nothing stays locked.
  if (window.matchMedia) {
    var wide = window.matchMedia("(min-width: 64rem)");
    var onWide = function () { if (wide.matches && drawerIsOpen()) setDrawer(false, false); };
    if (wide.addEventListener) wide.addEventListener("change", onWide);
  }

  /* ---- Menus (details[data-menu]) ----------------------------------------------------- */

  function openMenus() { return document.querySelectorAll("details[data-menu][open]"); }

  function closeMenus(except) {
    var open = openMenus();
    for (var i = 0; i < open.length; i++) if (open[i] !== except) open[i].open = false;
  }

  // One menu open at a time (toggle does not bubble: listen in the capture phase).
  document.addEventListener("toggle", function (evt) {
    var d = evt.target;
    if (d.matches && d.matches("details[data-menu]") && d.open) closeMenus(d);
  }, true);

  /* ---- Command palette ---------------------------------------------------------------- */

  var DEBOUNCE_MS = 150;
  var KIND_ICON = {
    page: '<path d="M5 12h14M13 6l6 6-6 6"/>',
    action: '<path d="M12 5v14M5 12h14"/>',
    record: '<circle cx="12" cy="8" r="4"/><path d="M4 21a8 8 0 0 1 16 0"/>'
  };
  var p = { opener: null, timer: 0, seq: 0, shown: -1, controller: null, options: [], active: -1, enterPending: false };

  function el(id) { return document.getElementById(id); }
  function paletteIsOpen() { var r = el("palette"); return !!r && !r.hidden; }

  function openPalette(opener) {
    var r = el("palette");
    var input = el("palette-input");
    if (!r || !input) return;
    if (!r.hidden) { input.focus(); input.select(); return; }
    p.opener = opener || document.activeElement;
    closeMenus(null);
    if (drawerIsOpen()) setDrawer(false, false);
    r.hidden = false;
    root.classList.add("palette-open");
    input.value = "";
    input.focus();
    search();
  }

  function closePalette(returnFocus) {
    var r = el("palette");
    if (!r || r.hidden) return;
    window.clearTimeout(p.timer);
    if (p.controller) p.controller.abort();
    p.seq++;
    p.enterPending = false;
    r.hidden = true;
    root.classList.remove("palette-open");
    var input = el("palette-input");
    if (input) {
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    if (returnFocus) focusBack(p.opener);
  }

  function setStatus(text) {
    var status = el("palette-status");
    if (status) status.textContent = text;
  }

  function schedule() {
    window.clearTimeout(p.timer);
    p.timer = window.setTimeout(search, DEBOUNCE_MS);
  }

  function search() {
    var input = el("palette-input");
    if (!input) return;
    window.clearTimeout(p.timer);
    p.timer = 0;
    var q = input.value.trim();
    var seq = ++p.seq;
    if (p.controller) p.controller.abort();
    p.controller = window.AbortController ? new window.AbortController() : null;
    fetch("/api/v1/search?limit=30&q=" + encodeURIComponent(q), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      signal: p.controller ? p.controller.signal : undefined
    }).then(function (res) {
      if (res.status === 401) throw new Error("signed-out");
      if (!res.ok) throw new Error("status " + res.status);
      return res.json();
    }).then(function (data) {
      if (seq !== p.seq) return;
      render((data && data.results) || [], q, seq);
    }).catch(function (err) {
      if ((err && err.name === "AbortError") || seq !== p.seq) return;
      render([], q, seq);
      setStatus(err && err.message === "signed-out"
        ? "Your session has ended. Sign in again to search."
        : "Search is not available right now. Try again in a moment.");
    });
  }

  function render(results, q, seq) {
    var list = el("palette-list");
    var input = el("palette-input");
    if (!list || !input) return;
    p.shown = seq;
    list.textContent = "";
    p.options = [];
    p.active = -1;
    var group = null;
    for (var i = 0; i < results.length; i++) {
      var hit = results[i];
      if (!group || group.getAttribute("data-group") !== String(hit.group)) {
        group = document.createElement("div");
        group.className = "palette-group";
        group.setAttribute("role", "group");
        group.setAttribute("data-group", String(hit.group));
        var label = document.createElement("div");
        label.className = "palette-group-label";
        label.id = "palette-group-" + i;
        label.setAttribute("role", "presentation");
        label.textContent = String(hit.group);
        group.setAttribute("aria-labelledby", label.id);
        group.appendChild(label);
        list.appendChild(group);
      }
      var option = document.createElement("div");
      option.className = "palette-option";
      option.id = "palette-option-" + i;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.setAttribute("data-href", String(hit.href));
      option.setAttribute("data-index", String(p.options.length));
      var icon = document.createElementNS("http://www.w3.org/2000/svg", "svg");
      icon.setAttribute("class", "icon");
      icon.setAttribute("viewBox", "0 0 24 24");
      icon.setAttribute("aria-hidden", "true");
      icon.innerHTML = KIND_ICON[hit.kind] || KIND_ICON.page; // constant markup, never data
      option.appendChild(icon);
      var text = document.createElement("span");
      text.className = "palette-option-text";
      var title = document.createElement("span");
      title.className = "palette-option-title";
      title.textContent = String(hit.title);
      text.appendChild(title);
      if (hit.detail) {
        var detail = document.createElement("span");
        detail.className = "palette-option-detail";
        detail.textContent = String(hit.detail);
        text.appendChild(detail);
      }
      option.appendChild(text);
      var enter = document.createElement("kbd");
      enter.className = "palette-option-enter";
      enter.setAttribute("aria-hidden", "true");
      enter.textContent = "\u21B5";
      option.appendChild(enter);
      group.appendChild(option);
      p.options.push(option);
    }
    input.setAttribute("aria-expanded", p.options.length ? "true" : "false");
    if (p.options.length) {
      setStatus("");
      setActive(0);
    } else {
      input.removeAttribute("aria-activedescendant");
      setStatus(q ? "Nothing found for \u201C" + q + "\u201D. Try a page, an action or an @username."
        : "Nothing to show yet.");
    }
    if (p.enterPending) {
      p.enterPending = false;
      if (p.options.length) choose(p.active);
    }
  }

  function setActive(index) {
    var n = p.options.length;
    if (!n) return;
    index = (index + n) % n;
    if (p.active >= 0 && p.options[p.active]) p.options[p.active].setAttribute("aria-selected", "false");
    p.active = index;
    var option = p.options[index];
    option.setAttribute("aria-selected", "true");
    var input = el("palette-input");
    if (input) input.setAttribute("aria-activedescendant", option.id);
    if (option.scrollIntoView) option.scrollIntoView({ block: "nearest" });
  }

  function choose(index) {
    var option = p.options[index];
    if (!option) return;
    var href = option.getAttribute("data-href") || "";
    // Only paths of this site: the server sends nothing else, and nothing else is followed.
    if (href.charAt(0) !== "/" || href.charAt(1) === "/") return;
    closePalette(false);
    window.location.assign(href);
  }

  function onPaletteKey(evt) {
    switch (evt.key) {
      case "ArrowDown":
        evt.preventDefault();
        setActive(p.active + 1);
        break;
      case "ArrowUp":
        evt.preventDefault();
        setActive(p.active - 1);
        break;
      case "Enter":
        evt.preventDefault();
        // Typed faster than the debounce: choose from the answer to what is typed now.
        if (p.timer || p.shown !== p.seq) {
          p.enterPending = true;
          if (p.timer) search();
        } else if (p.active >= 0) {
          choose(p.active);
        }
        break;
      case "Tab":
        evt.preventDefault(); // the dialog is modal: focus stays in the search field
        break;
      default:
        break;
    }
  }

  function shortcutLabels() {
    var apple = /Mac|iPhone|iPad|iPod/.test(navigator.platform || navigator.userAgent || "");
    var labels = document.querySelectorAll("[data-shortcut]");
    for (var i = 0; i < labels.length; i++) labels[i].textContent = apple ? "\u2318K" : "Ctrl K";
  }

  /* ---- Wiring ------------------------------------------------------------------------- */

  document.addEventListener("input", function (evt) {
    if (evt.target && evt.target.id === "palette-input") schedule();
  });

  document.addEventListener("keydown", function (evt) {
    var key = evt.key;
    if ((key === "k" || key === "K") && (evt.metaKey || evt.ctrlKey) && !evt.altKey && el("palette")) {
      evt.preventDefault();
      if (paletteIsOpen()) closePalette(true);
      else openPalette(document.activeElement);
      return;
    }
    if (paletteIsOpen()) {
      if (key === "Escape") {
        evt.preventDefault();
        closePalette(true);
      } else if (evt.target && evt.target.id === "palette-input") {
        onPaletteKey(evt);
      }
      return;
    }
    if (key === "Escape") {
      var menu = document.activeElement && document.activeElement.closest
        ? document.activeElement.closest("details[data-menu][open]") : null;
      if (!menu && openMenus().length) menu = openMenus()[0];
      if (menu) {
        menu.open = false;
        var summary = menu.querySelector("summary");
        if (summary) summary.focus();
        return;
      }
      if (drawerIsOpen()) setDrawer(false, true);
      return;
    }
    // Keep Tab inside the open drawer.
    if (key === "Tab" && drawerIsOpen()) {
      var items = visibleFocusables(drawer());
      if (!items.length) return;
      var first = items[0];
      var last = items[items.length - 1];
      if (evt.shiftKey && document.activeElement === first) {
        evt.preventDefault();
        last.focus();
      } else if (!evt.shiftKey && document.activeElement === last) {
        evt.preventDefault();
        first.focus();
      } else if (!drawer().contains(document.activeElement)) {
        evt.preventDefault();
        first.focus();
      }
    }
  });

  document.addEventListener("click", function (evt) {
    if (!evt.target.closest) return;
    var t = evt.target;
    if (!t.closest("details[data-menu]")) closeMenus(null);
    var opener = t.closest("[data-palette-open]");
    if (opener) {
      evt.preventDefault();
      openPalette(opener);
      return;
    }
    if (t.closest("[data-palette-close]")) {
      closePalette(true);
      return;
    }
    var option = t.closest(".palette-option");
    if (option) {
      choose(Number(option.getAttribute("data-index")));
      return;
    }
    var open = t.closest("[data-drawer-open]");
    if (open) {
      drawerOpener = open;
      setDrawer(!drawerIsOpen(), true);
      return;
    }
    if (t.closest("[data-drawer-close]")) setDrawer(false, true);
  });

  // Pointing at an option selects it; pressing does not take focus from the search field.
  document.addEventListener("mousemove", function (evt) {
    var option = evt.target.closest ? evt.target.closest(".palette-option") : null;
    if (option) {
      var i = Number(option.getAttribute("data-index"));
      if (i !== p.active) setActive(i);
    }
  });
  document.addEventListener("mousedown", function (evt) {
    if (evt.target.closest && evt.target.closest(".palette-option")) evt.preventDefault();
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", shortcutLabels);
  else shortcutLabels();
})();
