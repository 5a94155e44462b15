// The one place where offsets change units. The server stores spans as code points into the article text
// (what Python's str indexes); the DOM counts UTF-16 code units. They differ after any character outside the
// Basic Multilingual Plane (most emoji, 𝕏, flags): each of those is one code point but two code units.
// Combining marks are code points of their own in both counts, so "é" written e + U+0301 is 2 in both.

export class OffsetMap {
  readonly text: string;
  readonly length: number; // in code points
  // utf16At[cp] is the UTF-16 index of code point cp (with one extra entry for the end); null when the text
  // has no astral characters, and both units agree.
  private readonly utf16At: Uint32Array | null;
  private readonly cpAt: Uint32Array | null; // cpAt[u] is the code point holding UTF-16 index u

  constructor(text: string) {
    this.text = text;
    if (!/[\uD800-\uDFFF]/.test(text)) {
      this.length = text.length;
      this.utf16At = null;
      this.cpAt = null;
      return;
    }
    const utf16At: number[] = [];
    const cpAt = new Uint32Array(text.length + 1);
    let cp = 0;
    for (let u = 0; u < text.length; cp++) {
      utf16At.push(u);
      const code = text.charCodeAt(u);
      const width = code >= 0xd800 && code <= 0xdbff && u + 1 < text.length ? 2 : 1;
      for (let k = 0; k < width; k++) cpAt[u + k] = cp;
      u += width;
    }
    utf16At.push(text.length);
    cpAt[text.length] = cp;
    this.length = cp;
    this.utf16At = Uint32Array.from(utf16At);
    this.cpAt = cpAt;
  }

  /** The code point offset of a UTF-16 offset. An offset inside a surrogate pair rounds up past the pair
   * when it ends a range (`end`) and down to its start when it begins one. */
  toCodePoint(utf16: number, edge: "start" | "end" = "start"): number {
    const u = Math.max(0, Math.min(utf16, this.text.length));
    if (this.cpAt === null) return u;
    const cp = this.cpAt[u];
    const insidePair = u > 0 && u < this.text.length && this.cpAt[u - 1] === cp;
    return insidePair && edge === "end" ? cp + 1 : cp;
  }

  /** The UTF-16 offset of a code point offset. */
  toUtf16(codePoint: number): number {
    const cp = Math.max(0, Math.min(codePoint, this.length));
    return this.utf16At === null ? cp : this.utf16At[cp];
  }

  /** The text between two code point offsets (what the server calls the span's quote). */
  slice(start: number, end: number): string {
    return this.text.slice(this.toUtf16(start), this.toUtf16(end));
  }
}
