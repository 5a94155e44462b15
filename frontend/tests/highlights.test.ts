import { describe, expect, it } from "vitest";
import { assignLanes, LANES } from "../src/highlights";

describe("assignLanes", () => {
  it("puts spans that do not overlap in the first lane", () => {
    const lanes = assignLanes([
      { id: 1, start: 0, end: 5 },
      { id: 2, start: 5, end: 9 },
    ]);
    expect([...lanes.entries()]).toEqual([
      [1, 0],
      [2, 0],
    ]);
  });

  it("gives overlapping and nested spans their own lanes, and reuses a lane once it is free", () => {
    const lanes = assignLanes([
      { id: 1, start: 0, end: 20 },
      { id: 2, start: 5, end: 10 }, // nested in 1
      { id: 3, start: 8, end: 30 }, // overlaps 1 and 2
      { id: 4, start: 12, end: 14 }, // lane 1 is free again after 2 ended
    ]);
    expect(lanes.get(1)).toBe(0);
    expect(lanes.get(2)).toBe(1);
    expect(lanes.get(3)).toBe(2);
    expect(lanes.get(4)).toBe(1);
  });

  it("shares the last lane beyond LANES deep", () => {
    const deep = Array.from({ length: LANES + 2 }, (_, i) => ({ id: i, start: i, end: 100 }));
    const lanes = assignLanes(deep);
    expect(Math.max(...lanes.values())).toBe(LANES - 1);
    expect(lanes.get(LANES + 1)).toBe(LANES - 1);
  });
});
