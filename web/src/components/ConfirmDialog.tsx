/**
 * A modal confirmation before something that cannot be undone (native `<dialog>`: focus trap,
 * Escape): the question, what will happen, the error if the action failed, Cancel and the
 * action. `useConfirmation` owns the dialog element, its busy state and its error, so a page
 * only says what it confirms and what to do.
 */

import { type ReactNode, type RefObject, useEffect, useRef, useState } from "react";
import { errorText } from "../format";

/** What `ConfirmDialog` shows (the element, busy, the error) and `run`, the guarded action. */
export interface Confirmation<T> {
  ref: RefObject<HTMLDialogElement | null>;
  busy: boolean;
  error: string | null;
  run: (action: (target: T) => Promise<void>) => Promise<void>;
}

/**
 * A confirmation about one `target` (null: none): the dialog opens when a target is set and
 * closes when it is cleared; `run` performs the action with the busy state and shows a failure
 * in the dialog, unless `handleAuthError` took it (a session that ended is the gate's business).
 */
export function useConfirmation<T>(
  target: T | null,
  { handleAuthError, failure }: { handleAuthError: (e: unknown) => boolean; failure: string },
): Confirmation<T> {
  const ref = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (target !== null && !el.open) {
      setError(null);
      el.showModal();
    } else if (target === null && el.open) {
      el.close();
    }
  }, [target]);

  const run = async (action: (target: T) => Promise<void>): Promise<void> => {
    if (target === null) return;
    setBusy(true);
    try {
      await action(target);
    } catch (e) {
      if (!handleAuthError(e)) setError(`${failure}: ${errorText(e)}`);
    } finally {
      setBusy(false);
    }
  };

  return { ref, busy, error, run };
}

export function ConfirmDialog({
  confirmation: { ref, busy, error },
  name,
  title,
  children,
  confirmLabel,
  onConfirm,
  onClose,
}: {
  confirmation: Omit<Confirmation<unknown>, "run">;
  /** `#<name>-title` labels the dialog; `#confirm-<name>` is the action's button. */
  name: string;
  title: string;
  /** What will happen. */
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onClose?: () => void;
}) {
  return (
    <dialog ref={ref} className="dialog" aria-labelledby={`${name}-title`} onClose={onClose}>
      <h2 id={`${name}-title`}>{title}</h2>
      {children}
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="actions">
        <button type="button" className="button" onClick={() => ref.current?.close()}>
          Cancel
        </button>
        <button
          type="button"
          className="button danger"
          id={`confirm-${name}`}
          disabled={busy}
          onClick={onConfirm}
        >
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
