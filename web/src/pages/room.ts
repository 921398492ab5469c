/**
 * The interview room. Connection problems always end on a panel that says what went
 * wrong and offers the next step (retry, set up again), never on a blank page.
 */

import {
  DisconnectReason,
  type Participant,
  type RemoteParticipant,
  type RemoteTrack,
  Room,
  RoomEvent,
  Track,
} from "livekit-client";
import { h, mount } from "../dom";
import {
  AGENT_STATE_ATTRIBUTE,
  Captions,
  classifyConnectError,
  ENDS_AT_ATTRIBUTE,
  type ConnectFailure,
  PHASE_ATTRIBUTE,
  PHASE_LABELS,
  REMAINING_ATTRIBUTE,
  STATE_TOPIC,
} from "../livekit";
import { navigate } from "../nav";
import { type CandidateSession, chosenDevices, currentInterview, tokenSecondsLeft } from "../session";
import { errorPanel, noSession } from "./common";

const CONNECT_TIMEOUT_MS = 15_000;
/** How long we wait for the interviewer to join before saying so. `?agent_wait=` overrides. */
const DEFAULT_AGENT_WAIT_S = 30;

const STATE_LABELS: Record<string, string> = {
  initializing: "Getting ready…",
  idle: "Waiting",
  listening: "Listening",
  thinking: "Thinking…",
  speaking: "Speaking",
};

export function roomPage(): (() => void) | void {
  const session = currentInterview();
  if (!session) {
    noSession();
    return;
  }
  const controller = new RoomController(session);
  void controller.start();
  return () => controller.dispose();
}

class RoomController {
  private readonly session: CandidateSession;
  private room: Room | null = null;
  private disposed = false;
  private leaving = false;
  private agent: RemoteParticipant | null = null;
  private agentSeen = false;
  private agentTimer = 0;
  private clockTimer = 0;
  private remaining: { seconds: number; at: number } | null = null;
  private lastRemainingRaw: string | undefined;
  private readonly agentWaitS: number;

  // view
  private readonly stage = h("div", { class: "stage" });
  private readonly orb = h("div", { class: "orb", "data-state": "connecting", "aria-hidden": "true" });
  private readonly agentLabel = h("p", { class: "agent-state", "aria-live": "polite" }, "Connecting…");
  private readonly phaseLabel = h("span", { class: "phase", id: "phase" }, "—");
  private readonly clock = h("span", { class: "clock", id: "remaining", "aria-label": "Time left" }, "");
  private readonly selfView = h("video", { class: "self-view mirror", autoplay: true, muted: true, playsinline: true, "aria-label": "Your camera" });
  private readonly captionsBox = h("div", { class: "captions", id: "captions", "aria-live": "polite", "aria-label": "Live captions" });
  private readonly notice = h("div", { class: "alert info", role: "status", hidden: true });
  private readonly audioSink = h("div", { hidden: true });
  private readonly micButton = h("button", { type: "button", class: "control", "aria-pressed": "false" }, "Mute");
  private readonly camButton = h("button", { type: "button", class: "control", "aria-pressed": "false" }, "Stop camera");
  private readonly shareButton = h("button", { type: "button", class: "control", "aria-pressed": "false" }, "Share screen");
  private readonly captionButton = h("button", { type: "button", class: "control", "aria-pressed": "true" }, "Captions");
  private readonly leaveButton = h("button", { type: "button", class: "control danger" }, "Leave");
  private readonly audioButton = h("button", { type: "button", class: "button primary", hidden: true }, "Click to hear the interviewer");

  constructor(session: CandidateSession) {
    this.session = session;
    const wait = Number(new URLSearchParams(location.search).get("agent_wait"));
    this.agentWaitS = Number.isFinite(wait) && wait > 0 ? wait : DEFAULT_AGENT_WAIT_S;
  }

