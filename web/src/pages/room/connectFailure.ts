/**
 * Why the room could not be joined or was lost, in terms a candidate can act on. Kept apart
 * from the components so the page is about presentation.
 */

import { ConnectionError, ConnectionErrorReason } from "livekit-client";

export type FailureKind = "unreachable" | "expired" | "rejected" | "offline" | "other";
/** Where in the visit the failure happened: it changes the advice. */
export type Situation = "connect" | "agent" | "lost" | "duplicate";

export interface Failure {
  kind: FailureKind;
  situation: Situation;
  detail: string;
}

/** Turn whatever `room.connect` threw into something we can explain to a person. */
export function classifyConnectError(error: unknown): Failure {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const failure = (kind: FailureKind): Failure => ({ kind, situation: "connect", detail });
  if (navigator.onLine === false) return failure("offline");
  if (error instanceof ConnectionError) {
    switch (error.reason) {
      case ConnectionErrorReason.NotAllowed: {
        const expired = /expire|exp\b|token is expired/i.test(error.message);
        return failure(expired || error.status === 401 ? "expired" : "rejected");
      }
      case ConnectionErrorReason.ServerUnreachable:
      case ConnectionErrorReason.WebSocket:
      case ConnectionErrorReason.Timeout:
      case ConnectionErrorReason.InternalError:
      case ConnectionErrorReason.ServiceNotFound:
        return failure("unreachable");
      default:
        return failure("other");
    }
  }
  if (/timed out|timeout|websocket|fetch|network|unreachable|refused/i.test(detail)) {
    return failure("unreachable");
  }
  return failure("other");
}

export interface FailureCopy {
  title: string;
  message: string;
  /** Whether retrying can help; otherwise the only way on is a new interview. */
  canRetry: boolean;
}

export function describeFailure(
  failure: Failure,
  { serverUrl, agentWaitS }: { serverUrl: string; agentWaitS: number },
): FailureCopy {
  switch (failure.situation) {
    case "agent":
      return {
        title: "The interviewer did not join",
        message:
          `We waited ${agentWaitS} seconds but no interviewer joined the room. ` +
          "The service may be busy or starting up. Try again in a moment.",
        canRetry: true,
      };
    case "lost":
      return {
        title: "Connection lost",
        message: "Your connection to the interview was interrupted and could not be restored.",
        canRetry: true,
      };
    case "duplicate":
      return {
        title: "Opened somewhere else",
        message: "This interview was opened in another tab or device, so this one was disconnected.",
        canRetry: true,
      };
    case "connect":
      break;
  }
  switch (failure.kind) {
    case "expired":
      return {
        title: "Your interview link has expired",
        message:
          "Interview links are valid for a short time. Set up a new interview to get a fresh one: your answers are kept.",
        canRetry: false,
      };
    case "rejected":
      return {
        title: "The interview server refused the connection",
        message: "Your interview link was not accepted. Set up a new interview to get a fresh one.",
        canRetry: false,
      };
    case "offline":
      return {
        title: "You are offline",
        message: "Your device has no network connection. Reconnect, then try again.",
        canRetry: true,
      };
    case "unreachable":
      return {
        title: "We could not reach the interview server",
        message:
          `The real-time media server (${serverUrl}) is not answering. It may be down or blocked by a ` +
          "firewall or VPN. Check your connection and try again.",
        canRetry: true,
      };
    case "other":
      return {
        title: "Something went wrong while joining",
        message: "The interview could not start. Try again; if it keeps failing, set up a new interview.",
        canRetry: true,
      };
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = window.setTimeout(() => reject(new Error(`connection timed out after ${ms / 1000} s`)), ms);
    promise.then(
      (v) => {
        window.clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        window.clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
