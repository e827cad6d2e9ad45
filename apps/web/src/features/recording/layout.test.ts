import { describe, expect, it } from 'vitest';
import { coverCrop, layoutTiles } from './layout';

const overlaps = (a: { x: number; y: number; width: number; height: number }, b: typeof a) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('layoutTiles', () => {
  it('puts everyone in a grid of equal tiles inside the canvas, without overlap', () => {
    for (let n = 1; n <= 10; n++) {
      const ids = Array.from({ length: n }, (_, i) => `p${i}`);
      const tiles = layoutTiles(ids, 1280, 720);
      expect(tiles.map((t) => t.id)).toEqual(ids);
      for (const tile of tiles) {
        expect(tile.x).toBeGreaterThanOrEqual(0);
        expect(tile.y).toBeGreaterThanOrEqual(0);
        expect(tile.x + tile.width).toBeLessThanOrEqual(1280);
        expect(tile.y + tile.height).toBeLessThanOrEqual(720);
        expect(tile.width).toBe(tiles[0]!.width);
      }
      for (let i = 0; i < n; i++)
        for (let j = i + 1; j < n; j++) expect(overlaps(tiles[i]!, tiles[j]!)).toBe(false);
    }
    expect(layoutTiles([], 1280, 720)).toEqual([]);
  });

  it('gives the speaker the large tile and the others a strip', () => {
    const tiles = layoutTiles(['a', 'b', 'c'], 1280, 720, 'speaker', 'c');
    expect(tiles[0]!.id).toBe('c');
    expect(tiles[0]!.width * tiles[0]!.height).toBeGreaterThan(
      4 * tiles[1]!.width * tiles[1]!.height,
    );
    expect(tiles.slice(1).map((t) => t.id)).toEqual(['a', 'b']);
    expect(layoutTiles(['a', 'b'], 1280, 720, 'speaker', 'gone')[0]!.id).toBe('a');
  });
});

describe('coverCrop', () => {
  it('crops the centre of a wider source to the tile’s shape', () => {
    const crop = coverCrop(1920, 1080, { width: 400, height: 400 });
    expect(crop).toEqual({ sx: 420, sy: 0, sw: 1080, sh: 1080 });
  });
});
