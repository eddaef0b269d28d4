(function () {
  "use strict";
  var root = document.documentElement;
  var tip = document.getElementById("tip");

  function showTip(pt, x, y) {
    var lines = (pt.getAttribute("data-tip") || "").split("\n");
    tip.textContent = "";
    var head = document.createElement("b");
    head.textContent = lines.shift() || "";
    tip.appendChild(head);
    tip.appendChild(document.createTextNode("\n" + lines.join("\n")));
    tip.hidden = false;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    var left = Math.min(x + 14, window.innerWidth - w - 8);
    var top = y + 14 + h > window.innerHeight ? y - h - 14 : y + 14;
    tip.style.left = Math.max(8, left) + "px";
    tip.style.top = Math.max(8, top) + "px";
  }
  function hideTip() { tip.hidden = true; }

  document.querySelectorAll("svg.chart .pt").forEach(function (pt) {
    pt.addEventListener("mousemove", function (e) { showTip(pt, e.clientX, e.clientY); });
    pt.addEventListener("mouseleave", hideTip);
    pt.addEventListener("focus", function () {
      var box = pt.getBoundingClientRect();
      pt.classList.add("active");
      showTip(pt, box.right, box.top);
    });
    pt.addEventListener("blur", function () { pt.classList.remove("active"); hideTip(); });
    pt.addEventListener("keydown", function (e) {
      if (e.key === "Enter") {
        var target = document.getElementById("svc-" + pt.getAttribute("data-service").replace(/[^A-Za-z0-9_-]/g, "-"));
        if (target) { target.scrollIntoView(); }
      }
      if (e.key === "Escape") { hideTip(); }
    });
  });

  var stored = null;
  try { stored = window.localStorage.getItem("archcheck-theme"); } catch (err) { stored = null; }
  if (stored === "light" || stored === "dark") { root.setAttribute("data-theme", stored); }
  document.getElementById("theme").addEventListener("click", function () {
    var dark = root.getAttribute("data-theme") === "dark" ||
      (!root.hasAttribute("data-theme") && window.matchMedia("(prefers-color-scheme: dark)").matches);
    var next = dark ? "light" : "dark";
    root.setAttribute("data-theme", next);
    try { window.localStorage.setItem("archcheck-theme", next); } catch (err) { /* file:// without storage */ }
  });
  document.getElementById("print").addEventListener("click", function () { window.print(); });
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.setAttribute("open", ""); });
  });

  var filter = document.getElementById("filter");
  filter.addEventListener("input", function () {
    var q = filter.value.trim().toLowerCase();
    document.querySelectorAll("[data-service]").forEach(function (el) {
      var hit = !q || el.getAttribute("data-service").toLowerCase().indexOf(q) >= 0;
      if (el.classList.contains("pt")) { el.classList.toggle("hidden", !hit); } else { el.hidden = !hit; }
    });
  });
})();
