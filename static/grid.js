/* Бележник — keyboard entry for the grade grid and the lesson register (no libraries).
 *
 * Grade grid (#grade-grid): in quick mode one digit 2–6 is the grade and moves to the next
 * student; ↑/↓ move; Delete/Backspace clear; Enter saves the column. Values are checked as typed
 * (message next to the field) and the forecast beside each row follows the typed grade.
 * Lesson register (#lesson-register): о/1 absent, з/2 late, 0/space present, ↑/↓ move.
 */
(function () {
  "use strict";

  var CURRENT = /^(2([.,]0{1,2})?|[3-5]([.,]\d{1,2})?|6([.,]0{1,2})?)$/;
  var WHOLE = /^[2-6]$/;
  var SOP = /^[зсп]$/i;

  function formatBg(n) {
    return (Math.round(n * 100 + 1e-9) / 100).toFixed(2).replace(".", ",");
  }

  function checkValue(input, text) {
    var form = input.form;
    var whole = form.dataset.final === "1" || form.dataset.qualitative === "1";
    text = text.trim();
    if (!text) return "";
    if (input.dataset.sop === "1" && SOP.test(text)) return "";
    if (whole) return WHOLE.test(text) ? "" : "Цяло число от 2 до 6.";
    return CURRENT.test(text) ? "" : "Оценката е 2 или число от 3,00 до 6,00.";
  }

  function showError(input, message) {
    var err = document.getElementById(input.id + "-error");
    if (message) {
      input.classList.add("invalid");
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", input.id + "-error");
      if (err) { err.textContent = message; err.hidden = false; }
    } else {
      input.classList.remove("invalid");
      input.removeAttribute("aria-invalid");
      if (err) { err.textContent = ""; err.hidden = true; }
    }
  }

  function updateForecast(input) {
    var row = input.closest("tr");
    if (!row || row.dataset.sum === undefined) return;
    var cell = row.querySelector(".forecast");
    if (!cell) return;
    var sum = parseFloat(row.dataset.sum || "0");
    var count = parseInt(row.dataset.count || "0", 10);
    var text = input.value.trim().replace(",", ".");
    if (text && !input.classList.contains("invalid") && !isNaN(parseFloat(text))) {
      sum += parseFloat(text);
      count += 1;
    }
    cell.textContent = count ? formatBg(sum / count) : "";
  }

  function setupGrid(form) {
    var inputs = Array.prototype.slice.call(form.querySelectorAll("input.grade-input"));
    var quick = document.getElementById("quick");
    function move(i, delta) {
      var next = inputs[i + delta];
      if (next) { next.focus(); next.select(); }
    }
    inputs.forEach(function (input, i) {
      input.addEventListener("keydown", function (ev) {
        if (ev.ctrlKey || ev.altKey || ev.metaKey) return;
        var quickOn = !quick || quick.checked || form.dataset.final === "1";
        if (ev.key === "ArrowDown") { ev.preventDefault(); move(i, 1); return; }
        if (ev.key === "ArrowUp") { ev.preventDefault(); move(i, -1); return; }
        if (ev.key === "Delete" || (ev.key === "Backspace" && quickOn)) {
          ev.preventDefault(); input.value = ""; showError(input, ""); updateForecast(input); return;
        }
        if (quickOn && ev.key.length === 1 && (/[0-9]/.test(ev.key) || (input.dataset.sop === "1" && SOP.test(ev.key)))) {
          ev.preventDefault();
          input.value = ev.key;
          var msg = checkValue(input, input.value);
          showError(input, msg);
          updateForecast(input);
          if (!msg) move(i, 1);
        }
      });
      input.addEventListener("input", function () {
        showError(input, checkValue(input, input.value));
        updateForecast(input);
      });
    });
    form.addEventListener("submit", function (ev) {
      var bad = inputs.filter(function (input) {
        var msg = checkValue(input, input.value);
        showError(input, msg);
        return !!msg;
      });
      if (bad.length) { ev.preventDefault(); bad[0].focus(); }
    });
    if (inputs.length && !form.querySelector(".invalid")) {
      var first = inputs.filter(function (x) { return !x.value; })[0] || inputs[0];
      if (form.dataset.final === "1") first.focus();
    } else if (form.querySelector("input.invalid")) {
      form.querySelector("input.invalid").focus();
    }
  }

  function setupRegister(form) {
    var rows = Array.prototype.slice.call(form.querySelectorAll("tr.register-row"));
    rows.forEach(function (row, i) {
      var absent = row.querySelector(".mark-absent");
      var late = row.querySelector(".mark-late");
      absent.addEventListener("change", function () { if (absent.checked) late.checked = false; });
      late.addEventListener("change", function () { if (late.checked) absent.checked = false; });
      row.addEventListener("keydown", function (ev) {
        if (ev.ctrlKey || ev.altKey || ev.metaKey) return;
        var key = ev.key.toLowerCase();
        function next(delta) {
          var target = rows[i + delta];
          if (target) target.querySelector(".mark-absent").focus();
        }
        if (key === "arrowdown") { ev.preventDefault(); next(1); }
        else if (key === "arrowup") { ev.preventDefault(); next(-1); }
        else if (key === "о" || key === "o" || key === "1") {
          ev.preventDefault(); absent.checked = true; late.checked = false; next(1);
        } else if (key === "з" || key === "z" || key === "2") {
          ev.preventDefault(); late.checked = true; absent.checked = false; next(1);
        } else if (key === "0" || key === "п") {
          ev.preventDefault(); absent.checked = false; late.checked = false; next(1);
        } else if (key === "enter") {
          ev.preventDefault(); form.requestSubmit ? form.requestSubmit() : form.submit();
        }
      });
    });
    if (rows.length) rows[0].querySelector(".mark-absent").focus();
  }

  Array.prototype.forEach.call(document.querySelectorAll("input[data-select-all]"), function (box) {
    box.addEventListener("change", function () {
      var group = box.closest("fieldset");
      Array.prototype.forEach.call(group.querySelectorAll("input[name=absence]"), function (c) {
        if (!c.disabled) c.checked = box.checked;
      });
    });
  });

  var grid = document.getElementById("grade-grid");
  if (grid) setupGrid(grid);
  var register = document.getElementById("lesson-register");
  if (register) setupRegister(register);
})();
