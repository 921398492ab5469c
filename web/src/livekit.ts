/**
 * What the interview room needs from LiveKit, kept apart from the page so the page is
 * about presentation: classifying connection failures, and assembling live captions
 * from `lk.transcription` text streams.
 */

import { ConnectionError, ConnectionErrorReason, Room, type TextStreamReader } from "livekit-client";

export const PHASE_ATTRIBUTE = "interview.phase";
export const REMAINING_ATTRIBUTE = "interview.remaining_s";
/** Epoch seconds of the planned end; only a fallback, as the browser's clock may be off. */
export const ENDS_AT_ATTRIBUTE = "interview.ends_at";
export const AGENT_STATE_ATTRIBUTE = "lk.agent.state";
export const TRANSCRIPTION_TOPIC = "lk.transcription";
/** Optional JSON `{phase, remaining_s}` messages, for agents that prefer a data topic. */
export const STATE_TOPIC = "interview.state";

export const PHASE_LABELS: Record<string, string> = {
  intro: "Introduction",
  technical: "Technical questions",
  coding: "Coding",
  behavioural: "Behavioural",
  candidate_questions: "Your questions",
  wrap_up: "Wrap-up",
};

export type FailureKind = "unreachable" | "expired" | "rejected" | "offline" | "other";

export interface ConnectFailure {
  kind: FailureKind;
  detail: string;
}

/** Turn whatever `room.connect` threw into something we can explain to a person. */
export function classifyConnectError(error: unknown): ConnectFailure {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  if (typeof navigator !== "undefined" && navigator.onLine === false) {
    return { kind: "offline", detail };
  }
  if (error instanceof ConnectionError) {
    switch (error.reason) {
      case ConnectionErrorReason.NotAllowed: {
        const expired = /expire|exp\b|token is expired/i.test(error.message);
        return { kind: expired || error.status === 401 ? "expired" : "rejected", detail };
      }
      case ConnectionErrorReason.ServerUnreachable:
      case ConnectionErrorReason.WebSocket:
      case ConnectionErrorReason.Timeout:
      case ConnectionErrorReason.InternalError:
      case ConnectionErrorReason.ServiceNotFound:
        return { kind: "unreachable", detail };
      default:
        return { kind: "other", detail };
    }
  }
  if (/timed out|timeout|websocket|fetch|network|unreachable|refused/i.test(detail)) {
    return { kind: "unreachable", detail };
  }
  return { kind: "other", detail };
}

export interface CaptionSegment {
  id: string;
  identity: string;
  text: string;
  final: boolean;
  order: number;
}

/**
 * Live captions. The agent sends its own speech as one growing stream per segment
 * (deltas) and the candidate's as a fresh stream per update carrying the full text so
 * far, both keyed by `lk.segment_id`; accumulating per stream and replacing per segment
 * handles both.
 */
export class Captions {
  private readonly segments = new Map<string, CaptionSegment>();
  private order = 0;
  private readonly onChange: (segments: CaptionSegment[]) => void;

  constructor(onChange: (segments: CaptionSegment[]) => void) {
    this.onChange = onChange;
  }

  attach(room: Room): void {
    room.registerTextStreamHandler(TRANSCRIPTION_TOPIC, (reader, participant) => {
      void this.consume(reader, participant.identity);
    });
  }

  recent(limit: number): CaptionSegment[] {
    return [...this.segments.values()].sort((a, b) => a.order - b.order).slice(-limit);
  }

  private async consume(reader: TextStreamReader, identity: string): Promise<void> {
    const attrs = reader.info.attributes ?? {};
    const id = attrs["lk.segment_id"] ?? reader.info.id;
    const existing = this.segments.get(id);
    const segment: CaptionSegment = existing ?? { id, identity, text: "", final: false, order: this.order++ };
    this.segments.set(id, segment);
    let acc = "";
    try {
      for await (const chunk of reader) {
        acc += chunk;
        segment.text = decodeCaption(acc);
        this.emit();
      }
    } catch {
      // a stream cut short still leaves the text received so far on screen
    }
    if (attrs["lk.transcription_final"] === "true") segment.final = true;
    this.emit();
    // keep memory bounded in a long interview
    if (this.segments.size > 200) {
      for (const old of this.recent(this.segments.size).slice(0, 100)) this.segments.delete(old.id);
    }
  }

  private emit(): void {
    this.onChange(this.recent(6));
  }
}

/** Plain text, or newline-separated JSON TimedStrings when the agent enables json_format. */
function decodeCaption(raw: string): string {
  const trimmed = raw.trimStart();
  if (!trimmed.startsWith("{")) return raw;
  const parts: string[] = [];
  for (const line of trimmed.split("\n")) {
    if (!line.trim()) continue;
    try {
      const value = JSON.parse(line) as { text?: unknown };
      if (typeof value.text === "string") parts.push(value.text);
    } catch {
      return raw;
    }
  }
  return parts.join("");
}
