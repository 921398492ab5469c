/** A short status message that survives navigation (e.g. "Interview deleted." after a redirect). */

import { useEffect, useState } from "react";

const TOAST_EVENT = "app:toast";

export function toast(message: string): void {
  window.dispatchEvent(new CustomEvent<string>(TOAST_EVENT, { detail: message }));
}

export function ToastHost() {
  const [message, setMessage] = useState<string | null>(null);
  useEffect(() => {
    let timer = 0;
    const show = (event: Event): void => {
      setMessage((event as CustomEvent<string>).detail);
      window.clearTimeout(timer);
      timer = window.setTimeout(() => setMessage(null), 3500);
    };
    window.addEventListener(TOAST_EVENT, show);
    return () => {
      window.removeEventListener(TOAST_EVENT, show);
      window.clearTimeout(timer);
    };
  }, []);
  return (
    <div id="toast" role="status" aria-live="polite" className={message ? "show" : undefined}>
      {message}
    </div>
  );
}
