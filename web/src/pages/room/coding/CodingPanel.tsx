/**
 * The coding phase in the candidate's room: the problem the agent put on screen, an editor with
 * language choice, Run (visible tests) and Submit (hidden tests) with per-test results, and
 * debounced snapshots so the interviewer sees the code as it grows. Everything goes over RPC to
 * the agent (agent/coding/rpc.py); its refusals carry messages meant for the candidate.
 */

import { useRoomContext } from "@livekit/components-react";
import { useCallback, useEffect, useRef, useState } from "react";
import {
  type CandidateProblem,
  type JudgeAnswer,
  type Language,
  LanguageValues,
} from "../../../generated/coding";
import { CodeEditor } from "./CodeEditor";
import { LANGUAGE_LABELS, fetchProblem, judge, rpcMessage, snapshot } from "./codingRpc";

const SNAPSHOT_DEBOUNCE_MS = 2000;

interface Props {
  agentIdentity: string;
  problemId: string;
}

export function CodingPanel({ agentIdentity, problemId }: Props) {
  const room = useRoomContext();
  const [problem, setProblem] = useState<CandidateProblem | null>(null);
  const [hints, setHints] = useState<string[]>([]);
  const [language, setLanguage] = useState<Language>("python");
  const [code, setCode] = useState("");
  const [resetKey, setResetKey] = useState("");
  const [edited, setEdited] = useState(false);
  const [busy, setBusy] = useState<"run" | "submit" | null>(null);
  const [result, setResult] = useState<JudgeAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const seq = useRef(0);

  // a new problem id: fetch the problem and load the starter for the chosen language
  useEffect(() => {
    let live = true;
    setError(null);
    fetchProblem(room, agentIdentity)
      .then((view) => {
        if (!live) return;
        setProblem(view.problem);
        setHints(view.hints);
        setResult(null);
        setEdited(false);
        const starter = view.problem?.starter[language] ?? "";
        setCode(starter);
        setResetKey(`${problemId}:${language}:${Date.now()}`);
      })
      .catch((e: unknown) => live && setError(rpcMessage(e)));
    return () => {
      live = false;
    };
    // the language is read once per problem; switching it is handled below
  }, [room, agentIdentity, problemId]);

  // debounced snapshots of what the candidate typed
  useEffect(() => {
    if (!edited) return;
    const timer = window.setTimeout(() => {
      seq.current += 1;
      snapshot(room, agentIdentity, code, language, seq.current).catch(() => undefined); // best effort
    }, SNAPSHOT_DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [room, agentIdentity, code, language, edited]);

  const onEdit = useCallback((text: string) => {
    setCode(text);
    setEdited(true);
  }, []);

  const chooseLanguage = (next: Language) => {
    setLanguage(next);
    if (!edited && problem) {
      setCode(problem.starter[next]);
      setResetKey(`${problem.id}:${next}:${Date.now()}`);
    }
  };

  const submit = async (which: "run" | "submit") => {
    setBusy(which);
    setError(null);
    try {
      setResult(await judge(room, agentIdentity, which, code, language));
    } catch (e) {
      setError(rpcMessage(e));
    } finally {
      setBusy(null);
    }
  };

  return (
    <section
      className="coding"
      id="coding"
      aria-labelledby="coding-title"
      aria-busy={busy !== null}
      data-problem-id={problem?.id}
    >
      {problem ? (
        <div className="problem" id="problem">
          <h2 id="coding-title">{problem.title}</h2>
          <p className="problem-statement">{problem.statement}</p>
          {problem.examples.map((ex, i) => (
            <pre className="example" key={i}>
              {`Input: ${ex.input}\nOutput: ${ex.output}${ex.explanation ? `\n${ex.explanation}` : ""}`}
            </pre>
          ))}
          <ul className="constraints">
            {problem.constraints.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ul>
          {hints.length ? (
            <ul className="hints" aria-label="Hints">
              {hints.map((h) => (
                <li key={h}>{h}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : (
        <h2 id="coding-title">Coding exercise</h2>
      )}
      <div className="editor-bar">
        <label htmlFor="coding-language">Language </label>
        <select
          id="coding-language"
          value={language}
          onChange={(e) => chooseLanguage(e.target.value as Language)}
        >
          {LanguageValues.map((l) => (
            <option key={l} value={l}>
              {LANGUAGE_LABELS[l]}
            </option>
          ))}
        </select>
        <button
          type="button"
          className="button"
          id="coding-run"
          disabled={busy !== null || !problem}
          onClick={() => void submit("run")}
        >
          {busy === "run" ? "Running…" : "Run"}
        </button>
        <button
          type="button"
          className="button primary"
          id="coding-submit"
          disabled={busy !== null || !problem}
          onClick={() => void submit("submit")}
        >
          {busy === "submit" ? "Submitting…" : "Submit"}
        </button>
      </div>
      <CodeEditor text={code} resetKey={resetKey} language={language} label="Code editor" onChange={onEdit} />
      {error ? (
        <div className="alert error" role="alert" id="coding-error">
          {error}
        </div>
      ) : null}
      {result ? <Results result={result} /> : null}
    </section>
  );
}

function Results({ result }: { result: JudgeAnswer }) {
  const kind = result.which === "hidden" ? "Hidden tests" : "Tests";
  return (
    <div className="coding-results" id="coding-results" role="status" data-all-passed={result.all_passed}>
      <p>
        {kind}: {result.passed}/{result.total} passed · {result.run_status} · {result.time_ms} ms
      </p>
      {result.run_status === "compile_error" && result.stderr ? (
        <pre className="compile-error">{result.stderr}</pre>
      ) : null}
      <ul>
        {result.tests.map((t) => (
          <li
            key={`${t.hidden}-${t.index}`}
            className={t.passed ? "test passed" : "test failed"}
            data-passed={t.passed}
          >
            {t.hidden ? "Hidden" : "Test"} {t.index + 1}: {t.passed ? "passed" : "failed"}
            {!t.hidden && !t.passed && t.error == null
              ? ` — got ${JSON.stringify(t.got)}, expected ${JSON.stringify(t.expected)}`
              : ""}
            {t.error ? ` — ${t.error}` : ""}
          </li>
        ))}
      </ul>
      {result.stdout ? <pre className="stdout">{result.stdout}</pre> : null}
      {result.truncated ? <p className="muted">Long output and test values were shortened.</p> : null}
    </div>
  );
}
