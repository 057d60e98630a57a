// sharp loads libvips (a 20 MB native library) when imported: a second or more on a busy machine.
// Only the seal check needs it, so it is loaded on first use, not by every CLI command that
// imports processing.

type Sharp = typeof import("sharp").default;

let loaded: Promise<Sharp> | undefined;

export function loadSharp(): Promise<Sharp> {
  loaded ??= import("sharp").then((m) => m.default);
  return loaded;
}
