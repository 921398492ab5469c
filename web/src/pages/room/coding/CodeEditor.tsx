/**
 * CodeMirror 6 in a React component. The editor owns its document (no React re-render per
 * keystroke); the parent hears changes through `onChange` and replaces the text by changing `resetKey`.
 */

import { EditorView, basicSetup } from "codemirror";
import { Compartment, EditorState } from "@codemirror/state";
import { python } from "@codemirror/lang-python";
import { javascript } from "@codemirror/lang-javascript";
import { cpp } from "@codemirror/lang-cpp";
import { useEffect, useRef } from "react";
import type { Language } from "../../../generated/coding";

const LANGUAGE_SUPPORT = { python, javascript, cpp } as const;

interface Props {
  text: string;
  resetKey: string;
  language: Language;
  label: string;
  onChange: (text: string) => void;
}

export function CodeEditor({ text, resetKey, language, label, onChange }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const languageSlot = useRef(new Compartment());
  const changed = useRef(onChange);
  changed.current = onChange;

  useEffect(() => {
    if (!host.current) return;
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: "",
        extensions: [
          basicSetup,
          languageSlot.current.of([]),
          EditorView.contentAttributes.of({ "aria-label": label }),
          EditorView.updateListener.of((u) => {
            if (
              u.docChanged &&
              u.transactions.some(
                (t) =>
                  t.isUserEvent("input") ||
                  t.isUserEvent("delete") ||
                  t.isUserEvent("undo") ||
                  t.isUserEvent("redo") ||
                  t.isUserEvent("move"),
              )
            ) {
              changed.current(u.state.doc.toString());
            }
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
  }, [label]);

  useEffect(() => {
    view.current?.dispatch({ effects: languageSlot.current.reconfigure(LANGUAGE_SUPPORT[language]()) });
  }, [language]);

  useEffect(() => {
    const editor = view.current;
    if (editor && editor.state.doc.toString() !== text) {
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: text } });
    }
    // only an explicit reset replaces the candidate's text
  }, [resetKey]);

  return <div className="code-editor" ref={host} />;
}
