import { join } from "node:path";
import { Eta } from "eta";
import { packageRoot } from "../../package-root.ts";

// Mail bodies come from eta templates under config/templates, which the office may edit. The
// HTML instance escapes every value (unit names, file names, contacts come from strangers'
// mail); the text instance must not, or plain-text parts would show &lt; entities.

export const defaultTemplatesDir = join(packageRoot, "config/templates");

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export interface MailRenderer {
  /** Renders `<name>-text.eta` and `<name>-html.eta` (wrapped in layout-html.eta). */
  render(name: string, title: string, data: Record<string, unknown>): { text: string; html: string };
}

export function createMailRenderer(templatesDir = defaultTemplatesDir): MailRenderer {
  const html = new Eta({ views: templatesDir, autoEscape: true, cache: true });
  // No trimming in plain text: a line that ends in a tag must keep its line break.
  const text = new Eta({ views: templatesDir, autoEscape: false, autoTrim: false, cache: true });
  return {
    render(name, title, data) {
      const body = html.render(`./${name}-html`, data);
      return {
        text: text.render(`./${name}-text`, data).replace(/\n{3,}/g, "\n\n"),
        html: html.render("./layout-html", { ...data, title, body }),
      };
    },
  };
}

/** A subject line: one line, no control characters, so it can never start a new header. */
export function subjectLine(...parts: string[]): string {
  return parts
    .join("")
    .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, " ")
    .trim()
    .slice(0, 200);
}
