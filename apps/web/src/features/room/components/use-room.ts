'use client';

import { useSyncExternalStore } from 'react';
import type { MeetingRoomController, RoomControllerState } from '../meeting-room-controller';
import type { RoomView } from '../room-session';

/** The controller's state (phase, connections, problems), re-rendered when it changes. */
export function useControllerState(controller: MeetingRoomController): RoomControllerState {
  return useSyncExternalStore(
    (listener) => controller.subscribe(listener),
    () => controller.state(),
    () => controller.state(),
  );
}

/** The room's view model (participants, trust, security code, chat). */
export function useRoomView(controller: MeetingRoomController): RoomView {
  return useSyncExternalStore(
    (listener) => controller.session.subscribe(listener),
    () => controller.session.view(),
    () => controller.session.view(),
  );
}
