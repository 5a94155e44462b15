// The annotation workspace: one article's text, the reviewer's spans over it, and a side panel for the
// selected span (suggestions from the worker, claim search, new claim, no match, label, note, boundaries).
// Everything goes through the REST API; the page (frontend/templates/workspace.html) holds the markup.

import { api, ApiError, type Article, type ClaimHit, type Page, type Span, type SpanSuggestions } from "./api";
import { paint } from "./highlights";
import { OffsetMap } from "./offsets";

const POLL_MS = 250;
const POLL_LIMIT_MS = 60_000;
const SEARCH_DELAY_MS = 200;
const MULTI_CLICK_MS = 350; // longer than the usual double-click interval
const LEASE_RENEW_MS = 5 * 60_000; // well inside the default 30-minute lease (see docs/ui.md)

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  element.append(...children);
  return element;
}

function isTyping(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

function isInteractive(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && /^(BUTTON|A|SUMMARY|INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
}

/** Show an API error next to what caused it; field errors name the field. */
function showError(slot: HTMLElement, error: unknown): void {
  if (error instanceof ApiError) {
    slot.textContent = error.errors.length
      ? error.errors
          .map((e) => (e.field ? `${e.field}: ${e.message}` : e.message) + (e.expected ? ` (expected “${e.expected}”)` : ""))
          .join(" ")
      : error.message;
  } else {
    slot.textContent = error instanceof Error ? error.message : String(error);
  }
  slot.hidden = false;
}

function clearError(slot: HTMLElement): void {
  slot.textContent = "";
  slot.hidden = true;
}

class Workspace {
  private readonly root = byId("workspace");
  private readonly textEl = byId("article-text");
  private readonly articleId = Number(this.root.dataset.articleId);
  private readonly projectId = Number(this.root.dataset.projectId);
  private readonly me = this.root.dataset.username ?? "";
  private readonly labels: string[] = JSON.parse(this.root.dataset.labels ?? "[]") as string[];
  private submitted = this.root.dataset.submitted === "true";
  private canAnnotate = this.root.dataset.canAnnotate === "true";

  private node!: Text;
  private offsets!: OffsetMap;
  private spans = new Map<number, Span>();
  private selected: number | null = null;
  private suggestions = new Map<number, SpanSuggestions>();
  private polling = new Map<number, number>(); // span id -> the generation being polled
  private generation = new Map<number, number>(); // span id -> bumped when its text changes
  private writes: Promise<unknown> = Promise.resolve(); // span writes, one at a time
  private pendingCreate: number | undefined; // a double-click's span, waiting to see if a third click follows
  private adjusting = false;
  private deleteArmed = false;
  private searchTimer: number | undefined;
  private searchSeq = 0;
  private shown = new Set<number>(); // spans whose suggestions have been shown once

  async start(): Promise<void> {
    const status = byId("ws-status");
    let article: Article;
    try {
      article = await api<Article>("GET", `articles/${this.articleId}`);
    } catch (error) {
      showError(byId("ws-error"), error);
      status.textContent = "";
      return;
    }
    // One text node, exactly the stored text: DOM offsets then map to stored offsets by OffsetMap alone.
    this.textEl.textContent = article.text;
    this.node = this.textEl.firstChild as Text;
    this.offsets = new OffsetMap(article.text);
    for (const span of article.spans) this.spans.set(span.id, span);
    this.fillLabels();
    this.bind();
    this.bindSkip();
    this.keepLease();
    this.render();
    status.textContent = this.canAnnotate
      ? "Select text to highlight a span. Press ? for the keyboard shortcuts."
      : this.submitted
        ? "You submitted this article: your spans are read-only."
        : "Read-only: you are not a reviewer of this article.";
    this.root.dataset.ready = "true";
    performance.mark("fc-ready"); // time to interactive, read by bench/ui.py
  }

  // --- State ---------------------------------------------------------------------------------------------

  private ordered(): Span[] {
    return [...this.spans.values()].sort((a, b) => a.start - b.start || a.end - b.end || a.id - b.id);
  }

  private current(): Span | null {
    return this.selected === null ? null : (this.spans.get(this.selected) ?? null);
  }

  private editable(span: Span | null): span is Span {
    return span !== null && this.canAnnotate && span.annotator === this.me;
  }

  private store(span: Span): void {
    this.spans.set(span.id, span);
  }

  private select(id: number | null): void {
    if (this.selected !== id) {
      this.deleteArmed = false;
      this.adjusting = false;
      this.closeNewClaim();
      this.cancelSearch();
    }
    this.selected = id;
    this.render();
    if (id !== null) {
      byId("span-list").querySelector(`[data-id="${id}"]`)?.scrollIntoView({ block: "nearest" });
      this.scrollTextTo(id);
      if (!this.suggestions.has(id)) void this.pollSuggestions(id);
    }
  }

  private scrollTextTo(id: number): void {
    const span = this.spans.get(id);
    if (!span) return;
    const range = new Range();
    range.setStart(this.node, this.offsets.toUtf16(span.start));
    range.setEnd(this.node, this.offsets.toUtf16(span.end));
    const rect = range.getBoundingClientRect();
    if (rect.top < 80 || rect.bottom > window.innerHeight - 20) {
      window.scrollBy({ top: rect.top - window.innerHeight / 3 });
    }
  }

  // --- Rendering -----------------------------------------------------------------------------------------

  private render(): void {
    const spans = this.ordered();
    paint(
      this.node,
      spans.map((s) => ({ id: s.id, start: this.offsets.toUtf16(s.start), end: this.offsets.toUtf16(s.end) })),
      this.selected,
    );
    this.renderList(spans);
    this.renderDetail();
  }

  private renderList(spans: Span[]): void {
    const list = byId("span-list");
    byId("span-count").textContent = String(spans.length);
    byId("span-empty").hidden = spans.length > 0;
    list.replaceChildren(
      ...spans.map((span) => {
        const link = span.link
          ? span.link.claim
            ? `→ ${span.link.claim.text}`
            : "→ no matching claim"
          : "not linked";
        const button = el(
          "button",
          { type: "button", class: "span-item", "aria-pressed": String(span.id === this.selected) },
          el("span", { class: "span-quote" }, span.quote),
          el("span", { class: "span-link" }, link),
        );
        button.addEventListener("click", () => this.select(span.id));
        return el(
          "li",
          {
            "data-id": span.id,
            "data-start": span.start,
            "data-end": span.end,
            "data-linked": span.link ? (span.link.claim ? String(span.link.claim.id) : "no_match") : "",
            class: span.id === this.selected ? "selected" : "",
          },
          button,
        );
      }),
    );
  }

  private renderDetail(): void {
    const span = this.current();
    const detail = byId("span-detail");
    detail.hidden = span === null;
    if (span === null) return;
    const editable = this.editable(span);
    detail.dataset.spanId = String(span.id);
    detail.classList.toggle("read-only", !editable);
    byId("detail-quote").textContent = span.quote;
    byId("detail-meta").textContent =
      `Characters ${span.start}–${span.end} (code points) · version ${span.version}` +
      (span.annotator !== this.me ? ` · by ${span.annotator}` : "");
    const link = byId("detail-link");
    link.dataset.linked = span.link ? (span.link.claim ? String(span.link.claim.id) : "no_match") : "";
    link.textContent = span.link
      ? span.link.claim
        ? `Linked to claim #${span.link.claim.id}: ${span.link.claim.text}` +
          (span.link.suggestion_rank ? ` (suggestion ${span.link.suggestion_rank})` : ` (${span.link.source})`)
        : "Linked: no matching claim."
      : "Not linked to a claim yet.";
    for (const control of detail.querySelectorAll<HTMLButtonElement | HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(
      "[data-write]",
    )) {
      control.disabled = !editable;
    }
    byId("adjust-mode").setAttribute("aria-pressed", String(this.adjusting));
    byId("delete-span").textContent = this.deleteArmed ? "Press Delete again to confirm" : "Delete span";
    const form = byId<HTMLFormElement>("span-form");
    if (form.dataset.spanId !== String(span.id)) {
      // A newly selected span: load its label and note (an unsaved edit stays while the same span is shown).
      form.dataset.spanId = String(span.id);
      byId<HTMLSelectElement>("span-label").value = span.label;
      byId<HTMLTextAreaElement>("span-note").value = span.note;
      clearError(byId("span-form-error"));
      byId("conflict-retry").hidden = true;
      for (const id of ["boundaries-error", "link-error", "delete-error", "sugg-error"]) clearError(byId(id));
      byId<HTMLInputElement>("claim-search").value = "";
      byId("search-results").replaceChildren();
    }
    this.renderSuggestions(span);
  }

  private renderSuggestions(span: Span): void {
    const state = this.suggestions.get(span.id);
    const status = byId("sugg-status");
    const list = byId("sugg-list");
    const run = state?.runs[0];
    status.dataset.status = state?.status ?? "loading";
    if (!state || state.status === "queued" || state.status === "running" || state.status === "none") {
      status.textContent = this.polling.has(span.id)
        ? "Finding matching claims…"
        : "The worker has not answered yet.";
      byId("sugg-retry").hidden = this.polling.has(span.id);
      list.replaceChildren();
      return;
    }
    byId("sugg-retry").hidden = state.status !== "failed";
    if (state.status === "failed") {
      status.textContent = `Suggestions failed: ${run?.error || "unknown error"}.`;
      list.replaceChildren();
      return;
    }
    const suggestions = run?.suggestions ?? [];
    if (!this.shown.has(span.id)) {
      this.shown.add(span.id);
      performance.mark("fc-suggestions-shown", { detail: span.id }); // read by bench/ui.py
    }
    status.textContent = suggestions.length
      ? `${suggestions.length} suggestions from ${run?.model_name}@${run?.model_version}`
      : "No claim in the claim base matches this span.";
    const editable = this.editable(span);
    list.replaceChildren(
      ...suggestions.map((s) => {
        const linked = span.link?.claim?.id === s.claim.id;
        const accept = el("button", { type: "button", class: "accept" }, linked ? "Linked" : "Accept");
        accept.disabled = !editable || linked;
        accept.addEventListener("click", () => this.serial(() => this.decide(s.id, "accepted")));
        const reject = el("button", { type: "button", class: "reject" }, "Reject");
        reject.disabled = !editable || s.decision === "rejected";
        reject.addEventListener("click", () => this.serial(() => this.decide(s.id, "rejected")));
        const scores = [
          s.dense_score === null ? null : `dense ${s.dense_score.toFixed(3)}`,
          s.lexical_score === null ? null : `full-text ${s.lexical_score.toFixed(3)}`,
        ]
          .filter(Boolean)
          .join(", ");
        return el(
          "li",
          {
            "data-rank": s.rank,
            "data-claim": s.claim.id,
            "data-decision": s.decision,
            class: linked ? "linked" : s.decision === "rejected" ? "rejected" : "",
          },
          el("kbd", { class: "key" }, s.rank <= 5 ? String(s.rank) : "·"),
          el("span", { class: "claim-text" }, s.claim.text),
          el(
            "span",
            { class: "sugg-meta" },
            el("span", { class: "verdict" }, s.claim.verdict || "no verdict"),
            " · ",
            el("span", { class: "score", title: scores }, `score ${s.fused_score.toFixed(3)}`),
          ),
          accept,
          reject,
        );
      }),
    );
  }

  private fillLabels(): void {
    const select = byId<HTMLSelectElement>("span-label");
    select.replaceChildren(el("option", { value: "" }, "(no label)"), ...this.labels.map((l) => el("option", { value: l }, l)));
  }

  // --- Suggestions ---------------------------------------------------------------------------------------

  /** Poll the span's suggestions until the worker is done (or POLL_LIMIT_MS). Answers from before the span's
   * text last changed are thrown away: the server deleted those suggestions. */
  private async pollSuggestions(spanId: number): Promise<void> {
    const generation = this.generation.get(spanId) ?? 0;
    if (this.polling.get(spanId) === generation) return;
    this.polling.set(spanId, generation);
    const deadline = Date.now() + POLL_LIMIT_MS;
    const current = () => (this.generation.get(spanId) ?? 0) === generation && this.spans.has(spanId);
    if (this.selected === spanId) this.renderDetail();
    try {
      for (;;) {
        const state = await api<SpanSuggestions>("GET", `spans/${spanId}/suggestions`);
        if (!current()) return;
        this.suggestions.set(spanId, state);
        const waiting = state.status === "queued" || state.status === "running";
        if (!waiting || Date.now() > deadline) break;
        if (this.selected === spanId) this.renderDetail();
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        if (!current()) return;
      }
    } catch (error) {
      if (this.selected === spanId && current()) showError(byId("sugg-error"), error);
    } finally {
      if (this.polling.get(spanId) === generation) this.polling.delete(spanId);
    }
    if (this.selected === spanId) this.renderDetail();
  }

  private async decide(suggestionId: number, decision: "accepted" | "rejected"): Promise<void> {
    const span = this.current();
    if (!this.editable(span)) return;
    const slot = byId("sugg-error");
    clearError(slot);
    try {
      await api("POST", `suggestions/${suggestionId}/decision`, { decision });
      const [fresh, state] = await Promise.all([
        api<Span>("GET", `spans/${span.id}`),
        api<SpanSuggestions>("GET", `spans/${span.id}/suggestions`),
      ]);
      this.store(fresh);
      this.suggestions.set(span.id, state);
      this.render();
    } catch (error) {
      showError(slot, error);
    }
  }

  private acceptNth(n: number): void {
    const span = this.current();
    const suggestion = span ? this.suggestions.get(span.id)?.runs[0]?.suggestions.find((s) => s.rank === n) : undefined;
    if (suggestion) this.serial(() => this.decide(suggestion.id, "accepted"));
  }

  // --- Span writes ---------------------------------------------------------------------------------------

  /** Run span writes one at a time, each reading the span's latest version when it starts: two quick
   * clicks must not send the same version twice (the second would be a 409). A write meant for a span
   * the reviewer has since moved away from is dropped. */
  private serial(action: () => Promise<unknown>): void {
    const target = this.selected;
    const run = async () => {
      if (this.selected === target) await action();
    };
    this.writes = this.writes.then(run, run);
  }

  /** The current text selection as code point offsets, trimmed of surrounding white space. */
  private selectionOffsets(): { start: number; end: number } | null {
    const selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
    const range = selection.getRangeAt(0);
    if (!range.intersectsNode(this.node)) return null;
    let start = range.startContainer === this.node ? range.startOffset : 0;
    let end = range.endContainer === this.node ? range.endOffset : this.node.length;
    const text = this.node.data;
    while (start < end && /\s/.test(text[start])) start++;
    while (end > start && /\s/.test(text[end - 1])) end--;
    if (start >= end) return null;
    return { start: this.offsets.toCodePoint(start, "start"), end: this.offsets.toCodePoint(end, "end") };
  }

  private async createFromSelection(): Promise<void> {
    const offsets = this.selectionOffsets();
    if (!offsets || !this.canAnnotate) return;
    window.getSelection()?.removeAllRanges();
    const slot = byId("ws-error");
    clearError(slot);
    try {
      const span = await api<Span>("POST", `articles/${this.articleId}/spans`, {
        ...offsets,
        quote: this.offsets.slice(offsets.start, offsets.end),
      });
      this.store(span);
      this.select(span.id);
      void this.pollSuggestions(span.id);
    } catch (error) {
      showError(slot, error);
    }
  }

  /** A versioned edit. `changes` is read when sending, so a retry after a 409 sends what the form holds then
   * (the reviewer's unsaved note is never dropped). */
  private async patchSpan(span: Span, changes: () => Record<string, unknown>, slot: HTMLElement): Promise<boolean> {
    clearError(slot);
    try {
      const updated = await api<Span>("PATCH", `spans/${span.id}`, { ...changes(), version: span.version });
      this.store(updated);
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.status === 409 && error.current) {
        this.conflict = { span: error.current as Span, changes };
        byId("conflict-retry").hidden = false;
      }
      showError(slot, error);
      return false;
    } finally {
      this.render();
    }
  }

  private conflict: { span: Span; changes: () => Record<string, unknown> } | null = null;

  /** After a 409: take the current state and send the same edit again on top of it. */
  private async retryAfterConflict(): Promise<void> {
    if (!this.conflict) return;
    const { span, changes } = this.conflict;
    this.conflict = null;
    byId("conflict-retry").hidden = true;
    this.store(span);
    if (await this.patchSpan(span, changes, byId("span-form-error"))) {
      byId("ws-status").textContent = "Saved on top of the newer version.";
    }
  }

  private async saveForm(): Promise<void> {
    const span = this.current();
    if (!this.editable(span)) return;
    const changes = () => ({
      label: byId<HTMLSelectElement>("span-label").value,
      note: byId<HTMLTextAreaElement>("span-note").value,
    });
    if (await this.patchSpan(span, changes, byId("span-form-error"))) {
      byId("ws-status").textContent = "Label and note saved.";
    }
  }

  private async setBoundaries(given: Span, start: number, end: number): Promise<void> {
    const span = this.spans.get(given.id) ?? given; // the latest version, after any earlier write
    if (start < 0 || end > this.offsets.length || start >= end) {
      showError(byId("boundaries-error"), new Error("A span needs at least one character inside the article."));
      return;
    }
    const changes = () => ({ start, end, quote: this.offsets.slice(start, end) });
    if (await this.patchSpan(span, changes, byId("boundaries-error"))) {
      // The edit asked the worker for new suggestions: forget the old ones, and any poll still under way.
      this.generation.set(span.id, (this.generation.get(span.id) ?? 0) + 1);
      this.suggestions.delete(span.id);
      void this.pollSuggestions(span.id);
    }
  }

  private async nudge(edge: "start" | "end", delta: number): Promise<void> {
    const span = this.current();
    if (!this.editable(span)) return;
    await this.setBoundaries(span, span.start + (edge === "start" ? delta : 0), span.end + (edge === "end" ? delta : 0));
  }

  private async link(body: Record<string, unknown>): Promise<void> {
    const span = this.current();
    if (!this.editable(span)) return;
    const slot = byId("link-error");
    clearError(slot);
    try {
      const updated = span.link
        ? await api<Span>("PUT", `spans/${span.id}/link`, { ...body, version: span.link.version })
        : await api<Span>("POST", `spans/${span.id}/link`, body);
      this.store(updated);
      this.closeNewClaim();
      this.render();
    } catch (error) {
      if (error instanceof ApiError && error.status === 409 && error.current) {
        this.store(error.current as Span);
        this.render();
      }
      showError(slot, error);
    }
  }

  private async deleteSelected(): Promise<void> {
    const span = this.current();
    if (!this.editable(span)) return;
    if (!this.deleteArmed) {
      this.deleteArmed = true;
      this.renderDetail();
      return;
    }
    this.deleteArmed = false;
    const slot = byId("delete-error");
    try {
      await api("DELETE", `spans/${span.id}?version=${span.version}`);
      const order = this.ordered();
      const index = order.findIndex((s) => s.id === span.id);
      this.spans.delete(span.id);
      this.suggestions.delete(span.id);
      const next = order[index + 1] ?? order[index - 1];
      this.select(next && next.id !== span.id ? next.id : null);
      byId("ws-status").textContent = "Span deleted.";
    } catch (error) {
      showError(slot, error);
      this.renderDetail();
    }
  }

  // --- Claim search and new claims -----------------------------------------------------------------------

  /** Stop a search in flight: its answer belongs to an older query or to another span. */
  private cancelSearch(): void {
    window.clearTimeout(this.searchTimer);
    this.searchSeq++;
  }

  private search(query: string): void {
    this.cancelSearch();
    const results = byId("search-results");
    const slot = byId("search-error");
    if (query.trim().length < 2) {
      results.replaceChildren();
      clearError(slot);
      return;
    }
    this.searchTimer = window.setTimeout(async () => {
      const seq = ++this.searchSeq;
      try {
        const page = await api<Page<ClaimHit>>(
          "GET",
          `projects/${this.projectId}/claims/search?q=${encodeURIComponent(query)}&status=active`,
        );
        if (seq !== this.searchSeq) return; // a later keystroke's answer wins
        clearError(slot);
        const editable = this.editable(this.current());
        results.replaceChildren(
          ...(page.results.length
            ? page.results.slice(0, 10).map((hit) => {
                const button = el("button", { type: "button" }, "Link");
                button.disabled = !editable;
                button.addEventListener("click", () => this.serial(() => this.link({ claim: hit.id, source: "search" })));
                return el(
                  "li",
                  { "data-claim": hit.id },
                  el("span", { class: "claim-text" }, hit.text),
                  el("span", { class: "sugg-meta" }, el("span", { class: "verdict" }, hit.verdict || "no verdict")),
                  button,
                );
              })
            : [el("li", { class: "empty" }, "No claim matches these words.")]),
        );
      } catch (error) {
        if (seq === this.searchSeq) showError(slot, error);
      }
    }, SEARCH_DELAY_MS);
  }

  private openNewClaim(): void {
    const span = this.current();
    if (!this.editable(span)) return;
    const form = byId<HTMLFormElement>("new-claim-form");
    const text = byId<HTMLTextAreaElement>("new-claim-text");
    if (form.hidden) text.value = span.quote;
    form.hidden = false;
    text.focus();
    text.select();
  }

  private closeNewClaim(): void {
    byId("new-claim-form").hidden = true;
  }

  // --- Submitting ----------------------------------------------------------------------------------------

  private openSubmit(): void {
    if (!this.canAnnotate) return;
    const spans = [...this.spans.values()].filter((s) => s.annotator === this.me);
    const unlinked = spans.filter((s) => !s.link).length;
    byId("submit-summary").textContent =
      `${spans.length} span${spans.length === 1 ? "" : "s"}` +
      (unlinked ? `, ${unlinked} not linked to a claim.` : ", all linked.") +
      " After submitting, your spans and links are locked.";
    clearError(byId("submit-error"));
    byId<HTMLDialogElement>("submit-dialog").showModal();
  }

  private async submit(): Promise<void> {
    const slot = byId("submit-error");
    try {
      await api("POST", `articles/${this.articleId}/submit`);
    } catch (error) {
      showError(slot, error);
      return;
    }
    byId<HTMLDialogElement>("submit-dialog").close();
    this.submitted = true;
    this.canAnnotate = false;
    this.root.dataset.submitted = "true";
    byId("submitted-banner").hidden = false;
    byId<HTMLButtonElement>("submit-article").disabled = true;
    byId("ws-status").textContent = "Submitted: your spans are locked.";
    byId<HTMLAnchorElement>("next-article").focus();
    this.render();
  }

  // --- Lease and skip ------------------------------------------------------------------------------------

  private interacted = false;
  private leaseTimer: number | undefined;

  /** Hold the article while the reviewer works: renew the lease now, then every LEASE_RENEW_MS if they have
   * done anything since the last renewal (an idle tab lets the lease run out, and the slot goes back). */
  private keepLease(): void {
    if (!this.canAnnotate) return;
    const touch = () => {
      this.interacted = true;
    };
    for (const type of ["keydown", "pointerdown", "input"]) document.addEventListener(type, touch, { passive: true });
    void this.renewLease();
    this.leaseTimer = window.setInterval(() => {
      if (!this.interacted || !this.canAnnotate) return;
      this.interacted = false;
      void this.renewLease();
    }, LEASE_RENEW_MS);
  }

  private async renewLease(): Promise<void> {
    try {
      await api("POST", `articles/${this.articleId}/lease`);
      this.root.dataset.lease = "held";
    } catch (error) {
      if (error instanceof ApiError && (error.status === 409 || error.status === 403)) this.loseLease(error);
      else this.interacted = true; // the server was not reached: try again at the next beat
    }
  }

  /** The article went to someone else (409) or is no longer ours (403): stop writing, say so plainly. */
  private loseLease(error: ApiError): void {
    window.clearInterval(this.leaseTimer);
    this.canAnnotate = false;
    this.root.dataset.lease = "lost";
    byId<HTMLButtonElement>("submit-article").disabled = true;
    byId("skip-article").hidden = true;
    const slot = byId("ws-error");
    slot.replaceChildren(
      error.status === 409
        ? "Your lease on this article expired and it went to another reviewer. Your spans are kept, but you can no longer change them here. "
        : `${error.message}. `,
      el("a", { href: `/projects/${this.projectId}/` }, "Back to the project"),
    );
    slot.hidden = false;
    byId("ws-status").textContent = "Read-only: this article is no longer yours to annotate.";
    this.render();
  }

  private bindSkip(): void {
    const dialog = byId<HTMLDialogElement>("skip-dialog");
    byId("skip-article").addEventListener("click", () => {
      if (!this.canAnnotate) return;
      clearError(byId("skip-error"));
      dialog.showModal();
    });
    byId("skip-cancel").addEventListener("click", () => dialog.close());
    byId("skip-confirm").addEventListener("click", () => void this.skip());
  }

  /** Pass on the article (its slot goes to someone else, never back to us) and go back to the project. */
  private async skip(): Promise<void> {
    try {
      await api("POST", `articles/${this.articleId}/skip`);
    } catch (error) {
      showError(byId("skip-error"), error);
      return;
    }
    this.canAnnotate = false;
    window.clearInterval(this.leaseTimer);
    window.location.assign(`/projects/${this.projectId}/?skipped=${this.articleId}`);
  }

  // --- Events --------------------------------------------------------------------------------------------

  private bind(): void {
    this.textEl.addEventListener("mouseup", (event) => {
      performance.mark("fc-mouseup");
      if (this.adjusting) {
        const offsets = this.selectionOffsets();
        const span = this.current();
        if (offsets && this.editable(span)) {
          window.getSelection()?.removeAllRanges();
          this.adjusting = false;
          this.serial(() => this.setBoundaries(span, offsets.start, offsets.end));
          return;
        }
      }
      if (window.getSelection()?.isCollapsed) this.selectAt(event.clientX, event.clientY);
      else if (event.detail === 2) {
        // A double-click selected a word; a third click may yet select the paragraph: wait for it.
        this.pendingCreate = window.setTimeout(() => {
          this.pendingCreate = undefined;
          void this.createFromSelection();
        }, MULTI_CLICK_MS);
      } else void this.createFromSelection();
    });
    this.textEl.addEventListener("mousedown", () => {
      window.clearTimeout(this.pendingCreate);
      this.pendingCreate = undefined;
    });
    byId("span-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.serial(() => this.saveForm());
    });
    byId("conflict-retry").addEventListener("click", () => this.serial(() => this.retryAfterConflict()));
    byId("claim-search").addEventListener("input", (event) => this.search((event.target as HTMLInputElement).value));
    byId("new-claim-open").addEventListener("click", () => this.openNewClaim());
    byId("new-claim-cancel").addEventListener("click", () => this.closeNewClaim());
    byId("new-claim-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const text = byId<HTMLTextAreaElement>("new-claim-text").value.trim();
      const language = this.root.dataset.language ?? "";
      this.serial(() => this.link({ new_claim: { text, ...(language ? { language } : {}) } }));
    });
    byId("no-match").addEventListener("click", () => this.serial(() => this.link({ no_match: true })));
    byId("delete-span").addEventListener("click", () => this.serial(() => this.deleteSelected()));
    byId("adjust-mode").addEventListener("click", () => this.toggleAdjust());
    byId("sugg-retry").addEventListener("click", () => {
      if (this.selected !== null) void this.pollSuggestions(this.selected);
    });
    for (const button of document.querySelectorAll<HTMLButtonElement>("[data-nudge]")) {
      const [edge, delta] = (button.dataset.nudge ?? "start:0").split(":");
      button.addEventListener("click", () => this.serial(() => this.nudge(edge as "start" | "end", Number(delta))));
    }
    byId("submit-article").addEventListener("click", () => this.openSubmit());
    byId("submit-confirm").addEventListener("click", () => void this.submit());
    byId("submit-cancel").addEventListener("click", () => byId<HTMLDialogElement>("submit-dialog").close());
    byId("show-help").addEventListener("click", () => this.toggleHelp());
    byId("help-close").addEventListener("click", () => this.toggleHelp());
    document.addEventListener("keydown", (event) => this.onKey(event));
  }

  private toggleAdjust(): void {
    if (!this.editable(this.current())) return;
    this.adjusting = !this.adjusting;
    byId("ws-status").textContent = this.adjusting
      ? "Adjusting: select the span's new extent in the text (Escape cancels)."
      : "";
    this.renderDetail();
  }

  private toggleHelp(): void {
    const help = byId<HTMLDialogElement>("help");
    if (help.open) help.close();
    else help.showModal();
  }

  /** A click in the text selects the innermost span under it; clicking again cycles through overlaps. */
  private selectAt(x: number, y: number): void {
    const position = document.caretPositionFromPoint?.(x, y);
    if (!position || position.offsetNode !== this.node) return;
    const at = this.offsets.toCodePoint(position.offset);
    const under = this.ordered()
      .filter((s) => s.start <= at && at < s.end)
      .sort((a, b) => a.end - a.start - (b.end - b.start));
    if (under.length === 0) return;
    const index = under.findIndex((s) => s.id === this.selected);
    this.select(under[(index + 1) % under.length].id);
  }

  private move(step: number): void {
    const order = this.ordered();
    if (order.length === 0) return;
    const index = order.findIndex((s) => s.id === this.selected);
    const next = index === -1 ? (step > 0 ? 0 : order.length - 1) : Math.max(0, Math.min(order.length - 1, index + step));
    this.select(order[next].id);
  }

  private onKey(event: KeyboardEvent): void {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape") {
      this.adjusting = false;
      this.deleteArmed = false;
      this.closeNewClaim();
      if (isTyping(event.target)) (event.target as HTMLElement).blur();
      if (this.selected !== null) this.renderDetail();
      return;
    }
    if (isTyping(event.target) || document.querySelector("dialog[open]")) return;
    const actions: Record<string, () => void> = {
      j: () => this.move(1),
      k: () => this.move(-1),
      n: () => this.openNewClaim(),
      x: () => this.serial(() => this.link({ no_match: true })),
      h: () => void this.createFromSelection(),
      b: () => this.toggleAdjust(),
      "/": () => byId("claim-search").focus(),
      "?": () => this.toggleHelp(),
      Delete: () => this.serial(() => this.deleteSelected()),
    };
    if (/^[1-5]$/.test(event.key)) {
      event.preventDefault();
      this.acceptNth(Number(event.key));
      return;
    }
    if (event.key === "Enter" && !isInteractive(event.target)) {
      event.preventDefault();
      this.openSubmit();
      return;
    }
    const action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  }
}

void new Workspace().start();
