/** "Delete interview" with a modal confirmation (native `<dialog>`: focus trap, Escape). */

import { useRef, useState } from "react";
import { deleteInterview } from "../../api";
import { toast } from "../../components/Toast";
import { errorText } from "../../format";
import type { InterviewDetail } from "../../generated/contracts";
import { navigate } from "../../router";
import type { RecruiterAuth } from "./RecruiterAuth";

export function DeleteInterview({ record, auth }: { record: InterviewDetail; auth: RecruiterAuth }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const confirm = async (): Promise<void> => {
    setBusy(true);
    try {
      await deleteInterview(auth.token, record.id);
      dialog.current?.close();
      toast("Interview deleted.");
      navigate("/recruiter", { replace: true });
    } catch (e) {
      if (!auth.handleAuthError(e)) setError(`Could not delete: ${errorText(e)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <button type="button" className="button danger" id="delete" onClick={() => dialog.current?.showModal()}>
        Delete interview
      </button>
      <dialog ref={dialog} className="dialog" aria-labelledby="del-title">
        <h2 id="del-title">Delete this interview?</h2>
        <p>The record, transcript, report and recordings are removed for good. This cannot be undone.</p>
        {error ? (
          <p className="field-error" role="alert">
            {error}
          </p>
        ) : null}
        <div className="actions">
          <button type="button" className="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button
            type="button"
            className="button danger"
            id="confirm-delete"
            disabled={busy}
            onClick={() => void confirm()}
          >
            Delete permanently
          </button>
        </div>
      </dialog>
    </>
  );
}
