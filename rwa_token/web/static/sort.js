// Click a heading of a `table.sortable` to sort its rows by that column (again to reverse). Cells sort by their
// data-sort value when they have one (exact base units), else as numbers when both look like numbers, else as text.
(function () {
  "use strict";
  function key(cell) {
    var raw = cell.getAttribute("data-sort");
    var text = (raw !== null ? raw : cell.textContent).trim();
    var n = text.replace(/,/g, "");
    return /^-?\d+(\.\d+)?$/.test(n) ? { num: true, v: parseFloat(n), t: text } : { num: false, v: text, t: text };
  }
  function compare(a, b) {
    if (a.num && b.num) { return a.v - b.v; }
    return a.t.localeCompare(b.t);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table.sortable").forEach(function (table) {
      table.querySelectorAll("thead th").forEach(function (th, col) {
        th.addEventListener("click", function () {
          var asc = !th.classList.contains("asc");
          table.querySelectorAll("thead th").forEach(function (h) { h.classList.remove("asc", "desc"); });
          th.classList.add(asc ? "asc" : "desc");
          var body = table.tBodies[0];
          var rows = Array.prototype.slice.call(body.rows);
          rows.sort(function (r1, r2) {
            var c = compare(key(r1.cells[col]), key(r2.cells[col]));
            return asc ? c : -c;
          });
          rows.forEach(function (r) { body.appendChild(r); });
        });
      });
    });
  });
})();
