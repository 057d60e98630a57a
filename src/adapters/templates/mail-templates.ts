import { isAbsolute, join, resolve } from "node:path";
import { Eta } from "eta";
import type { Config } from "../../config/schema.ts";
import type { MailRenderer } from "../../domain/mail-content/render.ts";
import { packageRoot } from "../../package-root.ts";

// Mail bodies come from eta templates in the folder config.templatesDir names (default
// config/templates), which the office may edit. Reading them is I/O, so it lives here; the
// domain's builders get a MailRenderer and never touch the disk. The HTML instance escapes every
// value (unit names, file names, contacts come from strangers' mail); the text instance must
// not, or plain-text parts would show &lt; entities.

export const defaultTemplatesDir = join(packageRoot, "config/templates");

/** The templates folder: an absolute path as given, a relative one inside the report-inbox folder. */
export function templatesDirOf(config: Pick<Config, "templatesDir">): string {
  const dir = config.templatesDir || "config/templates";
  return isAbsolute(dir) ? dir : resolve(packageRoot, dir);
}

export function createMailRenderer(templatesDir = defaultTemplatesDir): MailRenderer {
  const html = new Eta({ views: templatesDir, autoEscape: true, cache: true });
  // No trimming in plain text: a line that ends in a tag must keep its line break.
  const text = new Eta({ views: templatesDir, autoEscape: false, autoTrim: false, cache: true });
  return {
    render(name, title, data, lead) {
      const body = html.render(`./${name}-html`, data);
      const plain = text.render(`./${name}-text`, data).replace(/\n{3,}/g, "\n\n");
      return {
        text: lead ? `${lead}\n\n${plain}` : plain,
        html: html.render("./layout-html", { ...data, title, body: lead ? leadHtml(lead) + body : body }),
      };
    },
  };
}

/** The lead as a red, bold paragraph; escaped here, since layout-html puts the body in raw. */
function leadHtml(lead: string): string {
  const escaped = lead.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
  return `<p style="color:#b00020;font-weight:bold;border:1px solid #b00020;padding:8px">${escaped}</p>\n`;
}

const renderers = new Map<string, MailRenderer>();

/** The renderer of the configured folder, made once per folder (eta caches the parsed files). */
export function mailRendererFor(config: Pick<Config, "templatesDir">): MailRenderer {
  const dir = templatesDirOf(config);
  let r = renderers.get(dir);
  if (!r) {
    r = createMailRenderer(dir);
    renderers.set(dir, r);
  }
  return r;
}
