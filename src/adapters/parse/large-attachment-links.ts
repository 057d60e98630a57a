import type { ParsedFile } from "../../domain/types.ts";
import { safeFileName } from "./file-names.ts";
import { decodeEntities } from "./html-text.ts";

/**
 * Webmail "超大附件" (huge attachment) download links: NetEase 163/126/yeah and QQ mail put the
 * file on their server and a link in the body. Such a link is a submitted file.
 */
const LINK_HOSTS: RegExp[] = [
  /^https?:\/\/(mail|dashi)\.(163|126)\.com\/large-attachment-download\//i,
  /^https?:\/\/mail\.yeah\.net\/large-attachment-download\//i,
  /^https?:\/\/fs\.(163|126)\.com\/fs\/display\//i,
  /^https?:\/\/(dl\.mail|mail|wx\.mail|exmail)\.qq\.com\/cgi-bin\/ftnExs_download/i,
  /^https?:\/\/(dl\.mail|mail|wx\.mail)\.qq\.com\/ftn\//i,
  /^https?:\/\/[a-z0-9.-]*\.ftn\.qq\.com\//i,
];

const FILE_NAME =
  /([^\s<>"'|:*?\\/()（）,，:：]+\.(?:pdf|docx?|wps|odt|rtf|jpe?g|png|tiff?|bmp|heic|zip|rar|7z|xlsx?|et))(?![a-z0-9])/gi;

const PLACEHOLDER = "超大附件";
const MAX_SCAN_CHARS = 2 * 1024 * 1024;

export function isLargeAttachmentUrl(url: string): boolean {
  return LINK_HOSTS.some((re) => re.test(url));
}

export function findLargeAttachmentLinks(html: string | null, text: string): ParsedFile[] {
  // Bounded: the links sit in the visible body, and regexes over megabytes of hostile HTML are slow.
  const flat = html
    ? flattenHtml(html.slice(0, MAX_SCAN_CHARS))
    : noTokenChars(text.slice(0, MAX_SCAN_CHARS));
  const found = new Map<string, ParsedFile>();
  const linkRe = /\u0001([^\u0002]*)\u0002([^\u0003]*)\u0003|(https?:\/\/[^\s<>"'\])）\u0001]+)/g;
  for (const m of flat.matchAll(linkRe)) {
    const url = (m[1] ?? m[3] ?? "").trim();
    if (!isLargeAttachmentUrl(url)) continue;
    // The name is the link's own text (QQ, newer 163) or the last file name written before it.
    const before = textSincePreviousLink(flat.slice(Math.max(0, (m.index ?? 0) - 300), m.index ?? 0));
    const name = lastFileName(m[2] ?? "") ?? lastFileName(before);
    const known = found.get(url);
    if (known) {
      // The same file often has two links (its name, then "下载"): keep the one that names it.
      if (known.originalName === PLACEHOLDER && name) Object.assign(known, names(name));
      continue;
    }
    found.set(url, {
      ...names(name ?? PLACEHOLDER),
      contentHash: null,
      size: 0,
      detectedType: "text/uri-list",
      kind: "link",
      linkUrl: url,
      note: "超大附件下载链接，文件未随邮件送达，需下载后查看",
    });
  }
  return [...found.values()];
}

function lastFileName(s: string): string | undefined {
  const all = [...s.matchAll(FILE_NAME)].map((n) => n[1] ?? "");
  return all[all.length - 1] || undefined;
}

function names(name: string): { originalName: string; safeName: string } {
  return { originalName: name, safeName: safeFileName(name, PLACEHOLDER) };
}

/**
 * Tags out; anchors become U+0001 url U+0002 link text U+0003 tokens so each link's context can be read.
 * A linear scan with indexOf: regexes over unclosed tags in hostile HTML backtrack for minutes.
 */
function flattenHtml(html: string): string {
  html = noTokenChars(html);
  const lower = html.toLowerCase();
  let out = "";
  let pos = 0;
  while (pos < html.length) {
    const open = lower.indexOf("<a", pos);
    if (open < 0) break;
    const tagEnd = lower.indexOf(">", open);
    if (tagEnd < 0) break;
    out += html.slice(pos, open);
    const tag = html.slice(open, Math.min(tagEnd, open + 4000));
    const href = /^<a\s/i.test(tag) ? tag.match(/\shref\s*=\s*["']?([^"'\s>]+)/i)?.[1] : undefined;
    if (!href) {
      out += " ";
      pos = tagEnd + 1;
      continue;
    }
    const close = lower.indexOf("</a", tagEnd);
    const innerEnd = close >= 0 && close - tagEnd <= 2000 ? close : tagEnd + 1;
    const inner = html
      .slice(tagEnd + 1, innerEnd)
      .replace(/<[^>]*>/g, " ")
      .replace(/[\]|[]/g, " ");
    out += ` \u0001${href.replace(/&amp;/g, "&").replace(/\s/g, "")}\u0002${inner}\u0003 `;
    pos = innerEnd === close ? Math.max(innerEnd + 1, lower.indexOf(">", close) + 1) : innerEnd;
  }
  out += html.slice(pos);
  return decodeEntities(stripTags(out));
}

/** Tags to spaces, linear: the link tokens have no angle brackets. */
function stripTags(s: string): string {
  let out = "";
  let pos = 0;
  while (pos < s.length) {
    const lt = s.indexOf("<", pos);
    if (lt < 0) break;
    const gt = s.indexOf(">", lt);
    if (gt < 0) break;
    out += `${s.slice(pos, lt)} `;
    pos = gt + 1;
  }
  return out + s.slice(pos);
}

/** The link tokens are delimited by control characters, so the input must hold none of them. */
function noTokenChars(s: string): string {
  return s.replace(/[\u0001-\u0003]/g, " ");
}

function textSincePreviousLink(s: string): string {
  const parts = s.split(/\u0001[^\u0003]*\u0003|https?:\/\/\S+/);
  return parts[parts.length - 1] ?? "";
}
