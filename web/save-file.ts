// Saving what the page made as a file: the names (from the capture's or the call's) and the
// download itself, through a blob: URL of this page (nothing goes over the network).

/** A name for downloads from the first file: `capture.pcap.gz` → `capture`. */
export function baseName(files: readonly File[]): string {
  const n = files[0]?.name ?? 'capture';
  const b = n.replace(/\.gz$/i, '').replace(/\.(pcapng|pcap|cap|dmp)$/i, '');
  return safeName(b || 'capture');
}

/** File-name-safe text (Call-IDs can hold anything). */
export function safeName(s: string): string {
  const t = s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '');
  return (t || 'call').slice(0, 80);
}

/** Save a Blob through a download link (no network: a blob: URL of this page). */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
