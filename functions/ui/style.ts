/** The page's stylesheet: light and dark (prefers-color-scheme), narrow screens. A string, so every entry serves it without reading files. */
export const UI_STYLE = String.raw`:root { color-scheme: light dark; --bg: #fff; --fg: #1d1f23; --muted: #6a6f78; --line: #e3e5e8; --code: #f5f6f8;
  --ok: #1a7f37; --bad: #c62828; --warn: #9a6700; --run: #0969da; --err-bg: #fdecea; --stderr: #b3261e; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0f1115; --fg: #e6e8eb; --muted: #9198a1; --line: #2b3038; --code: #161a20;
    --ok: #3fb950; --bad: #f85149; --warn: #d29922; --run: #58a6ff; --err-bg: #3b1618; --stderr: #ff9a92; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
a { color: var(--run); text-decoration: none; } a:hover { text-decoration: underline; }
main { padding: 1rem; max-width: 72rem; margin: 0 auto; }
.top { display: flex; align-items: center; gap: .75rem; padding: .6rem 1rem; border-bottom: 1px solid var(--line); }
.brand { font-weight: 700; color: var(--fg); letter-spacing: .02em; } .spacer { flex: 1; }
button { font: inherit; padding: .3rem .8rem; border-radius: 6px; border: 1px solid var(--line); background: var(--code); color: var(--fg); cursor: pointer; }
button.link { border: 0; background: none; color: var(--run); padding: 0; }
input, select { font: inherit; padding: .3rem .5rem; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); }
.token { padding: .6rem 1rem; border-bottom: 1px solid var(--line); background: var(--code); }
h1 { font-size: 1.35rem; margin: .3rem 0 .8rem; } h2 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
.muted { color: var(--muted); }
.filters { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin-bottom: .8rem; }
table.runs { width: 100%; border-collapse: collapse; }
.runs th, .runs td { text-align: left; padding: .45rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
.runs th { font-weight: 600; color: var(--muted); font-size: .85rem; }
.subject { color: var(--muted); }
.badge { display: inline-block; min-width: 5.2rem; text-align: center; padding: .05rem .45rem; border-radius: 999px; font-size: .8rem; font-weight: 600; border: 1px solid currentColor; white-space: nowrap; }
.s-succeeded { color: var(--ok); } .s-failed, .s-errored, .s-timed-out { color: var(--bad); }
.s-cancelled, .s-superseded, .s-orphaned, .s-skipped { color: var(--warn); }
.s-running, .s-queued, .s-waiting { color: var(--run); } .s-running::before { content: "\25CF  "; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0 0 .8rem; }
.facts dt { color: var(--muted); } .facts dd { margin: 0; overflow-wrap: anywhere; }
.error-box { background: var(--err-bg); border: 1px solid var(--bad); border-radius: 6px; padding: .6rem .8rem; white-space: pre-wrap; overflow-wrap: anywhere; font: 13px/1.4 ui-monospace, monospace; }
.jobs { padding-left: 1.4rem; } .jobs li { margin: .2rem 0; } .reason { color: var(--muted); } .error-text { color: var(--bad); }
.sh { margin: .5rem 0 1rem; border: 1px solid var(--line); border-radius: 6px; overflow: hidden; }
.sh-head { display: flex; flex-wrap: wrap; gap: .3rem 1rem; align-items: baseline; padding: .35rem .6rem; background: var(--code); border-bottom: 1px solid var(--line); font-size: .9rem; }
.sh-head .cmd { flex: 1 1 20rem; overflow-wrap: anywhere; font-weight: 600; }
.sh-head.failed .exit { color: var(--bad); font-weight: 700; }
.lines { font: 12.5px/1.5 ui-monospace, SFMono-Regular, Menlo, monospace; overflow-x: auto; }
.l { display: flex; white-space: pre-wrap; overflow-wrap: anywhere; } .l:target { background: rgba(255, 200, 0, .25); }
.ln { flex: 0 0 3.5rem; text-align: right; padding-right: .8rem; color: var(--muted); user-select: none; }
.tx { flex: 1; min-width: 0; } .stderr .tx { color: var(--stderr); } .stderr .ln { border-right: 2px solid var(--stderr); }
.msg { margin: .3rem 0; padding: .3rem .6rem; border-left: 3px solid var(--run); font: 13px/1.4 ui-monospace, monospace; }
.actions { display: flex; gap: .5rem; align-items: center; }
@media (max-width: 640px) {
  main { padding: .6rem; }
  .runs thead { display: none; } .runs tr { display: block; padding: .5rem 0; border-bottom: 1px solid var(--line); }
  .runs td { display: inline-block; border: 0; padding: .1rem .4rem .1rem 0; }
  .ln { flex-basis: 2.5rem; padding-right: .4rem; }
}
`;