  async start(): Promise<void> {
    const left = tokenSecondsLeft(this.session.participant_token, this.session.created_at);
    if (left !== null && left <= 0) {
      this.fail({ kind: "expired", detail: "the participant token's exp is in the past" });
      return;
    }
    this.leaving = false;
    this.lastRemainingRaw = undefined;
    this.renderConnecting();
    const room = new Room({ adaptiveStream: true, dynacast: true });
    this.room = room;
    this.wire(room);
    try {
      await withTimeout(room.connect(this.session.server_url, this.session.participant_token), CONNECT_TIMEOUT_MS);
    } catch (e) {
      if (this.disposed) return;
      this.leaving = true; // the Disconnected event below is ours, not a lost connection
      await room.disconnect().catch(() => undefined);
      this.fail(classifyConnectError(e));
      return;
    }
    if (this.disposed) {
      await room.disconnect();
      return;
    }
    this.renderRoom();
    await this.publish(room);
    this.findAgent(room);
    if (!this.agent) {
      this.agentTimer = window.setTimeout(() => this.agentNeverJoined(), this.agentWaitS * 1000);
    }
  }

  dispose(): void {
    this.disposed = true;
    window.clearTimeout(this.agentTimer);
    window.clearInterval(this.clockTimer);
    this.leaving = true;
    void this.room?.disconnect();
    this.room = null;
  }

  // --- wiring -------------------------------------------------------------------

  private wire(room: Room): void {
    new Captions((segments) => this.renderCaptions(segments)).attach(room);
    room.registerTextStreamHandler(STATE_TOPIC, async (reader) => {
      try {
        const state = JSON.parse(await reader.readAll()) as { phase?: unknown; remaining_s?: unknown };
        if (typeof state.phase === "string") this.setPhase(state.phase);
        if (state.remaining_s !== undefined) this.setRemaining(Number(state.remaining_s));
      } catch {
        // ignore malformed state updates
      }
    });
    room
      .on(RoomEvent.ParticipantConnected, () => this.findAgent(room))
      .on(RoomEvent.ParticipantAttributesChanged, (_changed, participant) => {
        if (participant === this.agent || isAgent(participant)) {
          this.findAgent(room);
          this.readAgentAttributes();
        }
      })
      .on(RoomEvent.ParticipantDisconnected, (participant) => {
        if (participant === this.agent) this.agentLeft();
      })
      .on(RoomEvent.TrackSubscribed, (track: RemoteTrack, _pub, participant) => {
        if (track.kind === Track.Kind.Audio) {
          const el = track.attach();
          el.dataset.identity = participant.identity;
          this.audioSink.appendChild(el);
        }
      })
      .on(RoomEvent.TrackUnsubscribed, (track: RemoteTrack) => {
        track.detach().forEach((el) => el.remove());
      })
      .on(RoomEvent.AudioPlaybackStatusChanged, () => {
        this.audioButton.hidden = room.canPlaybackAudio;
      })
      .on(RoomEvent.Reconnecting, () => this.showNotice("Connection lost. Reconnecting…"))
      .on(RoomEvent.Reconnected, () => this.showNotice(null))
      .on(RoomEvent.LocalTrackPublished, () => this.syncControls())
      .on(RoomEvent.LocalTrackUnpublished, () => this.syncControls())
      .on(RoomEvent.TrackMuted, () => this.syncControls())
      .on(RoomEvent.TrackUnmuted, () => this.syncControls())
      .on(RoomEvent.Disconnected, (reason?: DisconnectReason) => {
        if (room === this.room) this.disconnected(reason);
      });
  }

  private async publish(room: Room): Promise<void> {
    const devices = chosenDevices();
    const lp = room.localParticipant;
    try {
      await lp.setMicrophoneEnabled(true, devices.audioDeviceId ? { deviceId: devices.audioDeviceId } : undefined);
    } catch (e) {
      this.showNotice(`Your microphone could not be started (${errorName(e)}). The interviewer cannot hear you: check permissions and reload.`);
    }
    if (devices.cameraEnabled) {
      try {
        await lp.setCameraEnabled(true, devices.videoDeviceId ? { deviceId: devices.videoDeviceId } : undefined);
      } catch (e) {
        this.showNotice(`Your camera could not be started (${errorName(e)}). You can continue with audio only.`);
      }
    }
    this.syncControls();
  }

