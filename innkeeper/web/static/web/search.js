// The hourly search: on the first day with starts left, the hours before the first one cannot be chosen
// (the page disables them for the day it was drawn with; the server refuses them whatever a client sends).
(function () {
  "use strict";
  var day = document.getElementById("id_date");
  var start = document.getElementById("id_start_time");
  if (!day || !start || !start.dataset.firstDate) {
    return;
  }
  function limit() {
    var first = day.value === start.dataset.firstDate ? Number(start.dataset.firstHour) : -1;
    Array.prototype.forEach.call(start.options, function (option) {
      option.disabled = Number(option.value) < first;
    });
    if (start.selectedIndex >= 0 && start.options[start.selectedIndex].disabled) {
      var open = Array.prototype.find.call(start.options, function (option) { return !option.disabled; });
      if (open) {
        start.value = open.value;
      }
    }
  }
  day.addEventListener("change", limit);
  day.addEventListener("input", limit);
}());
