import type { ParsedFile } from "../../domain/types.ts";
import { safeFileName } from "./file-names.ts";
import { decodeEntities } from "./html-text.ts";

/**
 * Webmail "超大附件" (huge attachment) download links: NetEase 163/126/yeah and QQ mail put the
 * file on their server and a link in the body. Such a link is a submitted file.
 */
const LINK_HOSTS: RegExp[] = [
  /^https?:\/\/(mail|dashi)\.(163|126|yeah)\.net?\/large-attachment-download\//i,
  /^https?:\/\/mail\.(163|126)\.com\/large-attachment-download\//i,
  /^https?:\/\/fs\.(163|126)\.com\/fs\/display\//i,
  /^https?:\/\/(dl\.mail|mail|wx\.mail|exmail)\.qq\.com\/cgi-bin\/ftnExs_download/i,
  /^https?:\/\/(dl\.mail|mail|wx\.mail)\.qq\.com\/ftn\//i,
  /^https?:\/\/[a-z0-9.-]*\.ftn\.qq\.com\//i,
];

const FILE_NAME =
  /([^\s<>"'|:*?\\/()（）,，:：]+\.(?:pdf|docx?|wps|odt|rtf|jpe?g|png|tiff?|bmp|heic|zip|rar|7z|xlsx?|et))(?![a-z0-9])/gi;

export function isLargeAttachmentUrl(url: string): boolean {
  return LINK_HOSTS.some((re) => re.test(url));
}

export function findLargeAttachmentLinks(html: string | null, text: string): ParsedFile[] {
  const flat = html ? flattenHtml(html) : text;
  const found = new Map<string, ParsedFile>();
  const linkRe = /\[\[LINK:([^\]\s]+)\]\]|(https?:\/\/[^\s<>"'\])）]+)/g;
  for (const m of flat.matchAll(linkRe)) {
    const url = (m[1] ?? m[2] ?? "").trim();
    if (!isLargeAttachmentUrl(url) || found.has(url)) continue;
    const before = stripLinks(flat.slice(Math.max(0, (m.index ?? 0) - 300), m.index ?? 0));
    const names = [...before.matchAll(FILE_NAME)].map((n) => n[1] ?? "");
    const name = names[names.length - 1] || "超大附件";
    found.set(url, {
      originalName: name,
      safeName: safeFileName(name, "超大附件"),
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

/** Tags out, anchors kept as [[LINK:url]] tokens so the text before each link can be read. */
function flattenHtml(html: string): string {
  return decodeEntities(
    html
      .replace(/<(script|style)[\s\S]*?<\/\1>/gi, " ")
      .replace(
        /<a\s[^>]*?href\s*=\s*["']?([^"'\s>]+)["']?[^>]*>/gi,
        (_s, href: string) => ` [[LINK:${href.replace(/&amp;/g, "&")}]] `,
      )
      .replace(/<[^>]*>/g, " "),
  );
}

function stripLinks(s: string): string {
  // Only the text after the previous link belongs to this one.
  const parts = s.split(/\[\[LINK:[^\]]*\]\]|https?:\/\/\S+/);
  return parts[parts.length - 1] ?? "";
}
