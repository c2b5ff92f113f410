/* Parts of a panel page that wait for a worker (a connection test, a domain's DNS check, a lock list read
   from the lock cloud) carry data-waiting and an id. Every few seconds this asks for the page again (the one
   data-waiting names, else this one: a page shown after a refused form has a POST-only address) and puts in
   the new version of each such part once it no longer waits, with its help text (id + "_helptext"); a list
   keeps what the person chose in it. It stops when nothing waits, or after a few minutes (by then the page
   says that the check did not finish); a part with data-waiting-for="<seconds>" (a PMS sync, which can run for
   many minutes) is waited for that long instead. A part with data-live is put in at every look, waiting or not
   (a sync's progress). Without it, reloading the page shows the same. */
(function () {
  "use strict";
  var EVERY = 2000, GIVE_UP = 150000, started = Date.now();

  function swap(old, fresh) {
    var chosen = old.tagName === "SELECT" ? old.value : null;
    var help = document.getElementById(old.id + "_helptext");
    var freshHelp = fresh.ownerDocument.getElementById(old.id + "_helptext");
    old.replaceWith(document.importNode(fresh, true));
    if (help && freshHelp) help.replaceWith(document.importNode(freshHelp, true));
    var now = document.getElementById(old.id);
    if (chosen !== null && now && Array.prototype.some.call(now.options, function (o) { return o.value === chosen; })) {
      now.value = chosen;
    }
  }

  function patience(waiting) {
    var longest = GIVE_UP;
    waiting.forEach(function (part) {
      var seconds = parseInt(part.getAttribute("data-waiting-for") || "", 10);
      if (seconds > 0) longest = Math.max(longest, seconds * 1000);
    });
    return longest;
  }

  function poll() {
    var waiting = document.querySelectorAll("[data-waiting][id]");
    if (!waiting.length || Date.now() - started > patience(waiting)) return;
    var url = waiting[0].getAttribute("data-waiting") || window.location.href;
    fetch(url, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (answer) { return answer.ok ? answer.text() : Promise.reject(answer.status); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        waiting.forEach(function (old) {
          var fresh = page.getElementById(old.id);
          if (!fresh) old.removeAttribute("data-waiting");
          // a live part (the WhatsApp QR code, which changes while it waits) is put in at every look
          else if (!fresh.hasAttribute("data-waiting") || old.hasAttribute("data-live")) swap(old, fresh);
        });
      })
      .catch(function () {})
      .then(function () { window.setTimeout(poll, EVERY); });
  }

  window.setTimeout(poll, EVERY);
})();
