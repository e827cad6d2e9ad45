export interface DevMediaServerLogger {
  info(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
}

export interface TapOptions {
  /** Frames kept per track and layer; later frames are counted but not stored. Default 40. */
  maxFramesPerLayer?: number;
  /** Frames larger than this are stored truncated (the size is still reported). Default 256 KiB. */
  maxFrameBytes?: number;
}

export interface DevMediaServerOptions {
  /** Interface to listen on. Default 127.0.0.1: the server is for one machine. */
  host?: string;
  /** TCP port for signalling and HTTP; 0 picks a free one. Default 0. */
  port?: number;
  /** The same key and secret the API signs LiveKit tokens with. */
  apiKey: string;
  apiSecret: string;
  /** Every URL receives every webhook, signed like LiveKit's. */
  webhookUrls?: string[];
  /**
   * Addresses offered as ICE host candidates. Default loopback only (127.0.0.1), which is
   * enough for browsers on the same machine. Add a LAN address to reach it from other devices.
   */
  iceCandidateHosts?: string[];
  /** Test-only: keep copies of the media payloads the server forwards (see README, "The tap"). */
  enableTap?: boolean | TapOptions;
  /**
   * Seconds a room stays open after its last participant leaves before `room_finished`.
   * Default 20, like LiveKit's departure timeout; tests use 0.
   */
  departureTimeoutSeconds?: number;
  logger?: DevMediaServerLogger;
}

export const silentLogger: DevMediaServerLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export const consoleLogger: DevMediaServerLogger = {
  info: (message, context) => console.log(`[livekit-dev-server] ${message}`, context ?? ''),
  warn: (message, context) => console.warn(`[livekit-dev-server] ${message}`, context ?? ''),
  error: (message, context) => console.error(`[livekit-dev-server] ${message}`, context ?? ''),
};