  private findAgent(room: Room): void {
    if (this.agent && room.remoteParticipants.has(this.agent.identity)) return;
    const agent = [...room.remoteParticipants.values()].find(isAgent) ?? null;
    if (!agent) return;
    this.agent = agent;
    this.agentSeen = true;
    window.clearTimeout(this.agentTimer);
    if (!this.stage.isConnected) this.renderRoom();
    this.readAgentAttributes();
  }

  private readAgentAttributes(): void {
    const attrs = this.agent?.attributes ?? {};
    const state = attrs[AGENT_STATE_ATTRIBUTE] ?? "initializing";
    this.orb.dataset.state = state;
    this.agentLabel.textContent = `Interviewer: ${STATE_LABELS[state] ?? state}`;
    if (attrs[PHASE_ATTRIBUTE]) this.setPhase(attrs[PHASE_ATTRIBUTE]);
    // re-read on every attribute change (the agent state changes often): restart the
    // countdown only when the published figure itself changed, or it would jump back
    const raw = attrs[REMAINING_ATTRIBUTE] ?? (attrs[ENDS_AT_ATTRIBUTE] !== undefined ? `@${attrs[ENDS_AT_ATTRIBUTE]}` : undefined);
    if (raw !== undefined && raw !== this.lastRemainingRaw) {
      this.lastRemainingRaw = raw;
      this.setRemaining(
        raw.startsWith("@") ? Number(raw.slice(1)) - Date.now() / 1000 : Number(raw),
      );
    }
  }

  private setPhase(phase: string): void {
    this.phaseLabel.textContent = PHASE_LABELS[phase] ?? phase.replace(/_/g, " ");
    this.phaseLabel.dataset.phase = phase;
  }

  /** The agent updates the figure now and then; we count down in between. */
  private setRemaining(seconds: number): void {
    if (!Number.isFinite(seconds)) return;
    this.remaining = { seconds, at: performance.now() };
    this.tickClock();
    if (!this.clockTimer) this.clockTimer = window.setInterval(() => this.tickClock(), 1000);
  }

  private tickClock(): void {
    if (!this.remaining) return;
    const left = Math.max(0, this.remaining.seconds - (performance.now() - this.remaining.at) / 1000);
    const m = Math.floor(left / 60);
    const s = Math.floor(left % 60);
    this.clock.textContent = `${m}:${String(s).padStart(2, "0")} left`;
    this.clock.classList.toggle("low", left < 120);
  }

  // --- outcomes -----------------------------------------------------------------

  private agentNeverJoined(): void {
    if (this.agentSeen || this.disposed) return;
    const room = this.room;
    this.leaving = true;
    void room?.disconnect();
    this.fail({
      kind: "other",
      detail: `no agent participant joined room ${this.session.room} within ${this.agentWaitS} s`,
    }, "agent");
  }

  private agentLeft(): void {
    if (this.leaving || this.disposed) return;
    this.leaving = true;
    void this.room?.disconnect();
    this.finished("The interviewer has ended the interview.");
  }

  private disconnected(reason?: DisconnectReason): void {
    if (this.leaving || this.disposed) return;
    if (reason === DisconnectReason.ROOM_DELETED || reason === DisconnectReason.PARTICIPANT_REMOVED) {
      this.finished("The interview has ended.");
      return;
    }
    if (reason === DisconnectReason.DUPLICATE_IDENTITY) {
      this.fail({ kind: "other", detail: "DUPLICATE_IDENTITY" }, "duplicate");
      return;
    }
    this.fail({ kind: "unreachable", detail: `disconnected: ${reason !== undefined ? DisconnectReason[reason] : "unknown"}` }, "lost");
  }

