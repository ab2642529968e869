import { html, type SafeHtml } from "../html.js";
import { layout } from "./page-layout.js";

/** The token form. `next` is already checked to be a dashboard path (safeNextPath). */
export function loginPage(options: { next: string; error?: string }): SafeHtml {
  return layout(
    { title: "Log in", loggedIn: false },
    html`<section class="login panel">
      <h1>Sentinel dashboard</h1>
      <form method="post" action="/dashboard/login">
        <label for="token">Dashboard token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required autofocus />
        <input type="hidden" name="next" value="${options.next}" />
        ${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ""}
        <button type="submit">Log in</button>
      </form>
      <p class="muted">The token is the server's SENTINEL_DASHBOARD_TOKEN. The dashboard is read-only.</p>
    </section>`,
  );
}
