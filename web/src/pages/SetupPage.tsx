/**
 * Setup: what the candidate wants to practise. The token server is the authority on
 * validation; its `{error, field}` answers are shown beside the field they name. The
 * browser only checks what would waste an upload (file type and size) or a round trip.
 */

import { type DragEvent, type FormEvent, useEffect, useRef, useState } from "react";
import { ApiError, createInterview } from "../api";
import { ConsentStep } from "../components/ConsentStep";
import { appendPlanChoice, type PlanChoice, PlanChoices } from "../components/PlanChoices";
import { formatBytes } from "../format";
import { codePoints, FALLBACK_LIMITS, type FormLimits, loadFormLimits } from "../formLimits";
import { type InterviewType, InterviewTypeValues, type Level, LevelValues } from "../generated/contracts";
import { navigate } from "../router";
import { saveInterview } from "../session";

const MAX_CV_BYTES = 5 * 1024 * 1024;
const DRAFT_KEY = "setup.draft";

/** Copy for each level the contract defines; `Record<Level, …>` fails to compile if one is missing. */
const LEVEL_COPY: Record<Level, [label: string, hint: string]> = {
  beginner: ["Beginner", "New to the field or the topic"],
  intermediate: ["Intermediate", "A few years of hands-on work"],
  advanced: ["Advanced", "Senior: depth, trade-offs, leadership"],
};

const TYPE_COPY: Record<InterviewType, string> = {
  mixed: "Mixed (a bit of everything)",
  technical: "Technical questions",
  coding: "Coding",
  system_design: "System design",
  behavioural: "Behavioural",
  frontend: "Frontend engineering",
  backend: "Backend engineering",
  data_ml: "Data and machine learning",
  custom: "Any other role (sales, nursing, marketing…)",
};

const FIELDS = [
  "role",
  "level",
  "interview_type",
  "language",
  "duration_minutes",
  "job_description",
  "cv",
  "candidate_name",
] as const;
type FieldName = (typeof FIELDS)[number];
const isField = (name: string | null): name is FieldName => FIELDS.includes(name as FieldName);

interface Draft extends PlanChoice {
  role: string;
  level: Level;
  interview_type: InterviewType;
  job_description: string;
  candidate_name: string;
}

function loadDraft(): Draft {
  const empty: Draft = {
    role: "",
    level: "intermediate",
    interview_type: "mixed",
    language: null,
    duration_minutes: null,
    job_description: "",
    candidate_name: "",
  };
  try {
    return { ...empty, ...(JSON.parse(sessionStorage.getItem(DRAFT_KEY) ?? "{}") as Partial<Draft>) };
  } catch {
    return empty;
  }
}

function checkFile(file: File): string | null {
  const name = file.name.toLowerCase();
  if (!name.endsWith(".pdf") && !name.endsWith(".docx")) {
    return "Upload your CV as a PDF or a Word (.docx) file.";
  }
  if (file.size > MAX_CV_BYTES) {
    return `That file is ${formatBytes(file.size)}; the limit is 5 MB. Try exporting a smaller PDF.`;
  }
  if (file.size === 0) return "That file is empty.";
  return null;
}

