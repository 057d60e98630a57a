import { describe, expect, it } from "vitest";
import { editDistance, nearest } from "../../src/config/suggest.ts";

describe("nearest valid key for a misspelt setting", () => {
  it.each([
    ["acknowledgments", ["acknowledgements", "archives", "calendar"], "acknowledgements"],
    ["prot", ["host", "port", "secure", "user", "pass", "from"], "port"],
    ["foldrs", ["folders", "since", "idle"], "folders"],
    ["Imap", ["imap", "smtp"], "imap"],
    ["市水力局", ["市水利局", "市林业局"], "市水利局"],
    ["某某局", ["环保局", "水利局"], undefined],
    ["completelyelse", ["imap", "smtp"], undefined],
  ])("%s → %s", (word, candidates, expected) => {
    expect(nearest(word, candidates)).toBe(expected);
  });

  it("counts a swap of two neighbours as one edit", () => {
    expect(editDistance("prot", "port")).toBe(1);
    expect(editDistance("foldrs", "folders")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
  });
});
