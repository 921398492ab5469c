/**
 * The interviewer's face or voice. With `AVATAR=tavus` on the agent, an avatar worker joins the
 * room and publishes lip-synced video on the agent's behalf (`lk.publish_on_behalf`); LiveKit's
 * `useVoiceAssistant` returns that as the agent's `videoTrack`, and it is shown instead of the
 * bar visualiser. Without one (no avatar configured, or it failed or dropped) the visualiser is
 * back. The agent says what became of its avatar in the `interview.avatar` attribute, so the
 * candidate is told the interview goes on in voice only rather than wondering where the face went.
 */

import { type AgentState, BarVisualizer, type TrackReference, VideoTrack } from "@livekit/components-react";
import type { AgentAttribute, AvatarStatus } from "../../generated/contracts";

/** Agent attribute with an `AvatarStatus` value; absent = no avatar configured. */
export const AVATAR_ATTRIBUTE: AgentAttribute = "interview.avatar";
const UNAVAILABLE: AvatarStatus = "unavailable";

interface Props {
  state: AgentState | undefined;
  audioTrack: TrackReference | undefined;
  videoTrack: TrackReference | undefined;
  avatarStatus: string | undefined;
}

export function InterviewerMedia({ state, audioTrack, videoTrack, avatarStatus }: Props) {
  const unavailable = avatarStatus === UNAVAILABLE;
  const video = videoTrack && !videoTrack.publication.isMuted && !unavailable ? videoTrack : null;
  return (
    <>
      {video ? (
        <VideoTrack
          trackRef={video}
          id="agent-video"
          className="agent-video"
          aria-label="The interviewer"
          style={{ width: 320, maxWidth: "100%", aspectRatio: "4 / 3", borderRadius: 12 }}
        />
      ) : (
        <BarVisualizer
          state={state}
          track={audioTrack}
          barCount={7}
          className="agent-bars"
          aria-hidden="true"
        />
      )}
      {unavailable ? (
        <p className="avatar-note" id="avatar-note" role="status">
          The interviewer&apos;s video is unavailable; the interview continues with voice only.
        </p>
      ) : null}
    </>
  );
}
