/** Where each participant's picture goes on the recording's canvas. Pure, so it is tested. */

export interface Tile {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export type RecordingLayout = 'grid' | 'speaker';

const GAP = 8;

/**
 * Grid: the smallest near-square grid that holds everyone, tiles of equal size, a last row
 * that is not full centred. Speaker: the speaker (or the first) large on top, the others in
 * a strip below it. Ids keep their order; an empty list gives no tiles.
 */
export function layoutTiles(
  ids: readonly string[],
  width: number,
  height: number,
  layout: RecordingLayout = 'grid',
  speakerId: string | null = null,
): Tile[] {
  if (ids.length === 0) return [];
  if (layout === 'speaker' && ids.length > 1) return speakerTiles(ids, width, height, speakerId);
  const columns = Math.ceil(Math.sqrt(ids.length));
  const rows = Math.ceil(ids.length / columns);
  const tileWidth = Math.floor((width - GAP * (columns + 1)) / columns);
  const tileHeight = Math.floor((height - GAP * (rows + 1)) / rows);
  return ids.map((id, index) => {
    const row = Math.floor(index / columns);
    const inRow = row === rows - 1 ? ids.length - row * columns : columns;
    const column = index % columns;
    const rowOffset = Math.floor(((columns - inRow) * (tileWidth + GAP)) / 2);
    return {
      id,
      x: GAP + rowOffset + column * (tileWidth + GAP),
      y: GAP + row * (tileHeight + GAP),
      width: tileWidth,
      height: tileHeight,
    };
  });
}

function speakerTiles(
  ids: readonly string[],
  width: number,
  height: number,
  speakerId: string | null,
): Tile[] {
  const speaker = speakerId !== null && ids.includes(speakerId) ? speakerId : ids[0]!;
  const others = ids.filter((id) => id !== speaker);
  const stripHeight = Math.floor(height / 5);
  const mainHeight = height - stripHeight - GAP * 3;
  const tiles: Tile[] = [
    { id: speaker, x: GAP, y: GAP, width: width - 2 * GAP, height: mainHeight },
  ];
  const tileWidth = Math.floor((width - GAP * (others.length + 1)) / others.length);
  others.forEach((id, index) =>
    tiles.push({
      id,
      x: GAP + index * (tileWidth + GAP),
      y: GAP * 2 + mainHeight,
      width: tileWidth,
      height: stripHeight,
    }),
  );
  return tiles;
}

/** The source rectangle that fills `tile` without distortion (centre crop). */
export function coverCrop(
  sourceWidth: number,
  sourceHeight: number,
  tile: Pick<Tile, 'width' | 'height'>,
): { sx: number; sy: number; sw: number; sh: number } {
  const scale = Math.max(tile.width / sourceWidth, tile.height / sourceHeight);
  const sw = tile.width / scale;
  const sh = tile.height / scale;
  return { sx: (sourceWidth - sw) / 2, sy: (sourceHeight - sh) / 2, sw, sh };
}
