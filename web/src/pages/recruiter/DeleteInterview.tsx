/** "Delete interview", after a confirmation. */

import { useRef, useState } from "react";
import { deleteInterview } from "../../api";
import { ConfirmDialog } from "../../components/ConfirmDialog";
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
      <ConfirmDialog
        ref={dialog}
        name="delete"
        title="Delete this interview?"
        error={error}
        busy={busy}
        confirmLabel="Delete permanently"
        onConfirm={() => void confirm()}
      >
        <p>The record, transcript, report and recordings are removed for good. This cannot be undone.</p>
      </ConfirmDialog>
    </>
  );
}
