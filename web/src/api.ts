/**
 * Typed calls to the token server. Every body type comes from `generated/contracts.ts`
 * (generated from the pydantic models), so a renamed or removed field is a compile error
 * here rather than an `undefined` on screen. Errors carry the server's message and field.
 */

import type {
  CreatedInterview,
  ErrorBody,
  FeedbackResponse,
  InterviewDetail,
  InterviewListPage,
  InterviewOptions,
  InterviewStatus,
} from "./generated/contracts";

export class ApiError extends Error {
  readonly status: number;
  readonly field: string | null;

  constructor(status: number, message: string, field: string | null = null) {
    super(message);
    this.status = status;
    this.field = field;
  }

  /** The recruiter credential was refused: sign in again. */
  get isAuth(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

function isErrorBody(body: unknown): body is ErrorBody {
  return typeof body === "object" && body !== null && typeof (body as ErrorBody).error === "string";
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
    if (isErrorBody(body)) throw new ApiError(response.status, body.error, body.field ?? null);
    throw new ApiError(
      response.status,
      `The server answered ${response.status} ${response.statusText}`.trim(),
    );
  }
  return body as T;
}

function bearer(token: string): HeadersInit {
  return { Authorization: `Bearer ${token}` };
}

const interviewPath = (id: string): string => `/api/interviews/${encodeURIComponent(id)}`;

export function createInterview(form: FormData): Promise<CreatedInterview> {
  return request<CreatedInterview>("/api/interviews", { method: "POST", body: form });
}

/** The create form's choices (languages, lengths), from the lists the server validates against. */
export function getInterviewOptions(): Promise<InterviewOptions> {
  return request<InterviewOptions>("/api/interview-options");
}

export function getFeedback(interviewId: string, participantToken: string): Promise<FeedbackResponse> {
  return request<FeedbackResponse>(`${interviewPath(interviewId)}/feedback`, {
    headers: bearer(participantToken),
    cache: "no-store",
  });
}

export function listInterviews(
  token: string,
  { status, limit = 100, offset = 0 }: { status?: InterviewStatus; limit?: number; offset?: number } = {},
): Promise<InterviewListPage> {
  const q = new URLSearchParams();
  if (status) q.set("status", status);
  q.set("limit", String(limit));
  q.set("offset", String(offset));
  return request<InterviewListPage>(`/api/interviews?${q}`, { headers: bearer(token), cache: "no-store" });
}

export function getInterview(token: string, id: string): Promise<InterviewDetail> {
  return request<InterviewDetail>(interviewPath(id), { headers: bearer(token), cache: "no-store" });
}

export async function deleteInterview(token: string, id: string): Promise<void> {
  await request<unknown>(interviewPath(id), { method: "DELETE", headers: bearer(token) });
}

/** Media elements and iframes cannot send headers, so the server accepts `?token=` there. */
export function recordingUrl(token: string, id: string, index: number): string {
  return `${interviewPath(id)}/recording?${new URLSearchParams({ token, index: String(index) })}`;
}

export function reportHtmlUrl(token: string, id: string): string {
  return `${interviewPath(id)}/report.html?${new URLSearchParams({ token })}`;
}
