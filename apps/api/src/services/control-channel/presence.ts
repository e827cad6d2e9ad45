import type { Redis } from 'ioredis';
import type { Participant } from '@conclave/contracts';

/**
 * Who is connected to a meeting occurrence's control channel, across API instances: the
 * snapshot an instance loads when its first participant of a room connects. Changes after that
 * travel as bus events; every entry is written by the instance that holds its connection.
 */
export interface PresenceEntry {
  participant: Participant;
  status: 'room' | 'lobby';
  instanceId: string;
  connectionId: string;
  /** When the entry got its current status (lobby: waiting since). */
  since: string;
}

export interface PresenceStore {
  upsert(roomKey: string, entry: PresenceEntry): Promise<void>;
  /** Removes the participant's entry only if it still belongs to this connection. */
  remove(roomKey: string, participantId: string, connectionId: string): Promise<void>;
  list(roomKey: string): Promise<PresenceEntry[]>;
  clear(roomKey: string): Promise<void>;
  /** Instances among `instanceIds` that are still running (their entries are real). */
  liveInstances(instanceIds: readonly string[]): Promise<Set<string>>;
  /** Says this instance is alive; called periodically. */
  heartbeat(instanceId: string): Promise<void>;
  close(): Promise<void>;
}

/** One process: a map. */
export function createMemoryPresenceStore(): PresenceStore {
  const rooms = new Map<string, Map<string, PresenceEntry>>();
  return {
    async upsert(roomKey, entry) {
      let room = rooms.get(roomKey);
      if (!room) rooms.set(roomKey, (room = new Map<string, PresenceEntry>()));
      room.set(entry.participant.id, structuredClone(entry));
    },
    async remove(roomKey, participantId, connectionId) {
      const room = rooms.get(roomKey);
      if (room?.get(participantId)?.connectionId !== connectionId) return;
      room.delete(participantId);
      if (room.size === 0) rooms.delete(roomKey);
    },
    async list(roomKey) {
      return [...(rooms.get(roomKey)?.values() ?? [])].map((entry) => structuredClone(entry));
    },
    async clear(roomKey) {
      rooms.delete(roomKey);
    },
    async liveInstances(instanceIds) {
      return new Set(instanceIds);
    },
    async heartbeat() {},
    async close() {
      rooms.clear();
    },
  };
}

/** Entries of an instance that stopped sending heartbeats for this long are dropped. */
export const INSTANCE_TTL_MS = 30_000;

// Deletes a field only when it still holds the given connection (a newer connection of the
// same participant may have replaced it on another instance).
const REMOVE_IF_CONNECTION = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return 0 end
local ok, entry = pcall(cjson.decode, current)
if ok and entry.connectionId == ARGV[2] then
  return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0`;

/**
 * Several instances: a Redis hash per room (participant id -> entry JSON) and a key per
 * instance that expires unless the instance keeps refreshing it, so entries of a crashed
 * instance are recognised and dropped.
 */
export function createRedisPresenceStore(redis: Redis, keyPrefix: string): PresenceStore {
  const roomKeyOf = (roomKey: string) => `${keyPrefix}presence:${roomKey}`;
  const instanceKeyOf = (instanceId: string) => `${keyPrefix}instance:${instanceId}`;
  return {
    async upsert(roomKey, entry) {
      const key = roomKeyOf(roomKey);
      await redis
        .multi()
        .hset(key, entry.participant.id, JSON.stringify(entry))
        .pexpire(key, 24 * 3_600_000)
        .exec();
    },
    async remove(roomKey, participantId, connectionId) {
      await redis.eval(REMOVE_IF_CONNECTION, 1, roomKeyOf(roomKey), participantId, connectionId);
    },
    async list(roomKey) {
      const key = roomKeyOf(roomKey);
      const raw = await redis.hgetall(key);
      const entries = Object.values(raw).map((value) => JSON.parse(value) as PresenceEntry);
      const live = await this.liveInstances([...new Set(entries.map((e) => e.instanceId))]);
      const stale = entries.filter((entry) => !live.has(entry.instanceId));
      for (const entry of stale) {
        await this.remove(roomKey, entry.participant.id, entry.connectionId);
      }
      return entries.filter((entry) => live.has(entry.instanceId));
    },
    async clear(roomKey) {
      await redis.del(roomKeyOf(roomKey));
    },
    async liveInstances(instanceIds) {
      if (instanceIds.length === 0) return new Set();
      const values = await redis.mget(...instanceIds.map(instanceKeyOf));
      return new Set(instanceIds.filter((_, index) => values[index] !== null));
    },
    async heartbeat(instanceId) {
      await redis.set(instanceKeyOf(instanceId), '1', 'PX', INSTANCE_TTL_MS);
    },
    async close() {},
  };
}
