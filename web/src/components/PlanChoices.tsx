/**
 * The create form's language and length fields. The choices come from
 * `GET /api/interview-options`, built from the same lists the server validates against, so
 * the form never offers a language the interviewer cannot speak and no list is retyped here.
 * Until they load (or if they cannot), the fields say so and the form still submits: the
 * server then applies its defaults, which is what an untouched form would send anyway.
 */

import { useInterviewOptions } from "../interviewOptions";

/** The candidate's choice; `null` means "not chosen": the server's default applies. */
export interface PlanChoice {
  language: string | null;
  duration_minutes: number | null;
}

export type PlanChoiceField = keyof PlanChoice;

export function PlanChoices({
  value,
  onChange,
  errors,
  disabled = false,
}: {
  value: PlanChoice;
  onChange: (next: Partial<PlanChoice>) => void;
  errors: Partial<Record<PlanChoiceField, string>>;
  disabled?: boolean;
}) {
  const loaded = useInterviewOptions();

  const errorSlot = (field: PlanChoiceField) =>
    errors[field] ? (
      <p className="field-error" id={`${field}-error`}>
        {errors[field]}
      </p>
    ) : null;

  if (loaded.kind !== "ready") {
    return (
      <div className="field">
        <span className="label">Language and length</span>
        <p className="hint" id="plan-choices-status" aria-live="polite">
          {loaded.kind === "loading"
            ? "Loading the languages and lengths…"
            : "The language and length choices could not be loaded; the interview will be in English and last 30 minutes."}
        </p>
        {errorSlot("language")}
        {errorSlot("duration_minutes")}
      </div>
    );
  }

  const { options } = loaded;
  const language = value.language ?? options.default_language;
  const minutes = value.duration_minutes ?? options.default_duration_minutes;
  const known = options.languages.some((l) => l.code === language);
  return (
    <>
      <div className="field">
        <label htmlFor="language">Interview language</label>
        <select
          id="language"
          name="language"
          disabled={disabled}
          aria-describedby="language-hint language-error"
          aria-invalid={errors.language ? true : undefined}
          value={language}
          onChange={(e) => onChange({ language: e.target.value })}
        >
          {known ? null : (
            // a value the server no longer offers (an old draft): shown as unchosen, not as English
            <option value={language} disabled>
              Choose a language
            </option>
          )}
          {options.languages.map((l) => (
            <option key={l.code} value={l.code}>
              {l.name}
            </option>
          ))}
        </select>
        <p className="hint" id="language-hint">
          The interviewer speaks it, and your feedback is written in it.
        </p>
        {errorSlot("language")}
      </div>

      <fieldset className="field" aria-describedby="duration_minutes-error">
        <legend>Length</legend>
        <div className="choices durations">
          {options.durations_minutes.map((m) => (
            <label className="choice" key={m}>
              <input
                type="radio"
                name="duration_minutes"
                value={m}
                disabled={disabled}
                checked={minutes === m}
                onChange={() => onChange({ duration_minutes: m })}
              />
              <span className="choice-label">{m} minutes</span>
            </label>
          ))}
        </div>
        {errorSlot("duration_minutes")}
      </fieldset>
    </>
  );
}

/** Adds the chosen values to the create form (nothing when the server's default applies). */
export function appendPlanChoice(data: FormData, choice: PlanChoice): void {
  if (choice.language) data.set("language", choice.language);
  if (choice.duration_minutes) data.set("duration_minutes", String(choice.duration_minutes));
}
