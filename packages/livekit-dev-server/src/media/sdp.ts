/**
 * Small, text-level SDP helpers. werift parses and builds the descriptions; these only read
 * what the signalling layer needs (which m-section carries which client track) and patch the
 * two places where werift's answers do not suit livekit-client (see README, "werift").
 */

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface MediaSectionSummary {
  index: number;
  kind: string;
  port: number;
  mid: string;
  direction: MediaDirection;
  /** Track ids from `a=msid` (the sender's MediaStreamTrack.id, LiveKit's `cid`). */
  trackIds: string[];
  /** `a=rid:<id> send` lines: the simulcast layers the client will send. */
  sendRids: string[];
}

const directions: readonly string[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

function splitSections(sdp: string): { session: string[]; sections: string[][] } {
  const lines = sdp.split(/\r?\n/).filter((line) => line.length > 0);
  const session: string[] = [];
  const sections: string[][] = [];
  for (const line of lines) {
    if (line.startsWith('m=')) {
      sections.push([line]);
    } else if (sections.length > 0) {
      sections[sections.length - 1]?.push(line);
    } else {
      session.push(line);
    }
  }
  return { session, sections };
}

function join(session: string[], sections: string[][]): string {
  return [...session, ...sections.flat()].join('\r\n') + '\r\n';
}

export function summarizeMediaSections(sdp: string): MediaSectionSummary[] {
  const { sections } = splitSections(sdp);
  return sections.map((lines, index) => {
    const [kind = '', port = '0'] = (lines[0] ?? '').slice(2).split(' ');
    let mid = '';
    let direction: MediaDirection = 'sendrecv';
    const trackIds = new Set<string>();
    const sendRids: string[] = [];
    for (const line of lines) {
      if (line.startsWith('a=mid:')) {
        mid = line.slice('a=mid:'.length).trim();
      } else if (line.startsWith('a=') && directions.includes(line.slice(2))) {
        direction = line.slice(2) as MediaDirection;
      } else if (line.startsWith('a=msid:')) {
        const trackId = line.slice('a=msid:'.length).split(' ')[1];
        if (trackId) trackIds.add(trackId);
      } else if (/^a=ssrc:\d+ msid:/.test(line)) {
        const trackId = line.split(' ')[2];
        if (trackId) trackIds.add(trackId);
      } else if (line.startsWith('a=rid:')) {
        const [rid, ridDirection] = line.slice('a=rid:'.length).split(' ');
        if (rid && ridDirection === 'send') sendRids.push(rid);
      }
    }
    return {
      index,
      kind,
      port: Number.parseInt(port, 10),
      mid,
      direction,
      trackIds: [...trackIds],
      sendRids,
    };
  });
}

/**
 * Removes transport-wide congestion control from an offer before werift sees it. werift
 * echoes the offer's feedback types into its answer but sends no transport-cc feedback, and
 * Chromium's bandwidth estimate then collapses to the lowest simulcast layer within seconds.
 * Without transport-cc, Chromium falls back to REMB, which this server sends.
 */
export function withoutTransportCc(sdp: string): string {
  const { session, sections } = splitSections(sdp);
  const filtered = sections.map((lines) =>
    lines.filter(
      (line) =>
        !/^a=rtcp-fb:\S+ transport-cc/.test(line) &&
        !(line.startsWith('a=extmap:') && line.includes('transport-wide-cc')),
    ),
  );
  return join(session, filtered);
}

/**
 * werift answers an m-section it neither sends nor receives on with port 0, which rejects
 * (stops) the client's transceiver for good. livekit-client keeps receive-only sections in
 * reserve for tracks it will be sent later, so keep those sections alive: port 9, inactive.
 */
export function keepInactiveSectionsOpen(sdp: string): string {
  const { session, sections } = splitSections(sdp);
  const patched = sections.map((lines) => {
    const first = lines[0] ?? '';
    if (!/^m=(audio|video) 0 /.test(first)) {
      return lines;
    }
    return [first.replace(/^(m=(?:audio|video)) 0 /, '$1 9 '), ...lines.slice(1)];
  });
  return join(session, patched);
}
