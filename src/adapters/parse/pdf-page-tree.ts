// The last page of a PDF, found by walking the page tree (ISO 32000-1 §7.7.3) from the catalog
// through /Kids in order, nested /Pages nodes included, as poppler numbers pages.

import {
  type PdfDict,
  PdfName,
  type PdfObjects,
  PdfRef,
  PdfUnreadable,
  type PdfValue,
} from "./pdf-objects.ts";

export interface LastPage {
  page: PdfDict;
  /** 1-based, and the document's page count. */
  number: number;
  /** The page's own /Resources or, failing that, the nearest ancestor's (they are inherited). */
  resources: PdfValue | undefined;
}

/** Page trees deeper than this are not what scanners write. */
const MAX_TREE_DEPTH = 16;

export function lastPageOf(objects: PdfObjects, catalog: PdfDict): LastPage {
  const root = catalog.get("Pages");
  const rootNode = objects.dict(root);
  if (!(root instanceof PdfRef) || !rootNode || typeOf(rootNode) !== "Pages") {
    throw new PdfUnreadable("no page tree");
  }
  const seen = new Set<string>([refKey(root)]);
  const found = { last: null as LastPage | null, count: 0 };
  const walk = (node: PdfDict, inherited: PdfValue | undefined, depth: number): void => {
    if (depth > MAX_TREE_DEPTH) throw new PdfUnreadable("page tree too deep");
    const resources = node.get("Resources") ?? inherited;
    const kids = objects.resolve(node.get("Kids"));
    if (!Array.isArray(kids)) throw new PdfUnreadable("a /Pages node without /Kids");
    for (const kid of kids) {
      // A kid seen twice would make a loop, or a page poppler counts in its own way.
      if (!(kid instanceof PdfRef) || seen.has(refKey(kid))) throw new PdfUnreadable("odd page tree");
      seen.add(refKey(kid));
      const child = objects.dict(kid);
      const type = child && typeOf(child);
      if (type === "Page") {
        found.last = { page: child!, number: ++found.count, resources: child!.get("Resources") ?? resources };
      } else if (type === "Pages") walk(child!, resources, depth + 1);
      else throw new PdfUnreadable("a page tree node that is neither /Page nor /Pages");
    }
  };
  walk(rootNode, undefined, 0);
  // poppler trusts the root's /Count in places; where it disagrees with the tree, leave it to poppler.
  if (!found.last || objects.resolve(rootNode.get("Count")) !== found.count) {
    throw new PdfUnreadable("page count");
  }
  return found.last;
}

function typeOf(dict: PdfDict): string | undefined {
  const type = dict.get("Type");
  return type instanceof PdfName ? type.name : undefined;
}

function refKey(ref: PdfRef): string {
  return `${ref.num} ${ref.gen}`;
}
