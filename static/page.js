/* Small behaviours of the pages, kept out of the HTML so that the Content-Security-Policy can
   forbid inline scripts and event-handler attributes (web_headers.py):
   - <button data-print>: prints the page (parent labels);
   - <input data-select-on-focus>: selects its text on focus (the calendar feed address);
   - <input type="checkbox" data-check-all="SELECTOR">: ticks or clears every box SELECTOR finds. */
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-print]");
    if (button) { window.print(); }
  });
  document.addEventListener("focusin", function (e) {
    if (e.target.matches && e.target.matches("[data-select-on-focus]")) { e.target.select(); }
  });
  document.addEventListener("change", function (e) {
    var selector = e.target.getAttribute && e.target.getAttribute("data-check-all");
    if (!selector) { return; }
    document.querySelectorAll(selector).forEach(function (box) { box.checked = e.target.checked; });
  });
})();
