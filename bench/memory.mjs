// Resident memory of the Chromium processes a benchmark script started
// (bench/browser.mjs, bench/browser-compare.mjs): see sampleMemory.
import fs from "node:fs";

// The page's memory while it reads: resident memory (/proc/PID/statm) of the
// Chromium processes this script started, sampled every 50 ms: the renderers
// (the page; its workers are threads of it) and all of them (the browser
// process, which reads the file for the page, included). The processes are
// found once, before the drop (cheap to sample: this competes for the same
// two cores).
function chromiumProcesses() {
  const parent = new Map();
  const renderers = new Set();
  for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      parent.set(pid, /^PPid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
      if (fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("--type=renderer")) renderers.add(pid);
    } catch {} // gone meanwhile
  }
  const me = String(process.pid);
  const ours = (pid) => {
    for (let p = parent.get(pid), n = 0; p && n < 16; p = parent.get(p), n++) if (p === me) return true;
    return false;
  };
  const pids = [...parent.keys()].filter(ours);
  return { all: pids, renderers: pids.filter((p) => renderers.has(p)) };
}

export function sampleMemory() {
  const procs = chromiumProcesses();
  const resident = (pids) => {
    let bytes = 0;
    for (const pid of pids) {
      try {
        bytes += Number(fs.readFileSync(`/proc/${pid}/statm`, "utf8").split(" ")[1]) * 4096;
      } catch {} // gone
    }
    return bytes;
  };
  const now = () => ({ renderer: resident(procs.renderers), all: resident(procs.all) });
  const before = now();
  const peak = { ...before };
  const timer = setInterval(() => {
    const m = now();
    peak.renderer = Math.max(peak.renderer, m.renderer);
    peak.all = Math.max(peak.all, m.all);
  }, 50);
  return () => (clearInterval(timer), { before, peak });
}

