import { DisconnectReason } from '@livekit/protocol';
import type { DevMediaServerLogger } from '../options';
import type { WebhookNotifier } from '../webhooks';
import { Room } from './room';

export interface RegistrySettings {
  departureTimeoutSeconds: number;
  emptyTimeoutSeconds: number;
  notifier: WebhookNotifier;
  logger: DevMediaServerLogger;
}

/** The server's rooms by name; a room exists from its first join (or CreateRoom) until it finishes. */
export class RoomRegistry {
  private readonly rooms = new Map<string, Room>();

  constructor(private readonly settings: RegistrySettings) {}

  get(name: string): Room | undefined {
    return this.rooms.get(name);
  }

  list(): Room[] {
    return [...this.rooms.values()];
  }

  getOrCreate(name: string): { room: Room; created: boolean } {
    const existing = this.rooms.get(name);
    if (existing && !existing.isFinished) return { room: existing, created: false };
    const room = new Room(name, {
      ...this.settings,
      onFinished: (finished) => {
        if (this.rooms.get(name) === finished) this.rooms.delete(name);
        this.settings.logger.info('room finished', { room: name });
      },
    });
    this.rooms.set(name, room);
    this.settings.notifier.notify('room_started', { room: room.roomInfo() });
    this.settings.logger.info('room started', { room: name });
    return { room, created: true };
  }

  async closeAll(reason = DisconnectReason.SERVER_SHUTDOWN): Promise<void> {
    await Promise.all(this.list().map((room) => room.close(reason)));
  }
}