export function SetupPage() {
  const [draft, setDraft] = useState<Draft>(loadDraft);
  const [cv, setCv] = useState<File | null>(null);
  const [errors, setErrors] = useState<Partial<Record<FieldName, string>>>({});
  const [banner, setBanner] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const [busy, setBusy] = useState(false);
  const [pending, setPending] = useState<FormData | null>(null);
  const form = useRef<HTMLFormElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const [limits, setLimits] = useState<FormLimits>(FALLBACK_LIMITS);
  useEffect(() => {
    loadFormLimits().then(setLimits, () => undefined);
  }, []);

  const update = <K extends keyof Draft>(key: K, value: Draft[K]): void => {
    setDraft((d) => ({ ...d, [key]: value }));
    clearError(key);
  };
  const clearError = (field: FieldName): void => setErrors((e) => ({ ...e, [field]: undefined }));

  const chooseFile = (file: File | null): void => {
    const problem = file ? checkFile(file) : null;
    setErrors((e) => ({ ...e, cv: problem ?? undefined }));
    const accepted = problem ? null : file;
    setCv(accepted);
    if (!accepted && fileInput.current) fileInput.current.value = "";
  };

  const onDrop = (event: DragEvent<HTMLDivElement>): void => {
    event.preventDefault();
    setDragging(false);
    const file = event.dataTransfer.files[0];
    if (file) chooseFile(file);
  };
  const onDragOver = (event: DragEvent<HTMLDivElement>): void => {
    event.preventDefault();
    setDragging(true);
  };

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setBanner(null);
    setErrors({});
    if (!draft.role.trim()) {
      setErrors({ role: "Tell us the role or topic you want to practise." });
      form.current?.querySelector<HTMLElement>("[name=role]")?.focus();
      return;
    }
    // the limits the server applies, counted as it counts (code points): say so at the field
    // instead of sending a form that will be refused
    for (const field of ["role", "job_description", "candidate_name"] as const) {
      const length = codePoints(draft[field]);
      if (length > limits[field]) {
        setErrors({
          [field]: `This is ${length.toLocaleString()} characters; keep it to ${limits[field].toLocaleString()}.`,
        });
        form.current?.querySelector<HTMLElement>(`[name=${field}]`)?.focus();
        return;
      }
    }
    const data = new FormData();
    data.set("role", draft.role.trim());
    data.set("level", draft.level);
    data.set("interview_type", draft.interview_type);
    appendPlanChoice(data, draft);
    if (draft.job_description.trim()) data.set("job_description", draft.job_description);
    if (draft.candidate_name.trim()) data.set("candidate_name", draft.candidate_name.trim());
    if (cv) data.set("cv", cv, cv.name);
    sessionStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
    setPending(data); // the consent notice comes next; nothing is sent before the agreement
  };

  const send = async (data: FormData): Promise<void> => {
    data.set("consent", "true");
    setBusy(true);
    try {
      const created = saveInterview(await createInterview(data));
      // a plan still being written: its progress page continues to the device check
      navigate(created.status === "preparing" ? "/preparing" : "/check");
    } catch (e) {
      setPending(null);
      const err = e instanceof ApiError ? e : new ApiError(0, String(e));
      if (isField(err.field)) {
        const field = err.field;
        setErrors({ [field]: err.message });
        window.setTimeout(() => {
          form.current?.querySelector<HTMLElement>(`[name="${field}"]`)?.focus();
          if (field === "cv") document.getElementById("cv-drop")?.scrollIntoView({ block: "center" });
        });
      } else if (err.status === 429) {
        setBanner("Too many interviews were started from this address. Wait a minute and try again.");
      } else {
        setBanner(err.message);
      }
    } finally {
      setBusy(false);
    }
  };

  const invalid = (field: FieldName): true | undefined => (errors[field] ? true : undefined);
  const errorSlot = (field: FieldName) =>
    errors[field] ? (
      <p className="field-error" id={`${field}-error`}>
        {errors[field]}
      </p>
    ) : null;

  if (pending) {
    return <ConsentStep busy={busy} onAgree={() => void send(pending)} onBack={() => setPending(null)} />;
  }

  return (
    <form
      ref={form}
      className="card form"
      noValidate
      aria-labelledby="setup-title"
      aria-busy={busy || undefined}
      onSubmit={(e) => void submit(e)}
    >
      <h1 id="setup-title">Practise an interview</h1>
      <p className="lead">
        A voice interview with an AI interviewer, tailored to the role you are aiming for. You will get
        written feedback afterwards.
      </p>
      {banner ? (
        <div className="alert error" role="alert">
          {banner}
        </div>
      ) : null}

      <div className="field">
        <label htmlFor="role">
          Role or topic <span className="req">(required)</span>
        </label>
        <input
          id="role"
          name="role"
          type="text"
          autoComplete="organization-title"
          placeholder="e.g. Backend engineer (Python), Data analyst, React"
          aria-describedby="role-hint role-error"
          aria-invalid={invalid("role")}
          value={draft.role}
          onChange={(e) => update("role", e.target.value)}
        />
        <p className="hint" id="role-hint">
          What you are interviewing for.{" "}
          <span
            className={`counter${codePoints(draft.role) > limits.role ? " over" : ""}`}
            aria-hidden="true"
          >
            {codePoints(draft.role)}/{limits.role}
          </span>
        </p>
        {errorSlot("role")}
      </div>

      <fieldset className="field" aria-describedby="level-error">
        <legend>Your level</legend>
        <div className="choices">
          {LevelValues.map((level) => (
            <label className="choice" key={level}>
              <input
                type="radio"
                name="level"
                value={level}
                checked={draft.level === level}
                onChange={() => update("level", level)}
              />
              <span className="choice-label">{LEVEL_COPY[level][0]}</span>
              <span className="choice-hint">{LEVEL_COPY[level][1]}</span>
            </label>
          ))}
        </div>
        {errorSlot("level")}
      </fieldset>

      <div className="field">
        <label htmlFor="interview_type">Interview type</label>
        <select
          id="interview_type"
          name="interview_type"
          aria-describedby="interview_type-error"
          aria-invalid={invalid("interview_type")}
          value={draft.interview_type}
          onChange={(e) => update("interview_type", e.target.value as InterviewType)}
        >
          {InterviewTypeValues.map((t) => (
            <option key={t} value={t}>
              {TYPE_COPY[t]}
            </option>
          ))}
        </select>
        {errorSlot("interview_type")}
      </div>

      <PlanChoices
        value={draft}
        onChange={(next) => {
          setDraft((d) => ({ ...d, ...next }));
          setErrors((e) => ({ ...e, language: undefined, duration_minutes: undefined }));
        }}
        errors={errors}
      />

      <div className="field">
        <label htmlFor="job_description">
          Job description <span className="opt">(optional)</span>
        </label>
        <textarea
          id="job_description"
          name="job_description"
          rows={6}
          placeholder="Paste the job advert to tailor the questions (optional)"
          aria-describedby="jd-hint job_description-error"
          aria-invalid={invalid("job_description")}
          value={draft.job_description}
          onChange={(e) => update("job_description", e.target.value)}
        />
        <span
          className={`counter${codePoints(draft.job_description) > limits.job_description ? " over" : ""}`}
          id="jd-hint"
        >
          {codePoints(draft.job_description).toLocaleString()}/{limits.job_description.toLocaleString()}{" "}
          characters
        </span>
        {errorSlot("job_description")}
      </div>

      <div className="field">
        <span className="label">
          CV <span className="opt">(optional)</span>
        </span>
        <input
          ref={fileInput}
          id="cv"
          name="cv"
          type="file"
          accept=".pdf,.docx,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document"
          className="visually-hidden"
          aria-describedby="cv-hint cv-error"
          aria-invalid={invalid("cv")}
          onChange={(e) => chooseFile(e.target.files?.[0] ?? null)}
        />
        <div
          id="cv-drop"
          className={["dropzone", dragging && "dragging", cv && "has-file", errors.cv && "invalid"]
            .filter(Boolean)
            .join(" ")}
          onDragEnter={onDragOver}
          onDragOver={onDragOver}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          <p>
            <strong>Drop your CV here</strong> or{" "}
            <label htmlFor="cv" className="link">
              choose a file
            </label>
          </p>
          <p className="hint" id="cv-hint">
            PDF or DOCX, up to 5 MB and 20 pages. Optional.
          </p>
          <p>
            <span className="drop-file" aria-live="polite">
              {cv ? `${cv.name} (${formatBytes(cv.size)})` : ""}
            </span>{" "}
            {cv ? (
              <button type="button" className="link" onClick={() => chooseFile(null)}>
                Remove
              </button>
            ) : null}
          </p>
        </div>
        {errorSlot("cv")}
      </div>

      <div className="field">
        <label htmlFor="candidate_name">
          Your name <span className="opt">(optional)</span>
        </label>
        <input
          id="candidate_name"
          name="candidate_name"
          type="text"
          autoComplete="name"
          aria-describedby="candidate_name-error"
          aria-invalid={invalid("candidate_name")}
          value={draft.candidate_name}
          onChange={(e) => update("candidate_name", e.target.value)}
        />
        {errorSlot("candidate_name")}
      </div>

      <div className="actions">
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? (cv ? "Reading your CV…" : "Preparing your interview…") : "Continue to device check"}
        </button>
      </div>
    </form>
  );
}
