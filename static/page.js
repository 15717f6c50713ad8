/* Small behaviours of the pages, kept out of the HTML so that the Content-Security-Policy can
   forbid inline scripts and event-handler attributes (web_headers.py):
   - <button data-print>: prints the page (parent labels);
   - <input data-select-on-focus>: selects its text on focus (the calendar feed address);
   - <input type="checkbox" data-check-all="SELECTOR">: ticks or clears every box SELECTOR finds;
   - a .table-wrap whose table is wider than the screen (a phone) scrolls sideways: it becomes
     reachable by keyboard (tabindex 0) and is named after its table's caption or the heading above it (WCAG 2.1.1);
   - a <textarea maxlength> shows how many characters are used of how many, announced politely,
     so that a pasted text the browser cuts at the limit does not go unnoticed;
   - an element with data-refresh="SECONDS" reloads the page after that many seconds while its
     <input data-refresh-toggle> stays ticked (a live round of calls; WCAG 2.2.1: it can be stopped). */
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
  function nameOf(wrap) {
    var caption = wrap.querySelector("caption");
    if (caption) { return caption.textContent.trim(); }
    for (var box = wrap; box && box !== document.body; box = box.parentElement) {
      for (var prev = box.previousElementSibling; prev; prev = prev.previousElementSibling) {
        if (/^H[1-6]$/.test(prev.tagName)) { return prev.textContent.trim(); }
      }
    }
    return "Таблица";
  }
  function markScrollable() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      var added = wrap.hasAttribute("data-scroll-focus");
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        if (added || wrap.hasAttribute("tabindex")) { return; }
        wrap.setAttribute("data-scroll-focus", "");
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", nameOf(wrap));
      } else if (added) {
        ["data-scroll-focus", "tabindex", "role", "aria-label"].forEach(function (name) {
          wrap.removeAttribute(name);
        });
      }
    });
  }
  markScrollable();
  window.addEventListener("resize", markScrollable);
  document.querySelectorAll("textarea[maxlength]").forEach(function (area) {
    var limit = parseInt(area.getAttribute("maxlength"), 10);
    var counter = document.createElement("p");
    counter.className = "muted field-counter";
    counter.id = (area.id || "text") + "-counter";
    counter.setAttribute("aria-live", "polite");
    area.insertAdjacentElement("afterend", counter);
    var described = area.getAttribute("aria-describedby");
    area.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
    function update() {
      var used = area.value.length;
      counter.textContent = used + " от " + limit + " знака" + (used >= limit ? " — достигнахте границата" : "");
    }
    area.addEventListener("input", update);
    update();
  });
  document.querySelectorAll("[data-refresh]").forEach(function (box) {
    var seconds = parseInt(box.getAttribute("data-refresh"), 10);
    var toggle = box.querySelector("[data-refresh-toggle]");
    if (!(seconds > 0)) { return; }
    window.setInterval(function () {
      if (!toggle || toggle.checked) { window.location.reload(); }
    }, seconds * 1000);
  });
})();
