'use client';

import { useEffect, useRef, useState } from 'react';
import type { Identity } from '@conclave/crypto';
import type { RecordingSummary } from '@conclave/contracts';
import { Alert, Button } from '../../components/ui';
import { errorMessage } from '../../lib/api';
import {
  decryptRecordingStream,
  type DecryptOutcome,
  type DecryptProgress,
} from './decrypt-stream';
import { MediaSourceSink, pickDownloadFile, type DownloadSink } from './media-sinks';
import { unsealRecordingKey, type OpenedEnvelope, type SharedKey } from './recording-trust';
import { formatBytes, percent, playbackVerdict } from './recording-view';
import { declareOpened, fetchCiphertext } from './recordings-api';

interface Props {
  summary: RecordingSummary;
  opened: OpenedEnvelope;
  identity: Identity;
  myKeyId: string;
  shares: readonly SharedKey[];
}

type Kind = 'play' | 'download';
type Job = { kind: Kind; progress: DecryptProgress | null };

function Progress({ job }: { job: Job }) {
  const value = percent(job.progress);
  const label = job.kind === 'play' ? 'Decrypting for playback' : 'Decrypting the download';
  const done = job.progress
    ? `${formatBytes(job.progress.receivedBytes)}${job.progress.totalBytes ? ` of ${formatBytes(job.progress.totalBytes)}` : ''}`
    : 'starting…';
  return (
    <div className="space-y-1 text-sm text-slate-700">
      <label className="block">
        {label}: {done}
        <progress
          className="mt-1 block w-full"
          max={100}
          {...(value === null ? {} : { value })}
          aria-valuetext={value === null ? done : `${value}%`}
        />
      </label>
    </div>
  );
}

/**
 * Opens a recording in this browser: the key is unsealed with my own X25519 key, the
 * ciphertext is fetched as a stream, decrypted chunk by chunk into the player (or a file),
 * and what was decrypted is compared with the recorder's seal.
 */
