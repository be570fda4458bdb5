/**
 * The page's script, plain browser JavaScript served as is (no build step). A string so
 * every entry serves it without reading files; it has no backquotes (this is a template literal).
 */
export const UI_SCRIPT = String.raw`// quire's page script: live updates, the admin token, cancel and retry. Every URL is
// relative to data-root, so the page works under any proxy prefix.
const body = document.body;
const root = body.dataset.root || "./";
const TOKEN_KEY = "quire.token";
const token = () => sessionStorage.getItem(TOKEN_KEY) || "";
const headers = () => (token() ? { "X-Quire-Token": token() } : {});
const $ = (selector, from) => (from || document).querySelector(selector);

// The admin token: typed once, kept in this tab's sessionStorage, sent as a header.
// With auth.read: token the same value also goes in a same-site cookie, so plain
// page loads and EventSource (which cannot send headers) can read.
const tokenForm = $("#token-form");
const tokenButton = $("#token-button");
const cookiePath = new URL(root, location.href).pathname;
function setCookie(value) {
  if (body.dataset.readAuth !== "token") return;
  const secure = location.protocol === "https:" ? "; Secure" : "";
  document.cookie = "quire_token=" + encodeURIComponent(value) + "; Path=" + cookiePath + "; SameSite=Strict" + secure + (value ? "" : "; Max-Age=0");
}
function askToken() {
  tokenForm.hidden = false;
  tokenForm.querySelector("input").focus();
}
tokenButton.hidden = false;
tokenButton.textContent = token() ? "admin token \u2713" : "admin token";
tokenButton.addEventListener("click", askToken);
tokenForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const value = tokenForm.querySelector("input").value.trim();
  sessionStorage.setItem(TOKEN_KEY, value);
  setCookie(value);
  tokenForm.hidden = true;
  tokenForm.querySelector("input").value = "";
  tokenButton.textContent = "admin token \u2713";
  if (body.dataset.page === "token") location.reload();
});
$("#token-forget").addEventListener("click", () => {
  sessionStorage.removeItem(TOKEN_KEY);
  setCookie("");
  tokenForm.hidden = true;
  tokenButton.textContent = "admin token";
});
if (body.dataset.page === "token") askToken();

async function fetchPage(url) {
  const response = await fetch(url, { headers: headers(), cache: "no-store" });
  if (!response.ok && response.status !== 404) throw new Error("HTTP " + response.status);
  return new DOMParser().parseFromString(await response.text(), "text/html");
}
function swap(doc, selector) {
  const fresh = $(selector, doc);
  const old = $(selector);
  if (fresh && old) old.replaceWith(fresh);
}

// Relative times stay current without a reload.
function ago(iso) {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 60) return s + " s ago";
  if (s < 3600) return Math.floor(s / 60) + " min ago";
  if (s < 86400) return Math.floor(s / 3600) + " h ago";
  return Math.floor(s / 86400) + " d ago";
}
setInterval(() => {
  for (const el of document.querySelectorAll("time.rel")) el.textContent = ago(el.getAttribute("datetime"));
}, 5000);

// The runs list: the same page fetched again and its table swapped in.
if (body.dataset.page === "list") {
  const refresh = async () => {
    try {
      swap(await fetchPage(location.href), "#runs");
    } catch (error) {
      // A failed refresh keeps what is shown; the next one tries again.
    }
  };
  setInterval(refresh, 2000);
}

if (body.dataset.page === "run") {
  const run = $("#run");
  const runId = run.dataset.run;
  const pageUrl = root + "run/" + runId;
  const slug = (job) => encodeURIComponent(job).replace(/[%'()*!~.]/g, "_");

  // Follow the end of the output until the reader scrolls up; back at the bottom, follow again.
  let follow = true;
  const atBottom = () => window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 40;
  window.addEventListener("scroll", () => {
    follow = atBottom();
  }, { passive: true });
  // A line link, opened or clicked, holds the view on that line. The scroll event comes a frame
  // late, too late to stop a line that arrives meanwhile from pulling the view to the end.
  if (location.hash) follow = false;
  window.addEventListener("hashchange", () => {
    follow = false;
  });

  // Header, job list, sh headers (command, exit code), reasons and log() messages come
  // from the page itself, fetched again; log lines are only ever appended from the stream.
  const refreshHeader = async (all) => {
    try {
      const doc = await fetchPage(pageUrl);
      swap(doc, "#run-header");
      swap(doc, "#jobs");
      bindActions();
      if (!all) return;
      for (const head of doc.querySelectorAll(".sh-head")) {
        const old = document.getElementById(head.id);
        if (old) old.replaceWith(head);
      }
      for (const section of doc.querySelectorAll("section.job")) {
        const old = document.getElementById(section.id);
        if (!old) {
          $("#logs").append(section);
          continue;
        }
        old.querySelector("h2").replaceWith(section.querySelector("h2"));
        for (const gone of old.querySelectorAll(":scope > .reason, :scope > .msg")) gone.remove();
        const reason = section.querySelector(":scope > .reason");
        if (reason) old.querySelector("h2").after(reason);
        for (const msg of section.querySelectorAll(":scope > .msg")) {
          const before = msg.previousElementSibling;
          const anchor = before && before.id ? document.getElementById(before.id) : null;
          if (anchor && anchor.parentElement === old) anchor.after(msg);
          else old.append(msg);
        }
      }
    } catch (error) {
      // Keep the page as it is; the stream goes on.
    }
  };

  function sectionFor(job, n) {
    const id = "sh-" + slug(job) + "-" + n;
    let sh = document.getElementById(id);
    if (sh) return sh.querySelector(".lines");
    let section = document.getElementById("job-" + slug(job));
    if (!section) {
      section = document.createElement("section");
      section.className = "job";
      section.id = "job-" + slug(job);
      const h2 = document.createElement("h2");
      h2.textContent = job;
      section.append(h2);
      $("#logs").append(section);
    }
    sh = document.createElement("div");
    sh.className = "sh";
    sh.id = id;
    const head = document.createElement("div");
    head.className = "sh-head";
    head.id = "head-" + slug(job) + "-" + n;
    const cmd = document.createElement("code");
    cmd.className = "cmd";
    cmd.textContent = "$ sh call " + n;
    head.append(cmd);
    const lines = document.createElement("div");
    lines.className = "lines";
    sh.append(head, lines);
    section.append(sh);
    return lines;
  }

  if (run.dataset.live === "yes" && window.EventSource) {
    const note = $("#follow-note");
    note.hidden = false;
    const source = new EventSource(run.dataset.events + "?from=" + encodeURIComponent(run.dataset.from));
    let pending;
    source.addEventListener("state", () => {
      clearTimeout(pending);
      pending = setTimeout(() => refreshHeader(false), 150);
    });
    source.addEventListener("log", (event) => {
      const line = JSON.parse(event.data);
      const stick = follow;
      const lines = sectionFor(line.job, line.n);
      const id = "L-" + slug(line.job) + "-" + line.n + "-" + line.no;
      if (document.getElementById(id)) return;
      const row = document.createElement("div");
      row.className = line.stream === "stderr" ? "l stderr" : "l";
      row.id = id;
      const number = document.createElement("a");
      number.className = "ln";
      number.href = "#" + id;
      number.textContent = String(line.no);
      const text = document.createElement("span");
      text.className = "tx";
      // Escaped by the server (ANSI colours as spans, nothing else).
      text.innerHTML = line.html;
      row.append(number, text);
      lines.append(row);
      if (stick) window.scrollTo(0, document.documentElement.scrollHeight);
    });
    const ticking = setInterval(() => refreshHeader(true), 3000);
    source.addEventListener("end", () => {
      clearInterval(ticking);
      source.close();
      note.hidden = true;
      run.dataset.live = "no";
      refreshHeader(true);
    });
  }

  function bindActions() {
    for (const button of document.querySelectorAll("button[data-action]")) {
      if (button.dataset.action === "retry") button.hidden = false;
      button.onclick = () => act(button.dataset.action);
    }
  }
  async function act(verb) {
    // X-Quire-Request marks a write this page made: another site cannot send it (CSRF).
    const response = await fetch(root + "runs/" + encodeURIComponent(runId) + "/" + verb, {
      method: "POST",
      headers: { ...headers(), "X-Quire-Request": "page" },
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      $("#action-result").textContent = (answer.error && answer.error.message) || "HTTP " + response.status;
      if (response.status === 401) askToken();
      return;
    }
    if (verb === "retry") location.href = root + "run/" + answer.run.run_id;
    else {
      $("#action-result").textContent = answer.stopping ? "Stopping\u2026" : "Cancelled.";
      setTimeout(() => refreshHeader(false), 300);
    }
  }
  bindActions();
}
`;
