/**
 * The coding workspace's RPC methods on the agent's participant (agent/coding/rpc.py) and the
 * payload shapes the page relies on. Runs can compile C++, hence the long timeout.
 */

import { RpcError, type Room } from "livekit-client";

export const PROBLEM_ID_ATTRIBUTE = "interview.problem_id";
export const LANGUAGES = ["python", "javascript", "cpp"] as const;
export type Language = (typeof LANGUAGES)[number];
export const LANGUAGE_LABELS: Record<Language, string> = {
  python: "Python",
  javascript: "JavaScript",
  cpp: "C++",
};

const JUDGE_TIMEOUT_MS = 60_000;
const SHORT_TIMEOUT_MS = 10_000;

export interface CodingExample {
  input: string;
  output: string;
  explanation?: string;
}

export interface CodingProblem {
  id: string;
  title: string;
  difficulty: string;
  statement: string;
  examples: CodingExample[];
  constraints: string[];
  starter: Record<Language, string>;
  hidden_test_count: number;
}

export interface ProblemView {
  problem: CodingProblem | null;
  hints: string[];
}

export interface TestOutcome {
  index: number;
  hidden: boolean;
  passed: boolean;
  args?: unknown[] | null;
  expected?: unknown;
  got?: unknown;
  error?: string | null;
}

export interface JudgeOutcome {
  problem_id: string;
  language: Language;
  which: "visible" | "hidden" | "all";
  run_status: string;
  passed: number;
  total: number;
  tests: TestOutcome[];
  stdout: string;
  stderr: string;
  time_ms: number;
  all_passed: boolean;
}

async function call<T>(
  room: Room,
  agentIdentity: string,
  method: string,
  payload: object,
  timeoutMs: number,
): Promise<T> {
  const text = await room.localParticipant.performRpc({
    destinationIdentity: agentIdentity,
    method,
    payload: JSON.stringify(payload),
    responseTimeout: timeoutMs,
  });
  return JSON.parse(text) as T;
}

export const fetchProblem = (room: Room, agent: string) =>
  call<ProblemView>(room, agent, "coding.problem", {}, SHORT_TIMEOUT_MS);

export const judge = (room: Room, agent: string, which: "run" | "submit", code: string, language: Language) =>
  call<JudgeOutcome>(room, agent, `coding.${which}`, { code, language }, JUDGE_TIMEOUT_MS);

export const snapshot = (room: Room, agent: string, code: string, language: Language, seq: number) =>
  call<{ ok: boolean }>(room, agent, "coding.snapshot", { code, language, seq }, SHORT_TIMEOUT_MS);

/** The candidate-facing message: the agent's coding errors (2001-2008) carry one. */
export function rpcMessage(e: unknown): string {
  if (e instanceof RpcError) return e.message || `The request failed (code ${e.code}).`;
  return e instanceof Error ? e.message : String(e);
}
