// The REST API under /api/v1/, as the signed-in user (session cookie + CSRF token from the page).
// Errors arrive in one shape, {"errors": [{field, code, message, ...}]}; a 409 also carries "current".

export interface ApiErrorItem {
  field: string | null;
  code: string;
  message: string;
  expected?: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly errors: ApiErrorItem[];
  readonly body: Record<string, unknown>;

  constructor(status: number, body: Record<string, unknown>) {
    const errors = Array.isArray(body.errors) ? (body.errors as ApiErrorItem[]) : [];
    super(errors.map((e) => e.message).join("; ") || `the server answered ${status}`);
    this.status = status;
    this.errors = errors;
    this.body = body;
  }

  /** The current state of the object, sent with a 409 for a stale version. */
  get current(): unknown {
    return this.body.current;
  }
}

function csrfToken(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? "";
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(`/api/v1/${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError(0, { errors: [{ field: null, code: "network", message: "The server cannot be reached." }] });
  }
  if (response.status === 204) return undefined as T;
  let parsed: Record<string, unknown> = {};
  try {
    parsed = (await response.json()) as Record<string, unknown>;
  } catch {
    parsed = { errors: [{ field: null, code: "bad_response", message: `The server answered ${response.status}.` }] };
  }
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed as T;
}

// --- The shapes the workspace reads (see docs/openapi.yaml) -----------------------------------------------

export interface Link {
  claim: { id: number; text: string; verdict: string; status: string } | null;
  no_match: boolean;
  source: string;
  suggestion: number | null;
  suggestion_rank: number | null;
  suggestion_score: number | null;
  version: number;
}

export interface Span {
  id: number;
  article: number;
  annotator: string;
  start: number;
  end: number;
  quote: string;
  label: string;
  note: string;
  version: number;
  link: Link | null;
}

export interface Article {
  id: number;
  project: number;
  title: string;
  source_url: string;
  language: string;
  text: string;
  length: number;
  spans: Span[];
}

export interface Suggestion {
  id: number;
  rank: number;
  claim: { id: number; text: string; verdict: string; status: string };
  dense_score: number | null;
  lexical_score: number | null;
  fused_score: number;
  decision: string;
}

export interface SuggestionRun {
  id: number;
  status: string;
  model_name: string;
  model_version: string;
  error: string;
  suggestions: Suggestion[];
}

export interface SpanSuggestions {
  span: number;
  status: "none" | "queued" | "running" | "done" | "failed";
  runs: SuggestionRun[];
}

export interface ClaimHit {
  id: number;
  text: string;
  verdict: string;
  language: string;
  claimant: string;
  rank: number;
}

export interface Page<T> {
  results: T[];
  next: string | null;
}
