// The E-model (ITU-T G.107) with its default parameters, for a stream's R-factor and MOS: R₀ 93.2
// less the delay impairment Id (talker echo with T = Ta, listener echo with Tr = 2·Ta, absolute
// delay Idd) and the effective equipment impairment of the codec under random loss (Ie,eff with
// G.113 Appendix I values, burst ratio 1). MOS from R by G.107 Annex B.

/** G.113 Appendix I: equipment impairment Ie and packet-loss robustness Bpl by codec name. */
const CODECS: Record<string, { ie: number; bpl: number }> = {
  PCMU: { ie: 0, bpl: 25.1 }, // G.711 with packet-loss concealment
  PCMA: { ie: 0, bpl: 25.1 },
  G729: { ie: 11, bpl: 19 },
  G729A: { ie: 11, bpl: 19 },
  G723: { ie: 15, bpl: 16.1 },
  'GSM-EFR': { ie: 5, bpl: 10 },
};
/** Codecs G.113 does not rate on the narrowband scale are taken as G.711 (docs/DECISIONS.md). */
const DEFAULT_CODEC = CODECS.PCMU;

// G.107 default parameters
const SLR = 8;
const RLR = 2;
const TELR = 65;
const WEPL = 110;
const NO = -61.18; // total noise power with the default parameters (dBm0p)
const RO = 15 - 1.5 * (SLR + NO);
const ROE = -1.5 * (NO - RLR);
const MT = 100;

/** Talker echo impairment for the mean one-way echo-path delay t (ms). */
function idte(t: number): number {
  if (t < 1) return 0;
  const terv = TELR - 40 * Math.log10((1 + t / 10) / (1 + t / 150)) + 6 * Math.exp(-0.3 * t * t);
  const re = 80 + 2.5 * (terv - 14);
  return ((ROE - re) / 2 + Math.sqrt((ROE - re) ** 2 / 4 + 100) - 1) * (1 - Math.exp(-t));
}

/** Listener echo impairment for the round-trip delay tr (ms). */
function idle(tr: number): number {
  const rle = 10.5 * (WEPL + 7) * (tr + 1) ** -0.25;
  return (RO - rle) / 2 + Math.sqrt((RO - rle) ** 2 / 4 + 169);
}

/** Impairment of the absolute one-way delay ta (ms). */
function idd(ta: number): number {
  if (ta <= MT) return 0;
  const x = Math.log10(ta / MT) / Math.log10(2);
  return 25 * ((1 + x ** 6) ** (1 / 6) - 3 * (1 + (x / 3) ** 6) ** (1 / 6) + 2);
}

/** R with every default and no delay: what the model gives a perfect call. */
const R0 = 93.2;
const IDLE_AT_ZERO = idle(0);

/**
 * R-factor of a stream: one-way delay `delayMs`, packet loss `lossPct` (0–100), codec by its
 * SDP encoding name.
 */
export function rFactor(codec: string | null, delayMs: number, lossPct: number): number {
  const c = (codec !== null && CODECS[codec.toUpperCase()]) || DEFAULT_CODEC;
  const ta = Math.max(0, delayMs);
  const id = idte(ta) + idle(2 * ta) - IDLE_AT_ZERO + idd(ta);
  const ppl = Math.min(100, Math.max(0, lossPct));
  const ieEff = c.ie + ((95 - c.ie) * ppl) / (ppl + c.bpl);
  return R0 - id - ieEff;
}

/** MOS (1 … 4.5) from R, G.107 Annex B. */
export function mosOf(r: number): number {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}
