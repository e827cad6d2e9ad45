import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { keepInactiveSectionsOpen, summarizeMediaSections, withoutTransportCc } from './sdp';

const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
// Chromium 156 + livekit-client 2.23: a receive-only audio and video placeholder, the data
// channel, and the camera being published with two simulcast layers.
const offer = fixture('chromium-publish-offer.sdp');
// werift's answer to it, before this server patches it.
const answer = fixture('werift-answer.sdp');

describe('summarizeMediaSections', () => {
  it('finds the placeholders, the data channel and the published track with its layers', () => {
    const sections = summarizeMediaSections(offer);
    expect(sections.map(({ kind, mid, direction }) => ({ kind, mid, direction }))).toEqual([
      { kind: 'audio', mid: '0', direction: 'recvonly' },
      { kind: 'video', mid: '3', direction: 'recvonly' },
      { kind: 'application', mid: '6', direction: 'sendrecv' },
      { kind: 'video', mid: '7', direction: 'sendonly' },
    ]);
    const camera = sections[3];
    expect(camera?.trackIds).toEqual(['e20fdba5-6f53-4812-856f-6d6ecd2e775c']);
    expect(camera?.sendRids).toEqual(['q', 'h']);
    expect(sections[0]?.port).toBeGreaterThan(0);
  });
});

describe('withoutTransportCc', () => {
  it('removes transport-cc feedback and its header extension, and nothing else', () => {
    expect(offer).toMatch(/a=rtcp-fb:\d+ transport-cc/);
    const stripped = withoutTransportCc(offer);
    expect(stripped).not.toMatch(/transport-cc/);
    expect(stripped).not.toMatch(/transport-wide-cc/);
    expect(stripped).toMatch(/a=rtcp-fb:96 goog-remb/);
    const removed = offer.split('\r\n').length - stripped.split('\r\n').length;
    expect(removed).toBe(
      offer.split('\r\n').filter((line) => /transport-cc|transport-wide-cc/.test(line)).length,
    );
    expect(summarizeMediaSections(stripped)).toEqual(summarizeMediaSections(offer));
  });
});

describe('keepInactiveSectionsOpen', () => {
  it('turns port 0 into port 9 for inactive audio and video sections only', () => {
    expect(answer).toMatch(/^m=audio 0 /m);
    const patched = keepInactiveSectionsOpen(answer);
    expect(patched).not.toMatch(/^m=(audio|video) 0 /m);
    const before = summarizeMediaSections(answer);
    const after = summarizeMediaSections(patched);
    expect(after.map((s) => s.direction)).toEqual(before.map((s) => s.direction));
    expect(after.filter((s) => s.direction === 'inactive').every((s) => s.port === 9)).toBe(true);
    expect(after.find((s) => s.kind === 'application')?.port).toBe(
      before.find((s) => s.kind === 'application')?.port,
    );
  });
});
