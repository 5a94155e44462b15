import { describe, expect, it } from "vitest";
import { OffsetMap } from "../src/offsets";

// Python's view of each text: len(text) and text.index(needle), computed by hand and noted beside each case.
describe("OffsetMap", () => {
  it("is the identity for text without astral characters", () => {
    const map = new OffsetMap("Marco Rubio met “the envoys” — today.");
    expect(map.length).toBe(37);
    expect(map.toCodePoint(6)).toBe(6);
    expect(map.toUtf16(11)).toBe(11);
    expect(map.slice(6, 11)).toBe("Rubio");
  });

  it("counts an emoji as one code point and two UTF-16 units", () => {
    const text = "Hi 👋 Geneva"; // Python: len 11, text.index("Geneva") == 5
    const map = new OffsetMap(text);
    expect(map.length).toBe(11);
    const utf16 = text.indexOf("Geneva"); // 6 in the DOM
    expect(utf16).toBe(6);
    expect(map.toCodePoint(utf16)).toBe(5);
    expect(map.toUtf16(5)).toBe(6);
    expect(map.slice(5, 11)).toBe("Geneva");
    expect(map.slice(3, 4)).toBe("👋");
  });

  it("counts a flag as two code points and 𝕏 as one", () => {
    const text = "🇺🇦 and 𝕏 in Geneva"; // Python: len 18, index("Geneva") == 12
    const map = new OffsetMap(text);
    expect(map.length).toBe(18);
    expect(map.toCodePoint(text.indexOf("Geneva"))).toBe(12);
    expect(map.slice(0, 2)).toBe("🇺🇦");
    expect(map.slice(7, 8)).toBe("𝕏");
  });

  it("keeps combining marks as code points of their own", () => {
    const text = "Cafe\u0301 😀 Zoe\u0308"; // Python: len 12, index("Zoe\u0308") == 8
    const map = new OffsetMap(text);
    expect(map.length).toBe(12);
    expect(map.toCodePoint(text.indexOf("Zoe"))).toBe(8);
    expect(map.slice(0, 5)).toBe("Cafe\u0301");
    expect(map.slice(8, 12)).toBe("Zoe\u0308");
  });

  it("never splits a surrogate pair", () => {
    const text = "a😀b"; // UTF-16: a, high, low, b
    const map = new OffsetMap(text);
    expect(map.toCodePoint(2, "start")).toBe(1); // inside the pair: the emoji's start
    expect(map.toCodePoint(2, "end")).toBe(2); // inside the pair: past the emoji
    expect(map.toCodePoint(3)).toBe(2);
    expect(map.toCodePoint(99)).toBe(3);
    expect(map.toUtf16(99)).toBe(4);
  });
});
