// sharp loads libvips (a 20 MB native library) when imported: a second or more on a busy machine.
// Only the seal check needs it, so it is loaded on first use, not by every CLI command that
// imports processing.

type Sharp = typeof import("sharp").default;

let loaded: Promise<Sharp> | undefined;

export function loadSharp(): Promise<Sharp> {
  loaded ??= import("sharp").then((m) => {
    // libvips keeps up to 50 MB of recent operations by default, for a program that runs the same
    // operation on the same image again; each scan here is looked at once (issue #14 item 8).
    m.default.cache(false);
    return m.default;
  });
  return loaded;
}
