/**
 * The one HTML escaper. Every page is built with the `html` tag, which escapes each interpolated
 * value unless it is already `SafeHtml` (the output of another `html` call). Values on the
 * dashboard come from CI logs, commit messages and forge payloads: anything not escaped here is a
 * stored-XSS hole, so there is no other way to put text into a page.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};

/** Escapes text for element content and for quoted attribute values alike. */
export function escapeHtml(value: unknown): string {
  const text = value === null || value === undefined ? "" : String(value);
  // Lone surrogates and C0 controls (except tab, LF, CR) are not valid in HTML; a log can hold them.
  return text
    .replace(/[&<>"'`]/g, (c) => ESCAPES[c] as string)
    .replace(
      /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
      "\uFFFD",
    );
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | ReadonlyArray<HtmlValue>;

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join("");
  // false/null/undefined render as nothing, so `${cond && html`…`}` reads naturally.
  if (value === false || value === null || value === undefined) return "";
  return escapeHtml(value);
}

/** `html\`<td>${hostile}</td>\`` escapes `hostile`; nested `html` results and arrays of them pass through. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? "";
  for (let i = 0; i < values.length; i++) out += render(values[i] as HtmlValue) + (strings[i + 1] ?? "");
  return new SafeHtml(out);
}

/** Markup this module's own code produced (never data): the only escape hatch, kept greppable. */
export function trustedHtml(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/**
 * A link target from forge data, or null when it is not plain http(s): a `javascript:` or
 * `data:` URL in a job link would run in the dashboard's origin when clicked.
 */
export function safeHref(url: unknown): string | null {
  if (typeof url !== "string" || url.length > 4096) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.toString() : null;
  } catch {
    // Not a URL: shown without a link.
    return null;
  }
}

/** An external link (opened without a referrer or opener), or the plain text when the URL is not safe. */
export function externalLink(url: unknown, text: HtmlValue): SafeHtml {
  const href = safeHref(url);
  return href ? html`<a href="${href}" rel="noopener noreferrer" target="_blank">${text}</a>` : html`${text}`;
}