  private async leave(): Promise<void> {
    const ok = window.confirm("Leave the interview? You will not be able to rejoin this session.");
    if (!ok) return;
    this.leaving = true;
    await this.room?.disconnect();
    navigate(`/feedback/${encodeURIComponent(this.session.interview_id)}`);
  }

  private finished(message: string): void {
    window.clearInterval(this.clockTimer);
    const feedback = `/feedback/${encodeURIComponent(this.session.interview_id)}`;
    mount(
      h("section", { class: "card narrow", "aria-labelledby": "done-title" },
        h("h1", { id: "done-title" }, "Thank you!"),
        h("p", {}, message, " Your feedback is being prepared and usually takes a minute or two."),
        h("div", { class: "actions" }, h("a", { href: feedback, "data-link": true, class: "button primary" }, "See your feedback")),
      ),
    );
  }

  private fail(failure: ConnectFailure, situation: "connect" | "agent" | "lost" | "duplicate" = "connect"): void {
    if (this.disposed) return;
    window.clearTimeout(this.agentTimer);
    window.clearInterval(this.clockTimer);
    const retry = h("button", { type: "button", class: "button primary", id: "retry" }, "Try again");
    retry.addEventListener("click", () => {
      this.agent = null;
      this.agentSeen = false;
      void this.start();
    });
    const setup = h("a", { href: "/", "data-link": true, class: "button" }, "Set up a new interview");
    const server = this.session.server_url;
    let title: string;
    let message: string;
    let actions = [retry, setup];
    if (situation === "agent") {
      title = "The interviewer did not join";
      message =
        `We waited ${this.agentWaitS} seconds but no interviewer joined the room. ` +
        "The service may be busy or starting up. Try again in a moment.";
    } else if (situation === "lost") {
      title = "Connection lost";
      message = "Your connection to the interview was interrupted and could not be restored.";
    } else if (situation === "duplicate") {
      title = "Opened somewhere else";
      message = "This interview was opened in another tab or device, so this one was disconnected.";
    } else if (failure.kind === "expired") {
      title = "Your interview link has expired";
      message = "Interview links are valid for a short time. Set up a new interview to get a fresh one: your answers are kept.";
      actions = [setup];
      setup.classList.add("primary");
    } else if (failure.kind === "rejected") {
      title = "The interview server refused the connection";
      message = "Your interview link was not accepted. Set up a new interview to get a fresh one.";
      actions = [setup];
      setup.classList.add("primary");
    } else if (failure.kind === "offline") {
      title = "You are offline";
      message = "Your device has no network connection. Reconnect, then try again.";
    } else if (failure.kind === "unreachable") {
      title = "We could not reach the interview server";
      message =
        `The real-time media server (${server}) is not answering. It may be down or blocked by a ` +
        "firewall or VPN. Check your connection and try again.";
    } else {
      title = "Something went wrong while joining";
      message = "The interview could not start. Try again; if it keeps failing, set up a new interview.";
    }
    mount(errorPanel(title, message, actions, failure.detail));
  }

  // --- rendering ----------------------------------------------------------------

  private renderConnecting(): void {
    mount(
      h("section", { class: "card narrow center", "aria-busy": "true" },
        h("h1", {}, "Joining your interview…"),
        h("div", { class: "spinner", "aria-hidden": "true" }),
        h("p", { class: "hint" }, "Connecting to the interview server."),
      ),
    );
  }

