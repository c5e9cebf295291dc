/* The item page's 几何版本 table: "在地图上查看" draws that version (fetched from its GeoJSON URL) over the editor's
 * map in orange; "恢复此版本" asks before posting the revert form. Needs window.itemEditor (item-editor.js). */
(function () {
  "use strict";

  const VERSION_STYLE = {color: "#f08c00", weight: 3, dashArray: "2 6", fillOpacity: 0.1};

  function setup() {
    const note = document.getElementById("version-preview-note");
    let shown = null;

    document.querySelectorAll(".version-show").forEach((button) => {
      button.addEventListener("click", () => {
        const editor = window.itemEditor;
        if (!editor) return;
        fetch(button.dataset.url, {credentials: "same-origin"})
          .then((response) => response.json().then((body) => ({ok: response.ok, body: body})))
          .then(({ok, body}) => {
            if (!ok) { note.textContent = "无法载入该版本：" + body.message; return; }
            if (shown) editor.map.removeLayer(shown);
            shown = L.geoJSON(body, {style: VERSION_STYLE, pmIgnore: true, snapIgnore: true,
              pointToLayer: (f, ll) => L.circleMarker(ll, {radius: 6, color: VERSION_STYLE.color, pmIgnore: true, snapIgnore: true})}).addTo(editor.map);
            editor.map.fitBounds(shown.getBounds(), {maxZoom: 16, padding: [30, 30]});
            note.textContent = "地图上橙色虚线为第 " + body.properties.version + " 版（" + body.properties.provenance + "），蓝色为当前位置。";
            document.getElementById("editor-map").scrollIntoView({block: "nearest"});
          })
          .catch((error) => { note.textContent = "无法载入该版本：" + error.message; });
      });
    });

    document.querySelectorAll("form.version-restore").forEach((form) => {
      form.addEventListener("submit", (event) => {
        const which = form.dataset.version === "0" ? "规划基线" : "第 " + form.dataset.version + " 版";
        if (!window.confirm("确定恢复" + which + "？将以它生成新的当前版本，原有各版本仍保留。")) event.preventDefault();
      });
    });
    window.geometryVersions = {shown: () => shown};
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
