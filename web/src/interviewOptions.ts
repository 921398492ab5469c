/**
 * `GET /api/interview-options` once per page load: the create form's choices and the names
 * of the languages, for every page that needs them (the setup form, the recruiter's review).
 * The server builds them from the lists it validates against, so nothing here is retyped.
 */

import { useEffect, useState } from "react";
import { getInterviewOptions } from "./api";
import type { InterviewOptions } from "./generated/contracts";

let cached: Promise<InterviewOptions> | null = null;

export function loadInterviewOptions(): Promise<InterviewOptions> {
  cached ??= getInterviewOptions().catch((e: unknown) => {
    cached = null; // a later caller tries again
    throw e;
  });
  return cached;
}

export type OptionsState =
  { kind: "loading" } | { kind: "ready"; options: InterviewOptions } | { kind: "failed" };

export function useInterviewOptions(): OptionsState {
  const [state, setState] = useState<OptionsState>({ kind: "loading" });
  useEffect(() => {
    let stale = false;
    loadInterviewOptions().then(
      (options) => !stale && setState({ kind: "ready", options }),
      () => !stale && setState({ kind: "failed" }),
    );
    return () => {
      stale = true;
    };
  }, []);
  return state;
}

/** 'Spanish (Español)' for 'es' once the options are loaded; the code until then. */
export function languageName(state: OptionsState, code: string): string {
  if (state.kind !== "ready") return code;
  return state.options.languages.find((l) => l.code === code)?.name ?? code;
}
