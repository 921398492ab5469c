/**
 * Device check: see yourself, watch the microphone meter move, pick devices. Browser
 * permission errors are translated into what the candidate can actually do about them.
 */

import { h, mount } from "../dom";
import { navigate } from "../nav";
import { chosenDevices, currentInterview, saveDevices } from "../session";
import { noSession } from "./common";

export function deviceCheckPage(): (() => void) | void {
  const session = currentInterview();
  if (!session) {
    noSession();
    return;
  }
  const choice = chosenDevices();
  let stream: MediaStream | null = null;
  let audioCtx: AudioContext | null = null;
  let raf = 0;
  let cameraEnabled = choice.cameraEnabled;

  const video = h("video", { autoplay: true, muted: true, playsinline: true, class: "preview mirror", "aria-label": "Your camera preview" });
  const noCamera = h("div", { class: "preview placeholder", hidden: true }, "Camera off");
  const meterFill = h("div", { class: "meter-fill" });
  const meter = h("div", {
    class: "meter",
    role: "meter",
    "aria-label": "Microphone level",
    "aria-valuemin": 0,
    "aria-valuemax": 100,
    "aria-valuenow": 0,
  }, meterFill);
  const micHint = h("p", { class: "hint" }, "Say something: the bar should move.");
  const micSelect = h("select", { id: "mic-select" });
  const camSelect = h("select", { id: "cam-select" });
  const camToggle = h("input", { type: "checkbox", id: "cam-toggle", checked: cameraEnabled });
  const problem = h("div", { class: "alert error", role: "alert", hidden: true });
  const retry = h("button", { type: "button", class: "button", hidden: true }, "Try again");
  const join = h("button", { type: "button", class: "button primary", disabled: true }, "Join the interview");

  const stop = (): void => {
    cancelAnimationFrame(raf);
    stream?.getTracks().forEach((t) => t.stop());
    stream = null;
    void audioCtx?.close();
    audioCtx = null;
  };

  const start = async (): Promise<void> => {
    stop();
    problem.hidden = true;
    retry.hidden = true;
    join.disabled = true;
    if (!navigator.mediaDevices?.getUserMedia) {
      showProblem(
        "This page cannot use your camera or microphone because it is not served securely. " +
          "Open it over https:// (or on localhost).",
      );
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: micSelect.value ? { deviceId: { exact: micSelect.value } } : true,
        video: cameraEnabled
          ? camSelect.value
            ? { deviceId: { exact: camSelect.value }, width: 640, height: 480 }
            : { width: 640, height: 480 }
          : false,
      });
    } catch (e) {
      showProblem(explainMediaError(e, cameraEnabled));
      return;
    }
    video.srcObject = stream;
    video.hidden = !cameraEnabled;
    noCamera.hidden = cameraEnabled;
    await listDevices();
    startMeter(stream);
    join.disabled = false;
  };

  const showProblem = (message: string): void => {
    problem.textContent = message;
    problem.hidden = false;
    retry.hidden = false;
  };

  const listDevices = async (): Promise<void> => {
    const devices = await navigator.mediaDevices.enumerateDevices();
    const fill = (select: HTMLSelectElement, kind: MediaDeviceKind, track?: MediaStreamTrack) => {
      const current = track?.getSettings().deviceId ?? select.value;
      select.replaceChildren(
        ...devices
          .filter((d) => d.kind === kind)
          .map((d, i) => h("option", { value: d.deviceId, selected: d.deviceId === current }, d.label || `Device ${i + 1}`)),
      );
    };
    fill(micSelect, "audioinput", stream?.getAudioTracks()[0]);
    fill(camSelect, "videoinput", stream?.getVideoTracks()[0]);
  };

  const startMeter = (s: MediaStream): void => {
    const track = s.getAudioTracks()[0];
    if (!track) return;
    audioCtx = new AudioContext();
    const source = audioCtx.createMediaStreamSource(new MediaStream([track]));
    const analyser = audioCtx.createAnalyser();
    analyser.fftSize = 1024;
    source.connect(analyser);
    const data = new Float32Array(analyser.fftSize);
    let heard = false;
    const tick = (): void => {
      analyser.getFloatTimeDomainData(data);
      let sum = 0;
      for (const v of data) sum += v * v;
      const rms = Math.sqrt(sum / data.length);
      // speech sits around -30..-10 dBFS; map -60..0 dB onto the bar
      const db = 20 * Math.log10(rms || 1e-8);
      const level = Math.max(0, Math.min(100, ((db + 60) / 60) * 100));
      meterFill.style.width = `${level}%`;
      meter.setAttribute("aria-valuenow", String(Math.round(level)));
      if (level > 35 && !heard) {
        heard = true;
        micHint.textContent = "We can hear you.";
      }
      raf = requestAnimationFrame(tick);
    };
    tick();
  };

  micSelect.addEventListener("change", () => void start());
  camSelect.addEventListener("change", () => void start());
  camToggle.addEventListener("change", () => {
    cameraEnabled = camToggle.checked;
    void start();
  });
  retry.addEventListener("click", () => void start());
  join.addEventListener("click", () => {
    saveDevices({
      audioDeviceId: micSelect.value || undefined,
      videoDeviceId: camSelect.value || undefined,
      cameraEnabled,
    });
    stop();
    navigate("/room");
  });

  mount(
    h("section", { class: "card", "aria-labelledby": "check-title" },
      h("h1", { id: "check-title" }, "Check your camera and microphone"),
      h("p", { class: "lead" },
        "The interviewer listens to you and sees your camera. Use headphones if you can, so it does not hear itself.",
      ),
      problem,
      h("div", { class: "check-grid" },
        h("div", { class: "preview-wrap" }, video, noCamera),
        h("div", { class: "check-controls" },
          h("div", { class: "field" },
            h("label", { for: "mic-select" }, "Microphone"),
            micSelect,
            meter,
            micHint,
          ),
          h("div", { class: "field" },
            h("label", { for: "cam-select" }, "Camera"),
            camSelect,
            h("label", { class: "inline" }, camToggle, " Use my camera"),
          ),
          h("div", { class: "actions" }, retry, join),
          h("p", { class: "hint" }, "Your interview link is valid for a limited time. Join when you are ready."),
        ),
      ),
    ),
  );
  void start();
  return stop;
}

export function explainMediaError(error: unknown, wantedCamera: boolean): string {
  const name = error instanceof DOMException ? error.name : "";
  const what = wantedCamera ? "camera and microphone" : "microphone";
  switch (name) {
    case "NotAllowedError":
    case "PermissionDeniedError":
      return (
        `Your browser blocked access to the ${what}. Click the camera icon in the address bar ` +
        "(or open the site settings), allow access, then press “Try again”."
      );
    case "NotFoundError":
    case "DevicesNotFoundError":
      return `No ${what} was found. Plug one in, or untick “Use my camera” to continue with audio only.`;
    case "NotReadableError":
    case "TrackStartError":
      return `Your ${what} is in use by another application (a video call?). Close it and press “Try again”.`;
    case "OverconstrainedError":
      return "The selected device is no longer available. Pick another one and try again.";
    case "SecurityError":
      return "Camera and microphone access is disabled for this page (insecure connection or a browser policy).";
    default:
      return `We could not start your ${what}: ${error instanceof Error ? error.message : String(error)}`;
  }
}
