/* A compose form with data-preview (the address of its preview) and data-preview-into (the id of the part that
   shows it) gets a live preview: a moment after staff stop typing or change a choice, the form is sent to that
   address and the answer (the preview the server filled in exactly as it sends, or the mistake named) replaces
   the part. Answers arriving out of order are dropped. Without it, the form's Preview button does the same. */
(function () {
  "use strict";
  var PAUSE = 300;

  function live(form) {
    var target = document.getElementById(form.getAttribute("data-preview-into"));
    if (!target) return;
    var timer = null, asked = 0;

    function ask() {
      var number = ++asked;
      form.setAttribute("aria-busy", "true");
      fetch(form.getAttribute("data-preview"), {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: {"Accept": "text/html", "X-Requested-With": "fetch"}
      })
        .then(function (answer) {
          return answer.ok || answer.status === 400 ? answer.text() : Promise.reject(answer.status);
        })
        .then(function (html) {
          if (number !== asked) return;
          target.innerHTML = html;
          target.setAttribute("data-previewed", String(number));
        })
        .catch(function () {})
        .then(function () { if (number === asked) form.removeAttribute("aria-busy"); });
    }

    function soon() {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, PAUSE);
    }

    form.addEventListener("input", soon);
    form.addEventListener("change", soon);
    var text = form.querySelector("textarea");
    if (text && text.value.trim() && !target.children.length) ask();  // an opened rule: its preview at once
  }

  document.querySelectorAll("form[data-preview][data-preview-into]").forEach(live);
})();
