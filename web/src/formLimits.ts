/**
 * The create form's length limits, read from the server's OpenAPI document (one source: the
 * handler's own constants), and characters counted the way the server counts them: Unicode
 * code points (Python's `len`), not UTF-16 units — an emoji is one character, not two.
 */

export interface FormLimits {
  role: number;
  job_description: number;
  candidate_name: number;
}

/** Used until (or if) the document cannot be read; the server still enforces its own. */
export const FALLBACK_LIMITS: FormLimits = { role: 200, job_description: 20_000, candidate_name: 100 };

export function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

interface OpenApiForm {
  paths?: Record<
    string,
    Record<string, { requestBody?: { content?: Record<string, { schema?: FormSchema }> } }>
  >;
}
interface FormSchema {
  properties?: Record<string, { maxLength?: number }>;
}

export async function loadFormLimits(): Promise<FormLimits> {
  const response = await fetch("/api/openapi.json");
  if (!response.ok) return FALLBACK_LIMITS;
  const doc = (await response.json()) as OpenApiForm;
  const props =
    doc.paths?.["/api/interviews"]?.post?.requestBody?.content?.["multipart/form-data"]?.schema?.properties ??
    {};
  const pick = (name: keyof FormLimits): number => props[name]?.maxLength ?? FALLBACK_LIMITS[name];
  return {
    role: pick("role"),
    job_description: pick("job_description"),
    candidate_name: pick("candidate_name"),
  };
}