export function RecordingPlayer({ summary, opened, identity, myKeyId, shares }: Props) {
  const mediaRef = useRef<HTMLMediaElement | null>(null);
  const aborts = useRef<Record<Kind, AbortController | null>>({ play: null, download: null });
  const playerSink = useRef<MediaSourceSink | null>(null);
  const declared = useRef<Set<string>>(new Set());
  const [jobs, setJobs] = useState<Partial<Record<Kind, Job>>>({});
  const setJob = (kind: Kind, job: Job | null) =>
    setJobs((current) => {
      const next = { ...current };
      if (job) next[kind] = job;
      else delete next[kind];
      return next;
    });
  const [outcome, setOutcome] = useState<DecryptOutcome | null>(null);
  const [playing, setPlaying] = useState(false);
  const [message, setMessage] = useState<{
    tone: 'error' | 'success' | 'info';
    text: string;
  } | null>(null);

  useEffect(
    () => () => {
      aborts.current.play?.abort();
      aborts.current.download?.abort();
      playerSink.current?.dispose();
    },
    [],
  );

  const audio = summary.mode === 'audio';
  const fileName = `${summary.meetingTitle.replace(/[^\w\- ]+/g, '').trim() || 'recording'} ${(
    summary.startedAt ?? ''
  ).slice(0, 10)}.webm`.replace(/\s+/g, '-');

  async function declare(purpose: 'play' | 'download') {
    if (declared.current.has(purpose)) return;
    declared.current.add(purpose);
    try {
      await declareOpened(summary.id, purpose);
    } catch (caught) {
      declared.current.delete(purpose);
      throw caught;
    }
  }

  async function run(kind: Kind) {
    aborts.current[kind]?.abort();
    const controller = new AbortController();
    aborts.current[kind] = controller;
    setMessage(null);
    setJob(kind, { kind, progress: null });
    let sink: MediaSourceSink | DownloadSink | null = null;
    let key: Uint8Array | null = null;
    try {
      key = unsealRecordingKey({ envelope: opened.envelope, identity, myKeyId, shares });
      if (kind === 'download') {
        sink = await pickDownloadFile(fileName, opened.envelope.mimeType);
        if (!sink) return;
      }
      await declare(kind);
      const { body, totalBytes } = await fetchCiphertext(summary.id, controller.signal);
      if (kind === 'play') {
        const video = mediaRef.current;
        if (!video) throw new Error('The player is not on the page.');
        setPlaying(true);
        playerSink.current?.dispose();
        sink = await MediaSourceSink.attach(video, opened.envelope.mimeType, summary.durationMs);
        playerSink.current = sink;
        void video.play().catch(() => undefined);
      }
      const activeSink = sink!;
      const result = await decryptRecordingStream({
        source: body,
        recordingKey: key,
        recordingId: summary.id,
        mimeType: opened.envelope.mimeType,
        totalBytes: totalBytes ?? summary.sizeBytes,
        hashes: 'plaintext',
        sink: activeSink,
        signal: controller.signal,
        onProgress: (progress) => setJob(kind, { kind, progress }),
      });
      if (result.status === 'aborted') return;
      if (activeSink instanceof MediaSourceSink) {
        await activeSink.end();
      } else if (result.status === 'failed') {
        await activeSink.discard();
        setMessage({ tone: 'error', text: 'Nothing was saved: the recording did not decrypt.' });
      } else {
        await activeSink.commit();
        setMessage({
          tone: 'success',
          text:
            (activeSink.kind === 'file'
              ? `Saved ${formatBytes(result.result.plaintextBytes)} to the file you chose.`
              : `Downloaded ${formatBytes(result.result.plaintextBytes)} as ${fileName}.`) +
            (result.status === 'truncated'
              ? ' The recording ends early; the file plays to where it stops.'
              : ''),
        });
      }
      setOutcome(result);
    } catch (caught) {
      if (controller.signal.aborted) return;
      if (sink && !(sink instanceof MediaSourceSink)) await sink.discard().catch(() => undefined);
      setMessage({ tone: 'error', text: errorMessage(caught) });
    } finally {
      key?.fill(0);
      if (aborts.current[kind] === controller) {
        aborts.current[kind] = null;
        setJob(kind, null);
      }
    }
  }

  const verdict = playbackVerdict({
    opened,
    outcome,
    progress: jobs.play?.progress ?? jobs.download?.progress ?? null,
  });
  return (
    <div className="space-y-4">
      <div data-testid="recording-verdict" data-tone={verdict.tone}>
        <Alert tone={verdict.tone} title={verdict.title}>
          {verdict.detail}
        </Alert>
      </div>
      {/* One element from the start, so it exists when Play is pressed; shown once playing. */}
      {audio ? (
        <audio
          ref={(element) => {
            mediaRef.current = element;
          }}
          controls
          hidden={!playing}
          className="w-full"
          aria-label="Recording playback"
        />
      ) : (
        <video
          ref={(element) => {
            mediaRef.current = element;
          }}
          controls
          playsInline
          hidden={!playing}
          className="aspect-video w-full rounded-md bg-black"
          aria-label="Recording playback"
        />
      )}
      {jobs.play && <Progress job={jobs.play} />}
      {jobs.download && <Progress job={jobs.download} />}
      {message && <Alert tone={message.tone}>{message.text}</Alert>}
      <div className="flex flex-wrap gap-2">
        <Button onClick={() => void run('play')} busy={jobs.play !== undefined}>
          {outcome && playing ? 'Play again' : 'Play'}
        </Button>
        <Button
          variant="secondary"
          onClick={() => void run('download')}
          busy={jobs.download !== undefined}
        >
          Download .webm
        </Button>
        {(jobs.play || jobs.download) && (
          <Button
            variant="ghost"
            onClick={() => {
              aborts.current.play?.abort();
              aborts.current.download?.abort();
            }}
          >
            Stop
          </Button>
        )}
      </div>
    </div>
  );
}
