import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createInProcessBus, type Bus } from '../../lib/bus';
import { createRedisBus } from '../../lib/bus-redis';
import { ControlHub, type HubLimits, type MediaControl } from '../../services/control-channel/hub';
import {
  IdentityFaults,
  keyDirectory,
  type IdentityDirectory,
} from '../../services/control-channel/identities';
import {
  createMemoryPresenceStore,
  createRedisPresenceStore,
} from '../../services/control-channel/presence';
import { RelayLog } from '../../services/control-channel/relay-log';
import { livekitMediaControl } from '../../services/livekit/room-service';
import type { LivekitCredentials } from '../../services/livekit/tokens';
import { databaseHostDecisions } from '../../services/meetings/join';

/**
 * What the meeting routes share at run time: the control-channel hub over the bus (Redis
 * pub/sub when REDIS_URL is set, in-process otherwise), LiveKit's credentials and RoomService
 * when LIVEKIT_URL is set, and, only with CONCLAVE_TEST_HOOKS, the relay log and the
 * key-swap fault switch that end-to-end tests use.
 */
export interface MeetingsRuntime {
  hub: ControlHub;
  bus: Bus;
  identities: IdentityDirectory;
  livekit: LivekitCredentials | null;
  media: MediaControl | null;
  relayLog: RelayLog | null;
  identityFaults: IdentityFaults | null;
}

declare module 'fastify' {
  interface FastifyInstance {
    meetings: MeetingsRuntime;
  }
}

export default fp(
  async function meetingsRuntime(
    app: FastifyInstance,
    options: { hubLimits?: Partial<HubLimits> },
  ) {
    const { config, db } = app.conclave;
    const redisBus = config.REDIS_URL
      ? await createRedisBus({
          url: config.REDIS_URL,
          keyPrefix: config.REDIS_KEY_PREFIX,
          log: app.log,
          onError: (error) => app.log.error({ err: error }, 'control channel: bus handler failed'),
        })
      : null;
    const bus: Bus =
      redisBus ??
      createInProcessBus({
        onError: (error) => app.log.error({ err: error }, 'control channel: bus handler failed'),
      });
    const presence = redisBus
      ? createRedisPresenceStore(redisBus.commands, config.REDIS_KEY_PREFIX)
      : createMemoryPresenceStore();
    const livekit =
      config.LIVEKIT_URL && config.LIVEKIT_API_KEY && config.LIVEKIT_API_SECRET
        ? {
            url: config.LIVEKIT_URL,
            apiKey: config.LIVEKIT_API_KEY,
            apiSecret: config.LIVEKIT_API_SECRET,
          }
        : null;
    const media = livekit ? livekitMediaControl(livekit) : null;
    const relayLog = config.CONCLAVE_TEST_HOOKS ? new RelayLog() : null;
    const identityFaults = config.CONCLAVE_TEST_HOOKS ? new IdentityFaults() : null;
    const directory = keyDirectory(db);
    const hub = new ControlHub({
      bus,
      presence,
      decisions: databaseHostDecisions(db),
      media,
      relayLog,
      log: app.log,
      ...(options.hubLimits ? { limits: options.hubLimits } : {}),
    });
    app.decorate('meetings', {
      hub,
      bus,
      identities: identityFaults ? identityFaults.wrap(directory) : directory,
      livekit,
      media,
      relayLog,
      identityFaults,
    });
    app.log.info(
      { bus: bus.kind, media: livekit ? livekit.url : 'none' },
      'meetings: control channel ready',
    );
    // Close control channels with 1001 (going away) before the server stops accepting.
    app.addHook('preClose', async () => {
      await hub.close();
    });
    app.addHook('onClose', async () => {
      await presence.close();
      await bus.close();
    });
  },
  { name: 'conclave-meetings-runtime', dependencies: ['conclave-auth'] },
);
