// libfixbuf's ipfixDump as a reference reader of the tests' .ipfix files: an element registry
// for its `-e` option (ntop's elements, PEN 35632, with their types) and its printed records.

/** An ntop element: number, name, IPFIX data type. */
export type NtopElement = [number, string, string];

/** A registry file for `ipfixDump -e` naming and typing these ntop elements. */
export function ntopRegistryXml(id: string, elements: NtopElement[]): string {
  const recs = elements
    .map(
      ([n, name, type]) =>
        `    <record><name>${name}</name><dataType>${type}</dataType><cert:enterpriseId>35632</cert:enterpriseId><elementId>${n}</elementId></record>`,
    )
    .join('\n');
  return `<?xml version='1.0' encoding='UTF-8'?>
<registry id="sipscope_test_${id}" xmlns="http://www.iana.org/assignments" xmlns:cert="http://www.cert.org/ipfix">
  <registry id="${id}-elements">
${recs}
  </registry>
</registry>
`;
}

/** ipfixDump's data records: per record, element number (ntop elements as "35632/N") → printed value. */
export function ipfixDumpRecords(text: string): Map<string, string>[] {
  const out: Map<string, string>[] = [];
  let cur: Map<string, string> | null = null;
  for (const line of text.split('\n')) {
    if (/^--- data record \d+ ---/.test(line)) {
      cur = new Map();
      out.push(cur);
      continue;
    }
    if (/^--- /.test(line) || /^\*\*\*/.test(line)) {
      cur = null;
      continue;
    }
    const m = /^\s*\(([\d/]+)\)\s+\S+ : ?(.*)$/.exec(line);
    if (m && cur) cur.set(m[1], m[2]);
  }
  return out;
}
