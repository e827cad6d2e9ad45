'use client';

import { PreJoin, type LocalUserChoices } from '@livekit/components-react';
import { useState } from 'react';
import { describeMediaError, type JoinBlock, type MediaProblem } from '../media-support';

/**
 * Before joining: camera and microphone preview with device choice (livekit's PreJoin), and
 * what the person should know first: whether the meeting is end-to-end encrypted, or why this
 * browser cannot join it.
 */
export function PreJoinScreen({
  title,
  e2ee,
  displayName,
  askName,
  askPasscode,
  recordingNotice = null,
  block,
  onJoin,
}: {
  title: string;
  e2ee: boolean;
  displayName: string;
  askName: boolean;
  askPasscode: boolean;
  /** The meeting's recording policy in words (describeRecordingPolicy). */
  recordingNotice?: string | null;
  block: JoinBlock | null;
  onJoin: (choices: LocalUserChoices, passcode: string) => void;
}) {
  const [problem, setProblem] = useState<MediaProblem | null>(null);
  const [passcode, setPasscode] = useState('');
  return (
    <div
      data-lk-theme="default"
      className="fixed inset-0 z-40 overflow-y-auto bg-slate-950 px-4 py-8 text-slate-100"
    >
      <div className="mx-auto flex max-w-xl flex-col gap-4">
        <h1 className="text-2xl font-semibold">{title}</h1>
        {e2ee ? (
          <p
            role="status"
            data-testid="prejoin-e2ee"
            data-e2ee="on"
            className="rounded-md bg-emerald-900/50 px-4 py-3 text-sm text-emerald-50"
          >
            <span aria-hidden="true">🔒 </span>
            <strong>End-to-end encrypted.</strong> Audio, video, screen shares and chat are
            encrypted in the participants&apos; browsers; the server only passes on what it cannot
            read. Compare the security code in the room to be sure.
          </p>
        ) : (
          <p
            role="alert"
            data-testid="prejoin-e2ee"
            data-e2ee="off"
            className="rounded-md bg-amber-900/70 px-4 py-3 text-sm text-amber-50"
          >
            <span aria-hidden="true">🔓 </span>
            <strong>This meeting is not end-to-end encrypted.</strong> The host turned it off:
            whoever runs the server could see and hear audio, video and screen shares. Chat stays
            end-to-end encrypted.
          </p>
        )}
        {recordingNotice && (
          <p
            data-testid="prejoin-recording"
            className="rounded-md bg-slate-800 px-4 py-3 text-sm text-slate-100"
          >
            <span aria-hidden="true">⏺ </span>
            {recordingNotice}
          </p>
        )}
        {block ? (
          <div role="alert" data-testid="join-blocked" className="rounded-md bg-red-950 px-4 py-3">
            <h2 className="font-semibold">{block.title}</h2>
            <p className="mt-1 text-sm">{block.detail}</p>
          </div>
        ) : (
          <>
            {problem && (
              <p
                role="alert"
                data-testid="device-problem"
                className="rounded-md bg-amber-900/70 px-4 py-3 text-sm"
              >
                {problem.message}
              </p>
            )}
            {askPasscode && (
              <label className="flex flex-col gap-1 text-sm">
                Meeting passcode
                <input
                  type="password"
                  value={passcode}
                  onChange={(event) => setPasscode(event.target.value)}
                  autoComplete="off"
                  className="lk-form-control"
                />
              </label>
            )}
            <PreJoin
              className={askName ? undefined : '[&_.lk-username-container_input]:hidden'}
              defaults={{ username: displayName, videoEnabled: true, audioEnabled: true }}
              persistUserChoices={!askName}
              joinLabel="Join meeting"
              micLabel="Microphone"
              camLabel="Camera"
              userLabel="Your name"
              onValidate={(values) =>
                (!askName || values.username.trim() !== '') && (!askPasscode || passcode !== '')
              }
              onError={(error) => setProblem(describeMediaError(error))}
              onSubmit={(choices) => onJoin(choices, passcode)}
            />
            {askName ? (
              <p className="text-xs text-slate-400">
                You join as a guest: a host lets you in from the lobby.
              </p>
            ) : (
              <p className="text-xs text-slate-400">Joining as {displayName}.</p>
            )}
          </>
        )}
      </div>
    </div>
  );
}
