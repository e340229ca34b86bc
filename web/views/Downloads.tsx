// The download buttons of a finished run: each file is the bytes `sipscope read` writes for the
// same capture and options (the tooltip says which command). All but JSON Lines are built on the
// click, by reading the files again: the button says so while it is built.

import type { DownloadKind } from '../worker-protocol.ts';

const DOWNLOADS: { kind: DownloadKind; label: string; ext: string; tip: string }[] = [
  { kind: 'dump', label: 'Dump .sip', ext: 'sip', tip: 'nProbe-style dump file: the bytes of `sipscope read FILE --dump-file X.sip`' },
  { kind: 'ipfix', label: 'IPFIX', ext: 'ipfix', tip: 'RFC 5655 file: `sipscope read FILE --ipfix-file X.ipfix`' },
  { kind: 'v9', label: 'NetFlow v9', ext: 'v9', tip: '`sipscope read FILE --ipfix-file X.v9 --export-format v9`' },
  { kind: 'jsonl', label: 'JSONL', ext: 'jsonl', tip: '`sipscope read FILE --format jsonl`' },
  { kind: 'csv', label: 'CSV', ext: 'csv', tip: '`sipscope read FILE --format csv`' },
];

export function Downloads({
  enabled,
  preparing,
  onDownload,
}: {
  enabled: boolean;
  /** the download being built (one of these, or another kind) */
  preparing: string | null;
  onDownload(kind: DownloadKind, ext: string): void;
}) {
  return (
    <nav className="downloads" aria-label="Downloads">
      {DOWNLOADS.map((d) => (
        <button
          key={d.kind}
          type="button"
          title={d.tip}
          disabled={!enabled || preparing === d.kind}
          aria-busy={preparing === d.kind}
          data-testid={`download-${d.kind}`}
          onClick={() => onDownload(d.kind, d.ext)}
        >
          ⤓ {d.label}
          {preparing === d.kind ? ' (preparing…)' : ''}
        </button>
      ))}
    </nav>
  );
}
