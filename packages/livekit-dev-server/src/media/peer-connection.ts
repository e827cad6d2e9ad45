import { isIPv4 } from 'node:net';
import {
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RTCRtpReceiver,
  RTCRtpSender,
  RTP_EXTENSION_URI,
  ReceiverEstimatedMaxBitrate,
  RtcpPayloadSpecificFeedback,
  rtpHeaderExtensionsParser,
  useAbsSendTime,
  useNACK,
  usePLI,
  useREMB,
  useSdesMid,
  useSdesRTPStreamId,
  type RTCRtpTransceiver,
  type RtcpPacket,
  type RtpPacket,
} from 'werift';

/**
 * Builds werift peer connections the way this server needs them, and works around what
 * werift 0.24 does differently from a browser (each workaround is explained where it is made).
 */

export interface PeerConnectionSettings {
  iceCandidateHosts: readonly string[];
  /**
   * ICE lite, as LiveKit's own server runs unless the client sets `disableIceLite`: the
   * browser (the full agent) runs the checks and consent, this side only answers. werift as a
   * full agent expires consent after 30 s of unanswered 500 ms checks, which a browser under
   * load (8 meetings' worth of encoding on two cores) does not always answer in time, and
   * then drops a connection that is carrying media just fine.
   */
  iceLite: boolean;
}

function isLoopback(host: string): boolean {
  return host === '::1' || host.startsWith('127.');
}

export function createServerPeerConnection(settings: PeerConnectionSettings): RTCPeerConnection {
  const hosts = [...settings.iceCandidateHosts];
  const bindLoopbackOnly =
    hosts.length > 0 && hosts.every((host) => isLoopback(host) && isIPv4(host));
  const pc = new RTCPeerConnection({
    codecs: {
      // Opus only: no RED, so the receiving browsers get plain Opus whatever the sender offers.
      audio: [
        new RTCRtpCodecParameters({
          mimeType: 'audio/opus',
          clockRate: 48000,
          channels: 2,
          rtcpFeedback: [],
        }),
      ],
      // VP8 without RTX: losses are repaired by NACK on the same SSRC.
      video: [
        new RTCRtpCodecParameters({
          mimeType: 'video/VP8',
          clockRate: 90000,
          rtcpFeedback: [useNACK(), usePLI(), useREMB()],
        }),
      ],
    },
    headerExtensions: {
      audio: [useSdesMid()],
      video: [useSdesMid(), useSdesRTPStreamId(), useAbsSendTime()],
    },
    // Host candidates come only from `iceCandidateHosts`: werift would otherwise offer every
    // interface of the machine.
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: hosts,
    ...(bindLoopbackOnly ? { iceInterfaceAddresses: { udp4: '127.0.0.1' } } : {}),
    bundlePolicy: 'max-bundle',
    iceLite: settings.iceLite,
    // No STUN server: werift's default would look up stun.l.google.com for a reflexive
    // candidate this server never offers.
    iceServers: [],
  });

  // werift hands an m-section that went inactive to the next transceiver it creates, taking
  // over its mid. livekit-client's receive-only sections are inactive until this server
  // sends on them, and their mids must stay theirs.
  pc.onTransceiverAdded.subscribe((transceiver) => {
    transceiver.usedForSender = true;
  });
  routeRtpByMid(pc);
  routeKeyframeRequestsByMediaSsrc(pc);
  return pc;
}

interface WeriftRouter {
  routeRtp: (packet: RtpPacket) => void;
  routeRtcp: (packet: RtcpPacket) => void;
  extIdUriMap: Record<number, string>;
  ssrcTable: Record<number, unknown>;
  registerRtpReceiver(receiver: RTCRtpReceiver, ssrc: number): void;
}

interface Route {
  receiver: RTCRtpReceiver;
  rid: string | undefined;
}

