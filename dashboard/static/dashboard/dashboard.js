/* The nurses' dashboard, enhanced: every page works without this script; with it, the worklist
   refreshes without a full reload and an alert is acknowledged in one click, in place. */
(function () {
  "use strict";

  var live = document.getElementById("live-status");
  function announce(text) {
    if (!live) return;
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 50);
  }
  // A sentence in the page's language, from the live region's data attributes (base.html).
  function word(name, fallback, values) {
    var text = (live && live.dataset[name]) || fallback;
    Object.keys(values || {}).forEach(function (key) { text = text.replace("{" + key + "}", values[key]); });
    return text;
  }
  function clock() {
    var now = new Date();
    return String(now.getHours()).padStart(2, "0") + ":" + String(now.getMinutes()).padStart(2, "0");
  }

  // The worklist's filters are folded away on a phone (the patients come first); a wide screen shows them.
  var fold = document.getElementById("filters-fold");
  if (fold && window.matchMedia("(min-width: 901px)").matches) fold.open = true;

  // Worklist: filters, pages and refresh fetch only the results fragment.
  var results = document.getElementById("worklist-results");
  var filters = document.getElementById("worklist-filters");
  var refreshButton = document.getElementById("worklist-refresh");
  var updated = document.getElementById("worklist-updated");
  var REFRESH_EVERY_MS = 60 * 1000;

  function loadWorklist(url, options) {
    options = options || {};
    var target = new URL(url, window.location.href);
    var fragment = new URL(target.href);
    fragment.searchParams.set("fragment", "1");
    results.setAttribute("aria-busy", "true");
    var headers = { "X-Requested-With": "fetch" };
    // The periodic refresh is no sign that anyone is at the computer: it does not keep the session alive.
    if (options.background) headers["X-Background-Refresh"] = "1";
    return fetch(fragment.href, { credentials: "same-origin", headers: headers })
      .then(function (response) {
        // The session ended (redirect to the login page): show it.
        if (response.redirected || response.status === 401 || response.status === 403) {
          window.location.href = target.href;
          return null;
        }
        return response.text();
      })
      .then(function (html) {
        if (html === null) return;
        results.innerHTML = html;
        if (options.push) window.history.pushState({ worklist: true }, "", target.pathname + target.search);
        if (updated) updated.textContent = word("updated", "Updated {time}", { time: clock() });
        var title = document.getElementById("results-title");
        if (options.focus && title) { title.setAttribute("tabindex", "-1"); title.focus(); }
        if (!options.quiet) announce(word("worklistUpdated", "Worklist updated at {time}.", { time: clock() }) + " " + (title ? title.textContent.trim() : ""));
      })
      .catch(function () {
        announce(word("refreshFailed", "The worklist could not be refreshed. Check the connection; the page shows the last update."));
        if (updated) updated.textContent = word("notUpdated", "Not updated: connection problem");
      })
      .finally(function () { results.removeAttribute("aria-busy"); });
  }

  if (results && filters) {
    filters.addEventListener("submit", function (event) {
      event.preventDefault();
      var params = new URLSearchParams(new FormData(filters));
      Array.from(params.keys()).forEach(function (key) { if (!params.get(key)) params.delete(key); });
      var query = params.toString();
      loadWorklist(filters.action + (query ? "?" + query : ""), { push: true, focus: true });
    });
    filters.querySelectorAll("select").forEach(function (select) {
      select.addEventListener("change", function () { filters.requestSubmit(); });
    });
    results.addEventListener("click", function (event) {
      var link = event.target.closest("a.page-link");
      if (!link) return;
      event.preventDefault();
      loadWorklist(link.href, { push: true, focus: true });
    });
    window.addEventListener("popstate", function () { loadWorklist(window.location.href, { quiet: true }); });
    if (refreshButton) {
      refreshButton.hidden = false;
      refreshButton.addEventListener("click", function () { loadWorklist(window.location.href, {}); });
    }
    window.setInterval(function () {
      if (document.visibilityState === "visible") loadWorklist(window.location.href, { quiet: true, background: true });
    }, REFRESH_EVERY_MS);
  }

  // Alerts inbox: acknowledge in one click; the row moves to the acknowledged list.
  function setCount(name, delta) {
    var el = document.querySelector('[data-count="' + name + '"]');
    if (!el) return;
    var n = parseInt(el.textContent.replace(/\D/g, ""), 10) || 0;
    el.textContent = "(" + Math.max(0, n + delta) + ")";
  }
  document.addEventListener("submit", function (event) {
    var form = event.target.closest('form[data-enhance="acknowledge"]');
    if (!form) return;
    event.preventDefault();
    var button = form.querySelector("button");
    if (button) button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-Requested-With": "fetch" }
    })
      .then(function (response) {
        if (!response.ok) throw new Error("status " + response.status);
        return response.json();
      })
      .then(function (data) {
        var row = form.closest("tr");
        var openBody = document.getElementById("open-alerts");
        var ackBody = document.getElementById("acknowledged-alerts");
        var next = row ? row.nextElementSibling || row.previousElementSibling : null;
        if (row) row.remove();
        if (ackBody && data.row) {
          ackBody.insertAdjacentHTML("afterbegin", data.row);
          document.getElementById("ack-empty").hidden = true;
        }
        setCount("open", -1);
        setCount("acknowledged", 1);
        var badge = document.querySelector(".mainnav .count");
        if (badge) {
          var left = Math.max(0, (parseInt(badge.textContent, 10) || 1) - 1);
          if (left === 0) badge.remove(); else { badge.textContent = left; badge.setAttribute("aria-label", word(left === 1 ? "openOne" : "openOther", "{n} open", { n: left })); }
        }
        if (openBody && !openBody.children.length) document.getElementById("open-empty").hidden = false;
        // Keep the keyboard where the nurse was: on the next alert's button.
        var nextButton = next ? next.querySelector("button") : null;
        if (nextButton) nextButton.focus();
        announce(word("acknowledged", "Alert acknowledged; it moved to the acknowledged list."));
      })
      .catch(function () {
        // Fall back to the ordinary form post, which shows the outcome on a fresh page.
        form.removeAttribute("data-enhance");
        form.submit();
      });
  });
})();
