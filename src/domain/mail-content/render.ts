// What the builders need from a template engine, and nothing that reads a file: the templates
// are loaded by src/adapters/templates.

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export interface MailRenderer {
  /**
   * Renders `<name>-text.eta` and `<name>-html.eta` (wrapped in layout-html.eta). `lead`: a
   * warning put above the template's own text by the renderer, not by the template, so that a
   * template the office edited cannot drop it.
   */
  render(
    name: string,
    title: string,
    data: Record<string, unknown>,
    lead?: string,
  ): { text: string; html: string };
}

/** A subject line: one line, no control characters, so it can never start a new header. */
export function subjectLine(...parts: string[]): string {
  return parts
    .join("")
    .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, " ")
    .trim()
    .slice(0, 200);
}
