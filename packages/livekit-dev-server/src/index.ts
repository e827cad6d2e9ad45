export { startDevMediaServer, type DevMediaServer } from './server';
export type { DevMediaServerOptions, DevMediaServerLogger, TapOptions } from './options';
export { consoleLogger, silentLogger } from './options';
export {
  EMULATED_SERVER_VERSION,
  SUPPORTED_CLIENT_PROTOCOLS,
  TESTED_LIVEKIT_CLIENT_VERSION,
} from './compat';
export {
  MediaTap,
  tapTracksFromJson,
  type TapFrame,
  type TapSnapshotJson,
  type TapTrack,
  type TapTrackMeta,
} from './tap/tap';
export {
  assessTrack,
  inspectOpusPacket,
  inspectVp8Frame,
  type AssessOptions,
  type FrameVerdict,
  type OpusPacketReport,
  type TrackAssessment,
  type TrackVerdict,
  type Vp8FrameReport,
} from './tap/inspect';
