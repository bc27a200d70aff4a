// Registers the service worker (sw.js, written by crates/site at build
// time) so the site works offline after the first visit, and offers a new
// version when one is deployed: it installs in the background, and this
// says so and waits for the person to reload (an open page never mixes two
// versions' files; an image being read is never cut short).
//
// Marks for people and tests: <html data-offline="ready"> once this page is
// served by the worker (or will be after its first install), and the
// banner [data-testid="update-ready"] while a new version waits.
const sw = navigator.serviceWorker;

export async function start() {
  // Only where a browser allows it (https or localhost); elsewhere the site
  // simply needs the network, as any site does.
  if (!sw || !window.isSecureContext) return;
  // A development build (scripts/serve) registers nothing, and retires the
  // worker an earlier build left at this address.
  if (document.querySelector('meta[name="layerscope-offline"][content="off"]')) {
    const mine = new URL("sw.js", document.baseURI).href;
    const old = await sw.getRegistration();
    if (old && [old.active, old.waiting, old.installing].some((w) => w?.scriptURL === mine)) await old.unregister();
    return;
  }
  let registration;
  try {
    registration = await sw.register("sw.js", { updateViaCache: "none" });
  } catch (err) {
    console.warn("layerscope: offline use unavailable:", err);
    return;
  }
  const hadController = Boolean(sw.controller);
  sw.ready.then(() => {
    document.documentElement.dataset.offline = "ready";
    if (!hadController) note("layerscope is saved in this browser: it now opens without a network.");
  });

  let reloading = false;
  sw.addEventListener("controllerchange", () => {
    // Only when the person chose the new version (a first install's claim
    // changes the controller too, and must not reload anything).
    if (wanted && !reloading) {
      reloading = true;
      location.reload();
    }
  });
  const offer = (worker) => {
    if (!sw.controller) return; // the first install: nothing to replace
    banner(worker);
  };
  if (registration.waiting) offer(registration.waiting);
  registration.addEventListener("updatefound", () => {
    const worker = registration.installing;
    if (!worker) return;
    worker.addEventListener("statechange", () => {
      if (worker.state === "installed") offer(worker);
    });
  });
  // A page left open (a workshop, a docs tab) still hears of new versions.
  setInterval(() => registration.update().catch(() => {}), 60 * 60 * 1000);
}

let wanted = false;

function banner(worker) {
  if (document.querySelector('[data-testid="update-ready"]')) return;
  const box = document.createElement("div");
  box.className = "update-banner";
  box.setAttribute("role", "status");
  box.dataset.testid = "update-ready";
  const text = document.createElement("span");
  text.textContent = "A new version of layerscope is ready.";
  const reload = document.createElement("button");
  reload.type = "button";
  reload.className = "btn primary";
  reload.dataset.testid = "update-reload";
  reload.textContent = "Reload to update";
  reload.title = "Switch to the new version now (an open image must be opened again)";
  reload.addEventListener("click", () => {
    wanted = true;
    worker.postMessage("skip-waiting");
  });
  const later = document.createElement("button");
  later.type = "button";
  later.className = "btn ghost";
  later.textContent = "Later";
  later.title = "Keep this version; the new one starts when every layerscope tab is closed";
  later.addEventListener("click", () => box.remove());
  box.append(text, " ", reload, " ", later);
  document.body.append(box);
}

function note(message) {
  const p = document.createElement("p");
  p.className = "offline-note";
  p.setAttribute("role", "status");
  p.dataset.testid = "offline-ready";
  p.textContent = message;
  document.body.append(p);
  setTimeout(() => p.remove(), 8000);
}