/**
 * werift looks simulcast layers up by rid alone, in one table per connection. A participant
 * who publishes a camera and a screen share sends two streams with rid "q" (and "h"), and
 * werift delivers both to whichever track registered last. This routes by the MID header
 * extension first (then rid), remembers each SSRC's route, and hands the packet to the right
 * werift receiver, which still does NACKs, receiver reports and statistics.
 */
function routeRtpByMid(pc: RTCPeerConnection): void {
  const router = (pc as unknown as { router: WeriftRouter }).router;
  const routes = new Map<number, Route>();
  router.routeRtp = (packet: RtpPacket) => {
    const ssrc = packet.header.ssrc;
    const extensions = rtpHeaderExtensionsParser(packet.header.extensions, router.extIdUriMap);
    let route = routes.get(ssrc);
    if (!route) {
      const mid: unknown = extensions[RTP_EXTENSION_URI.sdesMid];
      const rid: unknown = extensions[RTP_EXTENSION_URI.sdesRTPStreamID];
      const transceiver =
        typeof mid === 'string' ? pc.getTransceivers().find((t) => t.mid === mid) : undefined;
      if (transceiver) {
        route = { receiver: transceiver.receiver, rid: typeof rid === 'string' ? rid : undefined };
      } else {
        const known = router.ssrcTable[ssrc];
        if (known instanceof RTCRtpReceiver) {
          route = { receiver: known, rid: undefined };
        }
      }
      if (!route) {
        return;
      }
      routes.set(ssrc, route);
      // RTCP (sender reports) is still routed by werift's SSRC table.
      router.registerRtpReceiver(route.receiver, ssrc);
    }
    if (route.rid !== undefined && route.receiver.trackByRID[route.rid]) {
      route.receiver.handleRtpByRid(packet, route.rid, extensions);
    } else {
      route.receiver.handleRtpBySsrc(packet, extensions);
    }
  };
}

/**
 * werift hands a PLI or FIR to whatever its sender SSRC belongs to before trying the media
 * SSRC. A browser that both publishes and subscribes signs its feedback with one of its own
 * sending SSRCs, which on this side is a receiver, so the keyframe request never reached the
 * sender it is about. Route these by the media SSRC first.
 */
function routeKeyframeRequestsByMediaSsrc(pc: RTCPeerConnection): void {
  const router = (pc as unknown as { router: WeriftRouter }).router;
  const original = router.routeRtcp;
  router.routeRtcp = (packet: RtcpPacket) => {
    if (
      packet instanceof RtcpPayloadSpecificFeedback &&
      !(packet.feedback instanceof ReceiverEstimatedMaxBitrate)
    ) {
      const target = router.ssrcTable[packet.feedback.mediaSsrc];
      if (target instanceof RTCRtpSender) {
        target.handleRtcpPacket(packet);
        return;
      }
    }
    original(packet);
  };
}

/** REMB (draft-alvestrand-rmcat-remb) with an 18-bit mantissa and 6-bit exponent. */
export function buildRemb(
  senderSsrc: number,
  bitrate: number,
  ssrcs: number[],
): RtcpPayloadSpecificFeedback {
  let mantissa = Math.max(0, Math.floor(bitrate));
  let exponent = 0;
  while (mantissa >= 1 << 18) {
    mantissa = Math.floor(mantissa / 2);
    exponent++;
  }
  return new RtcpPayloadSpecificFeedback({
    feedback: new ReceiverEstimatedMaxBitrate({
      senderSsrc,
      mediaSsrc: 0,
      brExp: exponent,
      brMantissa: mantissa,
      ssrcNum: ssrcs.length,
      ssrcFeedbacks: ssrcs,
    }),
  });
}

export async function sendRtcpOn(
  transceiver: RTCRtpTransceiver,
  packets: RtcpPayloadSpecificFeedback[],
): Promise<void> {
  const transport = transceiver.receiver.dtlsTransport;
  if (transport.state !== 'connected') {
    return;
  }
  await transport.sendRtcp(packets);
}
