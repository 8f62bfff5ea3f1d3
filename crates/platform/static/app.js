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
