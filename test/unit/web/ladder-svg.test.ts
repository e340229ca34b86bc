// web/views/ladder-svg.ts: the one layout the page's ladder pieces and the SVG download are
// drawn from (column widths, captions and SDP lines cut to their arrow, row heights).

import { describe, expect, test } from 'vitest';
import { ladderModel, shortSdp, type LadderMessage } from '../../../shared/output/ladder.ts';
import { columnX, ladderLayout, ladderPieces, ladderSvg } from '../../../web/views/ladder-svg.ts';
import { base, ts, viaProxy } from '../../support/ladder-messages.ts';

describe('SVG ladder layout (web/views/ladder-svg.ts)', () => {
  const longSdp = `audio 10.0.0.1:4000 RTP/AVP ${Array.from({ length: 30 }, (_, k) => `codec${k}`).join(',')}`;
  const messages: LadderMessage[] = [
    ...viaProxy,
    {
      ...base,
      frame: 9,
      ts: ts(2),
      src: '10.0.0.1',
      sport: 5060,
      dst: '10.0.0.2',
      dport: 5060,
      label: 'INVITE',
      isRequest: true,
      sdp: longSdp,
    },
    {
      ...base,
      frame: 10,
      ts: ts(2),
      src: '10.0.0.2',
      sport: 5060,
      dst: '10.0.0.1',
      dport: 5060,
      label: `499 ${'Very '.repeat(20)}Long Reason`,
      isRequest: false,
      fromCaller: false,
    },
  ];
  const model = ladderModel(messages);
  const L = ladderLayout(model, 'absolute');

  test('columns fit the endpoints and captions within a bound; longer text is cut to the arrow, whole in its tooltip', () => {
    expect(L.colW).toBeGreaterThanOrEqual(170);
    expect(L.colW).toBeLessThanOrEqual(270);
    const k = 4; // the INVITE with the long SDP, between adjacent columns
    const room = Math.abs(columnX(L, 1) - columnX(L, 0));
    expect(L.sdps[k].endsWith('…')).toBe(true);
    expect(L.sdps[k].length * 6.5).toBeLessThanOrEqual(room);
    expect(L.captions[5].endsWith('…')).toBe(true);
    expect(L.captions[5].length * 7.5).toBeLessThanOrEqual(room);
    const svg = ladderSvg(model, { time: 'absolute' });
    expect(svg).toContain(`<title>INVITE (SDP)\n${shortSdp(longSdp)}\nframe 9 `);
    expect(svg).toContain(`>${L.sdps[k]}</text>`);
    // the short SDP line of the 200 is drawn whole
    expect(svg).toContain(`>${L.fullSdps[3]}</text>`);
  });

  test("rows with an SDP line are taller; the download is the page's pieces in one document", () => {
    expect(L.rows.map((r) => r.h)).toEqual([30, 30, 30, 42, 42, 30]);
    expect(L.rows[1].top).toBe(L.rows[0].top + L.rows[0].h);
    const p = ladderPieces(L);
    const svg = ladderSvg(model, { time: 'absolute', title: ['Call-ID: x'], footer: ['end'] });
    for (const piece of [p.corner, p.head, p.gutter, p.body]) expect(svg).toContain(piece);
    expect(svg.match(/<svg /g)?.length).toBe(1);
    expect(svg.match(/data-testid="ladder-arrow"/g)?.length).toBe(messages.length);
    expect(svg.match(/data-testid="ladder-participant"/g)?.length).toBe(3);
  });
});