  private renderRoom(): void {
    this.micButton.onclick = () => void this.toggle("mic");
    this.camButton.onclick = () => void this.toggle("cam");
    this.shareButton.onclick = () => void this.toggle("share");
    this.captionButton.onclick = () => {
      const on = this.captionButton.getAttribute("aria-pressed") !== "true";
      this.captionButton.setAttribute("aria-pressed", String(on));
      this.captionsBox.hidden = !on;
    };
    this.leaveButton.onclick = () => void this.leave();
    this.audioButton.onclick = () => void this.room?.startAudio();

    this.stage.replaceChildren(
      h("div", { class: "agent-tile" }, this.orb, this.agentLabel, this.audioButton),
      this.selfView,
    );
    if (!this.agent) {
      this.orb.dataset.state = "waiting";
      this.agentLabel.textContent = "Waiting for the interviewer to join…";
    }
    mount(
      h("section", { class: "room", "aria-labelledby": "room-title" },
        h("div", { class: "room-head" },
          h("h1", { id: "room-title", class: "visually-hidden" }, "Interview room"),
          h("div", { class: "status-line" }, h("span", { class: "label" }, "Phase: "), this.phaseLabel),
          this.clock,
        ),
        this.notice,
        this.stage,
        this.captionsBox,
        h("div", { class: "controls", role: "toolbar", "aria-label": "Call controls" },
          this.micButton, this.camButton, this.shareButton, this.captionButton, this.leaveButton,
        ),
        this.audioSink,
      ),
    );
    this.syncControls();
  }

  private async toggle(which: "mic" | "cam" | "share"): Promise<void> {
    const lp = this.room?.localParticipant;
    if (!lp) return;
    try {
      if (which === "mic") await lp.setMicrophoneEnabled(!lp.isMicrophoneEnabled);
      if (which === "cam") await lp.setCameraEnabled(!lp.isCameraEnabled);
      if (which === "share") await lp.setScreenShareEnabled(!lp.isScreenShareEnabled, { audio: false });
    } catch (e) {
      if (which === "share" && errorName(e) === "NotAllowedError") return; // picker cancelled
      this.showNotice(`Could not change your ${which === "mic" ? "microphone" : which === "cam" ? "camera" : "screen share"}: ${errorName(e)}`);
    }
    this.syncControls();
  }

  private syncControls(): void {
    const lp = this.room?.localParticipant;
    if (!lp) return;
    const mic = lp.isMicrophoneEnabled;
    this.micButton.textContent = mic ? "Mute" : "Unmute";
    this.micButton.setAttribute("aria-pressed", String(!mic));
    const cam = lp.isCameraEnabled;
    this.camButton.textContent = cam ? "Stop camera" : "Start camera";
    this.camButton.setAttribute("aria-pressed", String(!cam));
    const share = lp.isScreenShareEnabled;
    this.shareButton.textContent = share ? "Stop sharing" : "Share screen";
    this.shareButton.setAttribute("aria-pressed", String(share));
    const camTrack = lp.getTrackPublication(Track.Source.Camera)?.videoTrack;
    if (cam && camTrack) camTrack.attach(this.selfView);
    this.selfView.hidden = !cam;
  }

  private renderCaptions(segments: { identity: string; text: string; final: boolean }[]): void {
    const me = this.room?.localParticipant.identity;
    this.captionsBox.replaceChildren(
      ...segments
        .filter((s) => s.text.trim())
        .map((s) =>
          h("p", { class: `caption ${s.identity === me ? "me" : "them"}${s.final ? "" : " interim"}` },
            h("span", { class: "who" }, s.identity === me ? "You" : "Interviewer"),
            s.text,
          ),
        ),
    );
    this.captionsBox.scrollTop = this.captionsBox.scrollHeight;
  }

  private showNotice(message: string | null): void {
    this.notice.hidden = !message;
    this.notice.textContent = message ?? "";
  }
}

function isAgent(p: Participant): boolean {
  return p.isAgent || AGENT_STATE_ATTRIBUTE in p.attributes;
}

function errorName(e: unknown): string {
  return e instanceof Error ? e.name || e.message : String(e);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = window.setTimeout(() => reject(new Error(`connection timed out after ${ms / 1000} s`)), ms);
    promise.then(
      (v) => {
        window.clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        window.clearTimeout(timer);
        reject(e);
      },
    );
  });
}
