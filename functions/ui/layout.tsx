import { raw } from "hono/html";
import type { Child } from "hono/jsx";

export interface PageFrame {
  title: string;
  /** Relative path from this page to the app's root: `./`, `../`. Every URL on the page starts with it. */
  root: string;
  page: "list" | "run" | "not-found" | "token";
  readAuth: "public" | "token";
  children?: Child;
}

/** The frame every page shares: no absolute URL anywhere, so any proxy prefix works. */
export function Layout(props: PageFrame) {
  return (
    <>
      {raw("<!doctype html>")}
      <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{props.title}</title>
        <link rel="stylesheet" href={`${props.root}ui/app.css`} />
        <script type="module" src={`${props.root}ui/app.js`}></script>
      </head>
      <body data-root={props.root} data-page={props.page} data-read-auth={props.readAuth}>
        <header class="top">
          <a class="brand" href={props.root}>
            quire
          </a>
          <span class="spacer"></span>
          <button type="button" id="token-button" class="link" hidden>
            admin token
          </button>
        </header>
        <form id="token-form" class="token" hidden>
          <label>
            Admin token (<code>&lt;home&gt;/hook.token</code>), kept for this tab only{" "}
            <input type="password" name="token" autocomplete="off" required />
          </label>
          <button type="submit">Use it</button> <button type="button" id="token-forget">Forget</button>
        </form>
        <main>{props.children}</main>
      </body>
      </html>
    </>
  );
}

export function Badge(props: { label: string }) {
  return <span class={`badge s-${props.label.replace(/[^a-z-]/g, "")}`}>{props.label}</span>;
}

export function Time(props: { iso: string | null | undefined; label: string }) {
  if (!props.iso) return <span class="muted">–</span>;
  return (
    <time datetime={props.iso} title={props.iso} class="rel">
      {props.label}
    </time>
  );
}
