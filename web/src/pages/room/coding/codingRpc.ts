/**
 * Calls to the coding workspace's RPC methods on the agent's participant (agent/coding/rpc.py).
 * The payload types are generated from the agent's models (generated/coding.ts, see
 * agent/coding/rpc_contract.py); this module only adds behaviour: timeouts, parsing, messages.
 * Runs can compile C++, hence the long timeout.
 */

import { RpcError, type Room } from "livekit-client";
import type {
  CodePayload,
  CodingMethod,
  JudgeAnswer,
  Language,
  ProblemView,
  SnapshotAnswer,
} from "../../../generated/coding";
import type { AgentAttribute } from "../../../generated/contracts";

/** The agent attribute naming the problem on screen; a change means: fetch it again. */
export const PROBLEM_ID_ATTRIBUTE: AgentAttribute = "interview.problem_id";

/** How each language is named on screen (the list itself is the generated `LanguageValues`). */
export const LANGUAGE_LABELS: Record<Language, string> = {
  python: "Python",
  javascript: "JavaScript",
  cpp: "C++",
};

const JUDGE_TIMEOUT_MS = 60_000;
const SHORT_TIMEOUT_MS = 10_000;

async function call<T>(
  room: Room,
  agentIdentity: string,
  method: CodingMethod,
  payload: CodePayload | Record<string, never>,
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
  call<JudgeAnswer>(room, agent, `coding.${which}`, { code, language }, JUDGE_TIMEOUT_MS);

export const snapshot = (room: Room, agent: string, code: string, language: Language, seq: number) =>
  call<SnapshotAnswer>(room, agent, "coding.snapshot", { code, language, seq }, SHORT_TIMEOUT_MS);

/** The candidate-facing message: the agent's coding errors (2001-2008) carry one. */
export function rpcMessage(e: unknown): string {
  if (e instanceof RpcError) return e.message || `The request failed (code ${e.code}).`;
  return e instanceof Error ? e.message : String(e);
}
