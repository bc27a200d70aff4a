// The docs' one script: the page's theme and presentation mode (the same
// localStorage keys as src/browser.rs), so a workshop's text and the page it
// links to look alike on a projector, and the switch for presentation mode.
const root = document.documentElement;
const store = (() => {
  try {
    return window.localStorage;
  } catch {
    return null; // storage refused: the switch still works for this page
  }
})();
const theme = store?.getItem("layerscope-theme");
if (theme === "dark" || theme === "light") root.dataset.theme = theme;
const apply = (on) => {
  root.classList.toggle("present", on);
  button.setAttribute("aria-pressed", String(on));
};
const button = document.getElementById("present-toggle");
apply(store?.getItem("layerscope-present") === "on");
button.hidden = false;
button.addEventListener("click", () => {
  const on = !root.classList.contains("present");
  if (on) store?.setItem("layerscope-present", "on");
  else store?.removeItem("layerscope-present");
  apply(on);
});
