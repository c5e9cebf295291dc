/* The 任务清单 table: click a header to sort (again to reverse); filter by search text, district, category, status
 * colour and 销号 state (全部 / 未销号 / 已销号). Exposes window.corridorTable.visibleIds() for the browser tests. */
(function () {
  "use strict";

  function init() {
    const table = document.getElementById("task-table");
    if (!table) return;
    const body = table.tBodies[0];
    const rows = Array.from(body.rows);
    const inputs = {
      text: document.getElementById("table-search"),
      district: document.getElementById("table-district"),
      category: document.getElementById("table-category"),
      status: document.getElementById("table-status"),
      closed: document.getElementById("table-closed"),
    };
    const countLabel = document.getElementById("table-count");

    function apply() {
      const text = inputs.text.value.trim().toLowerCase();
      let shown = 0;
      rows.forEach((row) => {
        const visible = (!text || row.textContent.toLowerCase().includes(text)) &&
          (!inputs.district.value || row.dataset.districts.split("|").includes(inputs.district.value)) &&
          (!inputs.category.value || row.dataset.group === inputs.category.value) &&
          (!inputs.status.value || row.dataset.status === inputs.status.value) &&
          (!inputs.closed.value || row.dataset.closed === inputs.closed.value);
        row.hidden = !visible;
        shown += visible ? 1 : 0;
      });
      countLabel.textContent = "显示 " + shown + " / " + rows.length + " 项";
    }

    function sortBy(th) {
      const index = Array.from(th.parentNode.children).indexOf(th);
      const ascending = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th[data-sort]").forEach((h) => h.removeAttribute("aria-sort"));
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const key = (row) => row.cells[index].textContent.trim();
      rows.sort((a, b) => key(a).localeCompare(key(b), "zh-CN", {numeric: true}) * (ascending ? 1 : -1));
      rows.forEach((row) => body.appendChild(row));
    }

    table.querySelectorAll("th[data-sort]").forEach((th) => th.addEventListener("click", () => sortBy(th)));
    Object.values(inputs).forEach((input) => input.addEventListener("input", apply));
    apply();
    window.corridorTable = {visibleIds: () => rows.filter((r) => !r.hidden).map((r) => r.dataset.id), sortBy: sortBy};
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
