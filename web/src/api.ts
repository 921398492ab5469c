/** Typed calls to the token server. Errors carry the server's message and field. */

export class ApiError extends Error {
  readonly status: number;
  readonly field: string | null;

  constructor(status: number, message: string, field: string | null = null) {
    super(message);
    this.status = status;
    this.field = field;
  }
}

export interface CreatedInterview {
  interview_id: string;
  room: string;
  server_url: string;
  participant_token: string;
}

export interface InterviewSummary {
  id: string;
  status: string;
  role: string;
  level: string;
  interview_type: string;
  candidate_name: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  overall_score: number | null;
  flags: string[];
  failure_reason?: string | null;
}

export interface TranscriptItem {
  item_id: string;
  speaker: "candidate" | "interviewer";
  text: string;
  start_time: number;
  end_time: number;
  phase: string | null;
}

export interface InterviewEvent {
  kind: string;
  at: number;
  phase: string | null;
  data: Record<string, unknown>;
}

export interface Observation {
  at: number;
  source: string;
  kind: string;
  phase: string | null;
  confidence: number;
  data: Record<string, unknown>;
}

export interface Recording {
  kind: string;
  status: string;
  location?: string | null;
  duration_s: number | null;
  error?: string | null;
  url?: string | null;
}

export interface InterviewRecord extends InterviewSummary {
  plan: Record<string, unknown> & { role: string; planned_minutes?: number };
  transcript: TranscriptItem[];
  events: InterviewEvent[];
  observations: Observation[];
  recordings: Recording[];
  report: Record<string, unknown> | null;
}

export interface Feedback {
  status: string;
  feedback: Record<string, unknown> | null;
}

async function request<T>(url: string, init: RequestInit = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new ApiError(0, "The server could not be reached. Check your connection and try again.");
  }
  const text = await response.text();
  let body: unknown = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  if (!response.ok) {
    const b = (body ?? {}) as { error?: unknown; detail?: unknown; field?: unknown };
    const message =
      typeof b.error === "string"
        ? b.error
        : typeof b.detail === "string"
          ? b.detail
          : `The server answered ${response.status} ${response.statusText}`.trim();
    throw new ApiError(response.status, message, typeof b.field === "string" ? b.field : null);
  }
  return body as T;
}

function bearer(token: string): HeadersInit {
  return { Authorization: `Bearer ${token}` };
}

export function createInterview(form: FormData): Promise<CreatedInterview> {
  return request<CreatedInterview>("/api/interviews", { method: "POST", body: form });
}

export function getFeedback(interviewId: string, participantToken: string): Promise<Feedback> {
  return request<Feedback>(`/api/interviews/${encodeURIComponent(interviewId)}/feedback`, {
    headers: bearer(participantToken),
    cache: "no-store",
  });
}

export function listInterviews(
  token: string,
  params: { status?: string; limit?: number; offset?: number } = {},
): Promise<{ items: InterviewSummary[]; total: number }> {
  const q = new URLSearchParams();
  if (params.status) q.set("status", params.status);
  q.set("limit", String(params.limit ?? 100));
  q.set("offset", String(params.offset ?? 0));
  return request(`/api/interviews?${q}`, { headers: bearer(token), cache: "no-store" });
}

export function getInterview(token: string, id: string): Promise<InterviewRecord> {
  return request(`/api/interviews/${encodeURIComponent(id)}`, {
    headers: bearer(token),
    cache: "no-store",
  });
}

export function deleteInterview(token: string, id: string): Promise<unknown> {
  return request(`/api/interviews/${encodeURIComponent(id)}`, {
    method: "DELETE",
    headers: bearer(token),
  });
}

/** Media elements cannot send headers, so the server accepts the credential as `?token=`. */
export function recordingUrl(token: string, id: string, index?: number): string {
  const q = new URLSearchParams({ token });
  if (index !== undefined) q.set("index", String(index));
  return `/api/interviews/${encodeURIComponent(id)}/recording?${q}`;
}

export function reportHtmlUrl(token: string, id: string): string {
  return `/api/interviews/${encodeURIComponent(id)}/report.html?${new URLSearchParams({ token })}`;
}
