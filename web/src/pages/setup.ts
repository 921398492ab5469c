/**
 * Setup: what the candidate wants to practise. The token server is the authority on
 * validation; its `{error, field}` answers are shown beside the field they name. The
 * browser only checks what would waste an upload (file type and size) or a round trip.
 */

import { ApiError, createInterview } from "../api";
import { h, mount } from "../dom";
import { navigate } from "../nav";
import { saveInterview } from "../session";

const MAX_CV_BYTES = 5 * 1024 * 1024;
const MAX_ROLE = 200;
const MAX_JD = 20_000;
const DRAFT_KEY = "setup.draft";

const LEVELS = [
  ["beginner", "Beginner", "New to the field or the topic"],
  ["intermediate", "Intermediate", "A few years of hands-on work"],
  ["advanced", "Advanced", "Senior: depth, trade-offs, leadership"],
] as const;

const TYPES = [
  ["mixed", "Mixed (a bit of everything)"],
  ["technical", "Technical questions"],
  ["coding", "Coding"],
  ["system_design", "System design"],
  ["behavioural", "Behavioural"],
] as const;

type FieldName = "role" | "level" | "interview_type" | "job_description" | "cv" | "candidate_name";

export function setupPage(): void {
  const draft = loadDraft();
  let cvFile: File | null = null;

  const errors = new Map<FieldName, HTMLElement>();
  const errorSlot = (name: FieldName): HTMLElement => {
    const el = h("p", { class: "field-error", id: `${name}-error`, hidden: true });
    errors.set(name, el);
    return el;
  };

  const role = h("input", {
    id: "role",
    name: "role",
    type: "text",
    autocomplete: "organization-title",
    placeholder: "e.g. Backend engineer (Python), Data analyst, React",
    "aria-describedby": "role-hint role-error",
    value: draft.role ?? "",
  });
  const roleCount = h("span", { class: "counter", "aria-hidden": "true" });
  const candidateName = h("input", {
    id: "candidate_name",
    name: "candidate_name",
    type: "text",
    autocomplete: "name",
    "aria-describedby": "candidate_name-error",
    value: draft.candidate_name ?? "",
  });

  const levelInputs = LEVELS.map(([value, label, hint]) =>
    h("label", { class: "choice" },
      h("input", {
        type: "radio",
        name: "level",
        value,
        checked: (draft.level ?? "intermediate") === value,
      }),
      h("span", { class: "choice-label" }, label),
      h("span", { class: "choice-hint" }, hint),
    ),
  );

  const typeSelect = h("select", {
    id: "interview_type",
    name: "interview_type",
    "aria-describedby": "interview_type-error",
  }, TYPES.map(([value, label]) =>
    h("option", { value, selected: (draft.interview_type ?? "mixed") === value }, label),
  ));

  const jd = h("textarea", {
    id: "job_description",
    name: "job_description",
    rows: 6,
    placeholder: "Paste the job advert to tailor the questions (optional)",
    "aria-describedby": "jd-hint job_description-error",
  });
  jd.value = draft.job_description ?? "";
  const jdCount = h("span", { class: "counter", id: "jd-hint" });

  // --- CV drop zone ----------------------------------------------------------------
  const fileInput = h("input", {
    id: "cv",
    name: "cv",
    type: "file",
    accept: ".pdf,.docx,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    class: "visually-hidden",
    "aria-describedby": "cv-hint cv-error",
  });
  const fileLabel = h("span", { class: "drop-file", "aria-live": "polite" });
  const removeFile = h("button", { type: "button", class: "link", hidden: true }, "Remove");
  const drop = h("div", { class: "dropzone", id: "cv-drop" },
    h("p", {},
      h("strong", {}, "Drop your CV here"), " or ",
      h("label", { for: "cv", class: "link" }, "choose a file"),
    ),
    h("p", { class: "hint", id: "cv-hint" }, "PDF or DOCX, up to 5 MB and 20 pages. Optional."),
    h("p", {}, fileLabel, " ", removeFile),
  );

  const setFile = (file: File | null): void => {
    clearError("cv");
    if (file) {
      const problem = checkFile(file);
      if (problem) {
        showError("cv", problem);
        file = null;
      }
    }
    cvFile = file;
    fileLabel.textContent = file ? `${file.name} (${formatBytes(file.size)})` : "";
    removeFile.hidden = !file;
    drop.classList.toggle("has-file", !!file);
    if (!file) fileInput.value = "";
  };
  fileInput.addEventListener("change", () => setFile(fileInput.files?.[0] ?? null));
  removeFile.addEventListener("click", () => setFile(null));
  for (const type of ["dragenter", "dragover"]) {
    drop.addEventListener(type, (e) => {
      e.preventDefault();
      drop.classList.add("dragging");
    });
  }
  for (const type of ["dragleave", "drop"]) {
    drop.addEventListener(type, () => drop.classList.remove("dragging"));
  }
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    const file = (e as DragEvent).dataTransfer?.files?.[0];
    if (file) setFile(file);
  });

  // --- form ------------------------------------------------------------------------
  const banner = h("div", { class: "alert error", role: "alert", hidden: true });
  const submit = h("button", { type: "submit", class: "button primary" }, "Continue to device check");

  const form = h("form", { class: "card form", novalidate: true, "aria-labelledby": "setup-title" },
    h("h1", { id: "setup-title" }, "Practise an interview"),
    h("p", { class: "lead" },
      "A voice interview with an AI interviewer, tailored to the role you are aiming for. ",
      "You will get written feedback afterwards.",
    ),
    banner,
    h("div", { class: "field" },
      h("label", { for: "role" }, "Role or topic ", h("span", { class: "req" }, "(required)")),
      role,
      h("p", { class: "hint", id: "role-hint" }, "What you are interviewing for. ", roleCount),
      errorSlot("role"),
    ),
    h("fieldset", { class: "field", "aria-describedby": "level-error" },
      h("legend", {}, "Your level"),
      h("div", { class: "choices" }, levelInputs),
      errorSlot("level"),
    ),
    h("div", { class: "field" },
      h("label", { for: "interview_type" }, "Interview type"),
      typeSelect,
      errorSlot("interview_type"),
    ),
    h("div", { class: "field" },
      h("label", { for: "job_description" }, "Job description ", h("span", { class: "opt" }, "(optional)")),
      jd,
      jdCount,
      errorSlot("job_description"),
    ),
    h("div", { class: "field" },
      h("span", { class: "label" }, "CV ", h("span", { class: "opt" }, "(optional)")),
      fileInput,
      drop,
      errorSlot("cv"),
    ),
    h("div", { class: "field" },
      h("label", { for: "candidate_name" }, "Your name ", h("span", { class: "opt" }, "(optional)")),
      candidateName,
      errorSlot("candidate_name"),
    ),
    h("div", { class: "actions" }, submit),
  );

  const updateCounts = (): void => {
    roleCount.textContent = `${role.value.length}/${MAX_ROLE}`;
    roleCount.classList.toggle("over", role.value.length > MAX_ROLE);
    jdCount.textContent = `${jd.value.length.toLocaleString()}/${MAX_JD.toLocaleString()} characters`;
    jdCount.classList.toggle("over", jd.value.length > MAX_JD);
  };
  role.addEventListener("input", () => {
    clearError("role");
    updateCounts();
  });
  jd.addEventListener("input", () => {
    clearError("job_description");
    updateCounts();
  });
  updateCounts();

  function showError(field: string, message: string): void {
    const slot = errors.get(field as FieldName);
    if (!slot) {
      banner.textContent = message;
      banner.hidden = false;
      return;
    }
    slot.textContent = message;
    slot.hidden = false;
    const control = form.querySelector<HTMLElement>(`[name="${field}"]`);
    control?.setAttribute("aria-invalid", "true");
    if (field === "cv") drop.classList.add("invalid");
  }

  function clearError(field: FieldName): void {
    const slot = errors.get(field);
    if (slot) {
      slot.hidden = true;
      slot.textContent = "";
    }
    form.querySelector(`[name="${field}"]`)?.removeAttribute("aria-invalid");
    if (field === "cv") drop.classList.remove("invalid");
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    banner.hidden = true;
    for (const name of errors.keys()) clearError(name);

    if (!role.value.trim()) {
      showError("role", "Tell us the role or topic you want to practise.");
      role.focus();
      return;
    }
    const data = new FormData();
    data.set("role", role.value.trim());
    data.set("level", (form.querySelector<HTMLInputElement>('input[name="level"]:checked')?.value) ?? "intermediate");
    data.set("interview_type", typeSelect.value);
    if (jd.value.trim()) data.set("job_description", jd.value);
    if (candidateName.value.trim()) data.set("candidate_name", candidateName.value.trim());
    if (cvFile) data.set("cv", cvFile, cvFile.name);
    saveDraft({
      role: role.value,
      level: data.get("level") as string,
      interview_type: typeSelect.value,
      job_description: jd.value,
      candidate_name: candidateName.value,
    });

    submit.disabled = true;
    submit.textContent = cvFile ? "Reading your CV…" : "Preparing your interview…";
    form.setAttribute("aria-busy", "true");
    try {
      const created = await createInterview(data);
      saveInterview(created);
      navigate("/check");
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(0, String(e));
      if (err.field) {
        showError(err.field, err.message);
        form.querySelector<HTMLElement>(`[name="${err.field}"]`)?.focus();
        if (err.field === "cv") drop.scrollIntoView({ block: "center" });
      } else if (err.status === 429) {
        showError("", "Too many interviews were started from this address. Wait a minute and try again.");
      } else {
        showError("", err.message);
      }
    } finally {
      submit.disabled = false;
      submit.textContent = "Continue to device check";
      form.removeAttribute("aria-busy");
    }
  });

  mount(form);
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

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

interface Draft {
  role?: string;
  level?: string;
  interview_type?: string;
  job_description?: string;
  candidate_name?: string;
}

function loadDraft(): Draft {
  try {
    return JSON.parse(sessionStorage.getItem(DRAFT_KEY) ?? "{}") as Draft;
  } catch {
    return {};
  }
}

function saveDraft(draft: Draft): void {
  sessionStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
}
