// The dark-mode toggle: a real button whose state is remembered across pages and reloads.
(function () {
  var root = document.documentElement;
  var button = document.querySelector("[data-theme-toggle]");
  if (!button) return;
  function show(theme) {
    var dark = theme === "dark";
    button.setAttribute("aria-pressed", dark ? "true" : "false");
    button.textContent = "Dark mode";
  }
  show(root.getAttribute("data-theme"));
  button.addEventListener("click", function () {
    var next = root.getAttribute("data-theme") === "dark" ? "light" : "dark";
    root.setAttribute("data-theme", next);
    try { localStorage.setItem("newsgen-theme", next); } catch (e) {}
    show(next);
  });
})();
