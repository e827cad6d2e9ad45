'use client';

import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { RecordingRoom, RecordingRoomView } from '../../recording/recording-room';

/**
 * Recording in the room: the indicator everyone sees while a recording is requested or runs
 * (and the announcement when it stops), the consent prompt, the "you are left out" notice,
 * and for the recorder the Record/Stop controls with upload progress. Only renders
 * recording-room.ts's view.
 */

export function useRecordingView(recording: RecordingRoom): RecordingRoomView {
  return useSyncExternalStore(
    (listener) => recording.subscribe(listener),
    () => recording.view(),
    () => recording.view(),
  );
}

function megabytes(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** The banner under the room's header: recording state, who records, who is in it. */
export function RecordingIndicator({ recording }: { recording: RecordingRoom }) {
  const view = useRecordingView(recording);
  const current = view.recording;
  if (!current) {
    if (!view.lastEnded) return null;
    const ended = view.lastEnded;
    return (
      <p
        role="status"
        data-testid="recording-stopped"
        className="mx-4 mt-2 rounded-md bg-slate-800 px-3 py-2 text-sm text-slate-100"
      >
        Recording stopped ({ended.recorder.name} was recording)
        {ended.state === 'ended_early' ? ': it ended early, what was uploaded is kept.' : '.'}
      </p>
    );
  }
  const names = (list: typeof view.consents) =>
    list
      .map((c) => c.name)
      .sort((x, y) => x.localeCompare(y))
      .join(', ');
  const inIt = names(view.consents.filter((c) => c.included));
  const declined = names(view.consents.filter((c) => c.decision === 'decline'));
  const waiting = names(view.consents.filter((c) => c.decision === 'pending'));
  const running = current.state === 'recording';
  return (
    <div
      role="status"
      aria-live="polite"
      data-testid="recording-indicator"
      data-state={current.state}
      className="mx-4 mt-2 rounded-md border border-red-500/60 bg-red-950/80 px-3 py-2 text-sm text-red-50"
    >
      <p className="font-medium">
        <span
          aria-hidden="true"
          className="mr-2 inline-block h-2.5 w-2.5 rounded-full bg-red-500"
        />
        {running
          ? `Recording: ${current.recorder.name} is recording this meeting`
          : `${current.recorder.name} asked to record this meeting`}
        {current.mode === 'audio' ? ' (audio only)' : ''}.
      </p>
      <p className="mt-1 text-red-100/90" data-testid="recording-who">
        In the recording: {inIt || 'nobody yet'}.{declined && ` Left out (declined): ${declined}.`}
        {waiting && ` Not answered yet: ${waiting}.`}
      </p>
      {view.consents
        .filter((c) => c.problem)
        .map((c) => (
          <p key={c.participantId} className="mt-1 text-amber-200">
            {c.name}’s answer was not counted: {c.problem}.
          </p>
        ))}
      {view.leftOut === 'declined' && (
        <p className="mt-1 font-medium" data-testid="recording-left-out">
          You declined: your camera and microphone are left out of this recording.
        </p>
      )}
      {view.leftOut === 'undecided' && (
        <p className="mt-1">You are not in the recording until you answer.</p>
      )}
      {view.consentError && (
        <p role="alert" className="mt-1 text-amber-200">
          {view.consentError}
        </p>
      )}
    </div>
  );
}

/** The consent prompt: a modal dialog, keyboard first (focus on the first choice). */
export function RecordingConsentPrompt({ recording }: { recording: RecordingRoom }) {
  const view = useRecordingView(recording);
  const first = useRef<HTMLButtonElement>(null);
  const prompt = view.prompt;
  useEffect(() => {
    if (prompt) first.current?.focus();
  }, [prompt]);
  if (!prompt) return null;
  const what = prompt.mode === 'audio' ? 'sound' : 'picture and sound';
  return (
    <div className="fixed inset-0 z-50 flex items-center justify-center bg-black/60 p-4">
      <div
        role="dialog"
        aria-modal="true"
        aria-labelledby="recording-prompt-title"
        aria-describedby="recording-prompt-text"
        data-testid="recording-consent-prompt"
        className="w-full max-w-md rounded-lg bg-white p-5 text-slate-900 shadow-xl"
        onKeyDown={(event) => {
          if (event.key !== 'Tab') return;
          // Keep focus inside the dialog.
          const buttons = [...event.currentTarget.querySelectorAll('button')];
          const index = buttons.indexOf(document.activeElement as HTMLButtonElement);
          const next = event.shiftKey ? index - 1 : index + 1;
          if (next < 0 || next >= buttons.length) {
            event.preventDefault();
            buttons[next < 0 ? buttons.length - 1 : 0]?.focus();
          }
        }}
      >
        <h2 id="recording-prompt-title" className="text-lg font-semibold">
          {prompt.recorderName} wants to record this meeting
        </h2>
        {prompt.consent === 'explicit' ? (
          <p id="recording-prompt-text" className="mt-2 text-sm text-slate-700">
            If you accept, your {what} will be in the recording. If you decline, you are left out of
            it entirely (your {what} are not recorded) and can stay in the meeting. Your answer is
            signed with your key.
          </p>
        ) : (
          <p id="recording-prompt-text" className="mt-2 text-sm text-slate-700">
            This meeting’s policy records everyone who stays. Your {what} will be in the recording
            once you acknowledge; if you do not want that, leave the meeting.
          </p>
        )}
        <div className="mt-4 flex gap-2">
          <button
            ref={first}
            type="button"
            onClick={() => recording.decide('accept')}
            className="rounded-md bg-slate-900 px-4 py-2 text-sm font-medium text-white"
          >
            {prompt.consent === 'explicit' ? 'Accept recording' : 'Understood'}
          </button>
          {prompt.consent === 'explicit' && (
            <button
              type="button"
              onClick={() => recording.decide('decline')}
              className="rounded-md border border-slate-300 px-4 py-2 text-sm font-medium"
            >
              Decline (leave me out)
            </button>
          )}
        </div>
      </div>
    </div>
  );
}

/** Record / Stop for whoever may record, with the recorder's progress and errors. */
export function RecordingControls({ recording }: { recording: RecordingRoom }) {
  const view = useRecordingView(recording);
  const [choosing, setChoosing] = useState(false);
  const run = view.run;
  const busy =
    run &&
    ['requesting', 'waiting-consent', 'starting', 'recording', 'stopping'].includes(run.phase);
  return (
    <div className="flex flex-wrap items-center gap-2" data-testid="recording-controls">
      {view.canRequest && !busy && !choosing && (
        <button type="button" className="lk-button" onClick={() => setChoosing(true)}>
          Record
        </button>
      )}
      {view.canRequest && !busy && choosing && (
        <span role="group" aria-label="Start recording" className="flex gap-1">
          {!view.audioOnlyRequired && (
            <button
              type="button"
              className="lk-button"
              onClick={() => {
                setChoosing(false);
                void recording.requestRecording('video');
              }}
            >
              Record video
            </button>
          )}
          <button
            type="button"
            className="lk-button"
            onClick={() => {
              setChoosing(false);
              void recording.requestRecording('audio');
            }}
          >
            Record audio only{view.audioOnlyRequired ? ' (policy)' : ''}
          </button>
          <button type="button" className="lk-button" onClick={() => setChoosing(false)}>
            Cancel
          </button>
        </span>
      )}
      {run?.phase === 'waiting-consent' && (
        <button type="button" className="lk-button" onClick={() => recording.startNow()}>
          Start now (answers so far)
        </button>
      )}
      {(run?.phase === 'recording' || run?.phase === 'waiting-consent') && (
        <button
          type="button"
          className="lk-button bg-red-900"
          onClick={() => void recording.stopRecording()}
        >
          Stop recording
        </button>
      )}
      {run && <RecorderProgress view={view} />}
    </div>
  );
}

function RecorderProgress({ view }: { view: RecordingRoomView }) {
  const run = view.run!;
  const upload = run.upload;
  const words: Record<typeof run.phase, string> = {
    requesting: 'Asking to record…',
    'waiting-consent': 'Waiting for everyone’s answer…',
    starting: 'Starting…',
    recording: 'Recording',
    stopping: 'Finishing the upload…',
    sealed: 'Recording saved and sealed.',
    failed: 'Recording stopped.',
  };
  return (
    <span className="text-sm text-slate-200" data-testid="recorder-status" data-phase={run.phase}>
      {words[run.phase]}
      {upload &&
        ` · uploaded ${megabytes(upload.acknowledgedBytes)}` +
          (upload.appendedBytes > upload.acknowledgedBytes
            ? ` (${megabytes(upload.appendedBytes - upload.acknowledgedBytes)} waiting)`
            : '')}
      {upload?.problem && (
        <span role="alert" className="ml-2 text-amber-300">
          {upload.problem}
        </span>
      )}
      {run.error && (
        <span role="alert" className="ml-2 text-amber-300" data-testid="recorder-error">
          {run.error}
        </span>
      )}
    </span>
  );
}
